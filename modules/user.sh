# user: creates, changes or removes one account with useradd/usermod/userdel; the password
# hash goes to chpasswd on stdin, never in argv.
N=$A_name
ST=${A_state}
CH=0; OUT=; ERR=
rc_json_str "$N"; J_N=$J
rc_user_run() {
  CH=1
  [ "$RC_CHECK" = 1 ] && return 0
  rc_capture "$@"
  [ "$RC_RC" = 0 ] || rc_fail "\`$1\` failed for user \`$N\` (exit status $RC_RC): ${RC_E:-$RC_O}" ",\"name\":$J_N,\"rc\":$RC_RC"
}
ENT=$(getent passwd "$N" 2>/dev/null)
if [ "$ST" = absent ]; then
  if [ -n "$ENT" ]; then
    set -- userdel
    [ "${A_remove}" = 1 ] && set -- "$@" -r
    [ "${A_force}" = 1 ] && set -- "$@" -f
    rc_user_run "$@" -- "$N"
  fi
  rc_out "{\"changed\":$(rc_tf $CH),\"name\":$J_N,\"state\":\"absent\",\"force\":$(rc_tf "${A_force}"),\"remove\":$(rc_tf "${A_remove}")}"
  exit 0
fi
# The wanted supplementary groups, comma-separated, as usermod -G takes them.
WG=
if [ -n "${A_groups+x}" ]; then
  while IFS= read -r G; do
    G=$(printf '%s' "$G" | tr -d ' ')
    [ -n "$G" ] || continue
    getent group "$G" > /dev/null 2>&1 || [ "$RC_CHECK" = 1 ] || rc_fail "Group $G does not exist" ",\"name\":$J_N"
    WG="$WG${WG:+,}$G"
  done <<RC_EOF
$(printf '%s\n' "$A_groups" | tr ',' '\n')
RC_EOF
fi
if [ -n "${A_group-}" ]; then
  getent group "$A_group" > /dev/null 2>&1 || [ "$RC_CHECK" = 1 ] || rc_fail "Group $A_group does not exist" ",\"name\":$J_N"
fi
PW_SET=0
if [ -z "$ENT" ]; then
  set -- useradd
  [ -n "${A_uid-}" ] && set -- "$@" -u "$A_uid"
  [ "${A_non_unique}" = 1 ] && set -- "$@" -o
  [ -n "${A_group-}" ] && set -- "$@" -g "$A_group"
  [ -n "$WG" ] && set -- "$@" -G "$WG"
  [ -n "${A_comment+x}" ] && set -- "$@" -c "$A_comment"
  [ -n "${A_home-}" ] && set -- "$@" -d "$A_home"
  [ -n "${A_shell-}" ] && set -- "$@" -s "$A_shell"
  [ -n "${A_expires-}" ] && set -- "$@" -e "$A_expires"
  [ "${A_system}" = 1 ] && set -- "$@" -r
  if [ "${A_create_home}" = 1 ]; then
    set -- "$@" -m
    [ -n "${A_skeleton-}" ] && set -- "$@" -k "$A_skeleton"
  else
    set -- "$@" -M
  fi
  # Without a group, useradd makes one named after the user (USERGROUPS_ENAB on Debian);
  # say so explicitly so that distributions agree.
  [ -n "${A_group-}" ] || getent group "$N" > /dev/null 2>&1 || set -- "$@" -U
  rc_user_run "$@" -- "$N"
  [ -n "${A_password-}" ] && PW_SET=1
else
  IFS=: read -r E_N E_X E_UID E_GID E_GECOS E_HOME E_SHELL <<RC_EOF
$ENT
RC_EOF
  set -- usermod
  [ -n "${A_uid-}" ] && [ "$A_uid" != "$E_UID" ] && set -- "$@" -u "$A_uid"
  [ -n "${A_uid-}" ] && [ "$A_uid" != "$E_UID" ] && [ "${A_non_unique}" = 1 ] && set -- "$@" -o
  if [ -n "${A_group-}" ]; then
    WGID=$(getent group "$A_group" | cut -d: -f3)
    [ "$WGID" = "$E_GID" ] || set -- "$@" -g "$A_group"
  fi
  [ -n "${A_comment+x}" ] && [ "$A_comment" != "$E_GECOS" ] && set -- "$@" -c "$A_comment"
  if [ -n "${A_home-}" ] && [ "$A_home" != "$E_HOME" ]; then
    set -- "$@" -d "$A_home"; [ "${A_move_home}" = 1 ] && set -- "$@" -m
  fi
  [ -n "${A_shell-}" ] && [ "$A_shell" != "$E_SHELL" ] && set -- "$@" -s "$A_shell"
  [ -n "${A_expires-}" ] && set -- "$@" -e "$A_expires"
  if [ -n "${A_groups+x}" ]; then
    PG=$(getent group "$E_GID" | cut -d: -f1)
    HAVE=$(id -Gn -- "$N" 2>/dev/null | tr ' ' '\n' | grep -vx -- "$PG" | sort -u | tr '\n' ',')
    WANT=$(printf '%s' "$WG" | tr ',' '\n' | grep -vx -- "$PG" | sort -u | tr '\n' ',')
    if [ "${A_append}" = 1 ]; then
      MISS=$(printf '%s' "$WANT" | tr ',' '\n' | while IFS= read -r G; do
        [ -n "$G" ] && case ",$HAVE" in *",$G,"*) ;; *) printf '%s,' "$G" ;; esac; done)
      [ -z "$MISS" ] || set -- "$@" -a -G "${MISS%,}"
    elif [ "$HAVE" != "$WANT" ]; then
      set -- "$@" -G "${WANT%,}"
    fi
  fi
  [ $# -gt 1 ] && rc_user_run "$@" -- "$N"
  if [ -n "${A_password-}" ] && [ "${A_update_password}" = always ]; then
    HASH=$(getent shadow "$N" 2>/dev/null | cut -d: -f2)
    [ "$HASH" = "$A_password" ] || PW_SET=1
  fi
fi
if [ "$PW_SET" = 1 ]; then
  CH=1
  if [ "$RC_CHECK" = 0 ]; then
    printf '%s:%s\n' "$N" "$A_password" | chpasswd -e 2>/dev/null \
      || usermod -p "$A_password" -- "$N" || rc_fail "cannot set the password of user \`$N\`" ",\"name\":$J_N"
  fi
fi
if [ -n "${A_password_lock-}" ] && [ -n "$(getent shadow "$N" 2>/dev/null)" ]; then
  HASH=$(getent shadow "$N" | cut -d: -f2)
  case $HASH in '!'*) L=1 ;; *) L=0 ;; esac
  if [ "$L" != "$A_password_lock" ]; then
    if [ "$A_password_lock" = 1 ]; then rc_user_run usermod -L -- "$N"; else rc_user_run usermod -U -- "$N"; fi
  fi
fi
R="{\"changed\":$(rc_tf $CH),\"name\":$J_N,\"state\":\"present\""
ENT=$(getent passwd "$N" 2>/dev/null)
if [ -n "$ENT" ]; then
  IFS=: read -r E_N E_X E_UID E_GID E_GECOS E_HOME E_SHELL <<RC_EOF
$ENT
RC_EOF
  rc_json_str "$E_HOME"; R="$R,\"uid\":$E_UID,\"group\":$E_GID,\"home\":$J"
  rc_json_str "$E_SHELL"; R="$R,\"shell\":$J"
  rc_json_str "$E_GECOS"; R="$R,\"comment\":$J"
  if [ -n "${A_groups+x}" ]; then rc_json_str "$WG"; R="$R,\"groups\":$J,\"append\":$(rc_tf "${A_append}")"; fi
fi
R="$R,\"system\":$(rc_tf "${A_system}"),\"create_home\":$(rc_tf "${A_create_home}")"
[ -z "${A_password-}" ] || R="$R,\"password\":\"NOT_LOGGING_PASSWORD\""
rc_out "$R}"
