# setup: raw facts in one pass with few forks; the controller derives Ansible's names
# (distribution, os_family, major version...) from these raw values.
F=
rc_f() { rc_json_str "$2"; F="$F,\"$1\":$J"; }
set -- $(uname -snrm 2>/dev/null)
rc_f system "${1-}"; rc_f nodename "${2-}"; rc_f kernel "${3-}"; rc_f machine "${4-}"
rc_f kernel_version "$(uname -v 2>/dev/null)"
rc_f fqdn "$(hostname -f 2>/dev/null || uname -n)"
if [ -r /etc/os-release ]; then
  while IFS='=' read -r K V; do
    V=${V#[\"\']}; V=${V%[\"\']}
    case $K in
      ID) rc_f os_id "$V" ;; VERSION_ID) rc_f os_version_id "$V" ;; VERSION_CODENAME) rc_f os_codename "$V" ;;
      NAME) rc_f os_name "$V" ;; PRETTY_NAME) rc_f os_pretty "$V" ;; ID_LIKE) rc_f os_like "$V" ;;
    esac
  done < /etc/os-release
fi
if [ -r /etc/debian_version ]; then read -r V < /etc/debian_version; rc_f debian_version "$V"; fi
if [ -r /etc/redhat-release ]; then read -r V < /etc/redhat-release; rc_f redhat_release "$V"; fi
if [ -r /etc/alpine-release ]; then read -r V < /etc/alpine-release; rc_f alpine_release "$V"; fi
rc_f user_id "$(id -un 2>/dev/null)"; rc_f user_uid "$(id -u)"; rc_f user_gid "$(id -g)"
rc_f user_dir "${HOME-}"; rc_f user_shell "${SHELL-}"
for PM in apt-get:apt dnf:dnf yum:yum apk:apk pacman:pacman zypper:zypper pkg:pkgng; do
  if command -v "${PM%%:*}" > /dev/null 2>&1; then rc_f pkg_mgr "${PM#*:}"; break; fi
done
INIT=
[ -r /proc/1/comm ] && read -r INIT < /proc/1/comm
[ -d /run/systemd/system ] && INIT=systemd
[ -z "$INIT" ] && [ -x /sbin/openrc-run ] && INIT=openrc
rc_f proc_1 "$INIT"
[ -x /sbin/openrc-run ] && rc_f has_openrc 1
if [ -r /proc/meminfo ]; then
  while read -r K V U; do
    case $K in MemTotal:) rc_f memtotal_kb "$V" ;; MemFree:) rc_f memfree_kb "$V" ;; SwapTotal:) rc_f swaptotal_kb "$V" ;; esac
  done < /proc/meminfo
fi
rc_f vcpus "$(getconf _NPROCESSORS_ONLN 2>/dev/null || grep -c ^processor /proc/cpuinfo 2>/dev/null)"
rc_f date "$(date '+%Y %m %d %H %M %S %s %Z %z %A %j %u %b %B')"
rc_f date_utc "$(date -u '+%Y-%m-%dT%H:%M:%SZ')"
# The interpreter Ansible's modules would run with (discovery's first choices), as Ansible's
# setup reports the Python it runs under.
for PY in /usr/bin/python3 python3; do
  if command -v "$PY" > /dev/null 2>&1; then
    PY=$(command -v "$PY")
    rc_f python "$PY $("$PY" -c 'import sys; v = sys.version_info; print(v[0], v[1], v[2], v[3], v[4], sys.implementation.name)' 2> /dev/null)"
    break
  fi
done
if command -v ip > /dev/null 2>&1; then rc_f route "$(ip -4 route get 1.1.1.1 2>/dev/null | head -n 1)"; fi
ENVJ=$(awk 'BEGIN {
  for (i = 1; i < 32; i++) t[sprintf("%c", i)] = sprintf("\\u%04x", i)
  t["\n"] = "\\n"; t["\t"] = "\\t"; t["\r"] = "\\r"; t["\""] = "\\\""; t["\\"] = "\\\\"
  sep = ""
  for (k in ENVIRON) {
    o = ""; s = ENVIRON[k]
    for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); o = o ((c in t) ? t[c] : c) }
    printf "%s\"%s\":\"%s\"", sep, k, o; sep = ","
  }
}')
rc_out "{\"changed\":false,\"raw\":{\"_\":0$F},\"env\":{$ENVJ}}"
