#!/usr/bin/env bash
# Builds rconf and the russh limit in release mode, then runs the benchmark harness.
#   bench/run.sh                       # N=10,50; W1-W4; median of 3
#   bench/run.sh --hosts 200 --reps 1  # any option of bench/bench.py
#   bench/run.sh --compare             # also ansible-core and pyinfra (venv from PyPI, once)
#   bench/run.sh --quick               # N=3, one repetition (what tests/bench_smoke.rs runs)
#   bench/run.sh --scale               # scale simulation: 1000 hosts (bench/scale.py --help)
# Needs root and OpenSSH's sshd and ssh (tests/run.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
# The harness runs the binaries from other directories: make the path absolute.
case $target in /*) ;; *) target="$PWD/$target" ;; esac
venv=${RCONF_BENCH_VENV:-$HOME/.cache/rconf-bench-venv}

args=()
compare=0
scale=0
for a in "$@"; do
  case "$a" in
    --scale) scale=1 ;;
    --quick) args+=(--hosts 3 --reps 1) ;;
    --compare) compare=1; args+=(--compare --venv "$venv") ;;
    *) args+=("$a") ;;
  esac
done

if [ "$compare" = 1 ] && [ ! -x "$venv/bin/ansible-playbook" ]; then
  echo "bench: creating $venv with ansible-core and pyinfra from PyPI" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q ansible-core pyinfra
fi

cargo build --release --locked --bin rconf --example russh_limit >&2
if [ "$scale" = 1 ]; then
  exec python3 bench/scale.py --rconf "$target/release/rconf" "${args[@]}"
fi
exec python3 bench/bench.py --rconf "$target/release/rconf" \
  --limit "$target/release/examples/russh_limit" "${args[@]}"
