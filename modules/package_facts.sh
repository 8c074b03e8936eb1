# package_facts: the installed packages as the fact `packages`: each name mapped to a list of
# {name, version, arch, source} (rpm adds release and epoch), from dpkg or rpm, built as JSON
# by one awk pass.
M=${A_manager:-auto}
if [ "$M" = auto ]; then
  if command -v dpkg-query > /dev/null 2>&1; then M=apt
  elif command -v rpm > /dev/null 2>&1; then M=rpm
  elif command -v apk > /dev/null 2>&1; then M=apk
  else rc_fail "Could not detect a supported package manager from the following list: apt, rpm, apk"; fi
fi
case $M in
  apt|dpkg) M=apt
    LIST=$(dpkg-query -W -f '${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\n' 2>/dev/null) \
      || rc_fail "dpkg-query could not list the packages" ;;
  rpm)
    LIST=$(rpm -qa --qf 'ii \t%{NAME}\t%{VERSION}\t%{ARCH}\t%{RELEASE}\t%{EPOCHNUM}\n' 2>/dev/null) \
      || rc_fail "rpm could not list the packages" ;;
  apk)
    # name-version-release, the name being everything before the last two dashes.
    LIST=$(apk info -v 2>/dev/null | awk '{ n = split($0, p, "-"); name = p[1]; for (i = 2; i <= n - 2; i++) name = name "-" p[i]; print "ii \t" name "\t" p[n - 1] "-" p[n] "\t" }') \
      || rc_fail "apk could not list the packages" ;;
  *) rc_fail "Unsupported package manager: $M (supported: auto, apt, rpm, apk)" ;;
esac
PKGS=$(printf '%s\n' "$LIST" | SRC=$M awk -F '\t' '
  function js(s,    i, c, o) {
    o = ""
    for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); o = o ((c == "\\" || c == "\"") ? "\\" c : c) }
    return "\"" o "\""
  }
  # Installed only: dpkg says `ii` (or `hi`, held).
  $1 !~ /^[ih]i/ || $2 == "" { next }
  {
    e = "{\"name\":" js($2) ",\"version\":" js($3) ",\"source\":\"" ENVIRON["SRC"] "\""
    if ($4 != "") e = e ",\"arch\":" js($4)
    if (ENVIRON["SRC"] == "rpm") e = e ",\"release\":" js($5) ",\"epoch\":" ($6 == "" || $6 == "0" ? "null" : $6)
    e = e "}"
    if ($2 in all) all[$2] = all[$2] "," e
    else { order[++n] = $2; all[$2] = e }
  }
  END {
    printf "{"
    for (i = 1; i <= n; i++) printf "%s%s:[%s]", (i > 1 ? "," : ""), js(order[i]), all[order[i]]
    printf "}"
  }') || rc_fail "cannot read the package list"
rc_out "{\"changed\":false,\"ansible_facts\":{\"packages\":$PKGS,\"pkg_mgr\":\"$M\"}}"
