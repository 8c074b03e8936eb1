# raw: the command as written, through sh; its stdout is the payload, its stderr the channel's.
if [ "$RC_CHECK" = 1 ]; then
  rc_out '{"changed":false,"skipped":true,"msg":"raw does not run in check mode"}'; exit 0
fi
"${A_executable:-/bin/sh}" -c "$A_cmd"
rc_out "{\"rc\":$?}"
