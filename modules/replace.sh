# replace: the section between `after` and `before` is cut out by byte offsets (found by awk on
# the whole content), sed -E substitutes in it line by line, and the file is replaced atomically
# when the result differs. Patterns arrive as POSIX EREs; `RC_D` is sed's delimiter.
P=$A_path
if [ -L "$P" ]; then P=$(readlink -f -- "$P") || rc_fail "cannot resolve the symlink $A_path"; fi
[ -d "$P" ] && rc_fail "Path $P is a directory !" ',"rc":256'
[ -e "$P" ] || rc_fail "Path $P does not exist !" ',"rc":257'
rc_json_str "$P"; J_P=$J
W=$(mktemp -d) || rc_fail "cannot create a temporary directory"
trap 'rm -rf -- "$W"' EXIT
NOEOL=0; [ -n "$(tail -c 1 -- "$P")" ] && NOEOL=1
SIZE=$(wc -c < "$P" | tr -d ' ')
# Offsets of the section: START bytes are kept before it, LEN bytes are edited.
SEC=$(LC_ALL=C NOEOL=$NOEOL AF="${A_after-}" BF="${A_before-}" awk '
{ s = s $0 "\n" }
END {
  if (ENVIRON["NOEOL"] == "1") s = substr(s, 1, length(s) - 1)
  af = ENVIRON["AF"]; bf = ENVIRON["BF"]; a = 0; e = length(s)
  if (af != "") { if (!match(s, af)) { print "none"; exit } a = RSTART + RLENGTH - 1 }
  if (bf != "") {
    rest = substr(s, a + 1)
    if (!match(rest, bf)) { print "none"; exit }
    if (af != "") e = a + RSTART - 1
    else {
      # Without `after` the section runs to the LAST match of `before`.
      last = RSTART; off = RSTART
      while (off < length(rest) && match(substr(rest, off + 1), bf)) { last = off + RSTART; off = last }
      e = last - 1
    }
  }
  print a, e - a
}' "$P") || rc_fail "awk failed to read $P"
if [ "$SEC" = none ]; then
  rc_json_str "Pattern for before/after params did not match the given file: ${A_after-}${A_before-}"
  rc_out "{\"changed\":false,\"msg\":$J}"; exit 0
fi
START=${SEC% *}; LEN=${SEC#* }
head -c "$START" -- "$P" > "$W/pre" && tail -c +"$((START + 1))" -- "$P" | head -c "$LEN" > "$W/sec" \
  && tail -c +"$((START + LEN + 1))" -- "$P" > "$W/post" || rc_fail "cannot split $P"
# The sed script goes through a file, not argv, where any local user could read it (`ps`).
printf 's%s%s%s%s%sg\n' "$RC_D" "$A_regexp" "$RC_D" "$A_replace" "$RC_D" > "$W/sed"
LC_ALL=C sed -E -f "$W/sed" "$W/sec" > "$W/new" 2> "$W/err" \
  || { rc_json_str "$(cat "$W/err")"; rc_fail "sed could not apply the regular expression" ",\"stderr\":$J"; }
N=$(LC_ALL=C RX="$A_regexp" awk '{ n += gsub(ENVIRON["RX"], "&") } END { print n + 0 }' "$W/sec")
cat "$W/pre" "$W/new" "$W/post" > "$W/all"
CH=0; MSG=; EXTRA=
if [ "$N" -gt 0 ] && ! cmp -s "$W/all" "$P"; then CH=1; MSG="$N replacements made"; fi
if [ "$RC_DIFF" = 1 ] && [ "$CH" = 1 ] && [ "$SIZE" -le 104448 ]; then
  cat -- "$P" "$W/all"; EXTRA=",\"diff_before_len\":$SIZE"
fi
if [ "$CH" = 1 ] && [ -n "${A_validate-}" ]; then
  V=$(printf '%s' "$A_validate" | sed "s|%s|'$W/all'|g")
  rc_capture sh -c "$V"
  if [ "$RC_RC" != 0 ]; then
    rc_json_str "$RC_E"; J_E=$J; rc_json_str "$RC_O"
    rc_fail "failed to validate: rc:$RC_RC error:$RC_E" ",\"rc\":$RC_RC,\"stdout\":$J,\"stderr\":$J_E"
  fi
fi
if [ "$CH" = 1 ] && [ "$RC_CHECK" = 0 ]; then
  DIR=${P%/*}; [ "$DIR" = "$P" ] && DIR=.; [ -n "$DIR" ] || DIR=/
  TMP=$(mktemp "$DIR/.rconf.XXXXXX") || rc_fail "cannot create a temporary file in $DIR"
  trap 'rm -rf -- "$W" "$TMP"' EXIT
  cat "$W/all" > "$TMP" || rc_fail "cannot write $P"
  rc_stat "$P" L; chmod "$S_mode" "$TMP"; chown "$S_uid:$S_gid" "$TMP" 2>/dev/null || :
  if [ "${A_backup-0}" = 1 ]; then rc_backup "$P"; rc_json_str "$RC_BK"; EXTRA="$EXTRA,\"backup_file\":$J"; fi
  rc_commit "$TMP" "$P" "cannot move the new content into place at $P"
fi
rc_attrs "$P" "${A_mode-}" "${A_owner-}" "${A_group-}"
if [ "$RC_CH" = 1 ]; then
  if [ "$CH" = 1 ]; then MSG="$MSG and ownership, perms or SE linux context changed"
  else MSG="ownership, perms or SE linux context changed"; CH=1; fi
fi
rc_json_str "$MSG"
rc_out "{\"changed\":$(rc_tf $CH),\"msg\":$J,\"path\":$J_P$EXTRA}"
