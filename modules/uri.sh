# uri: one HTTP request through curl or wget (http.sh); the response body is the payload when
# the controller needs it (return_content, JSON), or is written to A_dest atomically.
W=$(mktemp -d) || rc_fail "cannot create a temporary directory"
trap 'rm -rf -- "$W"' EXIT
rc_json_str "$A_url"; J_URL=$J
if [ -n "${A_creates-}" ] && [ -e "$A_creates" ]; then
  cat > /dev/null; rc_json_str "skipped, since '$A_creates' exists"
  rc_out "{\"changed\":false,\"status_ok\":true,\"msg\":$J,\"stdout\":$J,\"url\":$J_URL}"; exit 0
fi
if [ -n "${A_removes-}" ] && [ ! -e "$A_removes" ]; then
  cat > /dev/null; rc_json_str "skipped, since '$A_removes' does not exist"
  rc_out "{\"changed\":false,\"status_ok\":true,\"msg\":$J,\"stdout\":$J,\"url\":$J_URL}"; exit 0
fi
rc_http_init
START=$(date +%s)
rc_http "$A_method" "$A_url" "$W/resp" $RC_HBODY
ELAPSED=$(( $(date +%s) - START ))
[ -f "$W/resp" ] || : > "$W/resp"
SIZE=$(wc -c < "$W/resp" | tr -d ' ')
rc_http_headers_json
EXTRA=
if [ "$RC_STATUS" = 0 ]; then
  rc_json_str "Status code was -1 and not [$A_status_code]: Request failed: $RC_HERR"
  rc_out "{\"failed\":true,\"msg\":$J,\"status\":-1,\"url\":$J_URL,\"elapsed\":$ELAPSED}"; exit 0
fi
CH=0
OK=0
for RC_C in $(printf '%s' "$A_status_code" | tr ',' ' '); do [ "$RC_C" = "$RC_STATUS" ] && OK=1; done
if [ -n "${A_dest-}" ] && [ "$OK" = 1 ]; then
  D=$A_dest
  [ -d "$D" ] && { RC_B=${A_url%%[?#]*}; RC_B=${RC_B%/}; D="${D%/}/${RC_B##*/}"; }
  if ! { [ -f "$D" ] && cmp -s "$W/resp" "$D"; }; then
    CH=1
    if [ "$RC_CHECK" = 0 ]; then
      DIR=${D%/*}; [ "$DIR" = "$D" ] && DIR=.; [ -n "$DIR" ] || DIR=/
      TMP=$(mktemp "$DIR/.rconf.XXXXXX") || rc_fail "cannot create a temporary file in $DIR"
      cat "$W/resp" > "$TMP" && { [ -e "$D" ] || { rc_default_mode; chmod "$M" "$TMP"; }; } \
        || { rm -f -- "$TMP"; rc_fail "cannot write the response to $D"; }
      rc_commit "$TMP" "$D" "cannot write the response to $D"
    fi
  fi
  rc_attrs "$D" "${A_mode-}" "${A_owner-}" "${A_group-}"; [ "$RC_CH" = 1 ] && CH=1
  rc_json_str "$D"; EXTRA=",\"path\":$J"
fi
[ "${A_want_body-0}" = 1 ] && cat "$W/resp"
MSG="OK ($SIZE bytes)"
rc_out "{\"changed\":$(rc_tf $CH),\"status\":$RC_STATUS,\"status_ok\":$(rc_tf $OK),\"msg\":\"$MSG\",\"url\":$J_URL,\"elapsed\":$ELAPSED$RC_HJ$EXTRA}"
