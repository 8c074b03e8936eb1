#!/usr/bin/env python3
"""Rewrites recorded rconf commands (bench.py's recordings, DIR/HOST/N.cmd) the way
RESULTS.md proposes for src/: `exec` the inner shell, no command substitutions where a plain
assignment does, drain stdin without `cat`. Replaying the result with `russh_limit INV 0 DIR`
measures the gain of those changes before anyone makes them.

Usage: leaner.py RECORDED_DIR OUT_DIR
"""

import os
import shutil
import sys

Q = "'\\''"  # a single quote inside rconf's single-quoted `sh -c` script
CHANGED = '$( [ "$CH" = 1 ] && echo true || echo false)'


def rewrite(cmd):
    # The login shell would otherwise fork to run the inner `sh`.
    cmd = cmd.replace("$$ >&2; sh -c '", "$$ >&2; exec sh -c '", 1)
    # Draining a small stdin needs no `cat`.
    cmd = cmd.replace(
        "rc_drain() { cat > /dev/null; }", "rc_drain() { while read -r RC_X; do :; done; }"
    )
    out = []
    for line in cmd.split("\n"):
        # Zero-padding an octal mode needs no subshell.
        pad = f'$(printf {Q}%04o{Q} "0$M")'
        if pad in line:
            out.append(
                "  case ${#M} in 1) RC_M4=000$M ;; 2) RC_M4=00$M ;; 3) RC_M4=0$M ;; "
                "*) RC_M4=$M ;; esac"
            )
            line = line.replace(pad, "$RC_M4")
        # Nor does turning CH into a JSON boolean.
        if CHANGED in line:
            out.append('if [ "$CH" = 1 ]; then RC_CHJ=true; else RC_CHJ=false; fi')
            line = line.replace(CHANGED, "$RC_CHJ")
        out.append(line)
    return "\n".join(out)


def main():
    src, dst = sys.argv[1], sys.argv[2]
    shutil.copytree(src, dst)
    for host in os.listdir(dst):
        d = os.path.join(dst, host)
        for name in os.listdir(d):
            if name.endswith(".cmd"):
                p = os.path.join(d, name)
                with open(p) as f:
                    text = f.read()
                with open(p, "w") as f:
                    f.write(rewrite(text))


if __name__ == "__main__":
    main()
