# slurp / fetch: prints the file as the payload; the controller encodes or stores it.
F=$A_src
rc_json_str "$F"; J_F=$J
if [ ! -e "$F" ]; then
  rc_fail "file not found: $F" ",\"missing\":true,\"source\":$J_F"
fi
[ -d "$F" ] && rc_fail "source is a directory and must be a file: $F" ",\"source\":$J_F"
[ -r "$F" ] || rc_fail "file is not readable: $F" ",\"source\":$J_F"
SUM=
if [ "${A_sum-0}" = 1 ] && command -v sha1sum > /dev/null 2>&1; then SUM=$(sha1sum < "$F"); SUM=${SUM%% *}; fi
cat -- "$F" || rc_fail "cannot read $F" ",\"source\":$J_F"
rc_json_str "${A_local-}"
rc_out "{\"changed\":false,\"source\":$J_F,\"remote_checksum\":\"$SUM\",\"local\":$J,\"check\":$(rc_tf "${RC_FETCH_CHECK-0}")}"
