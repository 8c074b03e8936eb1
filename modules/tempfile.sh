# tempfile: a new temporary file or directory from mktemp.
DIR=${A_path:-${TMPDIR:-/tmp}}
[ -d "$DIR" ] || rc_fail "directory \`$DIR\` does not exist"
ST=${A_state}
if [ "$RC_CHECK" = 1 ]; then
  rc_json_str "$DIR/${A_prefix}XXXXXX${A_suffix}"
  rc_out "{\"changed\":true,\"state\":\"$ST\",\"path\":$J}"; exit 0
fi
set -- mktemp
[ "$ST" = directory ] && set -- "$@" -d
[ -n "${A_suffix}" ] && set -- "$@" "--suffix=$A_suffix"
P=$("$@" "$DIR/${A_prefix}XXXXXX") || rc_fail "cannot create a temporary $ST in $DIR"
rc_json_str "$P"; J_P=$J
rc_attr_json "$P"
rc_out "{\"changed\":true,\"state\":\"$ST\",\"path\":$J_P,$RC_AJ}"
