# rconf remote library: sourced at the top of every module script. POSIX sh only.
set -u
# Prints the result object after the marker; everything printed before it is payload.
rc_out() { printf '%s%s\n' "$RC_MARK" "$1"; }
# Sets J to $1 as a JSON string literal. Plain printable text takes the fork-free path.
rc_json_str() {
  case $1 in
    *[\"\\]*|*[![:print:]]*)
      J=$(RC_S=$1 awk 'BEGIN {
        for (i = 1; i < 32; i++) t[sprintf("%c", i)] = sprintf("\\u%04x", i)
        t["\n"] = "\\n"; t["\t"] = "\\t"; t["\r"] = "\\r"; t["\""] = "\\\""; t["\\"] = "\\\\"
        s = ENVIRON["RC_S"]; o = ""
        for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); o = o ((c in t) ? t[c] : c) }
        printf "\"%s\"", o }') ;;
    *) J="\"$1\"" ;;
  esac
}
# Fails the task with message $1 (and optional extra JSON members in $2, starting with a comma).
rc_fail() {
  # A file this run created and whose attributes then failed goes again (RC_UNDO).
  [ -z "${RC_UNDO-}" ] || rm -f -- "$RC_UNDO"
  rc_json_str "$1"
  rc_out "{\"failed\":true,\"msg\":$J${2-}${RC_WJ-}}"
  exit 0
}
# Adds $1 to the warnings the result carries (RC_WJ: `,"warnings":[...]`, or empty).
rc_warn() {
  rc_json_str "$1"
  if [ -n "${RC_WJ-}" ]; then RC_WJ="${RC_WJ%]},$J]"; else RC_WJ=",\"warnings\":[$J]"; fi
}
# Whether owner $1 (a name or a uid) exists on this host; `getent` answers for both. Without
# it (busybox), a name is asked of `id` and a number is taken as it is.
rc_user_exists() {
  if command -v getent > /dev/null; then getent passwd -- "$1" > /dev/null 2>&1
  else case $1 in *[!0-9]*) id -u -- "$1" > /dev/null 2>&1 ;; esac; fi
}
rc_group_exists() {
  if command -v getent > /dev/null; then getent group -- "$1" > /dev/null 2>&1
  else case $1 in *[!0-9]*) grep -q "^$1:" /etc/group ;; esac; fi
}
# Reads attributes of $1 into S_mode S_uid S_gid S_user S_group S_size S_ino S_dev S_nlink;
# returns 1 when the path does not exist. $2=L follows a symlink. RC_SK names what the S_*
# values describe (`L:path` or `:path`); RC_FRESH, when equal to it, vouches that nothing has
# changed that path since, so rc_attrs and rc_attr_json reuse the values instead of running
# `stat` again (see rc_fresh). Any rc_stat withdraws that promise.
rc_stat() {
  RC_FRESH=; RC_SK=
  if [ "${2-}" = L ]; then
    RC_ST=$(stat -L -c '%a %u %g %s %i %d %h %U %G' -- "$1" 2>/dev/null) || return 1
  else
    RC_ST=$(stat -c '%a %u %g %s %i %d %h %U %G' -- "$1" 2>/dev/null) || return 1
  fi
  read -r S_mode S_uid S_gid S_size S_ino S_dev S_nlink S_user S_group <<RC_EOF
$RC_ST
RC_EOF
  if [ "${2-}" = L ]; then RC_SK="L:$1"; else RC_SK=":$1"; fi
}
# The caller's promise that the path of the last rc_stat is unchanged since it was read.
rc_fresh() { RC_FRESH=${RC_SK-}; }
# Stats $1 ($2=L follows a symlink) unless the S_* values are vouched current for it.
rc_stat_fresh() {
  if [ "${2-}" = L ]; then RC_K="L:$1"; else RC_K=":$1"; fi
  [ -n "${RC_FRESH-}" ] && [ "$RC_FRESH" = "$RC_K" ] && return 0
  rc_stat "$1" "${2-}"
}
# The type of $1: absent, link, directory, file or other.
rc_type() {
  if [ -L "$1" ]; then T=link
  elif [ -d "$1" ]; then T=directory
  elif [ -f "$1" ]; then T=file
  elif [ -e "$1" ]; then T=other
  else T=absent; fi
}
# Strips leading zeros from an octal mode so `0644` and `644` compare equal.
rc_mode_norm() {
  M=$1
  while :; do case $M in 0?*) M=${M#0} ;; *) break ;; esac; done
}
# The mode a new file gets from the umask (what Ansible gives a new file with no `mode`).
rc_default_mode() {
  RC_U=$(umask)
  M=$(printf '%o' $(( 0666 & ~0$RC_U )))
}
# Sets RC_CH=1 when applying mode $2 / owner $3 / group $4 (each may be empty) to $1 would
# change it, and applies them unless in check mode. $5=h acts on a symlink itself.
rc_attrs() {
  RC_CH=0
  if [ "${5-}" = h ]; then rc_stat_fresh "$1" || return 0; else rc_stat_fresh "$1" L || return 0; fi
  if [ -n "$3" ]; then
    case $3 in *[!0-9]*) [ "$3" = "$S_user" ] ;; *) [ "$3" = "$S_uid" ] ;; esac || {
      RC_CH=1
      rc_user_exists "$3" || rc_fail "chown failed: failed to look up user $3"
      if [ "$RC_CHECK" = 0 ]; then
        if [ "${5-}" = h ]; then chown -h -- "$3" "$1"; else chown -- "$3" "$1"; fi || rc_fail "chown failed: failed to set owner \`$3\` on $1"
      fi
    }
  fi
  if [ -n "$4" ]; then
    case $4 in *[!0-9]*) [ "$4" = "$S_group" ] ;; *) [ "$4" = "$S_gid" ] ;; esac || {
      RC_CH=1
      rc_group_exists "$4" || rc_fail "chgrp failed: failed to look up group $4"
      if [ "$RC_CHECK" = 0 ]; then
        if [ "${5-}" = h ]; then chgrp -h -- "$4" "$1"; else chgrp -- "$4" "$1"; fi || rc_fail "chgrp failed: failed to set group \`$4\` on $1"
      fi
    }
  fi
  if [ -n "$2" ] && [ "${5-}" != h ]; then
    case $2 in
      *[!0-7]*)
        # Symbolic: the outcome depends on the current mode, so try it on a scratch copy.
        if [ -d "$1" ]; then RC_T=$(mktemp -d) ; else RC_T=$(mktemp); fi || rc_fail "cannot create a temporary file to evaluate mode \`$2\`"
        chmod "$S_mode" "$RC_T" && chmod -- "$2" "$RC_T" 2>/dev/null || { rm -rf "$RC_T"; rc_fail "mode must be in octal or symbolic form: invalid mode \`$2\`"; }
        RC_NM=$(stat -c %a "$RC_T"); rm -rf "$RC_T"
        [ "$RC_NM" = "$S_mode" ] || {
          RC_CH=1
          [ "$RC_CHECK" = 1 ] || chmod -- "$2" "$1" || rc_fail "chmod failed on $1"
        } ;;
      *)
        rc_mode_norm "$2"; RC_WM=$M; rc_mode_norm "$S_mode"
        [ "$RC_WM" = "$M" ] || {
          RC_CH=1
          [ "$RC_CHECK" = 1 ] || chmod "$2" "$1" || rc_fail "chmod failed on $1"
        } ;;
    esac
  fi
  # Nothing applied: what was read is still the file's, for rc_attr_json to reuse.
  if [ "$RC_CH" = 0 ]; then rc_fresh; else RC_FRESH=; fi
  return 0
}
# The attributes of $1 as JSON members (mode, owner, group, uid, gid, size), in RC_AJ.
rc_attr_json() {
  RC_AJ=
  rc_stat_fresh "$1" "${2-L}" || return 0
  rc_attr_json_stated
}
# As rc_attr_json, from the S_* values the last rc_stat left.
rc_attr_json_stated() {
  rc_json_str "$S_user"; RC_AJ="\"owner\":$J"
  rc_json_str "$S_group"; RC_AJ="$RC_AJ,\"group\":$J"
  rc_mode_norm "$S_mode"
  # Ansible's '0%03o': a leading zero before at least three digits (`0644`, `01444`),
  # without a subshell.
  case ${#M} in 1) M=000$M ;; 2) M=00$M ;; 3|4) M=0$M ;; esac
  RC_AJ="$RC_AJ,\"mode\":\"$M\",\"uid\":$S_uid,\"gid\":$S_gid,\"size\":$S_size"
}
# Moves the finished temporary file $1 (made beside $2, so the rename is atomic) into place at
# $2, flushed to disk first: after a crash or a cut connection $2 holds its old content or the
# new, never a part. On failure $1 is removed and the task fails with message $3.
rc_commit() {
  sync -- "$1" 2>/dev/null || :
  mv -f -- "$1" "$2" || { rm -f -- "$1"; rc_fail "$3"; }
}
# Copies $1 aside as Ansible names backups (`path.PID.YYYY-MM-DD@HH:MM:SS~`); sets RC_BK.
rc_backup() {
  RC_BK="$1.$$.$(date +%Y-%m-%d@%H:%M:%S)~"
  cp -p -- "$1" "$RC_BK" || rc_fail "could not make a backup of $1"
}
# Runs "$@" with stdout and stderr captured in RC_O and RC_E, the status in RC_RC.
rc_capture() {
  RC_TO=$(mktemp) && RC_TE=$(mktemp) || rc_fail "cannot create temporary files for command output"
  "$@" > "$RC_TO" 2> "$RC_TE"; RC_RC=$?
  RC_O=$(cat "$RC_TO"); RC_E=$(cat "$RC_TE"); rm -f -- "$RC_TO" "$RC_TE"
}
# Sets J to a JSON array of the non-empty lines of $1.
rc_json_lines() {
  RC_JL=; RC_SEP=
  while IFS= read -r RC_LN; do
    [ -n "$RC_LN" ] || continue
    rc_json_str "$RC_LN"; RC_JL="$RC_JL$RC_SEP$J"; RC_SEP=,
  done <<RC_EOF
$1
RC_EOF
  J="[$RC_JL]"
}
# Sets RC_TXT to all of stdin without starting a program. Only for small text: `read` takes a
# system call per byte and cannot hold a NUL byte.
rc_read_all() {
  RC_TXT=
  while IFS= read -r RC_LN; do RC_TXT="$RC_TXT$RC_LN
"; done
  RC_TXT=$RC_TXT$RC_LN
}
# Prints true when $1 is 1, else false (for JSON booleans).
rc_tf() { if [ "$1" = 1 ]; then echo true; else echo false; fi; }
# Sets TF to true when $1 is 1, else false: rc_tf without a subshell.
rc_tf_set() { if [ "$1" = 1 ]; then TF=true; else TF=false; fi; }
