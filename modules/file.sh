# file: makes A_path a file/directory/link/hard link, touches or removes it, and sets its
# mode/owner/group/times. The controller adds `path` and the diff to the result.
P=$A_path
while :; do case $P in ?*/) P=${P%/} ;; *) break ;; esac; done
MODE=${A_mode-}; OWN=${A_owner-}; GRP=${A_group-}; FORCE=${A_force}
rc_type "$P"; PREV=$T
# A regular file (not a link): following it reads the same, and rc_attrs may reuse it.
if [ "$PREV" = file ] && rc_stat "$P" L && [ "${S_nlink:-1}" != 1 ]; then PREV=hard; fi
STATE=${A_state-}
if [ -z "$STATE" ]; then
  if [ "${A_recurse}" = 1 ]; then STATE=directory
  elif [ "$PREV" = absent ] || [ "$PREV" = hard ]; then STATE=file
  else STATE=$PREV; fi
fi
# A hard link asked for at a directory goes inside it, under the source's name (as Ansible).
if [ "$STATE" = hard ] && [ "$PREV" = directory ] && [ -n "${A_src-}" ]; then
  P="$P/${A_src##*/}"; rc_type "$P"; PREV=$T
  if [ "$PREV" = file ] && rc_stat "$P" L && [ "${S_nlink:-1}" != 1 ]; then PREV=hard; fi
fi
# As Ansible in check mode: an owner or group that does not exist yet is a warning (a task
# earlier in a real run may create it).
if [ "$RC_CHECK" = 1 ] && [ "$STATE" != absent ]; then
  if [ -n "$OWN" ] && ! rc_user_exists "$OWN"; then
    case $OWN in *[!0-9]*) rc_warn "failed to look up user $OWN. Create user up to this point in real play" ;;
      *) rc_warn "failed to look up user with uid $OWN. Create user up to this point in real play" ;; esac
  fi
  if [ -n "$GRP" ] && ! rc_group_exists "$GRP"; then
    case $GRP in *[!0-9]*) rc_warn "failed to look up group $GRP. Create group up to this point in real play" ;;
      *) rc_warn "failed to look up group with gid $GRP. Create group up to this point in real play" ;; esac
  fi
fi
rc_json_str "$PREV"; J_PREV=$J
CH=0
# Follow a symlink to its target for the states that manage the target.
case $STATE in file|directory|touch)
  if [ "$PREV" = link ] && [ "${A_follow}" = 1 ] && [ -e "$P" ]; then
    P=$(readlink -f -- "$P") || rc_fail "cannot resolve symlink $A_path"
    rc_type "$P"; PREV=$T
  fi ;;
esac
rc_done() {
  RC_AJ=
  if [ "$STATE" != absent ]; then
    if [ "$STATE" = link ]; then rc_attr_json "$P" h; else rc_attr_json "$P" L; fi
    [ -z "$RC_AJ" ] || RC_AJ=",$RC_AJ"
  fi
  rc_tf_set "$CH"
  # Ansible reports what the path is afterwards: a touched path is a file (or still absent in
  # check mode).
  RC_RS=$STATE
  if [ "$STATE" = touch ]; then
    rc_type "$P"; RC_RS=$T
    if [ "$T" = file ] && [ "${S_nlink:-1}" != 1 ]; then RC_RS=hard; fi
  fi
  rc_out "{\"changed\":$TF,\"state\":\"$RC_RS\",\"prev_state\":$J_PREV$RC_AJ${1-}${RC_WJ-}}"
  exit 0
}
# Applies modification/access times; touch defaults to now, other states to preserve.
rc_times() {
  if [ "$STATE" = touch ]; then RC_DT=now; else RC_DT=preserve; fi
  RC_MT=${A_modification_time:-$RC_DT}; RC_AT=${A_access_time:-$RC_DT}
  # Both now: one plain touch, which the kernel allows whoever may write the file (setting one
  # time alone, or an explicit time, needs its owner), as Ansible's os.utime(path, None).
  if [ "$RC_MT" = now ] && [ "$RC_AT" = now ]; then
    CH=1
    [ "$RC_CHECK" = 1 ] && return 0
    touch -c -- "$P" || rc_fail "cannot set times on $P (time \`now\`)"
    return 0
  fi
  for RC_W in m:$RC_MT a:$RC_AT; do
    RC_V=${RC_W#?:}
    [ "$RC_V" = preserve ] && continue
    # An explicit time the file already has changes nothing (compared through a reference
    # file the same `touch -t` stamps).
    if [ "$RC_V" != now ] && RC_REF=$(mktemp); then
      touch -c -t "$RC_V" -- "$RC_REF" 2>/dev/null || { rm -f -- "$RC_REF"; rc_fail "cannot set times on $P (time \`$RC_V\`)"; }
      case ${RC_W%%:*} in m) RC_F=%Y ;; *) RC_F=%X ;; esac
      RC_SAME=0; [ "$(stat -c "$RC_F" -- "$RC_REF" "$P" | uniq | wc -l)" = 1 ] && RC_SAME=1
      rm -f -- "$RC_REF"
      [ "$RC_SAME" = 1 ] && continue
    fi
    CH=1
    [ "$RC_CHECK" = 1 ] && continue
    if [ "$RC_V" = now ]; then touch -c -"${RC_W%%:*}" -- "$P"
    else touch -c -"${RC_W%%:*}" -t "$RC_V" -- "$P"; fi || rc_fail "cannot set times on $P (time \`$RC_V\`)"
  done
}
rc_set_attrs() {
  rc_attrs "$P" "$MODE" "$OWN" "$GRP" "${1-}"
  [ "$RC_CH" = 0 ] || CH=1
}
# Replaces P atomically with a link made by `ln $1`.
rc_link() {
  RC_D=${P%/*}; [ "$RC_D" = "$P" ] && RC_D=.; [ -n "$RC_D" ] || RC_D=/
  RC_TMP="$RC_D/.rconf.$$.link"
  rm -f -- "$RC_TMP"
  ln $1 -- "$A_src" "$RC_TMP" 2>/dev/null || rc_fail "Error while linking: cannot create link $P to $A_src"
  mv -fT -- "$RC_TMP" "$P" 2>/dev/null || mv -f -- "$RC_TMP" "$P" || { rm -f -- "$RC_TMP"; rc_fail "Error while linking: cannot replace $P"; }
}
case $STATE in
absent)
  if [ "$PREV" != absent ]; then
    CH=1
    [ "$RC_CHECK" = 1 ] || rm -rf -- "$P" || rc_fail "rmtree failed: cannot remove $P"
  fi
  rc_done ;;
file)
  case $PREV in
    file|hard) rc_fresh ;;
    *) rc_fail "file ($P) is $PREV, cannot continue" ",\"state\":$J_PREV" ;;
  esac
  rc_set_attrs; rc_times; rc_done ;;
touch)
  if [ "$PREV" = absent ]; then
    CH=1
    if [ "$RC_CHECK" = 1 ]; then rc_done; fi
    : > "$P" || rc_fail "Error, could not touch target: $P"
    # As Ansible: a new file whose owner, group or mode cannot be set is removed again.
    RC_UNDO=$P
  fi
  rc_set_attrs; RC_UNDO=; rc_times; rc_done ;;
directory)
  case $PREV in
    directory) ;;
    absent)
      CH=1
      [ "$RC_CHECK" = 1 ] && rc_done
      # Create each missing component so each one gets the requested attributes, as Ansible does.
      RC_NEW=; RC_Q=$P
      while [ -n "$RC_Q" ] && [ ! -e "$RC_Q" ] && [ ! -L "$RC_Q" ]; do
        RC_NEW="$RC_Q
$RC_NEW"
        case $RC_Q in */*) RC_Q=${RC_Q%/*} ;; *) RC_Q= ;; esac
      done
      mkdir -p -- "$P" || rc_fail "There was an issue creating $P as requested"
      RC_IFS=$IFS; IFS='
'
      for RC_Q in $RC_NEW; do IFS=$RC_IFS; rc_attrs "$RC_Q" "$MODE" "$OWN" "$GRP"; done
      IFS=$RC_IFS ;;
    *) rc_fail "$P already exists as a $PREV" ;;
  esac
  rc_set_attrs
  if [ "${A_recurse}" = 1 ]; then
    set --
    [ -n "$OWN" ] && case $OWN in *[!0-9]*) set -- "$@" -o ! -user "$OWN" ;; *) set -- "$@" -o ! -uid "$OWN" ;; esac
    [ -n "$GRP" ] && case $GRP in *[!0-9]*) set -- "$@" -o ! -group "$GRP" ;; *) set -- "$@" -o ! -gid "$GRP" ;; esac
    RC_SYM=0
    case $MODE in '') ;; *[!0-7]*) RC_SYM=1 ;; *) rc_mode_norm "$MODE"; set -- "$@" -o ! -perm "$M" ;; esac
    if [ $# -gt 0 ] || [ "$RC_SYM" = 1 ]; then
      RC_DIFFS=1
      if [ $# -gt 0 ] && [ "$RC_SYM" = 0 ]; then
        shift
        [ -n "$(find "$P" \( "$@" \) -print 2>/dev/null | head -n 1)" ] || RC_DIFFS=0
      fi
      if [ "$RC_DIFFS" = 1 ]; then
        CH=1; RC_FRESH=
        if [ "$RC_CHECK" = 0 ]; then
          [ -z "$OWN" ] || chown -R -- "$OWN" "$P" || rc_fail "chown failed on $P"
          [ -z "$GRP" ] || chgrp -R -- "$GRP" "$P" || rc_fail "chgrp failed on $P"
          [ -z "$MODE" ] || chmod -R -- "$MODE" "$P" || rc_fail "chmod failed on $P"
        fi
      fi
    fi
  fi
  rc_times; rc_done ;;
link)
  # Without src, following an existing link keeps its target (Ansible updates the link).
  if [ -z "${A_src+x}" ] && [ "${A_follow-1}" = 1 ] && [ -L "$P" ] && [ -e "$P" ]; then
    A_src=$(readlink -- "$P")
  fi
  if [ -n "${A_src+x}" ]; then
    RC_SRC=$A_src
    case $RC_SRC in /*) ;; *) RC_SRC="${P%/*}/$RC_SRC"; [ "${P%/*}" = "$P" ] && RC_SRC=$A_src ;; esac
    if [ "$FORCE" != 1 ] && [ ! -e "$RC_SRC" ] && [ ! -L "$RC_SRC" ]; then
      rc_fail "src file does not exist, use \"force=yes\" if you really want to create the link: $RC_SRC"
    fi
  elif [ "$PREV" != link ]; then
    rc_fail "src is required for creating new symlinks"
  fi
  case $PREV in
    link) [ -z "${A_src+x}" ] || [ "$(readlink -- "$P")" = "$A_src" ] || CH=1 ;;
    absent) CH=1 ;;
    directory)
      if [ "$FORCE" = 1 ] && [ -z "$(ls -A -- "$P")" ]; then CH=1
      else rc_fail "refusing to convert from directory to symlink for $P"; fi ;;
    *) [ "$FORCE" = 1 ] || rc_fail "refusing to convert from $PREV to symlink for $P"; CH=1 ;;
  esac
  if [ "$CH" = 1 ]; then
    [ "$RC_CHECK" = 1 ] && rc_done
    [ "$PREV" = directory ] && { rmdir -- "$P" || rc_fail "cannot remove empty directory $P"; }
    rc_link -s
  fi
  # As Ansible: with follow, the attributes are the target's (none when it does not exist).
  if [ "${A_follow-1}" = 1 ] && [ -L "$P" ]; then
    if [ -e "$P" ]; then
      RC_T=$(readlink -f -- "$P") || rc_fail "cannot resolve symlink $P"
      rc_attrs "$RC_T" "$MODE" "$OWN" "$GRP"; [ "$RC_CH" = 0 ] || CH=1
    else
      rc_warn "Cannot set fs attributes on a non-existent symlink target. follow should be set to False to avoid this."
    fi
  else
    rc_attrs "$P" "" "$OWN" "$GRP" h; [ "$RC_CH" = 0 ] || CH=1
  fi
  rc_done ;;
hard)
  if [ -z "${A_src+x}" ]; then
    [ "$PREV" = hard ] || rc_fail "src is required for creating new hardlinks"
    rc_set_attrs; rc_done
  fi
  if ! rc_stat "$A_src"; then
    # Ansible's words and keys: the message alone, `dest` and `src` beside it.
    rc_json_str "$P"; RC_JD=$J; rc_json_str "$A_src"
    rc_fail "src does not exist" ",\"dest\":$RC_JD,\"src\":$J"
  fi
  RC_SI="$S_dev:$S_ino"
  case $PREV in
    absent) CH=1 ;;
    directory) rc_fail "$P already exists as a directory" ;;
    *) rc_stat "$P"
       if [ "$S_dev:$S_ino" != "$RC_SI" ]; then
         CH=1; [ "$FORCE" = 1 ] || rc_fail "Cannot link, $PREV exists at destination"
       fi ;;
  esac
  if [ "$CH" = 1 ]; then
    [ "$RC_CHECK" = 1 ] && rc_done
    rc_link ""
  fi
  rc_set_attrs; rc_done ;;
*) rc_fail "unsupported state $STATE for $P" ;;
esac
