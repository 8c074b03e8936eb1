# getent: one database (or one key of it) from the name service switch, as the fact
# getent_<database>: each entry's first field mapped to its other fields. awk builds the JSON.
DB=$A_database
SPLIT=${A_split-}
if [ -z "$SPLIT" ]; then
  case $DB in passwd|shadow|group|gshadow) SPLIT=: ;; esac
fi
if [ -n "${A_key-}" ]; then OUT=$(getent -- "$DB" "$A_key"); RC=$?
else OUT=$(getent -- "$DB"); RC=$?; fi
case $RC in
  0) ;;
  1) rc_fail "Missing arguments, or database unknown." ;;
  2) [ "${A_fail_key}" = 1 ] && rc_fail "One or more supplied key could not be found in the database."
     OUT= ;;
  3) rc_fail "Enumeration not supported on this database." ;;
  *) rc_fail "getent $DB failed with exit status $RC" ;;
esac
ENTRIES=$(printf '%s\n' "$OUT" | SPLIT=$SPLIT awk '
  function js(s,    i, c, o) {
    o = ""
    for (i = 1; i <= length(s); i++) {
      c = substr(s, i, 1)
      if (c == "\\" || c == "\"") o = o "\\" c
      else if (c == "\t") o = o "\\t"
      else if (c < " ") o = o sprintf("\\u%04x", ord[c])
      else o = o c
    }
    return "\"" o "\""
  }
  BEGIN { for (i = 1; i < 32; i++) ord[sprintf("%c", i)] = i; sep = ENVIRON["SPLIT"]; n = 0 }
  NF == 0 { next }
  {
    if (sep == "") { m = split($0, f) } else { m = split($0, f, sep) }
    v = "["
    for (i = 2; i <= m; i++) v = v (i > 2 ? "," : "") js(f[i])
    v = v "]"
    if (!(f[1] in seen)) { keys[++n] = f[1] }
    seen[f[1]] = v
  }
  END {
    printf "{"
    for (i = 1; i <= n; i++) printf "%s%s:%s", (i > 1 ? "," : ""), js(keys[i]), seen[keys[i]]
    printf "}"
  }') || rc_fail "cannot read what getent printed"
rc_json_str "getent_$DB"
rc_out "{\"changed\":false,\"ansible_facts\":{$J:$ENTRIES}}"
