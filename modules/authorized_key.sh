# authorized_key: adds or removes keys in a user's authorized_keys. Keys are matched by their
# base64 blob; a present key with other options or comment is replaced in place.
U=$A_user
ENT=$(getent passwd "$U" 2>/dev/null) || rc_fail "user \`$U\` does not exist on the target"
HOME_U=$(printf '%s' "$ENT" | cut -d: -f6)
F=${A_path:-$HOME_U/.ssh/authorized_keys}
DIR=${F%/*}
rc_json_str "$F"; J_F=$J
WK=$(mktemp) && NEWF=$(mktemp) || rc_fail "cannot create temporary files"
trap 'rm -f -- "$WK" "$NEWF"' EXIT
printf '%s\n' "$A_key" > "$WK"
OLD=/dev/null; [ -f "$F" ] && OLD=$F
awk -v mode="${A_state}" -v excl="${A_exclusive}" -v opts="${A_key_options-}" -v cmt="${A_comment-}" '
  function blob(line,   n, i, f) {
    n = split(line, f, /[ \t]+/)
    for (i = 1; i < n; i++) if (f[i] ~ /^(ssh-|ecdsa-|sk-)/) return f[i + 1]
    return ""
  }
  # The wanted line: options prefixed, comment replaced when asked.
  function shape(line,   n, i, f, out, k) {
    n = split(line, f, /[ \t]+/); k = 0
    for (i = 1; i < n; i++) if (f[i] ~ /^(ssh-|ecdsa-|sk-)/) { k = i; break }
    if (k == 0) return line
    out = f[k] " " f[k + 1]
    if (cmt != "") out = out " " cmt
    else for (i = k + 2; i <= n; i++) out = out " " f[i]
    if (opts != "") out = opts " " out
    else if (k > 1) { o = f[1]; for (i = 2; i < k; i++) o = o " " f[i]; out = o " " out }
    return out
  }
  FNR == NR {
    if ($0 ~ /^[ \t]*(#|$)/) next
    b = blob($0); if (b == "") { bad = bad $0; next }
    nw++; w[nw] = shape($0); wb[b] = nw; next
  }
  {
    b = blob($0)
    if (b != "" && (b in wb)) { if (mode == "present" && !(b in done)) { print w[wb[b]]; done[b] = 1 }; next }
    if (excl == 1 && mode == "present" && b != "") next
    print
  }
  END {
    if (bad != "") { print "invalid key specified: " bad > "/dev/stderr"; exit 3 }
    if (mode == "present") for (i = 1; i <= nw; i++) { b = blob(w[i]); if (!(b in done)) { print w[i]; done[b] = 1 } }
  }
' "$WK" "$OLD" > "$NEWF" 2> "$WK.err"
RC=$?
ERRT=$(cat "$WK.err" 2>/dev/null); rm -f -- "$WK.err"
[ "$RC" = 0 ] || rc_fail "${ERRT:-cannot parse the keys}" ",\"key\":\"\",\"path\":$J_F"
CH=0
cmp -s "$NEWF" "$OLD" || CH=1
[ "$OLD" = /dev/null ] && [ ! -s "$NEWF" ] && CH=0
EXTRA=
if [ "$RC_DIFF" = 1 ] && [ "$CH" = 1 ]; then
  rc_json_str "$(cat "$OLD")"; DB=$J; rc_json_str "$(cat "$NEWF")"
  EXTRA=",\"diff\":{\"before\":$DB,\"after\":$J,\"before_header\":$J_F,\"after_header\":$J_F}"
fi
if [ "$CH" = 1 ] && [ "$RC_CHECK" = 0 ]; then
  if [ ! -d "$DIR" ]; then
    [ "${A_manage_dir}" = 1 ] || rc_fail "directory $DIR does not exist and manage_dir is off"
    mkdir -p -- "$DIR" && chmod 0700 "$DIR" && chown "$U:" "$DIR" 2>/dev/null || chown "$U" "$DIR" \
      || rc_fail "cannot create $DIR"
  fi
  TMP=$(mktemp "$DIR/.rconf.XXXXXX") || rc_fail "cannot create a temporary file in $DIR"
  cat "$NEWF" > "$TMP" && chmod 0600 "$TMP" && { chown "$U:" "$TMP" 2>/dev/null || chown "$U" "$TMP"; } \
    || { rm -f -- "$TMP"; rc_fail "cannot write $F"; }
  rc_commit "$TMP" "$F" "cannot write $F"
fi
rc_json_str "$A_key"; JK=$J; rc_json_str "$U"
rc_out "{\"changed\":$(rc_tf $CH),\"user\":$J,\"key\":$JK,\"path\":$J_F,\"keyfile\":$J_F,\"state\":\"${A_state}\",\"exclusive\":$(rc_tf "${A_exclusive}"),\"manage_dir\":$(rc_tf "${A_manage_dir}")$EXTRA}"
