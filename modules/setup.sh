# setup: raw facts in one pass with few forks; the controller derives Ansible's names
# (distribution, os_family, major version...) from these raw values.
F=
rc_f() { rc_json_str "$2"; F="$F,\"$1\":$J"; }
# Linux gives uname's fields as files (the machine excepted): read, they cost no program.
if [ -r /proc/sys/kernel/version ] && read -r RC_S < /proc/sys/kernel/ostype &&
  read -r RC_N < /proc/sys/kernel/hostname && read -r RC_K < /proc/sys/kernel/osrelease &&
  IFS= read -r RC_V < /proc/sys/kernel/version; then
  rc_f system "$RC_S"; rc_f nodename "$RC_N"; rc_f kernel "$RC_K"; rc_f machine "$(uname -m 2>/dev/null)"
  rc_f kernel_version "$RC_V"
else
  set -- $(uname -snrm 2>/dev/null); RC_N=${2-}
  rc_f system "${1-}"; rc_f nodename "${2-}"; rc_f kernel "${3-}"; rc_f machine "${4-}"
  rc_f kernel_version "$(uname -v 2>/dev/null)"
fi
# Python's getfqdn(), as Ansible's fqdn: the name the host's address resolves back to (its
# first dotted name, else that name).
RC_FQ=
if command -v getent > /dev/null 2>&1; then
  set -- $(getent hosts "$RC_N" 2>/dev/null)
  [ -z "${1-}" ] || { set -- $(getent hosts "$1" 2>/dev/null); [ -z "${2-}" ] || { shift; RC_FQ=$1; for N; do case $N in *.*) RC_FQ=$N; break;; esac; done; }; }
fi
[ -n "$RC_FQ" ] || RC_FQ=$(hostname -f 2>/dev/null || printf '%s' "$RC_N")
rc_f fqdn "$RC_FQ"
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
RC_U=$(id -u)
rc_f user_id "$(id -un 2>/dev/null)"; rc_f user_uid "$RC_U"; rc_f user_gid "$(id -g)"
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
    case $K in MemTotal:) rc_f memtotal_kb "$V" ;; MemFree:) rc_f memfree_kb "$V" ;; SwapTotal:) rc_f swaptotal_kb "$V" ;; SwapFree:) rc_f swapfree_kb "$V" ;; esac
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
    # -E -S: no site packages or environment to load; the version is the same.
    rc_f python "$PY $("$PY" -E -S -c 'import sys; v = sys.version_info; print(v[0], v[1], v[2], v[3], v[4], sys.implementation.name)' 2> /dev/null)"
    break
  fi
done
if command -v ip > /dev/null 2>&1; then
  RC_L=$(ip -4 route get 1.1.1.1 2>/dev/null); rc_f route "${RC_L%%"
"*}"
  rc_f addrs "$(ip -o addr 2>/dev/null)"
  rc_f local_routes "$(ip -4 route show table local 2>/dev/null; ip -6 route show table local 2>/dev/null)"
  # The IPv6 route to the address Ansible asks about (a public one of Google's).
  RC_L=$(ip -6 route get 2404:6800:400a:800::1012 2>/dev/null); rc_f route6 "${RC_L%%"
"*}"
fi
# Files whose lines the controller reads (facts_linux.rs), with the shell's own `read`.
rc_lines() { # $1: fact; $2: file
  [ -r "$2" ] || return 0
  RC_L=; while IFS= read -r RC_X || [ -n "$RC_X" ]; do RC_L="$RC_L$RC_X
"; done < "$2"
  rc_f "$1" "$RC_L"
}
rc_lines cpuinfo /proc/cpuinfo; rc_lines resolv /etc/resolv.conf; rc_lines cmdline /proc/cmdline
rc_lines machine_id /etc/machine-id; [ -r /etc/machine-id ] || rc_lines machine_id /var/lib/dbus/machine-id
rc_lines fips /proc/sys/crypto/fips_enabled; rc_lines uptime /proc/uptime; rc_lines meminfo /proc/meminfo
[ -e /sys/kernel/security/apparmor ] && rc_f apparmor 1
# DMI identity files (readable ones), storage identities, local facts' directory.
if [ -d /sys/devices/virtual/dmi/id ]; then
  RC_L=
  for RC_N in bios_date bios_vendor bios_version board_asset_tag board_name board_serial \
    board_vendor board_version chassis_asset_tag chassis_serial chassis_vendor chassis_version \
    chassis_type product_name product_serial product_uuid product_version sys_vendor; do
    [ -r "/sys/devices/virtual/dmi/id/$RC_N" ] && IFS= read -r RC_X < "/sys/devices/virtual/dmi/id/$RC_N" && RC_L="$RC_L$RC_N=$RC_X
"
  done
  rc_f dmi "$RC_L"
fi
rc_lines iscsi /etc/iscsi/initiatorname.iscsi; rc_lines hostnqn /etc/nvme/hostnqn
if [ -d /sys/class/fc_host ]; then
  RC_L=; for RC_N in /sys/class/fc_host/*/port_name; do [ -r "$RC_N" ] && read -r RC_X < "$RC_N" && RC_L="$RC_L $RC_X"; done
  rc_f fc_wwn "$RC_L"
fi
[ -d /etc/ansible/facts.d ] && rc_f facts_d 1
if command -v lsb_release > /dev/null 2>&1; then rc_f has_lsb_release 1; else rc_lines lsb_release_file /etc/lsb-release; fi
# The host's SSH public keys, from the first of Ansible's key directories that has one.
for RC_D in /etc/ssh /etc/openssh /etc; do
  RC_K=
  for RC_A in dsa rsa ecdsa ed25519; do
    [ -r "$RC_D/ssh_host_${RC_A}_key.pub" ] || continue
    read -r RC_T RC_B RC_X < "$RC_D/ssh_host_${RC_A}_key.pub" && rc_f "sshkey_$RC_A" "$RC_T $RC_B" && RC_K=1
  done
  [ -z "$RC_K" ] || break
done
while IFS=: read -r RC_N RC_P RC_I RC_G RC_C RC_R; do
  [ "$RC_I" = "$RC_U" ] && { rc_f gecos "$RC_C"; break; }
done < /etc/passwd
# is_chroot as Ansible decides it: `/` against init's root, else (not root) whether `/` has
# the root inode of its file system type.
RC_R=$(stat -c '%d:%i' / /proc/1/root/. 2>/dev/null)
case $RC_R in *"
"*) ;; *) RC_R="$RC_R $(stat -f -c %T / 2>/dev/null)";; esac
rc_f roots "$RC_R"
[ -z "${debian_chroot-}" ] || rc_f debian_chroot 1
if [ -d /sys/class/net ]; then
  RC_L=
  for RC_N in $(ls -f /sys/class/net); do
    case $RC_N in .|..) continue;; esac
    RC_M=; RC_T=; RC_A=
    [ -r "/sys/class/net/$RC_N/mtu" ] && read -r RC_M < "/sys/class/net/$RC_N/mtu"
    [ -r "/sys/class/net/$RC_N/type" ] && read -r RC_T < "/sys/class/net/$RC_N/type"
    [ -r "/sys/class/net/$RC_N/address" ] && read -r RC_A < "/sys/class/net/$RC_N/address"
    RC_L="$RC_L$RC_N ${RC_M:--} ${RC_T:--} ${RC_A:--}
"
  done
  rc_f net "$RC_L"
fi
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
