//! `rconf exec` and `rconf sh` end to end: the real binary against real OpenSSH sshd hosts.

mod common;

use std::process::{Command, Output};

use common::Fleet;
use serde_json::Value;

fn text(out: &Output) -> String {
    format!(
        "--- status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `rconf SUBCOMMAND -i INVENTORY ARGS...` (the inventory before any `--`).
fn rconf(fleet: &Fleet, args: &[&str]) -> Output {
    let inventory = fleet.write_inventory();
    fleet
        .rconf()
        .arg(args[0])
        .arg("-i")
        .arg(&inventory)
        .args(&args[1..])
        .output()
        .unwrap()
}

#[test]
fn identical_outputs_are_grouped_and_different_ones_follow() {
    let fleet = Fleet::start(4);
    let out = rconf(
        &fleet,
        &[
            "sh",
            "all",
            "--",
            "echo {{ 'odd one' if inventory_hostname == 'h3' else 'same' }}",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        stdout(&out),
        "h[1-2,4] (3) | CHANGED | rc=0 >>\nsame\nh3 | CHANGED | rc=0 >>\nodd one\n",
        "{}",
        text(&out)
    );
}

#[test]
fn no_group_prints_every_host_and_exec_defaults_to_command() {
    let fleet = Fleet::start(2);
    let out = rconf(&fleet, &["exec", "all", "-a", "echo hi", "--no-group"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let s = stdout(&out);
    for host in ["h1", "h2"] {
        assert!(
            s.contains(&format!("{host} | CHANGED | rc=0 >>\nhi\n")),
            "{}",
            text(&out)
        );
    }
    assert_eq!(s.lines().count(), 4, "{}", text(&out));
}

#[test]
fn one_line_mode_and_a_failing_host_exit_2() {
    let fleet = Fleet::start(3);
    let out = rconf(
        &fleet,
        &[
            "sh",
            "all",
            "--one-line",
            "--",
            "printf 'a\\nb\\n'; test {{ inventory_hostname }} != h2",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    // Ansible's -o layout: a command's output after `(stdout)`; a failure's line, then the
    // result as compact JSON.
    let mut lines: Vec<String> = stdout(&out).lines().map(String::from).collect();
    lines.sort();
    assert_eq!(lines.len(), 4, "{}", text(&out));
    assert_eq!(lines[0], "h1 | CHANGED | rc=0 | (stdout) a\\nb");
    assert_eq!(lines[1], "h2 | FAILED | rc=1 | (stdout) a\\nb");
    assert!(
        lines[2].starts_with("h2 | FAILED! => {\"changed\": true,"),
        "{}",
        text(&out)
    );
    assert!(lines[2].contains(",\"rc\": 1,"), "{}", text(&out));
    assert_eq!(lines[3], "h3 | CHANGED | rc=0 | (stdout) a\\nb");
}

#[test]
fn an_unreachable_host_exits_4_and_is_listed_apart() {
    let mut fleet = Fleet::start(3);
    let inventory = fleet.write_inventory();
    fleet.kill(2);
    let out = fleet
        .rconf()
        .args(["exec", "all", "-m", "shell", "-a", "uname -s"])
        .arg("-i")
        .arg(&inventory)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let s = stdout(&out);
    assert!(
        s.starts_with("h[1-2] (2) | CHANGED | rc=0 >>\nLinux\n"),
        "{}",
        text(&out)
    );
    assert!(s.contains("h3 | UNREACHABLE! => {"), "{}", text(&out));
}

#[test]
fn json_lines_stream_every_event_for_scripts() {
    let fleet = Fleet::start(2);
    let out = rconf(
        &fleet,
        &["sh", "all", "--json", "--", "echo {{ inventory_hostname }}"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let events: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("`{l}`: {e}")))
        .collect();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "run_start",
            "play_start",
            "task_start",
            "connected",
            "host_result",
            "connected",
            "host_result",
            "recap"
        ]
    );
    assert_eq!(events[0]["schema"], "rconf.report/1");
    assert_eq!(events[0]["command"], "exec");
    for e in events.iter().filter(|e| e["event"] == "host_result") {
        let host = e["host"].as_str().unwrap();
        assert_eq!(e["status"], "changed");
        assert_eq!(e["result"]["stdout"], host);
        assert_eq!(e["result"]["rc"], 0);
    }
    for e in events.iter().filter(|e| e["event"] == "connected") {
        assert!(
            e["connect_seconds"].as_f64().is_some_and(|s| s > 0.0),
            "{e}"
        );
    }
    assert_eq!(events.last().unwrap()["stats"]["h1"]["changed"], 1);
}

#[test]
fn limit_check_mode_and_bad_usage() {
    let fleet = Fleet::start(3);
    let out = rconf(&fleet, &["sh", "all", "-l", "h2", "--", "echo x"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        stdout(&out),
        "h2 | CHANGED | rc=0 >>\nx\n",
        "{}",
        text(&out)
    );

    // Ansible skips command/shell in check mode: nothing runs.
    let out = rconf(
        &fleet,
        &["sh", "all", "--check", "--", "touch /nonexistent/x"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stdout(&out).starts_with("h[1-3] (3) | SKIPPED"),
        "{}",
        text(&out)
    );

    let out = rconf(&fleet, &["exec", "all", "-m", "nosuchmodule"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown module `nosuchmodule`"),
        "{}",
        text(&out)
    );
}

#[test]
fn run_streams_json_lines_with_output_jsonl() {
    let fleet = Fleet::start(1);
    let inventory = fleet.write_inventory();
    let playbook = fleet.dir.path().join("p.yml");
    std::fs::write(
        &playbook,
        "- name: Demo\n  hosts: all\n  gather_facts: false\n  tasks:\n    - name: Say\n      command: echo hi\n",
    )
    .unwrap();
    let out = fleet
        .rconf()
        .arg("run")
        .arg(&playbook)
        .arg("-i")
        .arg(&inventory)
        .args(["--output", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let events: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("`{l}`: {e}")))
        .collect();
    assert_eq!(events[0]["command"], "run");
    let result = events
        .iter()
        .find(|e| e["event"] == "host_result")
        .expect("no host_result");
    assert_eq!(result["play"], "Demo");
    assert_eq!(result["task"], "Say");
    assert_eq!(result["result"]["stdout"], "hi");
    assert_eq!(events.last().unwrap()["event"], "recap");
}

#[test]
fn more_hosts_than_the_soft_open_files_limit_all_connect() {
    // Every host keeps its connection for the whole run; a soft limit of 64 open files would
    // leave the last hosts unreachable ("Too many open files") unless rconf lifts it.
    let fleet = Fleet::start(70);
    let inventory = fleet.write_inventory();
    let probe = fleet.rconf();
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "ulimit -S -n 64 && exec \"$0\" \"$@\""])
        .arg(probe.get_program())
        .args(["sh", "all", "-i"])
        .arg(&inventory)
        .args(["--", "true"])
        .env("HOME", &fleet.home)
        .env_remove("SSH_AUTH_SOCK");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stdout(&out).starts_with("h[1-70] (70) | CHANGED | rc=0"),
        "{}",
        text(&out)
    );
}

#[test]
fn dash_c_local_runs_hosts_without_a_connection_type_on_this_machine() {
    let fleet = Fleet::start(1);
    let marker = fleet.dir.path().join("ran-locally");
    let out = fleet
        .rconf()
        .args([
            "sh",
            "all",
            "-i",
            "x1,x2,",
            "-c",
            "local",
            "--",
            "echo hi >>",
        ])
        .arg(&marker)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "hi\nhi\n");
    // With no ansible_host, tasks see the inventory name, as in Ansible.
    let out = fleet
        .rconf()
        .args(["exec", "all", "-i", "x1,", "-c", "local", "-m", "debug"])
        .args(["-a", "msg=[{{ ansible_host }}]", "--one-line"])
        .output()
        .unwrap();
    assert!(stdout(&out).contains("[x1]"), "{}", text(&out));
    // A variable naming the connection (here from -e) still wins over -c.
    let out = fleet
        .rconf()
        .args(["sh", "all", "-i", "x1,", "-c", "local"])
        .args(["-e", "ansible_connection=paramiko_typo", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stdout(&out).contains("connection type `paramiko_typo` is not supported"),
        "{}",
        text(&out)
    );
}

#[test]
fn ping_answers_pong_from_every_host() {
    let fleet = Fleet::start(2);
    let out = rconf(&fleet, &["exec", "all", "-m", "ping"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let s = stdout(&out);
    assert!(s.starts_with("h[1-2] (2) | SUCCESS => {"), "{}", text(&out));
    assert!(s.contains("\"ping\": \"pong\""), "{}", text(&out));
}
