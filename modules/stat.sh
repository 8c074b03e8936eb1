# stat: facts about A_path in one stat call (plus a checksum when asked); changes nothing.
P=$A_path
if [ ! -e "$P" ] && [ ! -L "$P" ]; then rc_out '{"changed":false,"stat":{"exists":false}}'; exit 0; fi
if [ "${A_follow-0}" = 1 ]; then RC_L=-L; else RC_L=; fi
# Times with their nanoseconds, as Python's floats (GNU stat); whole seconds where `stat`
# cannot say more.
for RC_T in '%.9X %.9Y %.9Z' '%X %Y %Z'; do
  RC_ST=$(stat $RC_L -c "%a %u %g %s %i %d %h $RC_T %b %o %r %U %G" -- "$P") || rc_fail "cannot stat $P"
  read -r MODE UID_ GID_ SIZE INO DEV NLINK AT MT CT BLOCKS BLKSIZE RDEV USR GRP <<RC_EOF
$RC_ST
RC_EOF
  case $AT$MT$CT in *[!0-9.]*) ;; *) break ;; esac
done
rc_json_str "$USR"; JU=$J; rc_json_str "$GRP"; JG=$J
rc_mode_norm "$MODE"
F="\"exists\":true,\"mode\":\"$(printf '%04o' "0$M")\",\"uid\":$UID_,\"gid\":$GID_,\"size\":$SIZE"
F="$F,\"blocks\":$BLOCKS,\"block_size\":$BLKSIZE,\"device_type\":$RDEV"
# The permission bits, as Ansible names them.
for RC_B in isuid:04000 isgid:02000 rusr:0400 wusr:0200 xusr:0100 rgrp:040 wgrp:020 xgrp:010 roth:04 woth:02 xoth:01; do
  if [ $(( 0$M & ${RC_B#*:} )) -ne 0 ]; then F="$F,\"${RC_B%%:*}\":true"; else F="$F,\"${RC_B%%:*}\":false"; fi
done
F="$F,\"inode\":$INO,\"dev\":$DEV,\"nlink\":$NLINK,\"_times\":\"$AT $MT $CT\",\"pw_name\":$JU,\"gr_name\":$JG"
rc_b() { if eval "$2"; then F="$F,\"$1\":true"; else F="$F,\"$1\":false"; fi; }
if [ -n "$RC_L" ]; then
  rc_b islnk false
  rc_b isdir '[ -d "$P" ]'; rc_b isreg '[ -f "$P" ]'
else
  rc_b islnk '[ -L "$P" ]'
  rc_b isdir '[ -d "$P" ] && [ ! -L "$P" ]'; rc_b isreg '[ -f "$P" ] && [ ! -L "$P" ]'
fi
rc_b isfifo '[ -p "$P" ]'; rc_b issock '[ -S "$P" ]'; rc_b isblk '[ -b "$P" ]'; rc_b ischr '[ -c "$P" ]'
rc_b readable '[ -r "$P" ]'; rc_b writeable '[ -w "$P" ]'; rc_b executable '[ -x "$P" ]'
if [ -L "$P" ]; then
  rc_json_str "$(readlink -- "$P")"; F="$F,\"lnk_target\":$J"
  rc_json_str "$(readlink -f -- "$P")"; F="$F,\"lnk_source\":$J"
fi
# As Ansible: a checksum for a readable regular file (not a link that is not followed).
if [ "${A_get_checksum-1}" = 1 ] && [ -f "$P" ] && [ -r "$P" ] && { [ -n "$RC_L" ] || [ ! -L "$P" ]; }; then
  RC_SUM=$("${A_checksum_algorithm:-sha1}sum" < "$P" 2>/dev/null) && F="$F,\"checksum\":\"${RC_SUM%% *}\""
fi
# As Ansible's defaults: the mime type from `file`, the attributes from `lsattr` (not for a
# symlink), each read by the controller (stat.rs).
if [ "${A_get_mime-1}" = 1 ]; then
  F="$F,\"mimetype\":\"unknown\",\"charset\":\"unknown\""
  if command -v file > /dev/null 2>&1; then
    RC_MI=$(file --mime-type --mime-encoding -- "$P" 2>/dev/null) && { rc_json_str "$RC_MI"; F="$F,\"_mime\":$J"; }
  fi
fi
if [ "${A_get_attributes-1}" = 1 ] && [ -L "$P" ]; then
  F="$F,\"attr_flags\":\"\",\"attributes\":[],\"version\":null"
elif [ "${A_get_attributes-1}" = 1 ] && command -v lsattr > /dev/null 2>&1; then
  RC_LA=$(lsattr -vd -- "$P" 2>/dev/null) && { rc_json_str "$RC_LA"; F="$F,\"_lsattr\":$J"; }
fi
rc_out "{\"changed\":false,\"stat\":{$F}}"
