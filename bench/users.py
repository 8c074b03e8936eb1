"""The unprivileged login user of W4 (`rbench`, passwordless sudo), created on the test hosts
for the benchmark and removed after it.

The benchmark's sshd hosts all run on this machine, so "on the test hosts" means this
machine's user database. Several harnesses may run at once (the suite's quick mode beside a
full run): a counter under a lock makes the first one create the user and the last one
remove it, and a user that existed before any of them is never removed.
"""

import fcntl
import os
import pwd
import subprocess

USER = "rbench"
SUDOERS = f"/etc/sudoers.d/{USER}"
# What a benchmark made (1 the user, 2 the sudoers entry), then the PIDs of the runs using them;
# a run killed without cleaning up no longer counts once its PID is gone.
STATE = "/tmp/rconf-bench-user.state"


def _exists():
    try:
        pwd.getpwnam(USER)
        return True
    except KeyError:
        return False


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _locked(change):
    with open(STATE + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(STATE) as f:
                made, *pids = (int(x) for x in f.read().split())
        except (OSError, ValueError):
            made, pids = 0, []
        pids = [p for p in pids if p != os.getpid() and _alive(p)]
        made = change(made, pids)
        with open(STATE, "w") as f:
            f.write(" ".join(str(x) for x in [made] + pids) + "\n")


def acquire():
    """Makes sure `rbench` exists with passwordless sudo; pair with `release`."""

    def change(made, pids):
        if not _exists():
            # `*`, not useradd's locked `!`: sshd refuses key logins to locked accounts.
            subprocess.run(
                ["useradd", "-m", "-s", "/bin/bash", "-p", "*", USER],
                check=True, capture_output=True,
            )
            made |= 1
        if not os.path.exists(SUDOERS):
            with open(SUDOERS + ".tmp", "w") as f:
                f.write(f"{USER} ALL=(ALL:ALL) NOPASSWD: ALL\n")
            os.chmod(SUDOERS + ".tmp", 0o440)
            os.rename(SUDOERS + ".tmp", SUDOERS)
            made |= 2
        pids.append(os.getpid())
        return made

    _locked(change)


def release():
    """Removes `rbench` and its sudoers entry when the last run using them ends, if a
    benchmark made them."""

    def change(made, pids):
        if pids:
            return made
        if made & 2:
            try:
                os.remove(SUDOERS)
            except FileNotFoundError:
                pass
        if made & 1:
            subprocess.run(["userdel", "-r", USER], capture_output=True)
        return 0

    _locked(change)
