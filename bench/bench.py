#!/usr/bin/env python3
"""rconf's benchmark harness: starts N OpenSSH hosts on loopback, applies each workload with
rconf, the OpenSSH ControlMaster floor, the russh limit and (opt-in) ansible-core and pyinfra,
and prints a Markdown table of medians. See bench/README.md.
"""

import argparse
import json
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet as fleetmod  # noqa: E402
import users  # noqa: E402
import workloads  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


def machine_cpu():
    """CPU seconds the whole machine spent busy so far (all cores)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLK_TCK


class Sample:
    def __init__(self, wall, rss_kib, cpu, machine, rc, out):
        self.wall, self.rss_kib, self.cpu, self.machine = wall, rss_kib, cpu, machine
        self.rc, self.out = rc, out


TIME = "/usr/bin/time"


def measure(argv, env, cwd):
    """Runs `argv` and measures it: wall time, peak RSS and CPU of it and its descendants.

    Linux carries a parent's resident size into a forked child's `ru_maxrss`, so a child of
    this Python process would report at least Python's size: when GNU time is installed, it
    (a small process) starts the command and reports the peak instead.
    """
    m0, t0 = machine_cpu(), time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as peak:
        wrapped = [TIME, "-f", "%M", "-o", peak.name] + argv if os.path.exists(TIME) else argv
        proc = subprocess.Popen(wrapped, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, ru = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - t0
        machine = machine_cpu() - m0
        out.seek(0)
        text = out.read().decode(errors="replace")
        reported = peak.read().split()
        rss = int(reported[-1]) if wrapped is not argv and reported else ru.ru_maxrss
    return Sample(wall, rss, ru.ru_utime + ru.ru_stime, machine, proc.returncode, text)


def recorded(path, host):
    """The commands (with their stdin) the recorder saw on `host`, in order."""
    d = os.path.join(path, host)
    n = int(open(os.path.join(d, ".n")).read()) if os.path.exists(os.path.join(d, ".n")) else 0
    out = []
    for i in range(1, n + 1):
        with open(os.path.join(d, f"{i}.cmd"), "rb") as f:
            cmd = f.read()
        with open(os.path.join(d, f"{i}.in"), "rb") as f:
            stdin = f.read()
        out.append((cmd.decode(), stdin))
    return out


def frames(stream):
    """The (script, stdin) tasks framed in a persistent shell's stdin, or None when `stream`
    is not that. Frames (src/transport/ssh/worker.rs): `D LEN 0` defines a module body as a
    function; `L LINES STDIN_LEN` (lines), `S LEN STDIN_LEN` (bytes) and `I LINES IN_LINES`
    (lines, then stdin as lines) are tasks. A task's script gets the definitions it calls."""
    out, defs, i = [], {}, 0

    def lines(i, n):
        j = i
        for _ in range(n):
            j = stream.index(b"\n", j) + 1
        return stream[i:j], j

    while i < len(stream):
        end = stream.find(b"\n", i)
        head = stream[i:end].split() if end >= 0 else []
        if (len(head) != 3 or head[0] not in (b"D", b"L", b"S", b"I")
                or not all(h.isdigit() for h in head[1:])):
            return None
        kind, a, b = head[0], int(head[1]), int(head[2])
        i = end + 1
        if kind in (b"D", b"S"):
            text, i = stream[i : i + a], i + a
        else:
            text, i = lines(i, a)
        if kind == b"D":
            defs[text.split(b"(", 1)[0]] = text
            continue
        if kind == b"I":
            data, i = lines(i, b)
        else:
            data, i = stream[i : i + b], i + b
        used = b"".join(d for name, d in defs.items() if name + b' "$@"\n' in text)
        out.append(((used + text).decode(errors="replace"), data))
    return out


def tasks(path, host):
    """What rconf asked `host` to run, one (command, stdin) per task: a recorded exec is one
    task, unless it is rconf's persistent shell, whose framed stdin holds one task each."""
    out = []
    for cmd, stdin in recorded(path, host):
        framed = frames(stdin) if "rconf-done-" in cmd else None
        if framed is None:
            out.append((cmd, stdin))
        else:
            out += [("sh -c " + shlex.quote(script), data) for script, data in framed]
    return out


def floor(fl, commands, user):
    """The OpenSSH floor: per host one ControlMaster connection as `user`, then every recorded
    command as a plain `ssh` exec over it, hosts in parallel. Measured like `measure`, summing
    the CPU of every ssh client; peak RSS is that of the largest single ssh process."""
    m0, t0 = machine_cpu(), time.monotonic()
    c0 = os.times()
    base = ["ssh", "-F", fl.ssh_config, "-l", user]

    def one(host):
        sock = os.path.join(fl.control_dir, host)
        master = subprocess.Popen(
            base + ["-M", "-N", "-o", "ControlPersist=no", host],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 20
            while not os.path.exists(sock):
                if master.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"floor: no ControlMaster connection to {host}")
                time.sleep(0.002)
            for cmd, stdin in commands[host]:
                t = time.monotonic()
                subprocess.run(
                    base + ["-o", "ControlMaster=no", host, cmd],
                    input=stdin,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    timeout=120,
                )
                if time.monotonic() - t > 30:
                    print(f"bench: a floor exec on {host} took {time.monotonic() - t:.1f} s",
                          file=sys.stderr)
        finally:
            # A SIGTERM that reaches the master while it starts can be lost: ask it to exit
            # over its socket, and only then insist.
            subprocess.run(base + ["-O", "exit", host], capture_output=True, timeout=20)
            try:
                master.wait(timeout=10)
            except subprocess.TimeoutExpired:
                master.kill()
                master.wait()

    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        list(pool.map(one, commands))
    wall = time.monotonic() - t0
    machine = machine_cpu() - m0
    c1 = os.times()
    cpu = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
    return Sample(wall, None, cpu, machine, 0, "")


def recap_changed(text):
    """Total `changed=` over rconf's PLAY RECAP, or None when there is no recap."""
    if "PLAY RECAP" not in text:
        return None
    total = 0
    for line in text.split("PLAY RECAP", 1)[1].splitlines():
        for word in line.split():
            if word.startswith("changed="):
                total += int(word.split("=")[1])
    return total


def run_tool(tool, w, run, fl, args, env, rec):
    if tool == "floor":
        return floor(fl, {h["name"]: tasks(rec, h["name"]) for h in fl.hosts}, w.user)
    if tool == "limit":
        count = len(tasks(rec, fl.hosts[0]["name"]))
        return measure([args.limit, fl.inventory, str(count)], env, fl.dir)
    if tool == "replay":
        return measure([args.limit, fl.inventory, "0", rec], env, fl.dir)
    if tool == "rconf":
        argv = [args.rconf] + w.rconf + ["-f", str(len(fl.hosts))]
    elif tool == "ansible":
        argv = w.ansible + ["-f", str(len(fl.hosts))]
    else:
        argv = w.pyinfra
    s = measure(argv, env, os.path.join(fl.dir, "project"))
    if s.rc != 0:
        raise RuntimeError(f"{tool} {w.name} run {run} exited {s.rc}:\n{s.out[-4000:]}")
    if tool == "rconf" and run == 2 and w.root and recap_changed(s.out) != 0:
        raise RuntimeError(f"rconf {w.name}: the second run changed something:\n{s.out[-4000:]}")
    return s


def tool_env(fl, args):
    env = dict(os.environ)
    env["HOME"] = fl.home
    env.pop("SSH_AUTH_SOCK", None)
    if args.venv:
        env["PATH"] = os.path.join(args.venv, "bin") + ":" + env["PATH"]
    # ansible-core: pipelining on, as the issue measured it; its own ssh options otherwise.
    env["ANSIBLE_PIPELINING"] = "True"
    env["ANSIBLE_HOST_KEY_CHECKING"] = "True"
    env["ANSIBLE_SSH_CONTROL_PATH_DIR"] = os.path.join(fl.dir, "ansible-cp")
    env["ANSIBLE_PYTHON_INTERPRETER"] = "/usr/bin/python3"
    env["ANSIBLE_LOCAL_TEMP"] = os.path.join(fl.dir, "ansible-tmp")
    env["ANSIBLE_NOCOLOR"] = "1"
    # OpenSSH finds ~/.ssh through the password database, not HOME.
    env["ANSIBLE_SSH_COMMON_ARGS"] = (
        f"-o UserKnownHostsFile={fl.home}/.ssh/known_hosts -o IdentityFile={fl.identity} "
        "-o IdentitiesOnly=yes"
    )
    return env


def bench_size(n, args, workdir):
    """Every measurement for `n` hosts: rows of the result table."""
    fl = fleetmod.Fleet(os.path.join(workdir, f"n{n}"), n)
    ws = [w for w in workloads.prepare(fl.dir, fl) if w.name in args.workloads]
    rows = []
    try:
        env = tool_env(fl, args)
        # 1. Record what rconf sends on each host (commands and stdin), for the floor and
        # the limit; the recorder's own cost is not measured.
        fl.start(record=True)
        for w in ws:
            w.reset()
            for run in (1, 2):
                fl.record_into(os.path.join(fl.rec, w.name, str(run)))
                run_tool("rconf", w, run, fl, args, env, None)
        fl.stop()
        # 2. Measure on plain sshd hosts.
        fl.start()
        for w in ws:
            for tool in args.tools:
                compared = tool in ("ansible", "pyinfra")
                if compared and w.name not in args.compare_workloads:
                    continue
                samples = {1: [], 2: []}
                for _ in range(args.compare_reps if compared else args.reps):
                    w.reset()
                    for run in (1, 2):
                        rec = os.path.join(fl.rec, w.name, str(run))
                        samples[run].append(run_tool(tool, w, run, fl, args, env, rec))
                for run in (1, 2):
                    execs = len(tasks(os.path.join(fl.rec, w.name, str(run)), "h1"))
                    rows.append(summary(n, w.name, run, tool, execs, samples[run]))
                    print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
            w.reset()
    finally:
        fl.stop()
    return rows


def summary(n, workload, run, tool, execs, samples):
    med = lambda xs: statistics.median(xs) if xs else None  # noqa: E731
    rss = [s.rss_kib for s in samples if s.rss_kib is not None]
    return {
        "hosts": n,
        "workload": workload,
        "run": run,
        "tool": tool,
        "execs_per_host": execs,
        "wall_s": med([s.wall for s in samples]),
        "walls": [round(s.wall, 3) for s in samples],
        "rss_mib": max(rss) / 1024 if rss else None,
        "cpu_s": med([s.cpu for s in samples]),
        "machine_cpu_s": med([s.machine for s in samples]),
    }


def table(rows):
    """The Markdown result table, with each tool's wall time as a ratio to the floor's and
    the limit's of the same hosts, workload and run."""
    base = {(r["hosts"], r["workload"], r["run"], r["tool"]): r["wall_s"] for r in rows}
    head = (
        "| hosts | workload | run | tool | tasks/host | wall s | x floor | x limit "
        "| ctrl peak RSS MiB | ctrl CPU s | machine CPU s |"
    )
    lines = [head, "|" + "---|" * 11]
    fmt = lambda v, f: "-" if v is None else format(v, f)  # noqa: E731
    for r in rows:
        key = (r["hosts"], r["workload"], r["run"])
        fl, li = base.get(key + ("floor",)), base.get(key + ("limit",))
        lines.append(
            f"| {r['hosts']} | {r['workload']} | {'first' if r['run'] == 1 else 'second'} "
            f"| {r['tool']} | {r['execs_per_host']} | {r['wall_s']:.3f} "
            f"| {fmt(fl and r['wall_s'] / fl, '.2f')} | {fmt(li and r['wall_s'] / li, '.2f')} "
            f"| {fmt(r['rss_mib'], '.1f')} | {fmt(r['cpu_s'], '.2f')} "
            f"| {fmt(r['machine_cpu_s'], '.2f')} |"
        )
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rconf", required=True, help="the rconf binary to measure")
    p.add_argument("--limit", required=True, help="the russh_limit example binary")
    p.add_argument("--hosts", default="10,50", help="comma list of host counts")
    p.add_argument("--reps", type=int, default=3, help="repetitions (median is reported)")
    p.add_argument("--workloads", default="W1,W2,W3,W4")
    p.add_argument("--compare", action="store_true", help="also ansible-core and pyinfra")
    p.add_argument("--compare-reps", type=int, default=1, help="repetitions for those")
    p.add_argument("--compare-workloads", default="W1,W3,W4", help="workloads for those")
    p.add_argument("--venv", help="a venv whose bin/ has ansible-playbook and pyinfra")
    p.add_argument(
        "--replay",
        action="store_true",
        help="also replay rconf's recorded commands over russh (rconf without its runner)",
    )
    p.add_argument(
        "--only",
        help="measure only these tools (comma list of rconf, floor, limit, replay, ansible, "
        "pyinfra), e.g. `--compare --only rconf,pyinfra` for a quick ratio",
    )
    p.add_argument("--json", help="also write the rows as JSON to this file")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    args = p.parse_args()
    args.workloads = args.workloads.split(",")
    args.compare_workloads = args.compare_workloads.split(",")
    args.tools = ["rconf", "floor", "limit"] + (["replay"] if args.replay else [])
    if args.compare:
        path = os.path.join(args.venv, "bin") + ":" + os.environ["PATH"] if args.venv else None
        for tool, exe in [("ansible", "ansible-playbook"), ("pyinfra", "pyinfra")]:
            if shutil.which(exe, path=path):
                args.tools.append(tool)
            else:
                print(f"bench: `{exe}` not found: {tool} is left out", file=sys.stderr)
    if args.only:
        args.tools = [t for t in args.tools if t in args.only.split(",")]
    if os.geteuid() != 0:
        sys.exit("bench: sshd hosts log in as root: run the benchmark as root")

    # SIGTERM/SIGINT unwind through the `finally` that kills every sshd.
    def stop(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    workdir = tempfile.mkdtemp(prefix="rconf-bench-")
    # W4 logs in as an unprivileged user, whose sshd reads the shared authorized_keys and
    # whose recorder writes under the work directory.
    os.chmod(workdir, 0o711)
    unprivileged = any(w == "W4" for w in args.workloads)
    try:
        if unprivileged:
            users.acquire()
        rows = []
        for n in [int(x) for x in args.hosts.split(",")]:
            rows += bench_size(n, args, workdir)
    finally:
        if unprivileged:
            users.release()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    print(table(rows))


if __name__ == "__main__":
    main()
