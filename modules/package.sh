# package: the generic half for managers other than apt. PM_* come from the controller's table:
# pm_installed NAME and pm_outdated NAME are sh functions, PM_INSTALL, PM_UPGRADE, PM_REMOVE
# and PM_REFRESH are command prefixes (fixed words, split on spaces).
set -f
ST=${A_state-present}
[ "$ST" = installed ] && ST=present
[ "$ST" = removed ] && ST=absent
NL='
'
CH=0; CU=false; OUT=; ERR=
# Runs the prefix $1 followed by the names in $2 (one a line), unless in check mode.
rc_pm_run() {
  [ "$RC_CHECK" = 1 ] && return 0
  RC_P=$1; RC_NS=$2
  set -- $RC_P
  while IFS= read -r RC_N; do [ -z "$RC_N" ] || set -- "$@" "$RC_N"; done <<RC_EOF
$RC_NS
RC_EOF
  rc_capture "$@"
  OUT="$OUT${OUT:+$NL}$RC_O"; ERR="$ERR${ERR:+$NL}$RC_E"
  if [ "$RC_RC" != 0 ]; then
    rc_json_str "$OUT"; RC_X=",\"stdout\":$J,\"rc\":$RC_RC"; rc_json_str "$ERR"
    rc_fail "\`$*\` failed: ${RC_E:-$RC_O}" "$RC_X,\"stderr\":$J"
  fi
}
if [ "${A_update_cache-0}" = 1 ] && [ -n "$PM_REFRESH" ]; then
  rc_pm_run "$PM_REFRESH" ""; CU=true
fi
MISSING=; OLD=; GONE=
while IFS= read -r P; do
  [ -n "$P" ] || continue
  if pm_installed "$P" > /dev/null 2>&1; then
    case $ST in
      absent) GONE="$GONE$P$NL" ;;
      latest) if pm_outdated "$P" > /dev/null 2>&1; then OLD="$OLD$P$NL"; fi ;;
    esac
  else
    [ "$ST" = absent ] || MISSING="$MISSING$P$NL"
  fi
done <<RC_EOF
${A_name-}
RC_EOF
[ -z "$MISSING" ] || { CH=1; rc_pm_run "$PM_INSTALL" "$MISSING"; }
[ -z "$OLD" ] || { CH=1; rc_pm_run "$PM_UPGRADE" "$OLD"; }
[ -z "$GONE" ] || { CH=1; rc_pm_run "$PM_REMOVE" "$GONE"; }
rc_json_lines "$MISSING$OLD"; JC=$J; rc_json_lines "$GONE"; JR=$J
rc_json_str "$OUT"; JO=$J; rc_json_lines "$OUT"; JL=$J; rc_json_str "$ERR"
rc_json_str "$PM"; JM=$J
rc_out "{\"changed\":$(rc_tf $CH),\"cache_updated\":$CU,\"pkg_mgr\":$JM,\"installed\":$JC,\"removed\":$JR,\"results\":[],\"stdout\":$JO,\"stdout_lines\":$JL,\"stderr\":$J,\"rc\":0}"
