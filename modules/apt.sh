# apt: installs, upgrades and removes Debian packages. dpkg-query says what is installed,
# apt-cache what is available, and apt-get makes one transaction of all the changes.
export DEBIAN_FRONTEND=noninteractive LC_ALL=C
set -f
command -v apt-get > /dev/null 2>&1 || rc_fail "apt-get not found: the apt module needs a Debian-like target"
ST=${A_state-present}
[ "$ST" = installed ] && ST=present
[ "$ST" = removed ] && ST=absent
CH=0; CU=false; UT=0; OUT=; ERR=; WARN=
NL='
'
# Words we chose on the controller: no spaces inside any of them.
OPTS="-y -q ${A_dpkg_opts-}"
INST=
case ${A_install_recommends-} in
  1) INST="--install-recommends" ;; 0) INST="--no-install-recommends" ;;
esac
[ "${A_allow_downgrade-0}" = 1 ] && INST="$INST --allow-downgrades"
[ "${A_allow_unauthenticated-0}" = 1 ] && INST="$INST --allow-unauthenticated"
[ "${A_only_upgrade-0}" = 1 ] && INST="$INST --only-upgrade"
[ -n "${A_default_release-}" ] && INST="$INST -t $A_default_release"
[ "${A_force-0}" = 1 ] && INST="$INST --allow-downgrades --allow-remove-essential --allow-change-held-packages"
rc_apt_warn() { rc_json_str "$1"; WARN="$WARN${WARN:+,}$J"; }
# Runs apt-get "$@" (or simulates it in check mode) and fails the task when it fails.
rc_apt_get() {
  if [ "$RC_CHECK" = 1 ]; then rc_capture apt-get --simulate $OPTS "$@"; else rc_capture apt-get $OPTS "$@"; fi
  OUT="$OUT${OUT:+$NL}$RC_O"; ERR="$ERR${ERR:+$NL}$RC_E"
  if [ "$RC_RC" != 0 ]; then
    if [ "$RC_CHECK" = 1 ]; then rc_apt_warn "apt-get --simulate $*: ${RC_E:-exit status $RC_RC}"; return 0; fi
    rc_json_str "$OUT"; RC_X=",\"stdout\":$J,\"rc\":$RC_RC"; rc_json_str "$ERR"
    rc_fail "\`apt-get $*\` failed: ${RC_E:-$RC_O}" "$RC_X,\"stderr\":$J"
  fi
}
# Ansible checks the cache's age when either is given.
if [ "${A_update_cache-0}" = 1 ] || [ "${A_cache_valid_time-0}" -gt 0 ]; then
  STAMP=/var/lib/apt/periodic/update-success-stamp
  [ -e "$STAMP" ] || STAMP=/var/lib/apt/lists
  FRESH=0
  if [ "${A_cache_valid_time-0}" -gt 0 ] && MT=$(stat -c %Y "$STAMP" 2>/dev/null); then
    [ $(( $(date +%s) - MT )) -lt "$A_cache_valid_time" ] && FRESH=1
  fi
  if [ "$FRESH" = 0 ]; then
    if [ "$RC_CHECK" = 0 ]; then
      # `%y`: the mtime to the nanosecond, as Ansible compares a float st_mtime (two updates in
      # one second still tell a moved cache from an unmoved one).
      MT0=$(stat -c %y "$STAMP" 2>/dev/null || echo 0)
      rc_capture apt-get -q update
      [ "$RC_RC" = 0 ] || rc_fail "failed to update the apt cache: ${RC_E:-$RC_O}" ",\"rc\":$RC_RC"
      # As Ansible's apt: the update is a change only when it changed the cache's mtime (apt
      # leaves it alone when no index changed).
      [ -e /var/lib/apt/periodic/update-success-stamp ] && STAMP=/var/lib/apt/periodic/update-success-stamp
      [ "$(stat -c %y "$STAMP" 2>/dev/null || echo 0)" != "$MT0" ] && CU=true
    else
      CU=true
    fi
  fi
  UT=$(stat -c %Y "$STAMP" 2>/dev/null || echo 0)
fi
# Sets IST to the installed status (installed, config-files or absent) and IV to the version.
rc_apt_query() {
  IST=absent; IV=
  RC_Q=$(dpkg-query -W -f='${db:Status-Abbrev}|${Version}\n' -- "$1" 2>/dev/null | head -n 1) || return 0
  case $RC_Q in
    ?[iWt]*) IST=installed; IV=${RC_Q#*|} ;;
    ?c*) IST=config-files ;;
  esac
}
set --
if [ -n "${A_deb-}" ]; then
  [ -f "$A_deb" ] || rc_fail "deb file \`$A_deb\` does not exist on the target"
  DN=$(dpkg-deb -f "$A_deb" Package 2>/dev/null) && DV=$(dpkg-deb -f "$A_deb" Version 2>/dev/null) \
    || rc_fail "\`$A_deb\` is not a valid Debian package"
  rc_apt_query "$DN"
  if [ "$IST" != installed ] || [ "$IV" != "$DV" ] || [ "${A_force-0}" = 1 ]; then
    case $A_deb in /*|./*|../*) D=$A_deb ;; *) D=./$A_deb ;; esac
    CH=1; rc_apt_get $INST install -- "$D"
  fi
fi
while IFS= read -r P; do
  [ -n "$P" ] || continue
  case $P in *=*) N=${P%%=*}; V=${P#*=} ;; *) N=$P; V= ;; esac
  rc_apt_query "$N"
  case $ST in
    present|fixed)
      if [ "$IST" != installed ]; then set -- "$@" "$P"
      elif [ -n "$V" ]; then case $IV in $V) ;; *) set -- "$@" "$P" ;; esac
      fi ;;
    latest)
      if [ "$IST" != installed ]; then set -- "$@" "$P"
      elif [ -n "$V" ]; then case $IV in $V) ;; *) set -- "$@" "$P" ;; esac
      else
        CV=$(apt-cache policy -- "$N" 2>/dev/null | awk '$1 == "Candidate:" { print $2; exit }')
        [ -n "$CV" ] && [ "$CV" != "(none)" ] && [ "$CV" != "$IV" ] && set -- "$@" "$P"
      fi ;;
    absent)
      if [ "$IST" = installed ] || { [ "$IST" = config-files ] && [ "${A_purge-0}" = 1 ]; }; then
        set -- "$@" "$N"
      fi ;;
  esac
  if [ "$ST" != absent ] && [ "$IST" != installed ] && [ -z "$V" ]; then
    CV=$(apt-cache policy -- "$N" 2>/dev/null | awk '$1 == "Candidate:" { print $2; exit }')
    if [ -z "$CV" ] || [ "$CV" = "(none)" ]; then
      [ "$RC_CHECK" = 1 ] || rc_fail "No package matching \`$N\` is available"
      rc_apt_warn "no package matching \`$N\` is available (check mode: it may appear after the cache update)"
    fi
  fi
done <<RC_EOF
${A_name-}
RC_EOF
if [ $# -gt 0 ]; then
  CH=1
  if [ "$ST" = absent ]; then
    RM=remove; [ "${A_purge-0}" = 1 ] && RM="remove --purge"
    [ "${A_autoremove-0}" = 1 ] && RM="$RM --auto-remove"
    rc_apt_get $RM -- "$@"
  else
    rc_apt_get $INST install -- "$@"
  fi
fi
# Whole-system operations: simulate first, act only when the simulation plans something.
rc_apt_planned() {
  rc_capture apt-get --simulate $OPTS "$@"
  [ "$RC_RC" = 0 ] || rc_fail "\`apt-get $*\` failed: ${RC_E:-$RC_O}" ",\"rc\":$RC_RC"
  case "$NL$RC_O" in *"${NL}Inst "*|*"${NL}Remv "*|*"${NL}Purg "*) return 0 ;; esac
  return 1
}
case ${A_upgrade-no} in
  yes|safe) UP="upgrade --with-new-pkgs" ;; full|dist) UP=dist-upgrade ;; *) UP= ;;
esac
if [ -n "$UP" ] && rc_apt_planned $UP; then CH=1; rc_apt_get $UP; fi
if [ "${A_autoremove-0}" = 1 ] && [ "$ST" != absent ] && rc_apt_planned autoremove; then
  CH=1; RM=autoremove; [ "${A_purge-0}" = 1 ] && RM="autoremove --purge"; rc_apt_get $RM
fi
[ "${A_autoclean-0}" = 1 ] && [ "$RC_CHECK" = 0 ] && apt-get -q autoclean > /dev/null 2>&1
[ "${A_clean-0}" = 1 ] && [ "$RC_CHECK" = 0 ] && apt-get -q clean > /dev/null 2>&1
EXTRA=
if [ -z "${A_name-}" ] && [ -z "${A_deb-}" ] && [ -z "$UP" ] && [ "$CU" = true ]; then CH=1; fi
if [ "$RC_DIFF" = 1 ] && [ -n "$OUT" ]; then rc_json_str "$OUT"; EXTRA=",\"diff\":{\"prepared\":$J}"; fi
[ -z "$WARN" ] || EXTRA="$EXTRA,\"warnings\":[$WARN]"
rc_json_str "$OUT"; JO=$J; rc_json_lines "$OUT"; JL=$J; rc_json_str "$ERR"
rc_out "{\"changed\":$(rc_tf $CH),\"cache_updated\":$CU,\"cache_update_time\":$UT,\"stdout\":$JO,\"stdout_lines\":$JL,\"stderr\":$J$EXTRA}"
