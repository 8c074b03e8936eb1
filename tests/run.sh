#!/usr/bin/env bash
# Runs rconf's whole test suite. Integration tests start real OpenSSH sshd processes, so this
# installs openssh-server (and the client tools) when they are missing, then runs cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
# become tests run sudo inside isolated hosts, whose root is an overlay of this machine's.
[ -x /usr/bin/sudo ] || missing+=(sudo)
# Module tests drive the targets' own tools: downloads, git checkouts, archives.
command -v curl >/dev/null || missing+=(curl)
command -v git >/dev/null || missing+=(git)
command -v zip >/dev/null || missing+=(zip)
command -v unzip >/dev/null || missing+=(unzip)
# The HTML pages (--report-html, history --html) are loaded in a real headless browser.
command -v chromium >/dev/null || missing+=(chromium)
# The pip module's test builds a virtualenv on an isolated host; Debian's venv needs the pip
# wheel that python3-venv brings.
{ command -v python3 >/dev/null && ls /usr/share/python-wheels/pip-*.whl >/dev/null 2>&1; } \
  || missing+=(python3-venv)
# The shared-history test starts its own PostgreSQL server (initdb, postgres) on a private port.
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "tests/run.sh: the tests need ${missing[*]}; install them as root (apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "tests/run.sh: installing ${missing[*]}"
  apt-get update -qq
  # Keep the packages' own services (sshd, the postgresql cluster) from starting: the tests
  # start their own.
  policy=/usr/sbin/policy-rc.d
  had_policy=0; [ -e "$policy" ] && had_policy=1
  [ "$had_policy" = 1 ] || { printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ "$had_policy" = 1 ] || rm -f "$policy"
fi

# Ansible's own modules, which rconf runs for what it has no native module for, come from the
# `ansible` package (ansible-core and the collections it ships) in a venv of the tests' own:
# never the system Python's site-packages.
ansible_venv="${CARGO_TARGET_DIR:-target}/test-ansible"
if [ ! -x "$ansible_venv/bin/ansible-playbook" ]; then
  echo "tests/run.sh: installing ansible 12.3.0 (ansible-core 2.19.14) into $ansible_venv"
  mkdir -p "$(dirname "$ansible_venv")"
  python3 -m venv "$ansible_venv"
  for attempt in 1 2 3; do
    "$ansible_venv/bin/pip" install -q --disable-pip-version-check \
      'ansible==12.3.0' 'ansible-core==2.19.14' && break
    [ "$attempt" = 3 ] && { echo "tests/run.sh: cannot install ansible from PyPI" >&2; exit 1; }
    sleep 5
  done
fi
RCONF_TEST_ANSIBLE="$(cd "$ansible_venv" && pwd)"
export RCONF_TEST_ANSIBLE

cargo test --locked "$@"
