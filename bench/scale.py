#!/usr/bin/env python3
"""rconf's scale simulation: one fleet of N OpenSSH hosts on loopback, and rconf run against
growing subsets of it (W1 first and second run, W3), reporting wall time, the controller's peak
resident set, CPU, open file descriptors and threads, so that the cost of growth is known.
See bench/README.md.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
import fleet as fleetmod  # noqa: E402
import workloads  # noqa: E402


def peak_of(pid, stop, peak):
    """Samples the open descriptors and threads of `pid`'s rconf descendant until `stop`."""
    while not stop.is_set():
        for p in [pid] + fleetmod.descendants(pid):
            try:
                with open(f"/proc/{p}/comm") as f:
                    if f.read().strip() != "rconf":
                        continue
                fds = len(os.listdir(f"/proc/{p}/fd"))
                with open(f"/proc/{p}/status") as f:
                    threads = next(int(x.split()[1]) for x in f if x.startswith("Threads:"))
            except (OSError, StopIteration):
                continue
            peak["fds"] = max(peak.get("fds", 0), fds)
            peak["threads"] = max(peak.get("threads", 0), threads)
        stop.wait(0.02)


def measure(argv, env, cwd):
    """bench.measure, plus the peak descriptors and threads of the rconf process."""
    stop, peak = threading.Event(), {}
    sampler = threading.Thread(target=peak_of, args=(os.getpid(), stop, peak), daemon=True)
    sampler.start()
    try:
        s = bench.measure(argv, env, cwd)
    finally:
        stop.set()
        sampler.join()
    s.fds, s.threads = peak.get("fds", 0), peak.get("threads", 0)
    return s


def recap_hosts(text):
    """Hosts in the PLAY RECAP, and how many of them have unreachable=0 failed=0."""
    lines = text.split("PLAY RECAP", 1)[-1].splitlines()
    hosts = [ln for ln in lines if "unreachable=" in ln]
    clean = [ln for ln in hosts if " unreachable=0 " in ln and " failed=0 " in ln]
    return len(hosts), len(clean)


def one(n, forks, w, run, fl, args, env):
    timeout = ["-T", str(args.connect_timeout)] if args.connect_timeout else []
    argv = [args.rconf] + w.rconf + ["-l", f"all_hosts[0:{n - 1}]", "-f", str(forks)] + timeout
    if w.name == "W3":
        # Ad hoc: the pattern is the limit.
        argv = [args.rconf, "sh", f"all_hosts[0:{n - 1}]", "-i", fl.inventory,
                "-f", str(forks)] + timeout + ["--", "true"]
    s = measure(argv, env, os.path.join(fl.dir, "project"))
    if s.rc != 0:
        why = [ln for ln in s.out.splitlines() if "UNREACHABLE" in ln or '"msg"' in ln]
        raise RuntimeError(
            f"rconf {w.name} n={n} -f {forks} exited {s.rc}:\n" + "\n".join(why[:40])
            + f"\n...\n{s.out[-2000:]}"
        )
    if w.name == "W3":
        grouped = f"({n}) | CHANGED | rc=0"
        if grouped not in s.out:
            raise RuntimeError(f"rconf W3 n={n}: not every host answered:\n{s.out[-3000:]}")
    else:
        hosts, clean = recap_hosts(s.out)
        if hosts != n or clean != n:
            raise RuntimeError(f"rconf {w.name} n={n}: {clean}/{hosts} hosts clean:\n{s.out[-3000:]}")
        if run == 2 and bench.recap_changed(s.out) != 0:
            raise RuntimeError(f"rconf {w.name} n={n}: the second run changed something")
    row = {
        "hosts": n, "forks": forks, "workload": w.name, "run": run, "wall_s": s.wall,
        "rss_mib": s.rss_kib / 1024, "cpu_s": s.cpu, "machine_cpu_s": s.machine,
        "peak_fds": s.fds, "peak_threads": s.threads,
    }
    print(json.dumps(row), file=sys.stderr, flush=True)
    return row


def table(rows):
    out = [
        "| hosts | forks | workload | run | wall s | ctrl peak RSS MiB | ctrl CPU s "
        "| machine CPU s | peak fds | peak threads |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        run = {1: "first", 2: "second"}.get(r["run"], "-")
        out.append(
            f"| {r['hosts']} | {r['forks']} | {r['workload']} | {run} | {r['wall_s']:.2f} "
            f"| {r['rss_mib']:.1f} | {r['cpu_s']:.2f} | {r['machine_cpu_s']:.1f} "
            f"| {r['peak_fds']} | {r['peak_threads']} |"
        )
    # Growth per host between the smallest and the largest size, W1 second run.
    w1 = {(r["hosts"], r["forks"]): r for r in rows if r["workload"] == "W1" and r["run"] == 2}
    for forks in sorted({f for _, f in w1}):
        sizes = sorted(n for n, f in w1 if f == forks)
        if len(sizes) > 1:
            a, b = w1[(sizes[0], forks)], w1[(sizes[-1], forks)]
            dn = b["hosts"] - a["hosts"]
            out.append(
                f"\nW1 second run, forks {forks}, {a['hosts']} -> {b['hosts']} hosts: "
                f"{(b['rss_mib'] - a['rss_mib']) * 1024 / dn:.0f} KiB of peak RSS, "
                f"{(b['peak_fds'] - a['peak_fds']) / dn:.2f} descriptors and "
                f"{(b['wall_s'] - a['wall_s']) * 1000 / dn:.1f} ms of wall time per added host."
            )
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rconf", required=True, help="the rconf binary to measure")
    p.add_argument("--hosts", default="100,1000", help="comma list of sizes; the largest is started")
    p.add_argument("--forks", default="50,1000", help="comma list of -f values (50 is the default)")
    p.add_argument(
        "--connect-timeout", type=int,
        help="rconf's -T (default 10 s): the hosts share this machine's cores, so with -f 1000 "
        "their key exchanges queue for longer than that",
    )
    p.add_argument("--json", help="also write the rows as JSON to this file")
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("scale: sshd hosts log in as root: run it as root")

    def stop(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sizes = sorted(int(x) for x in args.hosts.split(","))
    workdir = tempfile.mkdtemp(prefix="rconf-scale-")
    rows = []
    fl = fleetmod.Fleet(os.path.join(workdir, "fleet"), sizes[-1])
    try:
        ws = {w.name: w for w in workloads.prepare(fl.dir, fl)}
        t0 = time.monotonic()
        fl.start(workers=16)
        print(f"scale: {sizes[-1]} sshd hosts up in {time.monotonic() - t0:.1f} s",
              file=sys.stderr, flush=True)
        env = bench.tool_env(fl, argparse.Namespace(venv=None))
        for forks in sorted({int(x) for x in args.forks.split(",")}):
            for n in sizes:
                ws["W1"].reset()
                rows.append(one(n, forks, ws["W1"], 1, fl, args, env))
                rows.append(one(n, forks, ws["W1"], 2, fl, args, env))
                rows.append(one(n, forks, ws["W3"], 0, fl, args, env))
        ws["W1"].reset()
    finally:
        fl.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    print(table(rows))


if __name__ == "__main__":
    main()
