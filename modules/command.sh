# command / shell: runs "$@" (command) or A_cmd through A_executable (shell). The command's own
# stdout is the payload; its stderr goes straight to the channel.
rc_glob() {
  RC_IFS=$IFS; IFS=
  for RC_G in $1; do
    if [ -e "$RC_G" ] || [ -L "$RC_G" ]; then IFS=$RC_IFS; return 0; fi
  done
  IFS=$RC_IFS; return 1
}
# The physical directory, as Python's os.chdir leaves it: `$PWD` names no symlink.
if [ -n "${A_chdir-}" ]; then
  cd -P -- "$A_chdir" 2>/dev/null || rc_fail "Unable to change directory before execution: $A_chdir" ',"rc":1'
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
if [ "${A_expand-0}" = 1 ]; then
  # As Python's expandvars then expanduser on each argument: `$NAME`/`${NAME}` of variables
  # set here replaced (others left as written), then a leading `~`; nothing else is expanded.
  for RC_A; do
    shift
    case $RC_A in
      *'$'*) RC_A=$(printf '%s' "$RC_A" | LC_ALL=C awk 'BEGIN { RS = "\001" } {
        s = $0; out = ""
        while (match(s, /\$([A-Za-z0-9_]+|\{[^}]*\})/)) {
          name = substr(s, RSTART + 1, RLENGTH - 1)
          if (substr(name, 1, 1) == "{") name = substr(name, 2, length(name) - 2)
          rep = (name in ENVIRON) ? ENVIRON[name] : substr(s, RSTART, RLENGTH)
          out = out substr(s, 1, RSTART - 1) rep; s = substr(s, RSTART + RLENGTH)
        }
        printf "%sx", out s }'); RC_A=${RC_A%x} ;;
    esac
    case $RC_A in '~') RC_A=$HOME ;; '~/'*) RC_A=$HOME${RC_A#\~} ;; esac
    set -- "$@" "$RC_A"
  done
fi
if [ "${A_shell-0}" = 1 ]; then
  "${A_executable:-/bin/sh}" -c "$A_cmd"
else
  "$@"
fi
rc_out "{\"rc\":$?}"
