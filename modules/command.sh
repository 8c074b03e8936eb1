# command / shell: runs "$@" (command) or A_cmd through A_executable (shell). The command's own
# stdout is the payload; its stderr goes straight to the channel.
rc_glob() {
  RC_IFS=$IFS; IFS=
  for RC_G in $1; do
    if [ -e "$RC_G" ] || [ -L "$RC_G" ]; then IFS=$RC_IFS; return 0; fi
  done
  IFS=$RC_IFS; return 1
}
if [ -n "${A_chdir-}" ]; then
  cd -- "$A_chdir" 2>/dev/null || rc_fail "Unable to change directory before execution: $A_chdir" ',"rc":1'
fi
if [ -n "${A_creates-}" ] && rc_glob "$A_creates"; then
  rc_json_str "Did not run command since '$A_creates' exists"; RC_M=$J
  rc_json_str "skipped, since $A_creates exists"
  rc_out "{\"changed\":false,\"rc\":0,\"msg\":$RC_M,\"stdout\":$J,\"skip\":true}"; exit 0
fi
if [ -n "${A_removes-}" ] && ! rc_glob "$A_removes"; then
  rc_json_str "Did not run command since '$A_removes' does not exist"; RC_M=$J
  rc_json_str "skipped, since $A_removes does not exist"
  rc_out "{\"changed\":false,\"rc\":0,\"msg\":$RC_M,\"stdout\":$J,\"skip\":true}"; exit 0
fi
if [ "$RC_CHECK" = 1 ]; then
  rc_out '{"changed":true,"rc":0,"msg":"Command would have run if not in check mode","skip":true}'; exit 0
fi
if [ "${A_shell-0}" = 1 ]; then
  "${A_executable:-/bin/sh}" -c "$A_cmd"
else
  "$@"
fi
rc_out "{\"rc\":$?}"
