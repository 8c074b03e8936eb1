# blockinfile: one awk pass puts the marked block in place (or takes it out); the file is
# replaced atomically only when the result differs. Patterns arrive as POSIX EREs.
F=$A_path
rc_json_str "$F"; J_F=$J
if [ ! -e "$F" ]; then
  [ "${A_state}" = absent ] && { rc_out "{\"changed\":false,\"msg\":\"\",\"path\":$J_F}"; exit 0; }
  [ "${A_create}" = 1 ] || rc_fail "Path $F does not exist !" ",\"rc\":257"
  DIR=${F%/*}; [ "$DIR" = "$F" ] && DIR=.
  [ -d "$DIR" ] || { [ "$RC_CHECK" = 1 ] || mkdir -p -- "$DIR" || rc_fail "cannot create $DIR"; }
  OLD=/dev/null; EXISTS=0
else
  [ -f "$F" ] || rc_fail "Path $F is not a regular file"
  OLD=$F; EXISTS=1
fi
NEW=$(mktemp) || rc_fail "cannot create a temporary file"
trap 'rm -f -- "$NEW"' EXIT
B0=${A_marker%%\{mark\}*}; B1=${A_marker#*\{mark\}}
MB="$B0${A_marker_begin}$B1"; ME="$B0${A_marker_end}$B1"
MB=$MB ME=$ME BLOCK=${A_block} ST=${A_state} IA=${A_insertafter-} IB=${A_insertbefore-} \
PRE=${A_prepend_newline} APP=${A_append_newline} awk '
{ L[NR] = $0 }
END {
  n = NR; mb = ENVIRON["MB"]; me = ENVIRON["ME"]; blk = ENVIRON["BLOCK"]
  ia = ENVIRON["IA"]; ib = ENVIRON["IB"]
  b = 0; e = 0
  for (i = 1; i <= n; i++) { if (L[i] == mb) b = i; else if (L[i] == me) e = i }
  k = 0
  if (ENVIRON["ST"] == "present" && blk != "") {
    k = 1; W[1] = mb
    m = split(blk, BL, "\n"); if (BL[m] == "") m--
    for (j = 1; j <= m; j++) W[++k] = BL[j]
    W[++k] = me
  }
  if (b > 0 && e > 0 && b <= e) { from = b; to = e }
  else {
    to = 0
    if (ib == "BOF") from = 1
    else if (ib != "") { from = n + 1; for (i = 1; i <= n; i++) if (L[i] ~ ib) from = i }
    else if (ia != "" && ia != "EOF") { from = n + 1; for (i = 1; i <= n; i++) if (L[i] ~ ia) from = i + 1 }
    else from = n + 1
    to = from - 1
  }
  # As Ansible, also around a block already there: a blank line before (after) it unless the
  # line there is blank or it is the first (last) line.
  if (k > 0 && ENVIRON["PRE"] == "1" && from > 1 && L[from - 1] != "") { for (j = k; j >= 1; j--) W[j + 1] = W[j]; W[1] = ""; k++ }
  if (k > 0 && ENVIRON["APP"] == "1" && to + 1 <= n && L[to + 1] != "") W[++k] = ""
  for (i = 1; i < from; i++) print L[i]
  for (j = 1; j <= k; j++) print W[j]
  for (i = to + 1; i <= n; i++) print L[i]
}' "$OLD" > "$NEW" || rc_fail "cannot edit $F"
CH=0; MSG=
if ! cmp -s "$NEW" "$OLD"; then
  CH=1
  if [ "${A_state}" = absent ]; then MSG="Block removed"
  elif [ "$EXISTS" = 0 ]; then MSG="File created"
  else MSG="Block inserted"; fi
fi
[ "$EXISTS" = 0 ] && [ ! -s "$NEW" ] && CH=0 && MSG=
EXTRA=
if [ "$RC_DIFF" = 1 ]; then
  C=$(cat "$OLD"; echo x); rc_json_str "${C%x}"; DB=$J; C=$(cat "$NEW"; echo x); rc_json_str "${C%x}"
  EXTRA=",\"diff\":{\"before\":$DB,\"after\":$J,\"before_header\":$J_F,\"after_header\":$J_F}"
fi
if [ "$CH" = 1 ] && [ "$RC_CHECK" = 0 ]; then
  DIR=${F%/*}; [ "$DIR" = "$F" ] && DIR=.
  TMP=$(mktemp "$DIR/.rconf.XXXXXX") || rc_fail "cannot create a temporary file in $DIR"
  cat "$NEW" > "$TMP" || { rm -f -- "$TMP"; rc_fail "cannot write $F"; }
  if [ "$EXISTS" = 1 ]; then
    rc_stat "$F" L; chmod "$S_mode" "$TMP"; chown "$S_uid:$S_gid" "$TMP" 2>/dev/null || :
    if [ "${A_backup}" = 1 ]; then rc_backup "$F"; rc_json_str "$RC_BK"; EXTRA="$EXTRA,\"backup_file\":$J"; fi
  else
    rc_default_mode; chmod "$M" "$TMP"
  fi
  rc_commit "$TMP" "$F" "cannot move the new content into place at $F"
fi
if [ -e "$F" ]; then rc_attrs "$F" "${A_mode-}" "${A_owner-}" "${A_group-}"; [ "$RC_CH" = 1 ] && { CH=1; MSG=${MSG:-attributes changed}; }; fi
rc_json_str "$MSG"
rc_out "{\"changed\":$(rc_tf $CH),\"msg\":$J,\"path\":$J_F$EXTRA}"
