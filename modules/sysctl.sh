# sysctl: the `name=value` line in a sysctl file (one awk pass), then optionally the kernel's
# value (sysctl -w) and a reload of the file (sysctl -p).
F=${A_sysctl_file:-/etc/sysctl.conf}
N=$A_name; ST=${A_state}; V=${A_value-}
rc_json_str "$N"; J_N=$J
[ "$ST" = absent ] || [ -n "$V" ] || rc_fail "value is required when state is present" ",\"name\":$J_N"
[ -f "$F" ] || [ ! -e "$F" ] || rc_fail "$F is not a regular file"
OLD=/dev/null; [ -f "$F" ] && OLD=$F
NEW=$(mktemp) || rc_fail "cannot create a temporary file"
trap 'rm -f -- "$NEW"' EXIT
K=$N VAL=$V ST=$ST awk '
  function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
  {
    line = $0; t = trim(line)
    if (t !~ /^[#;]/ && index(t, "=") > 0 && trim(substr(t, 1, index(t, "=") - 1)) == ENVIRON["K"]) {
      if (ENVIRON["ST"] == "present" && !done) {
        v = trim(substr(t, index(t, "=") + 1)); gsub(/[ \t]+/, " ", v)
        w = ENVIRON["VAL"]; gsub(/[ \t]+/, " ", w)
        print (v == trim(w) ? line : ENVIRON["K"] "=" ENVIRON["VAL"]); done = 1
      }
      next
    }
    print
  }
  END { if (ENVIRON["ST"] == "present" && !done) print ENVIRON["K"] "=" ENVIRON["VAL"] }
' "$OLD" > "$NEW" || rc_fail "cannot read $F"
CH=0
cmp -s "$NEW" "$OLD" || CH=1
if [ "$CH" = 1 ] && [ "$RC_CHECK" = 0 ]; then
  DIR=${F%/*}; [ -n "$DIR" ] || DIR=/
  TMP=$(mktemp "$DIR/.rconf.XXXXXX") || rc_fail "cannot create a temporary file in $DIR"
  cat "$NEW" > "$TMP" || { rm -f -- "$TMP"; rc_fail "cannot write $F"; }
  if [ "$OLD" = "$F" ]; then rc_stat "$F" L; chmod "$S_mode" "$TMP"; chown "$S_uid:$S_gid" "$TMP" 2>/dev/null || :
  else chmod 0644 "$TMP"; fi
  rc_commit "$TMP" "$F" "cannot move the new content into place at $F"
fi
if [ "${A_sysctl_set}" = 1 ] && [ "$ST" = present ]; then
  CUR=$(sysctl -n -- "$N" 2>/dev/null | tr -s ' \t' '  ')
  WANT=$(printf '%s' "$V" | tr -s ' \t' '  ')
  if [ "$CUR" != "$WANT" ]; then
    CH=1
    [ "$RC_CHECK" = 1 ] || sysctl -w "$N=$V" > /dev/null 2>&1 || [ "${A_ignoreerrors}" = 1 ] \
      || rc_fail "cannot set $N to $V with sysctl -w" ",\"name\":$J_N"
  fi
fi
if [ "$CH" = 1 ] && [ "$RC_CHECK" = 0 ] && [ "${A_reload}" = 1 ]; then
  set -- sysctl -p; [ "${A_ignoreerrors}" = 1 ] && set -- sysctl -e -p
  rc_capture "$@" "$F"
  [ "$RC_RC" = 0 ] || [ "${A_ignoreerrors}" = 1 ] || rc_fail "failed to reload sysctl: ${RC_E:-$RC_O}" ",\"name\":$J_N"
fi
rc_json_str "$V"
rc_out "{\"changed\":$(rc_tf $CH),\"name\":$J_N,\"value\":$J,\"state\":\"$ST\"}"
