"""N OpenSSH test hosts on loopback for the benchmark, as tests/common/sshd.rs starts them.

Every sshd gets its own 127.42.x.y address, port and host key, trusts one client key, and is
killed by PID (with its sessions) in `stop`, which the harness calls on every exit path.
"""

import os
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import users

SSHD = "/usr/sbin/sshd"

# Sessions record their command and stdin before running them (see `record_mode`).
RECORDER = """#!/bin/sh
# Benchmark recorder: saves the command sshd was asked to run, and its stdin, then runs it.
dir="$(cat "{rec}/current")/$1"
mkdir -p "$dir"
n=$(($(cat "$dir/.n" 2>/dev/null || echo 0) + 1))
echo "$n" > "$dir/.n"
printf '%s' "$SSH_ORIGINAL_COMMAND" > "$dir/$n.cmd"
tee "$dir/$n.in" | "$SHELL" -c "$SSH_ORIGINAL_COMMAND"
"""


def keygen(path):
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", path], check=True
    )
    with open(path + ".pub") as f:
        return " ".join(f.read().split()[:2])


def free_port(address):
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def descendants(pid):
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
            parents.setdefault(int(rest[1]), []).append(int(entry))
        except (OSError, IndexError):
            continue
    found, i = [pid], 0
    while i < len(found):
        found.extend(parents.get(found[i], []))
        i += 1
    return found[1:]


class Fleet:
    def __init__(self, workdir, n):
        self.dir = workdir
        self.n = n
        self.home = os.path.join(workdir, "home")
        self.rec = os.path.join(workdir, "rec")
        self.hosts = []  # dicts: name, address, port, key_path, host_key, proc
        os.makedirs(os.path.join(self.home, ".ssh"), exist_ok=True)
        os.makedirs(self.rec, exist_ok=True)
        self.identity = os.path.join(self.home, ".ssh", "id_ed25519")
        client = keygen(self.identity)
        self.authorized = os.path.join(workdir, "authorized_keys")
        with open(self.authorized, "w") as f:
            f.write(client + "\n")
        self.recorder = os.path.join(workdir, "record.sh")
        with open(self.recorder, "w") as f:
            f.write(RECORDER.format(rec=self.rec))
        os.chmod(self.recorder, 0o755)
        self.inventory = os.path.join(workdir, "hosts.ini")
        self.pyinfra_inventory = os.path.join(workdir, "pyinfra_inventory.py")
        self.inventories = {
            "root": (self.inventory, self.pyinfra_inventory),
            users.USER: (
                os.path.join(workdir, f"hosts-{users.USER}.ini"),
                os.path.join(workdir, f"pyinfra_inventory_{users.USER}.py"),
            ),
        }
        self.ssh_config = os.path.join(workdir, "ssh_config")
        self.control_dir = os.path.join(workdir, "cm")
        os.makedirs("/run/sshd", exist_ok=True)
        for i in range(n):
            name = f"h{i + 1}"
            hdir = os.path.join(workdir, name)
            os.makedirs(hdir, exist_ok=True)
            key = os.path.join(hdir, "ssh_host_ed25519_key")
            self.hosts.append(
                {
                    "name": name,
                    "address": f"127.42.{i // 250}.{1 + i % 250}",
                    "key_path": key,
                    "host_key": keygen(key),
                    "dir": hdir,
                    "proc": None,
                    "port": None,
                }
            )

    def start(self, record=False, workers=1):
        """Starts every sshd (`workers` at a time); with `record`, sessions run through the
        recorder."""
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(lambda h: self._spawn(h, record), self.hosts))
        with open(os.path.join(self.home, ".ssh", "known_hosts"), "w") as f:
            for h in self.hosts:
                f.write(f"[{h['address']}]:{h['port']} {h['host_key']}\n")
        self._write_inventory()
        self._write_ssh_config()

    def _spawn(self, h, record):
        extra = f"ForceCommand {self.recorder} {h['name']}\n" if record else ""
        for _ in range(5):
            port = free_port(h["address"])
            config = os.path.join(h["dir"], "sshd_config")
            with open(config, "w") as f:
                f.write(
                    f"ListenAddress {h['address']}\nPort {port}\nHostKey {h['key_path']}\n"
                    f"AuthorizedKeysFile {self.authorized}\nPidFile none\nStrictModes no\n"
                    "UsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                    "PermitRootLogin yes\nMaxStartups 1000\nMaxSessions 100\n"
                    f"SetEnv SHLVL=1\nLogLevel ERROR\nSubsystem sftp internal-sftp\n{extra}"
                )
            proc = subprocess.Popen(
                [SSHD, "-D", "-e", "-f", config, "-E", os.path.join(h["dir"], "sshd.log")],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            h["proc"] = proc
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    socket.create_connection((h["address"], port), timeout=1).close()
                    h["port"] = port
                    return
                except OSError:
                    if proc.poll() is not None:
                        break  # the probed port was taken meanwhile: try another
                    time.sleep(0.01)
            self._kill(h)
        raise RuntimeError(f"sshd for {h['name']} would not start; see {h['dir']}/sshd.log")

    def _kill(self, h):
        proc = h["proc"]
        if proc is None:
            return
        tree = descendants(proc.pid)
        for pid in [proc.pid] + tree:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()
        h["proc"] = None

    def stop(self):
        for h in self.hosts:
            self._kill(h)

    def _write_inventory(self):
        """The hosts for rconf and ansible, and for pyinfra, logging in as root (`inventory`)
        and as the benchmark's unprivileged user (`inventories[users.USER]`)."""
        for user in ("root", users.USER):
            inventory, pyinfra = self.inventories[user]
            with open(inventory, "w") as f:
                f.write("[all_hosts]\n")
                for h in self.hosts:
                    f.write(
                        f"{h['name']} ansible_host={h['address']} ansible_port={h['port']} "
                        f"ansible_user={user}\n"
                    )
            # The same hosts for pyinfra: a Python inventory of (name, data) pairs.
            with open(pyinfra, "w") as f:
                f.write("all_hosts = [\n")
                for h in self.hosts:
                    f.write(
                        f"    ({h['name']!r}, {{'ssh_hostname': {h['address']!r}, "
                        f"'ssh_port': {h['port']}, 'ssh_user': {user!r}, "
                        f"'ssh_key': {self.identity!r}, "
                        f"'ssh_known_hosts_file': {self.home + '/.ssh/known_hosts'!r}}}),\n"
                    )
                f.write("]\n")

    def _write_ssh_config(self):
        """An OpenSSH client config naming every host, for the ControlMaster floor."""
        os.makedirs(self.control_dir, exist_ok=True)
        with open(self.ssh_config, "w") as f:
            for h in self.hosts:
                f.write(
                    f"Host {h['name']}\n  HostName {h['address']}\n  Port {h['port']}\n"
                    f"  User root\n  IdentityFile {self.identity}\n  IdentitiesOnly yes\n"
                    f"  UserKnownHostsFile {self.home}/.ssh/known_hosts\n"
                    "  BatchMode yes\n  StrictHostKeyChecking yes\n"
                    f"  ControlPath {self.control_dir}/%n\n"
                )

    def record_into(self, path):
        """Sends the recorder's output for the next sessions to `path/<host>/`."""
        os.makedirs(path, exist_ok=True)
        # W4's sessions log in as the unprivileged user, who records too.
        os.chmod(path, 0o777)
        with open(os.path.join(self.rec, "current"), "w") as f:
            f.write(path)
