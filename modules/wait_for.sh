# wait_for: polls a TCP port or a path until the wanted state holds or the timeout passes.
H=${A_host:-127.0.0.1}
ST=${A_state}
TO=${A_timeout}; SL=${A_sleep}; CT=${A_connect_timeout}
# Exits 0 when host:port accepts a connection.
rc_port_open() {
  if command -v nc > /dev/null 2>&1; then nc -z -w "$CT" "$H" "$A_port" > /dev/null 2>&1; return; fi
  if command -v bash > /dev/null 2>&1; then
    RC_TO=; command -v timeout > /dev/null 2>&1 && RC_TO="timeout $CT"
    $RC_TO bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$H" "$A_port" > /dev/null 2>&1; return
  fi
  # Local listeners only: state 0A (LISTEN) with the port in hex.
  case $H in 127.*|localhost|0.0.0.0|::1|::) ;; *) rc_fail "cannot probe $H:$A_port: neither nc nor bash on the target" ;; esac
  RC_HP=$(printf '%04X' "$A_port")
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p=":$RC_HP" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}
rc_ready() {
  if [ -n "${A_path-}" ]; then
    case $ST in
      absent|stopped) [ ! -e "$A_path" ] ;;
      *) [ -e "$A_path" ] || return 1
         [ -z "${A_search_regex-}" ] || grep -Eq -- "$A_search_regex" "$A_path" 2>/dev/null ;;
    esac
  elif [ -n "${A_port-}" ]; then
    case $ST in
      stopped|absent|drained) ! rc_port_open ;;
      *) rc_port_open ;;
    esac
  else
    return 0
  fi
}
START=$(date +%s)
[ "${A_delay}" -gt 0 ] && sleep "$A_delay"
while ! rc_ready; do
  NOW=$(date +%s)
  if [ $((NOW - START)) -ge "$TO" ]; then
    if [ -n "${A_msg-}" ]; then M=$A_msg
    elif [ -n "${A_path-}" ]; then M="Timeout when waiting for file $A_path"
    elif [ -n "${A_search_regex-}" ]; then M="Timeout when waiting for search string $A_search_regex in $H:$A_port"
    else M="Timeout when waiting for $H:$A_port"; fi
    rc_fail "$M" ",\"elapsed\":$((NOW - START))"
  fi
  sleep "$SL"
done
R="{\"changed\":false,\"state\":\"$ST\",\"elapsed\":$(( $(date +%s) - START ))"
if [ -n "${A_path-}" ]; then rc_json_str "$A_path"; R="$R,\"path\":$J"; fi
[ -z "${A_port-}" ] || R="$R,\"port\":$A_port"
rc_out "$R}"
