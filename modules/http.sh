# HTTP helpers for get_url and uri: requests go through the target's curl, else wget. Secrets
# and headers arrive on stdin (lines `H header`, `U user`, `P password`, then `B` and the raw
# request body) and reach the tool
# through a private config file, never its argv. Needs W (a private temp dir) and A_timeout.
rc_http_init() {
  RC_TOOL=
  if [ "${RC_NO_CURL-0}" != 1 ] && command -v curl > /dev/null 2>&1; then RC_TOOL=curl
  elif command -v wget > /dev/null 2>&1; then RC_TOOL=wget
  else rc_fail "neither curl nor wget is installed on the target"; fi
  ( umask 077; : > "$W/curlrc"; : > "$W/wgetrc" )
  RC_HU=; RC_HP=; RC_HBODY=
  while IFS= read -r RC_L; do
    case $RC_L in
      "H "*) RC_V=$(printf '%s' "${RC_L#H }" | sed 's/[\\"]/\\&/g')
        printf 'header = "%s"\n' "$RC_V" >> "$W/curlrc"; printf 'header = %s\n' "${RC_L#H }" >> "$W/wgetrc" ;;
      "U "*) RC_HU=${RC_L#U } ;;
      "P "*) RC_HP=${RC_L#P } ;;
      B) cat > "$W/body"; RC_HBODY=$W/body; break ;;
    esac
  done
  if [ -n "$RC_HU" ]; then
    RC_V=$(printf '%s:%s' "$RC_HU" "$RC_HP" | sed 's/[\\"]/\\&/g')
    printf 'user = "%s"\n' "$RC_V" >> "$W/curlrc"
    printf 'user = %s\npassword = %s\nauth_no_challenge = on\n' "$RC_HU" "$RC_HP" >> "$W/wgetrc"
  fi
  [ "${A_validate_certs-1}" = 1 ] || { echo insecure >> "$W/curlrc"; echo 'check_certificate = off' >> "$W/wgetrc"; }
  [ "${A_follow-1}" = 1 ] && echo location >> "$W/curlrc"
  [ "${A_follow-1}" = 1 ] || echo 'max_redirect = 0' >> "$W/wgetrc"
}
# rc_http METHOD URL OUT [BODYFILE]: RC_STATUS (0 when no HTTP answer), headers in $W/hdrs,
# the tool's complaint in RC_HERR.
rc_http() {
  RC_TO=${A_timeout-10}; : > "$W/hdrs"; RC_STATUS=0
  if [ "$RC_TOOL" = curl ]; then
    if [ "$1" = HEAD ]; then RC_M=-I; else RC_M="-X$1"; fi
    RC_STATUS=$(curl -q -K "$W/curlrc" -sS "$RC_M" -o "$3" -D "$W/hdrs" -w '%{http_code}' \
      --connect-timeout "$RC_TO" -y "$RC_TO" -Y 1 ${4:+--data-binary "@$4"} -- "$2" 2> "$W/herr")
    RC_HERR=$(cat "$W/herr")
  else
    WGETRC="$W/wgetrc" wget -q -S -O "$3" -T "$RC_TO" --content-on-error --method="$1" \
      ${4:+--body-file="$4"} -- "$2" 2> "$W/herr"
    sed -n 's/^  //p' "$W/herr" | tr -d '\r' > "$W/hdrs"
    RC_STATUS=$(awk '/^HTTP\//{c=$2} END{print c+0}' "$W/hdrs")
    RC_HERR=$(grep -v '^  ' "$W/herr")
  fi
  case $RC_STATUS in ''|*[!0-9]*) RC_STATUS=0 ;; esac
  # curl's %{http_code} is 000 without an answer: a JSON number has no leading zeros.
  RC_STATUS=$((RC_STATUS + 0))
  # Only the last response's headers count after redirects.
  tr -d '\r' < "$W/hdrs" | awk '/^HTTP\//{n=0} {h[++n]=$0} END{for(i=1;i<=n;i++) print h[i]}' > "$W/hdrs1"
  mv -f -- "$W/hdrs1" "$W/hdrs"
}
# The response headers as JSON members with lowercased names (`content_type` style), in RC_HJ.
rc_http_headers_json() {
  RC_HJ=
  while IFS= read -r RC_L; do
    case $RC_L in *:*) ;; *) continue ;; esac
    RC_K=$(printf '%s' "${RC_L%%:*}" | tr 'A-Z-' 'a-z_'); RC_V=${RC_L#*:}; RC_V=${RC_V# }
    case $RC_K in *[!a-z0-9_]*|''|changed|failed|skipped|unreachable|msg|status|status_ok|url|elapsed|path|content|json) continue ;; esac
    rc_json_str "$RC_V"; RC_HJ="$RC_HJ,\"$RC_K\":$J"
  done < "$W/hdrs"
}
