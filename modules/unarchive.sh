# unarchive: the archive (streamed on stdin, or A_src on the target) is extracted into a scratch
# directory and compared with A_dest (type, content, mode, link target); only when something
# differs is it extracted into A_dest. tar (gz, bz2, xz, zstd) and zip via the target's tools.
rc_drain() { [ "${A_remote_src-0}" = 1 ] || cat > /dev/null; }
D=$A_dest; rc_json_str "$D"; J_D=$J; rc_json_str "$A_src"; J_S=$J
# As Ansible's action plugin: an existing `creates` skips the task.
if [ -n "${A_creates-}" ] && [ -e "$A_creates" ]; then
  rc_drain; rc_json_str "skipped, since $A_creates exists"
  rc_out "{\"changed\":false,\"skipped\":true,\"msg\":$J,\"dest\":$J_D,\"src\":$J_S}"; exit 0
fi
[ -d "$D" ] || { rc_drain; rc_fail "dest '$D' must be an existing dir" ",\"dest\":$J_D,\"src\":$J_S"; }
W=$(mktemp -d) || { rc_drain; rc_fail "cannot create a temporary directory"; }
trap 'rm -rf -- "$W"' EXIT
if [ "${A_remote_src-0}" = 1 ]; then
  [ -f "$A_src" ] || rc_fail "Source '$A_src' does not exist" ",\"dest\":$J_D,\"src\":$J_S"
  ARC=$A_src
else
  ARC=$W/archive; cat > "$ARC" || rc_fail "cannot store the archive"
  # An archive cut short (the controller killed, the connection lost) is not extracted.
  rc_stat "$ARC"
  [ "$S_size" = "$A_size" ] || rc_fail "the archive arrived incomplete ($S_size of $A_size bytes); $D is unchanged"
fi
MAGIC=$(od -An -tx1 -N4 "$ARC" | tr -d ' \n')
case $MAGIC in
  504b0304*|504b0506*) H=ZipArchive; Z= ;;
  1f8b*) H=TgzArchive; Z=-z ;;
  425a68*) H=TarBzipArchive; Z=-j ;;
  fd377a58*) H=TarXzArchive; Z=-J ;;
  28b52ffd*) H=TarZstdArchive; Z=--zstd ;;
  *) H=TarArchive; Z= ;;
esac
# Extra options one per line, and excludes, as positional parameters for the tool.
set --
if [ -n "${A_extra_opts-}" ]; then
  RC_IFS=$IFS; IFS='
'; set -f; set -- $A_extra_opts; set +f; IFS=$RC_IFS
fi
extract() { # $1 target directory; rest: extra options
  RC_T=$1; shift
  if [ "$H" = ZipArchive ]; then
    if [ -n "${A_exclude-}" ]; then
      RC_IFS=$IFS; IFS='
'; set -f; unzip -o "$@" "$ARC" -d "$RC_T" -x $A_exclude; RC_RC=$?; set +f; IFS=$RC_IFS
    elif [ -n "${A_include-}" ]; then
      # Only the members `include` names: unzip takes them after the archive.
      RC_IFS=$IFS; IFS='
'; set -f; unzip -o "$@" "$ARC" $A_include -d "$RC_T"; RC_RC=$?; set +f; IFS=$RC_IFS
    else unzip -o "$@" "$ARC" -d "$RC_T"; RC_RC=$?; fi
  else
    if [ -n "${A_include-}" ]; then
      RC_IFS=$IFS; IFS='
'; set -f; tar $Z -x -f "$ARC" -C "$RC_T" "$@" -- $A_include; RC_RC=$?; set +f; IFS=$RC_IFS
    elif [ -n "${A_exclude-}" ]; then
      RC_X=$(printf '%s\n' "$A_exclude" | sed 's/^/--exclude=/')
      RC_IFS=$IFS; IFS='
'; set -f; tar $Z -x -f "$ARC" -C "$RC_T" $RC_X "$@"; RC_RC=$?; set +f; IFS=$RC_IFS
    else tar $Z -x -f "$ARC" -C "$RC_T" "$@"; RC_RC=$?; fi
  fi
  return $RC_RC
}
# Checked before extracting, whose output goes to a file (and so would this failure's).
if [ "$H" = ZipArchive ] && ! command -v unzip > /dev/null 2>&1; then
  rc_fail "Failed to find handler for \"$A_src\". Make sure the required command to extract the file is installed. Unable to find required 'unzip' binary in the path" ",\"dest\":$J_D,\"src\":$J_S"
fi
mkdir "$W/x" && extract "$W/x" "$@" > "$W/out" 2> "$W/err" || {
  rc_json_str "$(cat "$W/err")"
  rc_fail "Failed to find handler for \"$A_src\". Make sure the required command to extract the file is installed." ",\"dest\":$J_D,\"src\":$J_S,\"stderr\":$J"
}
# Differences between the scratch tree and dest: a count in DIFF. Modes are compared only
# when `mode` does not set them.
CMPMODE=1; [ -n "${A_mode-}" ] && CMPMODE=0
DIFF=$(cd "$W/x" && CMPMODE=$CMPMODE find . ! -name . -exec sh -c '
  d=$1; shift; n=0
  for f in "$@"; do
    t=$d/${f#./}
    if [ -L "$f" ]; then [ -L "$t" ] && [ "$(readlink -- "$f")" = "$(readlink -- "$t")" ] || n=$((n + 1))
    elif [ -d "$f" ]; then [ -d "$t" ] && [ ! -L "$t" ] || n=$((n + 1))
    elif [ -L "$t" ] || [ ! -f "$t" ] || ! cmp -s -- "$f" "$t"; then n=$((n + 1))
    elif [ "$CMPMODE" = 1 ] && [ "$(stat -c %a -- "$f")" != "$(stat -c %a -- "$t")" ]; then n=$((n + 1)); fi
  done
  echo $n' sh "$D" {} + | awk '{ s += $1 } END { print s + 0 }')
# Applies mode/owner/group to every archive entry under dest (the recursive call comes last).
attrs_walk() {
  for RC_F in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    [ -e "$RC_F" ] || [ -L "$RC_F" ] || continue
    RC_T=$2/${RC_F##*/}
    [ -e "$RC_T" ] || [ -L "$RC_T" ] || continue
    if [ -L "$RC_T" ]; then rc_attrs "$RC_T" "" "${A_owner-}" "${A_group-}" h
    else rc_attrs "$RC_T" "${A_mode-}" "${A_owner-}" "${A_group-}"; fi
    [ "$RC_CH" = 1 ] && CH=1
    [ -d "$RC_F" ] && [ ! -L "$RC_F" ] && attrs_walk "$RC_F" "$RC_T"
  done
}
CH=0; EXTRA=
if [ "$DIFF" -gt 0 ]; then
  CH=1
  if [ "$RC_CHECK" = 0 ]; then
    extract "$D" "$@" > "$W/out" 2> "$W/err" || { rc_json_str "$(cat "$W/err")"; rc_fail "failed to unpack $A_src into $D" ",\"stderr\":$J"; }
  fi
fi
if [ "${A_list_files-0}" = 1 ]; then
  RC_L=$(cd "$W/x" && find . ! -name . | sed 's|^\./||' | sort)
  rc_json_lines "$RC_L"; EXTRA=",\"files\":$J"
fi
[ -z "${A_mode-}${A_owner-}${A_group-}" ] || attrs_walk "$W/x" "$D"
rc_attr_json "$D"
rc_out "{\"changed\":$(rc_tf $CH),\"dest\":$J_D,\"src\":$J_S,\"handler\":\"$H\",$RC_AJ$EXTRA}"
