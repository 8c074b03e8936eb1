# cron: one awk pass edits the crontab text (a user's, read with `crontab -l`, or a cron_file);
# a changed user crontab is installed with `crontab FILE`, a cron_file replaced atomically.
# A job is the line after its `#Ansible: NAME` marker; an env variable is its `NAME=` line.
W=$(mktemp -d) || rc_fail "cannot create a temporary directory"
trap 'rm -rf -- "$W"' EXIT
ST=${A_state}; CF=${A_cron_file-}; RC_UOPT=
if [ -n "$CF" ]; then
  case $CF in /*) ;; *) CF=/etc/cron.d/$CF ;; esac
  rc_json_str "$CF"; J_CF=",\"cron_file\":$J"; HEADER=$J
  if [ -e "$CF" ]; then cat -- "$CF" > "$W/old" || rc_fail "cannot read $CF"; else : > "$W/old"; fi
else
  J_CF=; HEADER='"crontab"'
  command -v crontab > /dev/null 2>&1 || rc_fail "Failed to find required executable \`crontab\` in PATH"
  if [ -n "${A_user-}" ] && [ "$A_user" != "$(id -un)" ]; then RC_UOPT=1; fi
  if [ -n "$RC_UOPT" ]; then crontab -u "$A_user" -l > "$W/old" 2> "$W/err"; else crontab -l > "$W/old" 2> "$W/err"; fi || {
    grep -qiE "no crontab|can.t open" "$W/err" || { rc_json_str "$(cat "$W/err")"; rc_fail "cannot read the crontab: $(cat "$W/err")"; }
    : > "$W/old"
  }
fi
if [ -n "$CF" ] && [ "$ST" = absent ] && [ -z "${A_name-}" ]; then
  # Ansible removes a whole cron_file when no job is named.
  if [ -e "$CF" ]; then [ "$RC_CHECK" = 1 ] || rm -f -- "$CF" || rc_fail "cannot remove $CF"; CH=true; else CH=false; fi
  rc_out "{\"changed\":$CH$J_CF,\"jobs\":[],\"envs\":[]}"; exit 0
fi
LC_ALL=C NAME="${A_name-}" LINE="${A_line-}" ST=$ST ENVMODE="${A_env}" IA="${A_insertafter-}" \
  IB="${A_insertbefore-}" JOBS="$W/jobs" ENVS="$W/envs" awk '
{ L[NR] = $0 }
END {
  n = NR; name = ENVIRON["NAME"]; line = ENVIRON["LINE"]; st = ENVIRON["ST"]
  ia = ENVIRON["IA"]; ib = ENVIRON["IB"]; k = 0
  if (ENVIRON["ENVMODE"] == "1") {
    at = 0; pos = 0
    for (i = 1; i <= n; i++) {
      if (index(L[i], name "=") == 1) at = i
      else if (ia != "" && index(L[i], ia "=") == 1) pos = i + 1
      else if (ib != "" && index(L[i], ib "=") == 1) pos = i
    }
    if (st == "absent") { if (at) { for (i = at; i < n; i++) L[i] = L[i + 1]; n-- } }
    else if (at) L[at] = line
    else {
      if (!pos) pos = 1
      for (i = n; i >= pos; i--) L[i + 1] = L[i]
      L[pos] = line; n++
    }
    for (i = 1; i <= n; i++) O[++k] = L[i]
  } else {
    mark = "#Ansible: " name; done = 0
    for (i = 1; i <= n; i++) {
      if (L[i] == mark && !done) {
        done = 1
        if (st == "absent") { i++; continue }
        O[++k] = L[i]; O[++k] = line; i++
        continue
      }
      O[++k] = L[i]
    }
    if (!done && st != "absent") { O[++k] = mark; O[++k] = line }
  }
  for (i = 1; i <= k; i++) {
    print O[i]
    if (O[i] ~ /^#Ansible: /) print substr(O[i], 11) > ENVIRON["JOBS"]
    else if (O[i] ~ /^[A-Za-z_][A-Za-z0-9_]*=/) { e = O[i]; sub(/=.*/, "", e); print e > ENVIRON["ENVS"] }
  }
}' "$W/old" > "$W/new" || rc_fail "awk failed to edit the crontab"
CH=0; EXTRA=
cmp -s "$W/old" "$W/new" || CH=1
if [ "$RC_DIFF" = 1 ]; then
  C=$(cat "$W/old"; echo x); rc_json_str "${C%x}"; DB=$J; C=$(cat "$W/new"; echo x); rc_json_str "${C%x}"
  EXTRA=",\"diff\":{\"before\":$DB,\"after\":$J,\"before_header\":$HEADER,\"after_header\":$HEADER}"
fi
if [ "$CH" = 1 ] && [ "$RC_CHECK" = 0 ]; then
  if [ "${A_backup}" = 1 ]; then
    RC_BK=$(mktemp "${TMPDIR:-/tmp}/crontab.XXXXXX") && cat "$W/old" > "$RC_BK" || rc_fail "cannot back up the crontab"
    rc_json_str "$RC_BK"; EXTRA="$EXTRA,\"backup_file\":$J"
  fi
  if [ -n "$CF" ]; then
    DIR=${CF%/*}; [ -n "$DIR" ] || DIR=/
    [ -d "$DIR" ] || rc_fail "Destination directory $DIR does not exist"
    TMP=$(mktemp "$DIR/.rconf.XXXXXX") || rc_fail "cannot create a temporary file in $DIR"
    trap 'rm -rf -- "$W" "$TMP"' EXIT
    cat "$W/new" > "$TMP" || rc_fail "cannot write $CF"
    if [ -e "$CF" ]; then rc_stat "$CF" L; chmod "$S_mode" "$TMP"; chown "$S_uid:$S_gid" "$TMP" 2>/dev/null || :
    else chmod 0644 "$TMP"; fi
    rc_commit "$TMP" "$CF" "cannot move the new content into place at $CF"
  else
    chmod 0644 "$W/new"
    if [ -n "$RC_UOPT" ]; then crontab -u "$A_user" "$W/new" 2> "$W/err"; else crontab "$W/new" 2> "$W/err"; fi \
      || rc_fail "Unable to install the crontab: $(cat "$W/err")"
  fi
fi
[ -s "$W/jobs" ] && rc_json_lines "$(cat "$W/jobs")" || J='[]'; JJ=$J
[ -s "$W/envs" ] && rc_json_lines "$(cat "$W/envs")" || J='[]'
rc_out "{\"changed\":$(rc_tf $CH),\"jobs\":$JJ,\"envs\":$J$J_CF$EXTRA}"
