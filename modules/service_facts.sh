# service_facts: the services the host knows, as the fact `services`: each name mapped to
# {name, state, status, source} from systemd when it runs the host, else {name, state, source}
# for the init scripts `service --status-all` can tell running or stopped, as Ansible lists
# them. awk builds the JSON.
JS='function js(s,    i, c, o) {
  o = ""
  for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); o = o ((c == "\\" || c == "\"") ? "\\" c : c) }
  return "\"" o "\""
}
function add(n, state, status) {
  if (!(n in st)) order[++k] = n
  if (state != "") st[n] = state
  if (status != "") su[n] = status
}
END {
  printf "{"
  for (i = 1; i <= k; i++) {
    n = order[i]
    printf "%s%s:{\"name\":%s,\"state\":%s,", (i > 1 ? "," : ""), js(n), js(n), js(n in st ? st[n] : "stopped")
    if (n in su) printf "\"status\":%s,", js(su[n])
    printf "\"source\":\"%s\"}", src
  }
  printf "}"
}'
if [ -d /run/systemd/system ] && command -v systemctl > /dev/null 2>&1; then
  SERVICES=$( {
    systemctl list-unit-files --type=service --no-legend --no-pager 2>/dev/null | sed 's/^/F /'
    systemctl list-units --type=service --all --no-legend --no-pager --plain 2>/dev/null | sed 's/^/U /'
  } | awk -v src=systemd "$JS"'
    $1 == "F" { add($2, "", $3) }
    $1 == "U" { add($2, ($5 == "running") ? "running" : ($4 == "failed") ? "failed" : "stopped", "") }')
elif command -v service > /dev/null 2>&1 || [ -d /etc/init.d ]; then
  SERVICES=$( {
    service --status-all 2>&1 | sed -n 's/^ *\[ *\([-+]\) *\] *\(.*\)$/S \1 \2/p'
  } | awk -v src=sysv "$JS"'
    $1 == "S" { add($3, ($2 == "+") ? "running" : "stopped", "") }')
else
  rc_fail "Unable to find any service manager (systemd or sysvinit init scripts)"
fi
rc_out "{\"changed\":false,\"ansible_facts\":{\"services\":${SERVICES:-{\}}}}"
