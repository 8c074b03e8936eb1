#!/usr/bin/env bash
# Fetches the public roles of compat/roles.txt at their commits and runs them unchanged with
# ansible-playbook 2.19 and rconf (tests/roles_compat.rs). Needs root (isolated hosts), the
# network (packages, GitHub) and minutes per role. RCONF_COMPAT_ONLY=ntp,mysql picks roles.
set -euo pipefail
cd "$(dirname "$0")/.."
bash compat/fetch.sh
# The same ansible-core venv as the test suite's.
bash tests/run.sh --test roles_compat -- --ignored --nocapture
