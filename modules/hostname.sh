# hostname: the running name (`hostname`) and the permanent one (A_file, /etc/hostname) are
# compared with A_name; the file is replaced atomically, then `hostname NAME` (or hostnamectl
# under systemd) renames the running system.
U=${A_use-}
if [ -z "$U" ]; then
  if command -v hostnamectl > /dev/null 2>&1 && [ -d /run/systemd/system ]; then U=systemd; else U=generic; fi
fi
CUR=$(hostname 2>/dev/null || uname -n)
PERM=
[ -f "$A_file" ] && PERM=$(cat -- "$A_file")
CH=0; FILE_CH=0
[ "$PERM" = "$A_name" ] || FILE_CH=1
{ [ "$CUR" = "$A_name" ] && [ "$FILE_CH" = 0 ]; } || CH=1
if [ "$CH" = 1 ] && [ "$RC_CHECK" = 0 ]; then
  if [ "$U" = systemd ]; then
    hostnamectl set-hostname "$A_name" 2>/dev/null || rc_fail "Command failed: hostnamectl set-hostname $A_name"
  else
    if [ "$FILE_CH" = 1 ]; then
      DIR=${A_file%/*}; [ -n "$DIR" ] || DIR=/
      TMP=$(mktemp "$DIR/.rconf.XXXXXX") || rc_fail "cannot create a temporary file in $DIR"
      printf '%s\n' "$A_name" > "$TMP" && chmod 0644 "$TMP" \
        || { rm -f -- "$TMP"; rc_fail "failed to write the hostname to $A_file"; }
      rc_commit "$TMP" "$A_file" "failed to write the hostname to $A_file"
    fi
    if [ "$CUR" != "$A_name" ]; then
      RC_E=$(hostname "$A_name" 2>&1) || rc_fail "Command failed: hostname $A_name: $RC_E"
    fi
  fi
fi
rc_json_str "$A_name"; JN=$J
rc_json_str "${A_name%%.*}"; JS=$J
case $A_name in *.*) rc_json_str "${A_name#*.}" ;; *) J='""' ;; esac; JD=$J
EXTRA=
if [ "$RC_DIFF" = 1 ]; then
  rc_json_str "hostname = $CUR
"; EXTRA=",\"diff\":{\"before\":$J"
  rc_json_str "hostname = $A_name
"; EXTRA="$EXTRA,\"after\":$J}"
fi
rc_out "{\"changed\":$(rc_tf $CH),\"name\":$JN,\"ansible_facts\":{\"ansible_hostname\":$JS,\"ansible_nodename\":$JN,\"ansible_fqdn\":$JN,\"ansible_domain\":$JD}$EXTRA}"
