# service / systemd: state and boot-time enablement of one service under systemd, sysvinit
# (init scripts with update-rc.d or chkconfig) or OpenRC. MGR may be preset by the controller.
N=${A_name-}
MGR=${A_mgr-}
if [ -z "$MGR" ]; then
  if [ -d /run/systemd/system ]; then MGR=systemd
  elif [ -x /sbin/openrc-run ] && command -v rc-service > /dev/null 2>&1; then MGR=openrc
  else MGR=sysvinit; fi
fi
CH=0; RUN=; EN=; EXTRA=; OUT=; ERR=
NL='
'
# Runs a service command unless in check mode; daemons it starts must not hold our stdout.
rc_svc() {
  CH=1
  [ "$RC_CHECK" = 1 ] && return 0
  rc_capture "$@" < /dev/null
  OUT="$OUT${OUT:+$NL}$RC_O"; ERR="$ERR${ERR:+$NL}$RC_E"
  [ "$RC_RC" = 0 ] || rc_fail "\`$*\` failed (exit status $RC_RC): ${RC_E:-$RC_O}" ",\"name\":\"$N\",\"rc\":$RC_RC"
}
rc_missing() {
  # Check mode may run before the task that installs the service.
  [ "$RC_CHECK" = 1 ] && { MISSING=1; return 0; }
  rc_json_str "$N"; rc_fail "Could not find the requested service $N: host" ",\"name\":$J"
}
MISSING=0
case $MGR in
systemd)
  set -- systemctl
  case ${A_scope-system} in user) set -- systemctl --user ;; global) set -- systemctl --global ;; esac
  [ "${A_no_block-0}" = 1 ] && set -- "$@" --no-block
  if [ "${A_daemon_reexec-0}" = 1 ] && [ "$RC_CHECK" = 0 ]; then "$@" daemon-reexec || rc_fail "systemctl daemon-reexec failed"; fi
  if [ "${A_daemon_reload-0}" = 1 ] && [ "$RC_CHECK" = 0 ]; then "$@" daemon-reload || rc_fail "systemctl daemon-reload failed"; fi
  if [ -z "$N" ]; then rc_out "{\"changed\":false}"; exit 0; fi
  LS=$("$@" show -p LoadState -- "$N" 2>/dev/null); LS=${LS#LoadState=}
  UFS=$("$@" is-enabled -- "$N" 2>/dev/null); UFS=${UFS%%"$NL"*}
  [ "$LS" = not-found ] && [ "$UFS" != masked ] && [ -z "${A_masked-}" ] && rc_missing
  if [ -n "${A_masked-}" ]; then
    IS=0; [ "$UFS" = masked ] && IS=1
    if [ "$IS" != "$A_masked" ]; then
      if [ "$A_masked" = 1 ]; then rc_svc "$@" mask -- "$N"; UFS=masked; else rc_svc "$@" unmask -- "$N"; UFS=; fi
    fi
  fi
  if [ -n "${A_enabled-}" ]; then
    [ "$UFS" = masked ] && [ "$A_enabled" = 1 ] && rc_fail "Unable to enable service $N: it is masked"
    IS=0
    case $UFS in enabled|enabled-runtime|static|alias|indirect|generated|linked|linked-runtime) IS=1 ;; esac
    # A static unit cannot be enabled or disabled: there is nothing to change.
    if [ "$IS" != "$A_enabled" ] && [ "$UFS" != static ]; then
      if [ "$A_enabled" = 1 ]; then rc_svc "$@" enable -- "$N"; else rc_svc "$@" disable -- "$N"; fi
    fi
    EN=$A_enabled
  fi
  if [ -n "${A_state-}" ]; then
    # As Ansible's systemd module: no ActiveState means systemd is not running here (a
    # container, a chroot); outside a chroot that is a failure, not a guess.
    AS=$("$@" show -p ActiveState -- "$N" 2>/dev/null); AS=${AS#ActiveState=}
    if [ -z "$AS" ]; then
      if [ "${SYSTEMD_OFFLINE-}" = 1 ] || { [ -d /proc/1/root ] && [ "$(stat -c %d:%i / 2>/dev/null)" != "$(stat -c %d:%i /proc/1/root/ 2>/dev/null)" ]; }; then
        : # a chroot or SYSTEMD_OFFLINE=1: Ansible warns and goes on
      else
        rc_fail "Service is in unknown state" ",\"status\":{}"
      fi
    fi
    RUN=0; "$@" is-active --quiet -- "$N" 2>/dev/null && RUN=1
    case $A_state in
      started) [ "$RUN" = 1 ] || rc_svc "$@" start -- "$N" ;;
      stopped) [ "$RUN" = 0 ] || rc_svc "$@" stop -- "$N" ;;
      restarted) rc_svc "$@" restart -- "$N" ;;
      reloaded) if [ "$RUN" = 1 ]; then rc_svc "$@" reload -- "$N"; else rc_svc "$@" start -- "$N"; fi ;;
    esac
  fi
  if [ "$MISSING" = 0 ]; then
    EXTRA=",\"status\":$("$@" show -- "$N" 2>/dev/null | awk -F= '
      BEGIN { for (i = 1; i < 32; i++) t[sprintf("%c", i)] = sprintf("\\u%04x", i)
              t["\""] = "\\\""; t["\\"] = "\\\\"; printf "{"; sep = "" }
      NF >= 1 && $1 != "" { k = $1; v = substr($0, length(k) + 2); o = ""
        for (i = 1; i <= length(v); i++) { c = substr(v, i, 1); o = o ((c in t) ? t[c] : c) }
        printf "%s\"%s\":\"%s\"", sep, k, o; sep = "," }
      END { printf "}" }')"
  fi ;;
sysvinit)
  S=/etc/init.d/$N
  [ -x "$S" ] || rc_missing
  rc_running() {
    RUN=0
    if [ -n "${A_pattern-}" ]; then
      ps -eo args= 2>/dev/null | grep -v grep | grep -q -- "$A_pattern" && RUN=1
      return 0
    fi
    [ "$MISSING" = 1 ] && return 0
    "$S" status > /dev/null 2>&1 < /dev/null; RC_ST=$?
    case $RC_ST in 0) RUN=1 ;; 1|2|3) ;; *) pgrep -x -- "$N" > /dev/null 2>&1 && RUN=1 ;; esac
  }
  rc_sysv() {
    # shellcheck disable=SC2086
    rc_svc "$S" "$1" ${A_arguments-}
  }
  if [ -n "${A_state-}" ]; then
    rc_running
    case $A_state in
      started) [ "$RUN" = 1 ] || rc_sysv start ;;
      stopped) [ "$RUN" = 0 ] || rc_sysv stop ;;
      restarted)
        if [ "$RUN" = 1 ]; then rc_sysv stop; [ -z "${A_sleep-}" ] || [ "$RC_CHECK" = 1 ] || sleep "$A_sleep"; fi
        rc_sysv start ;;
      reloaded) if [ "$RUN" = 1 ]; then rc_sysv reload; else rc_sysv start; fi ;;
    esac
  fi
  if [ -n "${A_enabled-}" ]; then
    EN=$A_enabled
    if command -v update-rc.d > /dev/null 2>&1; then
      RL=${A_runlevel-}
      IS=0
      for RC_L in /etc/rc[2345].d/S[0-9][0-9]"$N"; do [ -e "$RC_L" ] && IS=1; done
      if [ "$IS" != "$A_enabled" ]; then
        HAS=0
        for RC_L in /etc/rc[0-6S].d/[SK][0-9][0-9]"$N"; do [ -e "$RC_L" ] && HAS=1; done
        if [ "$HAS" = 0 ] && [ "$MISSING" = 0 ]; then rc_svc update-rc.d "$N" defaults; fi
        if [ "$A_enabled" = 1 ]; then
          # defaults already made start links; enable only when they existed as stop links.
          [ "$HAS" = 0 ] || rc_svc update-rc.d "$N" enable $RL
        else
          rc_svc update-rc.d "$N" disable $RL
        fi
      fi
    elif command -v chkconfig > /dev/null 2>&1; then
      IS=0; chkconfig --list "$N" 2>/dev/null | grep -q ':on' && IS=1
      if [ "$IS" != "$A_enabled" ]; then
        if [ "$A_enabled" = 1 ]; then rc_svc chkconfig "$N" on; else rc_svc chkconfig "$N" off; fi
      fi
    else
      rc_fail "cannot enable or disable $N: neither update-rc.d nor chkconfig is installed"
    fi
  fi ;;
openrc)
  command -v rc-service > /dev/null 2>&1 || rc_fail "rc-service not found on an OpenRC target"
  [ -x "/etc/init.d/$N" ] || rc_missing
  if [ -n "${A_state-}" ]; then
    RUN=0; rc-service "$N" status > /dev/null 2>&1 < /dev/null && RUN=1
    case $A_state in
      started) [ "$RUN" = 1 ] || rc_svc rc-service "$N" start ;;
      stopped) [ "$RUN" = 0 ] || rc_svc rc-service "$N" stop ;;
      restarted) rc_svc rc-service "$N" restart ;;
      reloaded) if [ "$RUN" = 1 ]; then rc_svc rc-service "$N" reload; else rc_svc rc-service "$N" start; fi ;;
    esac
  fi
  if [ -n "${A_enabled-}" ]; then
    EN=$A_enabled; RL=${A_runlevel:-default}
    IS=0; rc-update show "$RL" 2>/dev/null | grep -q "^ *$N |" && IS=1
    if [ "$IS" != "$A_enabled" ]; then
      if [ "$A_enabled" = 1 ]; then rc_svc rc-update add "$N" "$RL"; else rc_svc rc-update del "$N" "$RL"; fi
    fi
  fi ;;
*) rc_fail "service manager \`$MGR\` is not supported; expected systemd, sysvinit or openrc" ;;
esac
rc_json_str "$N"; J_N=$J
R="{\"changed\":$(rc_tf $CH),\"name\":$J_N"
case ${A_state-} in
  started|restarted|reloaded) R="$R,\"state\":\"started\"" ;;
  stopped) R="$R,\"state\":\"stopped\"" ;;
esac
[ -z "$EN" ] || R="$R,\"enabled\":$(rc_tf "$EN")"
[ "$MISSING" = 0 ] || { rc_json_str "service $N was not found; assuming it would be installed by an earlier task"; R="$R,\"warnings\":[$J]"; }
rc_out "$R$EXTRA}"
