# script: the controller's script arrives on stdin and runs from a private temp file (removed
# afterwards) with the free-form arguments, which the target's sh parses as Ansible's do.
# Its stdout is the payload; its stderr goes to the channel.
rc_drain() { cat > /dev/null; }
rc_glob() {
  RC_IFS=$IFS; IFS=
  for RC_G in $1; do
    if [ -e "$RC_G" ] || [ -L "$RC_G" ]; then IFS=$RC_IFS; return 0; fi
  done
  IFS=$RC_IFS; return 1
}
if [ -n "${A_chdir-}" ]; then
  cd -- "$A_chdir" 2>/dev/null || { rc_drain; rc_fail "Unable to change directory before execution: $A_chdir" ',"rc":1'; }
fi
if [ -n "${A_creates-}" ] && rc_glob "$A_creates"; then
  rc_drain; rc_json_str "skipped, since $A_creates exists"
  rc_out "{\"changed\":false,\"rc\":0,\"stdout\":$J,\"skip\":true}"; exit 0
fi
if [ -n "${A_removes-}" ] && ! rc_glob "$A_removes"; then
  rc_drain; rc_json_str "skipped, since $A_removes does not exist"
  rc_out "{\"changed\":false,\"rc\":0,\"stdout\":$J,\"skip\":true}"; exit 0
fi
if [ "$RC_CHECK" = 1 ]; then
  rc_drain; rc_out '{"skipped":true,"changed":false,"msg":"Check mode is not supported for this task.","skip":true}'; exit 0
fi
RC_SCRIPT=$(umask 077 && mktemp "${TMPDIR:-/tmp}/rconf-script.XXXXXX") || { rc_drain; rc_fail "cannot create a temporary file for the script"; }
trap 'rm -f -- "$RC_SCRIPT"' EXIT
cat > "$RC_SCRIPT" || rc_fail "cannot write the script to $RC_SCRIPT"
chmod 700 "$RC_SCRIPT"
if [ -n "${A_executable-}" ]; then
  eval "\"\$A_executable\" \"\$RC_SCRIPT\" ${A_args-}" < /dev/null
elif [ "$(head -c 2 "$RC_SCRIPT")" = '#!' ]; then
  eval "\"\$RC_SCRIPT\" ${A_args-}" < /dev/null
else
  eval "sh \"\$RC_SCRIPT\" ${A_args-}" < /dev/null
fi
rc_out "{\"rc\":$?,\"changed\":true}"
