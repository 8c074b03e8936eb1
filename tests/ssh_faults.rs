//! Hosts that die or hang mid-play, through the real binary: each becomes `unreachable` within
//! its bound, every other host finishes normally, and the run exits 4.

mod common;

use std::collections::BTreeMap;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::sshd::recap;
use common::{Fleet, text};

/// Task 2 sleeps, so a fault can be injected while it runs.
const PLAYBOOK: &str = "- hosts: all\n  gather_facts: false\n  tasks:\n\
    \x20   - command: 'true'\n\
    \x20   - command: sleep 4.5\n\
    \x20   - command: 'true'\n";

fn command(fleet: &Fleet, extra: &[&str]) -> Command {
    let playbook = fleet.dir.path().join("site.yml");
    std::fs::write(&playbook, PLAYBOOK).unwrap();
    let inventory = fleet.write_inventory();
    let mut cmd = fleet.rconf();
    cmd.arg("run")
        .arg(&playbook)
        .arg("-i")
        .arg(&inventory)
        .args(extra);
    cmd
}

/// Runs the playbook, calling `fault` once host `victim` runs the sleep; returns the output and
/// the time from the fault to the end of the run.
fn run_with_fault(
    fleet: &mut Fleet,
    victim: usize,
    extra: &[&str],
    fault: fn(&mut Fleet, usize),
) -> (Output, Duration) {
    let child = command(fleet, extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    fleet.wait_running(victim, "sleep 4.5");
    fault(fleet, victim);
    let faulted = Instant::now();
    let out = child.wait_with_output().unwrap();
    (out, faulted.elapsed())
}

fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// Every host ran the three tasks except `victim`, which ran the first and became unreachable.
fn assert_outcomes(out: &Output, hosts: usize, victim: usize) {
    let recap = recap(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(recap.len(), hosts, "{}", text(out));
    for i in 0..hosts {
        let got = &recap[&format!("h{}", i + 1)];
        let (ok, changed, unreachable) = if i == victim { (1, 1, 1) } else { (3, 3, 0) };
        for (k, v) in counts(&[
            ("ok", ok),
            ("changed", changed),
            ("unreachable", unreachable),
            ("failed", 0),
        ]) {
            assert_eq!(got.get(&k), Some(&v), "h{} {k}: {}", i + 1, text(out));
        }
    }
    assert_eq!(out.status.code(), Some(4), "{}", text(out));
}

#[test]
fn host_killed_mid_play_is_unreachable_and_the_others_finish() {
    let mut fleet = Fleet::start(3);
    let (out, after) = run_with_fault(&mut fleet, 1, &[], Fleet::kill);
    assert_outcomes(&out, 3, 1);
    assert!(
        text(&out).contains("connection") || text(&out).contains("closed"),
        "{}",
        text(&out)
    );
    // The others still had their sleep to finish; the dead host added nothing to it.
    assert!(after < Duration::from_secs(10), "took {after:?}");
}

#[test]
fn host_hung_mid_play_is_found_by_keepalives() {
    let mut fleet = Fleet::start(3);
    let (out, after) = run_with_fault(&mut fleet, 1, &["--keepalive", "1"], |f, i| {
        f.freeze(i);
    });
    fleet.resume(1);
    assert_outcomes(&out, 3, 1);
    assert!(
        text(&out).contains("stopped answering keepalives"),
        "{}",
        text(&out)
    );
    // Keepalive 1 s, three unanswered: about 4 s, plus the others' remaining work.
    assert!(after < Duration::from_secs(10), "took {after:?}");
}

#[test]
fn twenty_hosts_one_hung_ends_within_the_task_timeout() {
    let mut fleet = Fleet::start(20);
    let (out, after) = run_with_fault(&mut fleet, 6, &["--task-timeout", "6"], |f, i| {
        f.freeze(i);
    });
    fleet.resume(6);
    assert_outcomes(&out, 20, 6);
    assert!(
        text(&out).contains("did not answer a keepalive"),
        "{}",
        text(&out)
    );
    // Timeout 6 s (counted from before the fault) plus a 3 s ping, plus a margin.
    assert!(after < Duration::from_secs(12), "took {after:?}");
}

#[test]
fn timeout_keyword_fails_a_slow_task_on_a_healthy_host() {
    let fleet = Fleet::start(1);
    let playbook = fleet.dir.path().join("slow.yml");
    std::fs::write(
        &playbook,
        "- hosts: all\n  gather_facts: false\n  timeout: 30\n  tasks:\n\
         \x20   - command: sleep 20\n      timeout: 1\n",
    )
    .unwrap();
    let started = Instant::now();
    let out = fleet
        .rconf()
        .arg("run")
        .arg(&playbook)
        .arg("-i")
        .arg(fleet.write_inventory())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("timed out after 1s"), "{}", text(&out));
    assert!(started.elapsed() < Duration::from_secs(8), "{}", text(&out));
    let recap = recap(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(recap["h1"]["failed"], 1);
    assert_eq!(recap["h1"]["unreachable"], 0);
}

/// 0 is "no limit" for the `timeout` keyword (winning over --task-timeout) and for
/// --task-timeout itself, as in Ansible; -f 0 is refused with Ansible's words.
#[test]
fn a_zero_timeout_is_no_limit_and_zero_forks_is_refused() {
    let fleet = Fleet::start(1);
    let playbook = fleet.dir.path().join("zero.yml");
    std::fs::write(
        &playbook,
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: sleep 2\n      timeout: 0\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        fleet
            .rconf()
            .arg("run")
            .arg(&playbook)
            .arg("-i")
            .arg(fleet.write_inventory())
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&["--task-timeout", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    std::fs::write(
        &playbook,
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: sleep 1\n",
    )
    .unwrap();
    let out = run(&["--task-timeout", "0"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = run(&["-f", "0"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        text(&out).contains("The number of processes (--forks) must be >= 1"),
        "{}",
        text(&out)
    );
}

/// A delegate that accepts TCP connections and never speaks SSH: the hosts that delegate to it
/// in one step share one connect attempt (one accepted connection, not one per host waiting its
/// turn), and each is unreachable, with the delegate named, as ansible-core 2.19 reports it
/// (`ignore_errors` does not ignore it).
#[test]
fn a_dead_delegate_costs_the_step_one_attempt_and_its_hosts_are_unreachable() {
    let fleet = Fleet::start(4);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(conn);
        }
    });
    let inventory = fleet.dir.path().join("hosts.ini");
    std::fs::write(
        &inventory,
        format!(
            "{}[dead]\ndeadbox ansible_host=127.0.0.1 ansible_port={port} ansible_user=root\n",
            fleet.inventory_ini()
        ),
    )
    .unwrap();
    let task = "    - command: 'true'\n      delegate_to: deadbox\n      ignore_errors: true\n";
    std::fs::write(
        fleet.dir.path().join("site.yml"),
        format!("- hosts: all_hosts\n  gather_facts: false\n  tasks:\n{task}{task}"),
    )
    .unwrap();
    let out = fleet
        .rconf()
        .args(["run", "site.yml", "-i"])
        .arg(&inventory)
        .args(["-T", "2", "-f", "4"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    for h in &fleet.hosts {
        let counts = &recap(&stdout)[&h.name];
        assert_eq!(
            (counts["unreachable"], counts["ignored"], counts["ok"]),
            (1, 0, 0),
            "{}",
            text(&out)
        );
    }
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.starts_with("fatal: [") && l.contains("UNREACHABLE! =>"))
            .filter(|l| l.contains("delegate_to `deadbox`"))
            .count(),
        4,
        "every host is unreachable through the delegate, and stops: {stdout}"
    );
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "one attempt for the step: {stdout}"
    );
}
