# group: creates, changes the gid of, or removes one group with groupadd/groupmod/groupdel.
N=$A_name
ST=${A_state}
CH=0
rc_json_str "$N"; J_N=$J
rc_group_run() {
  CH=1
  [ "$RC_CHECK" = 1 ] && return 0
  rc_capture "$@"
  [ "$RC_RC" = 0 ] || rc_fail "\`$1\` failed for group \`$N\` (exit status $RC_RC): ${RC_E:-$RC_O}" ",\"name\":$J_N,\"rc\":$RC_RC"
}
ENT=$(getent group "$N" 2>/dev/null)
if [ "$ST" = absent ]; then
  [ -z "$ENT" ] || rc_group_run groupdel -- "$N"
  rc_out "{\"changed\":$(rc_tf $CH),\"name\":$J_N,\"state\":\"absent\"}"
  exit 0
fi
if [ -z "$ENT" ]; then
  set -- groupadd
  [ -n "${A_gid-}" ] && set -- "$@" -g "$A_gid"
  [ "${A_non_unique}" = 1 ] && set -- "$@" -o
  [ "${A_system}" = 1 ] && set -- "$@" -r
  rc_group_run "$@" -- "$N"
else
  GID=$(printf '%s' "$ENT" | cut -d: -f3)
  if [ -n "${A_gid-}" ] && [ "$A_gid" != "$GID" ]; then
    set -- groupmod -g "$A_gid"
    [ "${A_non_unique}" = 1 ] && set -- "$@" -o
    rc_group_run "$@" -- "$N"
  fi
fi
GID=$(getent group "$N" 2>/dev/null | cut -d: -f3)
[ -n "$GID" ] || GID=${A_gid:-null}
rc_out "{\"changed\":$(rc_tf $CH),\"name\":$J_N,\"state\":\"present\",\"gid\":$GID,\"system\":$(rc_tf "${A_system}")}"
