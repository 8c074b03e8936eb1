# copy (trees and remote_src): makes A_dest match a source that is either a tar stream on stdin
# (a controller directory) or A_src on the target (a file or a directory). Each changed file is
# written to a temp file beside it, then moved into place; `validate` vets a single file first.
MODE=${A_mode-}; OWN=${A_owner-}; GRP=${A_group-}; CH=0; EXTRA=
rc_drain() { [ "${A_remote_src-0}" = 1 ] || cat > /dev/null; }
W=$(mktemp -d) || { rc_drain; rc_fail "cannot create a temporary directory"; }
TMP=
trap 'rm -rf -- "$W" ${TMP:+"$TMP"}' EXIT
if [ "${A_remote_src-0}" = 1 ]; then
  SRC=${A_src%/}; [ -n "$SRC" ] || SRC=/
  [ -e "$SRC" ] || rc_fail "Source $A_src not found"
  [ -r "$SRC" ] || rc_fail "Source $A_src not readable"
  # As Ansible: a device, fifo or socket is no source.
  [ -f "$SRC" ] || [ -d "$SRC" ] || rc_fail "Cannot copy invalid source '$A_src': not a file"
else
  SRC=$W/x; mkdir "$SRC" && tar -x -f - -C "$SRC" 2> "$W/err" || { rc_json_str "$(cat "$W/err")"; rc_fail "cannot unpack the copied tree" ",\"stderr\":$J"; }
fi
# The mode a new file $2 gets (source $1): `mode` is applied afterwards by rc_attrs.
new_mode() {
  if [ "$MODE" = preserve ]; then M=$(stat -L -c %a -- "$1"); else rc_default_mode; fi
}
# Makes file $2 hold the bytes of file $1.
sync_file() {
  if [ -d "$2" ] && [ ! -L "$2" ]; then rc_fail "cannot overwrite the directory $2 with a file"; fi
  RC_WM=$MODE; [ "$MODE" = preserve ] && RC_WM=$(stat -L -c %a -- "$1")
  if [ -f "$2" ] && cmp -s -- "$1" "$2"; then
    rc_attrs "$2" "$RC_WM" "$OWN" "$GRP"; [ "$RC_CH" = 1 ] && CH=1
    return 0
  fi
  [ -e "$2" ] && [ "${A_force-1}" = 0 ] && return 0
  CH=1
  [ "$RC_CHECK" = 1 ] && return 0
  RC_DIR=${2%/*}; [ -n "$RC_DIR" ] || RC_DIR=/
  TMP=$(mktemp "$RC_DIR/.rconf.XXXXXX") || rc_fail "cannot create a temporary file in $RC_DIR"
  cat -- "$1" > "$TMP" || rc_fail "cannot write $2"
  if [ -e "$2" ]; then
    rc_stat "$2" L; chmod "$S_mode" "$TMP"; chown "$S_uid:$S_gid" "$TMP" 2>/dev/null || :
  else
    new_mode "$1"; chmod "$M" "$TMP"
  fi
  rc_attrs "$TMP" "$RC_WM" "$OWN" "$GRP"
  if [ -n "${A_validate-}" ]; then
    RC_V=$(printf '%s' "$A_validate" | sed "s|%s|'$TMP'|g")
    rc_capture sh -c "$RC_V"
    if [ "$RC_RC" != 0 ]; then
      rc_json_str "$RC_E"; RC_JE=$J; rc_json_str "$RC_O"
      rc_fail "failed to validate" ",\"exit_status\":$RC_RC,\"stdout\":$J,\"stderr\":$RC_JE"
    fi
  fi
  if [ -e "$2" ] && [ "${A_backup-0}" = 1 ]; then rc_backup "$2"; rc_json_str "$RC_BK"; EXTRA="$EXTRA,\"backup_file\":$J"; fi
  rc_commit "$TMP" "$2" "cannot move the new content into place at $2"
  TMP=
}
# Makes directory $2 exist (new ones get directory_mode, else the umask's default).
sync_dir() {
  if [ -d "$2" ]; then
    [ -z "${A_directory_mode-}" ] || { rc_attrs "$2" "$A_directory_mode" "$OWN" "$GRP"; [ "$RC_CH" = 1 ] && CH=1; }
    return 0
  fi
  [ -e "$2" ] && rc_fail "cannot replace $2 with a directory"
  CH=1
  [ "$RC_CHECK" = 1 ] && return 0
  mkdir -p -- "$2" || rc_fail "cannot create the directory $2"
  [ -z "${A_directory_mode-}" ] || chmod -- "$A_directory_mode" "$2"
  [ -z "$OWN$GRP" ] || rc_attrs "$2" "" "$OWN" "$GRP"
}
sync_link() {
  RC_LT=$(readlink -- "$1")
  [ -L "$2" ] && [ "$(readlink -- "$2")" = "$RC_LT" ] && return 0
  CH=1
  [ "$RC_CHECK" = 1 ] && return 0
  rm -rf -- "$2" && ln -s -- "$RC_LT" "$2" || rc_fail "cannot create the symlink $2"
}
# Copies the entries of directory $1 into directory $2 (the recursive call comes last: it
# reuses RC_F).
walk() {
  for RC_F in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    [ -e "$RC_F" ] || [ -L "$RC_F" ] || continue
    RC_T=$2/${RC_F##*/}
    if [ -L "$RC_F" ] && [ "${A_remote_src-0}" = 1 ] && [ "${A_local_follow-1}" = 0 ]; then sync_link "$RC_F" "$RC_T"
    elif [ -L "$RC_F" ] && [ "${A_remote_src-0}" = 0 ]; then sync_link "$RC_F" "$RC_T"
    elif [ -d "$RC_F" ]; then sync_dir "$RC_F" "$RC_T"; walk "$RC_F" "$RC_T"
    elif [ -f "$RC_F" ]; then sync_file "$RC_F" "$RC_T"
    fi
  done
}
D=$A_dest
if [ -d "$SRC" ]; then
  # A source without a trailing slash is copied as a directory into dest.
  if [ "${A_remote_src-0}" = 1 ]; then case $A_src in */) ;; *) D="${D%/}/${SRC##*/}" ;; esac
  elif [ -n "${A_subdir-}" ]; then D="${D%/}/$A_subdir"; fi
  RC_P=${D%/*}
  [ "$RC_P" = "$D" ] || [ -z "$RC_P" ] || [ -d "$RC_P" ] || [ "$RC_CHECK" = 1 ] || mkdir -p -- "$RC_P" || rc_fail "cannot create $RC_P"
  sync_dir "$SRC" "$D"
  [ -d "$D" ] || [ "$RC_CHECK" = 1 ] || rc_fail "cannot create $D"
  walk "$SRC" "$D"
else
  case $D in */) D="$D${SRC##*/}" ;; *) [ -d "$D" ] && D="${D%/}/${SRC##*/}" ;; esac
  RC_P=${D%/*}; [ -n "$RC_P" ] || RC_P=/
  # A dest ending in / is a directory, made with its parents when missing (as Ansible).
  case $A_dest in */) if [ ! -d "$RC_P" ]; then
    if [ "$RC_CHECK" = 1 ]; then
      rc_json_str "dest directory $RC_P would be created"
      rc_out "{\"changed\":true,\"msg\":$J}"; exit 0
    fi
    mkdir -p -- "$RC_P" || rc_fail "cannot create $RC_P"; CH=1
  fi ;; esac
  [ "$RC_P" = "$D" ] || [ -d "$RC_P" ] || rc_fail "Destination directory $RC_P does not exist"
  sync_file "$SRC" "$D"
  RC_S=$(sha1sum < "$SRC") && EXTRA="$EXTRA,\"checksum\":\"${RC_S%% *}\""
fi
rc_json_str "$D"; J_D=$J; rc_json_str "${A_src-}"
rc_out "{\"changed\":$(rc_tf $CH),\"dest\":$J_D,\"src\":$J$EXTRA}"
