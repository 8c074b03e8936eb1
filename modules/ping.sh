# ping: proves the host answers and runs a module: `pong`, or `data` echoed back.
[ "${A_data}" = crash ] && rc_fail "boom"
rc_json_str "${A_data}"
rc_out "{\"changed\":false,\"ping\":$J}"
