# debconf: a package's debconf answers. `debconf-show` gives the current ones (returned as
# `current`); a question whose answer differs is set with `debconf-set-selections`. A password
# cannot be read back, so setting one always counts as a change, as in Ansible.
PKG=$A_name
command -v debconf-show > /dev/null 2>&1 || rc_fail "debconf-show is missing: this host has no debconf"
SHOWN=$(debconf-show "$PKG" 2>/dev/null)
CURRENT=$(printf '%s\n' "$SHOWN" | awk '
  function js(s,    i, c, o) {
    o = ""
    for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); o = o ((c == "\\" || c == "\"") ? "\\" c : c) }
    return "\"" o "\""
  }
  { sub(/^[* ] /, ""); i = index($0, ":"); if (!i) next
    printf "%s%s:%s", (n++ ? "," : ""), js(substr($0, 1, i - 1)), js(substr($0, i + 2)) }')
CH=0
if [ -n "${A_question-}" ]; then
  OLD=$(printf '%s\n' "$SHOWN" | awk -v q="$A_question" '
    { sub(/^[* ] /, ""); i = index($0, ":"); if (i && substr($0, 1, i - 1) == q) { print substr($0, i + 2); exit } }')
  if [ "${A_vtype-}" = password ] || [ "$OLD" != "${A_value-}" ]; then
    CH=1
    if [ "$RC_CHECK" = 0 ]; then
      set -- debconf-set-selections
      [ "${A_unseen}" = 1 ] && set -- "$@" -u
      printf '%s %s %s %s\n' "$PKG" "$A_question" "${A_vtype:-string}" "${A_value-}" | "$@" 2>"${TMPDIR:-/tmp}/.rconf-debconf.$$" \
        || { E=$(cat "${TMPDIR:-/tmp}/.rconf-debconf.$$"); rm -f "${TMPDIR:-/tmp}/.rconf-debconf.$$"; rc_fail "debconf-set-selections failed: $E"; }
      rm -f "${TMPDIR:-/tmp}/.rconf-debconf.$$"
    fi
  fi
fi
rc_tf_set "$CH"
rc_out "{\"changed\":$TF,\"current\":{$CURRENT}}"
