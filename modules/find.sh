# find: walks each path with shell globs (safe for any file name), filters on the target, and
# prints one JSON array per matched file as payload: path, raw mode (hex), size, mtime, atime,
# ctime, uid, gid, inode, dev, nlink, owner, group, checksum. The controller builds the dicts.
NOW=$(date +%s)
FT=${A_file_type}; HID=${A_hidden}; REC=${A_recurse}; FOL=${A_follow}
DEPTH=${A_depth-}; [ "$REC" = 1 ] || DEPTH=1
EXAMINED=0; MATCHED=0; SKIPPED=; SSEP=
# Sets OK=1 when name $1 is selected by the patterns and not excluded.
name_ok() {
  OK=0
  RC_N=$1
  if [ "${A_use_regex}" = 1 ]; then
    printf '%s\n' "$A_patterns" | { while IFS= read -r RC_P; do
      RC_NAME=$RC_N RC_RX="^($RC_P)" awk 'BEGIN { exit !(ENVIRON["RC_NAME"] ~ ENVIRON["RC_RX"]) }' && exit 0
    done; exit 1; } && OK=1
    [ "$OK" = 1 ] && [ -n "${A_excludes-}" ] && printf '%s\n' "$A_excludes" | { while IFS= read -r RC_P; do
      RC_NAME=$RC_N RC_RX="^($RC_P)" awk 'BEGIN { exit !(ENVIRON["RC_NAME"] ~ ENVIRON["RC_RX"]) }' && exit 0
    done; exit 1; } && OK=0
  else
    RC_IFS=$IFS; IFS='
'
    set -f
    for RC_P in $A_patterns; do case $RC_N in $RC_P) OK=1; break ;; esac; done
    if [ "$OK" = 1 ] && [ -n "${A_excludes-}" ]; then
      for RC_P in $A_excludes; do case $RC_N in $RC_P) OK=0; break ;; esac; done
    fi
    set +f; IFS=$RC_IFS
  fi
  return 0
}
# Considers one entry $1 (type $2: file, directory, link, other).
consider() {
  EXAMINED=$((EXAMINED + 1))
  case ${1##*/} in .*) [ "$HID" = 1 ] || return 0 ;; esac
  case $FT:$2 in any:*|file:file|directory:directory|link:link) ;; *) return 0 ;; esac
  [ -n "${A_limit-}" ] && [ "$MATCHED" -ge "$A_limit" ] && return 0
  name_ok "${1##*/}"; [ "$OK" = 1 ] || return 0
  if [ "$FOL" = 1 ]; then RC_ST=$(stat -L -c '%f %s %Y %X %Z %u %g %i %d %h' -- "$1" 2>/dev/null)
  else RC_ST=$(stat -c '%f %s %Y %X %Z %u %g %i %d %h' -- "$1" 2>/dev/null); fi || return 0
  set -- "$1" "$2" $RC_ST
  if [ -n "${A_age-}" ]; then
    case ${A_age_stamp} in atime) RC_TS=$6 ;; ctime) RC_TS=$7 ;; *) RC_TS=$5 ;; esac
    case $A_age in
      -*) [ $((NOW - RC_TS)) -le "${A_age#-}" ] || return 0 ;;
      *) [ $((NOW - RC_TS)) -ge "$A_age" ] || return 0 ;;
    esac
  fi
  if [ "$2" = file ]; then
    if [ -n "${A_size-}" ]; then
      case $A_size in
        -*) [ "$4" -le "${A_size#-}" ] || return 0 ;;
        *) [ "$4" -ge "$A_size" ] || return 0 ;;
      esac
    fi
    if [ -n "${A_contains-}" ]; then
      if [ "${A_read_whole_file}" = 1 ]; then RC_RX=$A_contains; else RC_RX="^($A_contains)"; fi
      LC_ALL=C grep -Eq -e "$RC_RX" -- "$1" 2>/dev/null || return 0
    fi
  fi
  CK=
  if [ "${A_get_checksum}" = 1 ] && [ "$2" = file ]; then CK=$(sha1sum < "$1" 2>/dev/null) && CK=${CK%% *}; fi
  MATCHED=$((MATCHED + 1))
  rc_json_str "$1"; RC_JP=$J
  RC_U=$(id -nu "$8" 2>/dev/null || echo "$8"); rc_json_str "$RC_U"; RC_JU=$J
  RC_G=$(getent group "$9" 2>/dev/null) && RC_G=${RC_G%%:*} || RC_G=$9; rc_json_str "$RC_G"
  printf '[%s,"%s",%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,"%s"]\n' "$RC_JP" "$3" "$4" "$5" "$6" "$7" "$8" "$9" \
    "${10}" "${11}" "${12}" "$RC_JU" "$J" "$CK"
}
# Walks directory $1 at depth $2 (its entries are at depth $2).
walk() {
  for RC_F in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    [ -e "$RC_F" ] || [ -L "$RC_F" ] || continue
    if [ -L "$RC_F" ] && [ "$FOL" = 0 ]; then RC_T=link
    elif [ -d "$RC_F" ]; then RC_T=directory
    elif [ -f "$RC_F" ]; then RC_T=file
    elif [ -L "$RC_F" ]; then RC_T=link
    else RC_T=other; fi
    consider "$RC_F" "$RC_T"
    # The recursive call comes last: it reuses RC_F and RC_T.
    if [ "$RC_T" = directory ] && { [ -z "$DEPTH" ] || [ "$2" -lt "$DEPTH" ]; }; then
      walk "$RC_F" $(($2 + 1))
    fi
  done
}
printf '%s\n' "$A_paths" | {
  while IFS= read -r RC_R; do
    [ -n "$RC_R" ] || continue
    case $RC_R in "~"|"~/"*) RC_R=$HOME${RC_R#\~} ;; esac
    [ "$RC_R" = / ] || RC_R=${RC_R%/}
    if [ -d "$RC_R" ] && [ -r "$RC_R" ] && [ -x "$RC_R" ]; then
      walk "$RC_R" 1
    else
      rc_json_str "$RC_R"; RC_K=$J
      rc_json_str "$RC_R was skipped as it does not seem to be a valid directory or it cannot be accessed"
      SKIPPED="$SKIPPED$SSEP$RC_K:$J"; SSEP=,
    fi
  done
  if [ -n "$SKIPPED" ]; then MSG="Not all paths examined, check warnings for details"; else MSG="All paths examined"; fi
  rc_out "{\"changed\":false,\"matched\":$MATCHED,\"examined\":$EXAMINED,\"skipped_paths\":{$SKIPPED},\"msg\":\"$MSG\"}"
}
