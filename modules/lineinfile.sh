# lineinfile: one awk pass over the file decides and a second writes only a change (patterns
# arrive as POSIX EREs, translated from Python syntax on the controller, and reach awk through
# the environment, unescaped; a value too long for one environment string, in a file).
RC_AWK='
function ins(p, s,    j) { for (j = m; j >= p; j--) { O[j + 1] = O[j]; E[j + 1] = E[j] } O[p] = s; E[p] = 1; m++ }
function hit(s) { return hasrx ? (s ~ rx) : (index(s, ss) > 0) }
function val(name,    f, s, l, n) {
  f = ENVIRON[name "_F"]; if (f == "") return ENVIRON[name]
  s = ""; n = 0
  while ((getline l < f) > 0) s = s (n++ ? "\n" : "") l
  close(f); sub(/x$/, "", s); return s
}
{ O[NR] = $0; E[NR] = 1; nb += length($0) + 1 }
END {
  # A last line without its newline reads one byte more than the file has.
  m = NR; noeol = ENVIRON["NOEOL"] ""
  if (noeol == "") {
    if (m == 0 || nb == ENVIRON["SIZE"] + 0) noeol = "0"
    else if (nb == ENVIRON["SIZE"] + 1) noeol = "1"
    else { printf "?"; exit }
  }
  if (m > 0 && noeol == "1") E[m] = 0
  rx = val("RX"); ss = val("SS"); line = val("LINE")
  hasrx = ENVIRON["HASRX"] == "1"; hasss = ENVIRON["HASSS"] == "1"; fm = ENVIRON["FM"] == "1"
  ia = ENVIRON["IA"]; ib = ENVIRON["IB"]; br = ENVIRON["BR"] == "1"
  iare = ia != "" && ia != "EOF" && ia != "BOF"; ibre = ib != "" && ib != "BOF"
  ch = 0; msg = ""; found = 0
  if (ENVIRON["ST"] == "absent") {
    k = 0
    for (i = 1; i <= m; i++) {
      s = O[i]; sub(/\r$/, "", s)
      if ((hasrx || hasss) ? hit(O[i]) : (s == line)) { found++; continue }
      k++; O[k] = O[i]; E[k] = E[i]
    }
    m = k
    if (found > 0) { ch = 1; msg = found " line(s) removed" }
  } else {
    mi = 0; exact = 0; ii = 0
    if (hasrx || hasss) for (i = 1; i <= m; i++) if (hit(O[i])) { mi = i; if (fm) break }
    for (i = 1; i <= m; i++) {
      s = O[i]; sub(/\r$/, "", s)
      if (s == line) exact = i
      else if (iare && O[i] ~ ia) { if (!fm || !ii) ii = i + 1 }
      else if (ibre && O[i] ~ ib) { if (!fm || !ii) ii = i }
    }
    if (mi) {
      nl = br ? val("NEWL") : line
      if (O[mi] != nl || !E[mi]) { O[mi] = nl; E[mi] = 1; ch = 1; msg = "line replaced" }
    } else if (exact || br) {
    } else if (ia == "BOF" || ib == "BOF") { ins(1, line); ch = 1; msg = "line added"
    } else if (ia == "EOF" || !ii || ii > m) { if (m > 0) E[m] = 1; ins(m + 1, line); ch = 1; msg = "line added"
    } else { ins(ii, line); ch = 1; msg = "line added" }
  }
  out = ENVIRON["OUT"]
  if (ch && out != "") {
    for (i = 1; i <= m; i++) printf "%s%s", O[i], (E[i] ? "\n" : "") > out
    close(out)
  }
  printf "%s %d %d %s", noeol, ch, found, msg
}'
P=$A_path
if [ -L "$P" ]; then P=$(readlink -f -- "$P") || rc_fail "cannot resolve the symlink $A_path"; fi
[ -d "$P" ] && rc_fail "Path $P is a directory !" ',"rc":256'
DIR=${P%/*}; [ "$DIR" = "$P" ] && DIR=.; [ -n "$DIR" ] || DIR=/
ST=${A_state}; EXTRA=
if [ -e "$P" ]; then EXISTS=1; IN=$P; else EXISTS=0; IN=/dev/null; fi
if [ "$EXISTS" = 0 ]; then
  [ "$ST" = absent ] && { rc_out '{"changed":false,"found":0,"msg":"file not present"}'; exit 0; }
  [ "${A_create}" = 1 ] || rc_fail "Destination $P does not exist !" ',"rc":257'
  if [ ! -d "$DIR" ] && [ "$RC_CHECK" = 0 ]; then mkdir -p -- "$DIR" || rc_fail "cannot create the directory $DIR"; fi
fi
# The size lets awk tell whether the last line has its newline (and rc_attrs reuses the stat).
SIZE=0; NOEOL=
[ "$EXISTS" = 0 ] || { rc_stat "$P" L && SIZE=$S_size; }
NEWL=
if [ "${A_backrefs}" = 1 ] && [ "$ST" = present ] && [ "$EXISTS" = 1 ]; then
  # awk has no capture groups: sed expands the template on the line awk will pick. Pattern
  # and line reach grep and sed in files, never in argv (`ps` shows argv to every user).
  RC_SF=$(mktemp) || rc_fail "cannot create a temporary file"
  printf '%s\n' "$A_regexp" > "$RC_SF"
  if [ "${A_firstmatch}" = 1 ]; then
    ML=$(LC_ALL=C grep -E -f "$RC_SF" -- "$P" | head -n 1)
  else
    ML=$(LC_ALL=C grep -E -f "$RC_SF" -- "$P" | tail -n 1)
  fi
  if [ -n "$ML" ]; then
    C1=$(printf '\001'); D=$(printf '\002')
    printf 's%s%s%s%s%s%s%s\ns%s^[^%s]*%s%s%s\ns%s%s[^%s]*$%s%s\n' "$D" "$A_regexp" "$D" "$C1" "$A_line" "$C1" "$D" \
      "$D" "$C1" "$C1" "$D" "$D" "$D" "$C1" "$C1" "$D" "$D" > "$RC_SF"
    NEWL=$(printf '%s\n' "$ML" | LC_ALL=C sed -E -f "$RC_SF")
  fi
  rm -f -- "$RC_SF"
fi
# Linux caps one environment string at 128 KiB: longer values reach awk in a file (NAME_F),
# with an `x` after them so that a final newline survives awk's line reading.
RC_BIG=
trap '[ -z "$RC_BIG" ] || rm -rf -- "$RC_BIG"' EXIT
big() { # $1: name; $2: value
  if [ "${#2}" -gt 30000 ]; then
    [ -n "$RC_BIG" ] || RC_BIG=$(mktemp -d) || rc_fail "cannot create a temporary directory"
    printf '%sx' "$2" > "$RC_BIG/$1" || rc_fail "cannot write a temporary file in $RC_BIG"
    eval "V_$1=; V_$1_F=\$RC_BIG/$1"
  else
    eval "V_$1=\$2; V_$1_F="
  fi
}
big RX "${A_regexp-}"; big SS "${A_search_string-}"; big LINE "${A_line-}"; big NEWL "$NEWL"
# One pass decides; only a change writes the new content, in a second pass.
edit_pass() {
  RES=$(LC_ALL=C NOEOL=$NOEOL SIZE=$SIZE RX="$V_RX" RX_F="$V_RX_F" SS="$V_SS" SS_F="$V_SS_F" \
    LINE="$V_LINE" LINE_F="$V_LINE_F" HASRX=${A_regexp+1} HASSS=${A_search_string+1} \
    FM="${A_firstmatch}" IA="${A_insertafter-}" IB="${A_insertbefore-}" BR="${A_backrefs}" \
    NEWL="$V_NEWL" NEWL_F="$V_NEWL_F" ST=$ST OUT=$OUT awk "$RC_AWK" "$IN") \
    || rc_fail "awk failed to edit $P"
}
OUT=
edit_pass
if [ "$RES" = "?" ]; then
  # Bytes awk could not count (NUL): ask the file's last byte instead.
  NOEOL=0; [ -n "$(tail -c 1 -- "$P")" ] && NOEOL=1
  edit_pass
fi
NOEOL=${RES%% *}; RES=${RES#* }
CH=${RES%% *}; RES=${RES#* }; FOUND=${RES%% *}; MSG=${RES#* }
if [ "$CH" = 1 ] && [ "$RC_CHECK" = 1 ] && [ "$RC_DIFF" = 1 ]; then
  # Check mode changes nothing on the target, so the would-be content goes to a scratch file.
  OUT=$(mktemp) || rc_fail "cannot create a temporary file"
elif [ "$CH" = 1 ] && [ "$RC_CHECK" = 0 ]; then
  [ -d "$DIR" ] || rc_fail "Destination directory $DIR does not exist"
  OUT=$(mktemp "$DIR/.rconf.XXXXXX") || rc_fail "cannot create a temporary file in $DIR"
fi
if [ -n "$OUT" ]; then
  trap '[ ! -e "$OUT" ] || rm -f -- "$OUT"; [ -z "$RC_BIG" ] || rm -rf -- "$RC_BIG"' EXIT
  edit_pass
fi
if [ "$ST" = absent ]; then EXTRA=",\"found\":$FOUND"; fi
if [ "$RC_DIFF" = 1 ] && [ "$CH" = 1 ]; then
  RC_BL=0
  [ "$EXISTS" = 0 ] || RC_BL=$SIZE
  if [ "$RC_BL" -le 104448 ]; then
    [ "$EXISTS" = 0 ] || cat -- "$P"
    cat -- "$OUT"
    EXTRA="$EXTRA,\"diff_before_len\":$RC_BL"
  fi
fi
if [ "$CH" = 1 ] && [ "$RC_CHECK" = 0 ]; then
  if [ "$EXISTS" = 1 ]; then
    rc_stat "$P" L
    chmod "$S_mode" "$OUT"
    RC_OU=$S_uid; RC_OG=$S_gid
    rc_stat "$OUT"
    [ "$RC_OU:$RC_OG" = "$S_uid:$S_gid" ] || chown "$RC_OU:$RC_OG" "$OUT" 2>/dev/null || :
    if [ "${A_backup}" = 1 ]; then rc_backup "$P"; rc_json_str "$RC_BK"; EXTRA="$EXTRA,\"backup\":$J,\"backup_file\":$J"; fi
  else
    rc_default_mode; chmod "$M" "$OUT"
  fi
  rc_attrs "$OUT" "${A_mode-}" "${A_owner-}" "${A_group-}"
  rc_commit "$OUT" "$P" "cannot move the edited file into place at $P"
  RC_CH=0
else
  [ -z "$OUT" ] || rm -f -- "$OUT"
  # Nothing written: the stat taken before the edit is still the file's.
  [ "$CH" = 1 ] || rc_fresh
  if [ "$EXISTS" = 1 ]; then rc_attrs "$P" "${A_mode-}" "${A_owner-}" "${A_group-}"; else RC_CH=0; fi
fi
if [ "$RC_CH" = 1 ]; then
  if [ "$CH" = 1 ]; then MSG="$MSG and ownership, perms or SE linux context changed"
  else MSG="ownership, perms or SE linux context changed"; CH=1; fi
fi
rc_json_str "$MSG"
rc_tf_set "$CH"
rc_out "{\"changed\":$TF,\"msg\":$J$EXTRA}"
