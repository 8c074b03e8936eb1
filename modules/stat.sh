# stat: facts about A_path in one stat call (plus a checksum when asked); changes nothing.
P=$A_path
if [ ! -e "$P" ] && [ ! -L "$P" ]; then rc_out '{"changed":false,"stat":{"exists":false}}'; exit 0; fi
if [ "${A_follow}" = 1 ]; then RC_L=-L; else RC_L=; fi
RC_ST=$(stat $RC_L -c '%f %a %u %g %s %i %d %h %X %Y %Z %U %G' -- "$P") || rc_fail "cannot stat $P"
read -r RAW MODE UID_ GID_ SIZE INO DEV NLINK AT MT CT USR GRP <<RC_EOF
$RC_ST
RC_EOF
rc_json_str "$USR"; JU=$J; rc_json_str "$GRP"; JG=$J
rc_mode_norm "$MODE"
F="\"exists\":true,\"mode\":\"$(printf '%04o' "0$M")\",\"rawmode\":\"$RAW\",\"uid\":$UID_,\"gid\":$GID_,\"size\":$SIZE"
F="$F,\"inode\":$INO,\"dev\":$DEV,\"nlink\":$NLINK,\"atime\":$AT,\"mtime\":$MT,\"ctime\":$CT,\"pw_name\":$JU,\"gr_name\":$JG"
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
if [ "${A_get_checksum}" = 1 ] && [ -f "$P" ] && [ -r "$P" ]; then
  RC_SUM=$("${A_checksum_algorithm}sum" < "$P" 2>/dev/null) && F="$F,\"checksum\":\"${RC_SUM%% *}\""
fi
rc_out "{\"changed\":false,\"stat\":{$F}}"
