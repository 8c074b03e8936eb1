# apt_repository: the repository line A_repo (whitespace-normalized) in APT's one-line sources,
# sources.list and sources.list.d/*.list: added to A_file when no list has it enabled, or removed
# from every list that has it; `apt-get update` after a change. RCONF_APT_ROOT prefixes every
# path (tests only).
R=${RCONF_APT_ROOT-}
ST=${A_state}; REPO=$A_repo
set --
[ -f "$R/etc/apt/sources.list" ] && set -- "$R/etc/apt/sources.list"
for f in "$R"/etc/apt/sources.list.d/*.list; do [ -f "$f" ] && set -- "$@" "$f"; done
# The lists that have the line enabled: a comment after it does not count, spacing does not.
NORM='function norm(s) { sub(/#.*/, "", s); gsub(/[ \t]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s); return s }'
HAVE=
if [ $# -gt 0 ]; then
  HAVE=$(WANT=$REPO awk "$NORM"' norm($0) == ENVIRON["WANT"] && !(FILENAME in seen) { seen[FILENAME]; print FILENAME }' "$@") \
    || rc_fail "cannot read the APT sources"
fi
CH=0; ADDED=; REMOVED=
if [ "$ST" = present ]; then
  if [ -z "$HAVE" ]; then
    CH=1; F=$R$A_file
    rc_json_str "$A_file"; ADDED=$J
    if [ "$RC_CHECK" = 0 ]; then
      D=${F%/*}
      [ -d "$D" ] || mkdir -p -- "$D" || rc_fail "cannot create $D"
      TMP=$(mktemp "$D/.rconf.XXXXXX") || rc_fail "cannot create a temporary file in $D"
      trap 'rm -f -- "$TMP"' EXIT
      { [ ! -f "$F" ] || cat -- "$F"; printf '%s\n' "$REPO"; } > "$TMP" || rc_fail "cannot write $F"
      if [ -f "$F" ]; then rc_stat "$F" L; chmod "$S_mode" "$TMP"; else chmod "${A_mode:-0644}" "$TMP"; fi \
        || rc_fail "cannot set the mode of $F"
      rc_commit "$TMP" "$F" "cannot move the new list into place at $F"
    fi
  fi
else
  RC_IFS=$IFS; IFS='
'
  for F in $HAVE; do
    IFS=$RC_IFS
    CH=1
    rc_json_str "${F#"$R"}"; REMOVED="$REMOVED${REMOVED:+,}$J"
    [ "$RC_CHECK" = 1 ] && continue
    TMP=$(mktemp "${F%/*}/.rconf.XXXXXX") || rc_fail "cannot create a temporary file beside $F"
    WANT=$REPO awk "$NORM"' norm($0) != ENVIRON["WANT"]' "$F" > "$TMP" || { rm -f -- "$TMP"; rc_fail "cannot rewrite $F"; }
    # A list of the sources.list.d directory with nothing left in it goes, as in Ansible.
    if [ "$F" != "$R/etc/apt/sources.list" ] && ! grep -q '[^[:space:]]' "$TMP"; then
      rm -f -- "$TMP" "$F" || rc_fail "cannot remove $F"
    else
      rc_stat "$F" L; chmod "$S_mode" "$TMP"
      rc_commit "$TMP" "$F" "cannot move the new list into place at $F"
    fi
  done
  IFS=$RC_IFS
fi
if [ "$CH" = 1 ] && [ "$RC_CHECK" = 0 ] && [ "${A_update_cache}" = 1 ]; then
  N=${A_update_cache_retries}; MAX=${A_update_cache_retry_max_delay}; T=1
  while :; do
    rc_capture apt-get update -q
    [ "$RC_RC" = 0 ] && break
    N=$((N - 1))
    [ "$N" -gt 0 ] || rc_fail "Failed to update apt cache: ${RC_E:-$RC_O}"
    sleep "$T"; T=$((T * 2)); [ "$T" -le "$MAX" ] || T=$MAX
  done
fi
rc_json_str "$REPO"
rc_tf_set "$CH"
rc_out "{\"changed\":$TF,\"repo\":$J,\"state\":\"$ST\",\"sources_added\":[$ADDED],\"sources_removed\":[$REMOVED]}"
