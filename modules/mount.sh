# mount: the mount point's fstab entry (one awk pass; the file is replaced atomically only when
# the result differs) and the live mount (/proc/mounts, mount, umount).
P=$A_path
while [ "$P" != / ] && [ "${P%/}" != "$P" ]; do P=${P%/}; done
ST=$A_state; F=${A_fstab:-/etc/fstab}
O=${A_opts:-defaults}; D=${A_dump:-0}; N=${A_passno:-0}; S=${A_src-}; T=${A_fstype-}
if [ "${A_boot}" = 0 ] && [ "$ST" != ephemeral ]; then
  case ,$O, in *,noauto,*) ;; *) O="$O,noauto" ;; esac
fi
rc_json_str "$P"; J_P=$J
case $ST in
  present|mounted|ephemeral)
    [ -n "$S" ] && [ -n "$T" ] || rc_fail "\`src\` and \`fstype\` are required when state is \`$ST\`" ",\"name\":$J_P" ;;
esac
# fstab(5) and /proc/mounts write whitespace and backslashes in a field as octal escapes.
AWK_ESC='function esc(s,  o, i, c) {
  o = ""
  for (i = 1; i <= length(s); i++) {
    c = substr(s, i, 1)
    if (c == " ") c = "\\040"; else if (c == "\t") c = "\\011"
    else if (c == "\n") c = "\\012"; else if (c == "\\") c = "\\134"
    o = o c
  }
  return o
}
function unesc(s,  o, i, c, n) {
  o = ""
  for (i = 1; i <= length(s); i++) {
    c = substr(s, i, 1)
    if (c == "\\" && substr(s, i + 1, 3) ~ /^[0-7][0-7][0-7]$/) {
      n = substr(s, i + 1, 1) * 64 + substr(s, i + 2, 1) * 8 + substr(s, i + 3, 1)
      c = sprintf("%c", n); i += 3
    }
    o = o c
  }
  return o
}'
CH=0; EXTRA=
case $ST in
  present|mounted|absent|absent_from_fstab)
    [ -f "$F" ] || [ ! -e "$F" ] || rc_fail "fstab \`$F\` is not a regular file" ",\"name\":$J_P"
    OLD=/dev/null; [ -f "$F" ] && OLD=$F
    NEW=$(mktemp) || rc_fail "cannot create a temporary file"
    trap 'rm -f -- "$NEW"' EXIT
    MP=$P MS=$S MT=$T MO=$O MD=$D MN=$N ST=$ST awk "$AWK_ESC"'
      BEGIN {
        p = esc(ENVIRON["MP"]); s = esc(ENVIRON["MS"]); t = esc(ENVIRON["MT"]); o = esc(ENVIRON["MO"])
        d = ENVIRON["MD"]; n = ENVIRON["MN"]
        want = s " " p " " t " " o " " d " " n
        add = ENVIRON["ST"] == "present" || ENVIRON["ST"] == "mounted"
      }
      $0 ~ /^[ \t]*#/ || NF < 2 || $2 != p { print; next }
      !add { next }
      {
        found = 1
        if ($1 == s && $3 == t && $4 == o && (NF >= 5 ? $5 : "0") == d && (NF >= 6 ? $6 : "0") == n && NF <= 6) print
        else print want
      }
      END { if (add && !found) print want }
    ' "$OLD" > "$NEW" || rc_fail "cannot read \`$F\`" ",\"name\":$J_P"
    if ! cmp -s "$NEW" "$OLD"; then
      CH=1
      if [ "$RC_CHECK" = 0 ]; then
        DIR=${F%/*}; [ -n "$DIR" ] || DIR=/; [ "$DIR" = "$F" ] && DIR=.
        TMP=$(mktemp "$DIR/.rconf.XXXXXX") || rc_fail "cannot create a temporary file in \`$DIR\`"
        cat "$NEW" > "$TMP" || { rm -f -- "$TMP"; rc_fail "cannot write \`$F\`"; }
        if [ "$OLD" = "$F" ]; then
          rc_stat "$F" L; chmod "$S_mode" "$TMP"; chown "$S_uid:$S_gid" "$TMP" 2>/dev/null || :
          if [ "${A_backup}" = 1 ]; then rc_backup "$F"; rc_json_str "$RC_BK"; EXTRA="$EXTRA,\"backup_file\":$J"; fi
        else
          chmod 0644 "$TMP"
        fi
        rc_commit "$TMP" "$F" "cannot move the new content into place at \`$F\`"
      fi
    fi
    if [ "$RC_DIFF" = 1 ]; then
      C=$(cat "$OLD"; echo x); rc_json_str "${C%x}"; DB=$J; C=$(cat "$NEW"; echo x); rc_json_str "${C%x}"; DA=$J
      rc_json_str "$F"
      EXTRA="$EXTRA,\"diff\":{\"before\":$DB,\"after\":$DA,\"before_header\":$J,\"after_header\":$J}"
    fi ;;
esac

# Sets MOUNTED=1 and M_SRC (unescaped) when the mount point is mounted (the topmost mount wins).
probe() {
  MOUNTED=0; M_SRC=
  RP=$P; [ -e "$P" ] && RP=$(readlink -f -- "$P" 2>/dev/null || printf '%s' "$P")
  [ -r /proc/mounts ] || rc_fail "cannot read /proc/mounts to see what is mounted" ",\"name\":$J_P"
  M_SRC=$(MP=$RP awk "$AWK_ESC"'
    BEGIN { p = esc(ENVIRON["MP"]) }
    $2 == p { s = $1; f = 1 }
    END { if (f) printf "%sx", unesc(s); exit !f }' /proc/mounts) && MOUNTED=1
  M_SRC=${M_SRC%x}
}
# Succeeds when $1 names the same device as the mounted source (or when that cannot be told:
# UUID/LABEL sources without /dev/disk links, bind mounts).
same_src() {
  case ,$O, in *,bind,*|*,rbind,*) return 0 ;; esac
  W=$1; M=$M_SRC
  case $W in
    UUID=*|LABEL=*|PARTUUID=*|PARTLABEL=*)
      K=$(printf '%s' "${W%%=*}" | tr 'A-Z' 'a-z'); L=/dev/disk/by-$K/${W#*=}
      [ -e "$L" ] || return 0; W=$L ;;
  esac
  case $W in /*) [ -e "$W" ] && W=$(readlink -f -- "$W") ;; esac
  case $M in /*) [ -e "$M" ] && M=$(readlink -f -- "$M") ;; esac
  [ "$W" = "$M" ]
}
# Runs "$@" and fails the task with its output when it does not succeed.
run() {
  rc_capture "$@"
  [ "$RC_RC" = 0 ] || rc_fail "\`$*\` failed: ${RC_E:-$RC_O}" ",\"name\":$J_P,\"rc\":$RC_RC"
}
do_mount() {
  [ -d "$P" ] || mkdir -p -- "$P" || rc_fail "cannot create the mount point \`$P\`" ",\"name\":$J_P"
  run mount -t "$T" -o "$O" -- "$S" "$P"
}

case $ST in
  mounted|ephemeral)
    probe
    if [ "$MOUNTED" = 0 ]; then
      CH=1; [ "$RC_CHECK" = 1 ] || do_mount
    elif ! same_src "$S"; then
      [ "$ST" = mounted ] || rc_fail "\`$P\` is already mounted from \`$M_SRC\`, not \`$S\`" ",\"name\":$J_P"
      CH=1
      if [ "$RC_CHECK" = 0 ]; then run umount -- "$P"; do_mount; fi
    elif [ "$CH" = 1 ] && [ "$RC_CHECK" = 0 ]; then
      # The fstab entry changed under a live mount: apply the options now, or mount afresh.
      mount -o "remount,$O" -- "$P" > /dev/null 2>&1 || { run umount -- "$P"; do_mount; }
    fi ;;
  unmounted)
    probe
    if [ "$MOUNTED" = 1 ]; then CH=1; [ "$RC_CHECK" = 1 ] || run umount -- "$P"; fi ;;
  remounted)
    probe
    [ "$MOUNTED" = 1 ] || rc_fail "\`$P\` is not mounted, so it cannot be remounted" ",\"name\":$J_P"
    CH=1
    if [ "$RC_CHECK" = 0 ]; then
      if [ -n "${A_opts-}" ]; then run mount -o "remount,$A_opts" -- "$P"; else run mount -o remount -- "$P"; fi
    fi ;;
  absent)
    probe
    if [ "$MOUNTED" = 1 ]; then CH=1; [ "$RC_CHECK" = 1 ] || run umount -- "$P"; fi
    if [ "$CH" = 1 ] && [ "$RC_CHECK" = 0 ] && [ -d "$P" ]; then
      rmdir -- "$P" 2>/dev/null || rc_fail "cannot remove the mount point \`$P\` (is it empty?)" ",\"name\":$J_P"
    fi ;;
esac
rc_json_str "$S"; J_S=$J; rc_json_str "$T"; J_T=$J; rc_json_str "$O"; J_O=$J
rc_json_str "$D"; J_D=$J; rc_json_str "$N"; J_N=$J; rc_json_str "$F"; J_F=$J
rc_tf_set "${A_boot}"
rc_out "{\"changed\":$(rc_tf $CH),\"name\":$J_P,\"src\":$J_S,\"fstype\":$J_T,\"opts\":$J_O,\"dump\":$J_D,\"passno\":$J_N,\"fstab\":$J_F,\"boot\":$TF,\"state\":\"$ST\"$EXTRA}"
