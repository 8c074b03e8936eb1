# copy / template: makes A_dest hold the bytes on stdin (sha1 A_checksum; small text is compared
# in the shell), atomically and only when all of it arrived (A_size bytes), then sets
# mode/owner/group. Payload: the old content when diffing.
# The controller adds src and checksum.
D=$A_dest
MODE=${A_mode-}; OWN=${A_owner-}; GRP=${A_group-}
if [ -d "$D" ]; then
  [ -n "${A_basename-}" ] || { rc_fail "can not use content with a dir as dest"; }
  D="${D%/}/$A_basename"
  [ -d "$D" ] && { rc_fail "cannot overwrite the directory $D with a file"; }
fi
if [ "${A_follow-0}" = 1 ] && [ -L "$D" ]; then D=$(readlink -f -- "$D"); fi
rc_json_str "$D"; J_DEST=$J
DIR=${D%/*}; [ "$DIR" = "$D" ] && DIR=.; [ -n "$DIR" ] || DIR=/
RC_MADE=0
if [ ! -d "$DIR" ] && [ "${A_mkdirs-0}" = 1 ]; then
  # As Ansible's copy for a dest ending in `/`: the missing directories are made, with
  # directory_mode and the owner and group asked for.
  RC_MADE=1
  if [ "$RC_CHECK" = 0 ]; then
    RC_TOP=$DIR
    while [ ! -d "$RC_TOP" ]; do RC_TOP=${RC_TOP%/*}; [ -n "$RC_TOP" ] || RC_TOP=/; done
    mkdir -p -- "$DIR" || rc_fail "cannot create the directory $DIR"
    RC_X=$DIR
    while [ "$RC_X" != "$RC_TOP" ] && [ -n "$RC_X" ]; do
      [ -z "${A_directory_mode-}" ] || chmod "$A_directory_mode" "$RC_X" || rc_fail "chmod failed on $RC_X"
      if [ -n "$OWN$GRP" ]; then chown "$OWN${GRP:+:$GRP}" "$RC_X" || rc_fail "chown failed on $RC_X"; fi
      RC_X=${RC_X%/*}
    done
  fi
fi
[ -d "$DIR" ] || [ "$RC_MADE" = 1 ] || { rc_fail "Destination directory $DIR does not exist"; }
EXISTS=0; SAME=0; KNOWN=0; CH=0; EXTRA=
# Small text (A_small is its size in bytes): held in the shell, compared and written from there.
SMALL=${A_small-}
if [ -n "$SMALL" ]; then rc_read_all; NEW=$RC_TXT; fi
if [ -e "$D" ]; then
  EXISTS=1
  if [ "${A_force-1}" = 0 ]; then
    rc_attr_json "$D"
    rc_out "{\"changed\":false,\"dest\":$J_DEST,\"state\":\"file\",$RC_AJ,\"msg\":\"file already exists\"}"; exit 0
  fi
  if [ -n "$SMALL" ] && [ -r "$D" ]; then
    KNOWN=1
    if rc_stat "$D" L && [ "$S_size" = "$SMALL" ]; then
      rc_read_all < "$D"
      # Equal: nothing touches the file until rc_attrs, which may reuse the stat.
      [ "$RC_TXT" = "$NEW" ] && SAME=1 && rc_fresh
    fi
  elif command -v sha1sum > /dev/null 2>&1; then
    RC_SUM=$(sha1sum < "$D") || { rc_fail "cannot read $D"; }
    KNOWN=1
    [ "${RC_SUM%% *}" = "$A_checksum" ] && SAME=1
  elif [ "$RC_CHECK" = 1 ]; then
    KNOWN=1
    cmp -s - "$D" && SAME=1
  fi
fi
if [ "$SAME" = 0 ] && [ "$RC_DIFF" = 1 ] && [ "$EXISTS" = 1 ]; then
  rc_stat "$D" L
  if [ "$S_size" -le 104448 ]; then cat -- "$D"; EXTRA=",\"before_shown\":true"; else EXTRA=",\"dst_larger\":true"; fi
fi
if [ "$SAME" = 0 ] && [ "$RC_CHECK" = 0 ]; then
  TMP=$(mktemp "$DIR/.rconf.XXXXXX") || { rc_fail "cannot create a temporary file in $DIR"; }
  # After the rename the temp file is gone: the test spares an `rm` per written file.
  trap '[ ! -e "$TMP" ] || rm -f -- "$TMP"' EXIT
  trap 'exit 143' HUP INT TERM PIPE
  if [ -n "$SMALL" ]; then printf '%s' "$NEW" > "$TMP"; else cat > "$TMP"; fi ||
    { rm -f -- "$TMP"; rc_fail "cannot write the new content of $D"; }
  # Content cut short (the controller killed, the connection lost) must never replace $D: its
  # size, and its checksum where sha1sum exists, must be what the controller announced.
  rc_stat "$TMP"
  RC_SUM=$A_checksum
  [ -n "$SMALL" ] || ! command -v sha1sum > /dev/null 2>&1 || RC_SUM=$(sha1sum < "$TMP") || RC_SUM=
  if [ "$S_size" != "$A_size" ] || [ "${RC_SUM%% *}" != "$A_checksum" ]; then
    rm -f -- "$TMP"
    rc_fail "the new content of $D arrived incomplete ($S_size of $A_size bytes, or not the checksum sent); $D is unchanged"
  fi
  if [ "$KNOWN" = 0 ] && [ "$EXISTS" = 1 ] && cmp -s "$TMP" "$D"; then
    SAME=1; rm -f -- "$TMP"
  fi
fi
if [ "$SAME" = 1 ]; then
  rc_attrs "$D" "$MODE" "$OWN" "$GRP"; CH=$RC_CH
elif [ "$RC_CHECK" = 1 ]; then
  CH=1
else
  CH=1
  if [ "$EXISTS" = 1 ]; then
    rc_stat "$D" L
    # An existing file keeps its mode and ownership unless told otherwise.
    chmod "$S_mode" "$TMP"
    RC_OU=$S_uid; RC_OG=$S_gid
    rc_stat "$TMP"
    [ "$RC_OU:$RC_OG" = "$S_uid:$S_gid" ] || chown "$RC_OU:$RC_OG" "$TMP" 2>/dev/null || :
    if [ "${A_backup-0}" = 1 ]; then rc_backup "$D"; rc_json_str "$RC_BK"; EXTRA="$EXTRA,\"backup_file\":$J"; fi
  else
    rc_default_mode; chmod "$M" "$TMP"
  fi
  rc_attrs "$TMP" "$MODE" "$OWN" "$GRP"
  if [ -n "${A_validate-}" ]; then
    RC_V=$(printf '%s' "$A_validate" | sed "s|%s|'$TMP'|g")
    rc_capture sh -c "$RC_V"
    [ "$RC_RC" = 0 ] || { rc_json_str "$RC_E"; RC_JE=$J; rc_json_str "$RC_O"; rc_fail "failed to validate" ",\"exit_status\":$RC_RC,\"stdout\":$J,\"stderr\":$RC_JE"; }
  fi
  rc_commit "$TMP" "$D" "cannot move the new content into place at $D"
fi
rc_attr_json "$D"
[ -z "$RC_AJ" ] || RC_AJ=",$RC_AJ"
rc_tf_set "$CH"
# Ansible's copy module returns the legacy md5sum when it wrote (or would write) the file.
if [ "$CH" = 1 ] && [ -n "${A_md5-}" ]; then EXTRA="$EXTRA,\"md5sum\":\"$A_md5\""; fi
rc_out "{\"changed\":$TF,\"dest\":$J_DEST,\"state\":\"file\",\"checksum\":\"$A_checksum\"$RC_AJ$EXTRA}"
