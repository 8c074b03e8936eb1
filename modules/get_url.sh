# get_url: downloads A_url into a temp file in dest's directory, checks A_checksum, and moves
# it over dest only when the content differs. Check mode sends HEAD and downloads nothing.
W=$(mktemp -d) || rc_fail "cannot create a temporary directory"
TMP=
trap 'rm -rf -- "$W" ${TMP:+"$TMP"}' EXIT
rc_http_init
D=$A_dest
rc_json_str "$A_url"; J_URL=$J
if [ -d "$D" ]; then
  RC_B=${A_url%%[?#]*}; RC_B=${RC_B%/}; RC_B=${RC_B##*/}
  [ -n "$RC_B" ] || RC_B=index.html
  D="${D%/}/$RC_B"; DEST_IS_DIR=1
else
  DEST_IS_DIR=0
fi
rc_json_str "$D"; J_D=$J
DIR=${D%/*}; [ "$DIR" = "$D" ] && DIR=.; [ -n "$DIR" ] || DIR=/
[ -d "$DIR" ] || rc_fail "Destination $DIR does not exist" ",\"dest\":$J_D,\"url\":$J_URL"
A_checksum=${A_checksum-}; ALG=${A_checksum%%:*}; SUM=${A_checksum#*:}
sum_of() { RC_S=$("${ALG}sum" < "$1") && RC_S=${RC_S%% *}; }
unchanged() {
  rc_attrs "$D" "${A_mode-}" "${A_owner-}" "${A_group-}"
  rc_attr_json "$D"
  rc_out "{\"changed\":$(rc_tf "$RC_CH"),\"msg\":\"$1\",\"dest\":$J_D,\"url\":$J_URL,$RC_AJ}"; exit 0
}
if [ -f "$D" ] && [ "$DEST_IS_DIR" = 0 ] && [ "${A_force-0}" = 0 ]; then
  if [ -z "${A_checksum-}" ]; then unchanged "file already exists"; fi
  sum_of "$D"; [ "$RC_S" = "$SUM" ] && unchanged "file already exists"
fi
# Without an HTTP answer Ansible's status_code is -1.
no_answer() { [ "$RC_STATUS" != 0 ] || RC_STATUS=-1; }
if [ "$RC_CHECK" = 1 ]; then
  rc_http HEAD "$A_url" /dev/null
  case $RC_STATUS in 2??|3??) ;; *)
    rc_json_str "Request failed: ${RC_HERR:-HTTP Error $RC_STATUS}"; no_answer
    rc_out "{\"failed\":true,\"msg\":$J,\"status_code\":$RC_STATUS,\"dest\":$J_D,\"url\":$J_URL}"; exit 0 ;;
  esac
  rc_out "{\"changed\":true,\"msg\":\"OK (check mode: not downloaded)\",\"status_code\":$RC_STATUS,\"dest\":$J_D,\"url\":$J_URL}"; exit 0
fi
TMP=$(mktemp "$DIR/.rconf.XXXXXX") || rc_fail "cannot create a temporary file in $DIR"
START=$(date +%s)
rc_http GET "$A_url" "$TMP"
ELAPSED=$(( $(date +%s) - START ))
case $RC_STATUS in
  2??) ;;
  *) rc_json_str "Request failed: ${RC_HERR:-HTTP Error $RC_STATUS}"; no_answer
     rc_out "{\"failed\":true,\"msg\":$J,\"status_code\":$RC_STATUS,\"dest\":$J_D,\"url\":$J_URL,\"elapsed\":$ELAPSED}"; exit 0 ;;
esac
SIZE=$(wc -c < "$TMP" | tr -d ' ')
RC_S=$(sha1sum < "$TMP") && SRC_SUM=${RC_S%% *}
if [ -n "${A_checksum-}" ]; then
  sum_of "$TMP"
  [ "$RC_S" = "$SUM" ] || rc_fail "The checksum for $D did not match $SUM; it was $RC_S." ",\"dest\":$J_D,\"url\":$J_URL"
fi
CH=0; EXTRA=
DEST_SUM=
if [ -f "$D" ]; then RC_S=$(sha1sum < "$D") && DEST_SUM=${RC_S%% *}; fi
if [ "$DEST_SUM" != "$SRC_SUM" ]; then
  CH=1
  if [ -e "$D" ]; then
    rc_stat "$D" L; chmod "$S_mode" "$TMP"; chown "$S_uid:$S_gid" "$TMP" 2>/dev/null || :
    if [ "${A_backup-0}" = 1 ]; then rc_backup "$D"; rc_json_str "$RC_BK"; EXTRA=",\"backup_file\":$J"; fi
  else
    rc_default_mode; chmod "$M" "$TMP"
  fi
  rc_commit "$TMP" "$D" "cannot move the download into place at $D"
  TMP=
  DEST_SUM=$SRC_SUM
fi
rc_attrs "$D" "${A_mode-}" "${A_owner-}" "${A_group-}"; [ "$RC_CH" = 1 ] && CH=1
rc_attr_json "$D"
rc_out "{\"changed\":$(rc_tf $CH),\"msg\":\"OK ($SIZE bytes)\",\"dest\":$J_D,\"url\":$J_URL,\"status_code\":$RC_STATUS,\"checksum_src\":\"$SRC_SUM\",\"checksum_dest\":\"$DEST_SUM\",\"elapsed\":$ELAPSED,$RC_AJ$EXTRA}"
