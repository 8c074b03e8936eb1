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
# The pip module's test builds a virtualenv on an isolated host; Debian's venv needs the pip
# wheel that python3-venv brings.
{ command -v python3 >/dev/null && ls /usr/share/python-wheels/pip-*.whl >/dev/null 2>&1; } \
  || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "tests/run.sh: the tests need ${missing[*]}; install them as root (apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "tests/run.sh: installing ${missing[*]}"
  apt-get update -qq
  # Keep the package's own sshd service from starting: the tests start their own.
  policy=/usr/sbin/policy-rc.d
  had_policy=0; [ -e "$policy" ] && had_policy=1
  [ "$had_policy" = 1 ] || { printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ "$had_policy" = 1 ] || rm -f "$policy"
fi

cargo test --locked "$@"
