//! `throttle` through the real binary: at most that many hosts run the task at once, whatever
//! `--forks` allows, on a task, a block or a play. Four hosts are this machine
//! (`ansible_connection=local`); each run of the task appends `start`/`end` lines to one log,
//! and the log's deepest overlap is the concurrency the task had.

use std::process::Command;

fn deepest_overlap(log: &str) -> usize {
    let (mut now, mut deepest) = (0usize, 0usize);
    for line in log.lines() {
        if line.starts_with("start") {
            now += 1;
            deepest = deepest.max(now);
        } else if line.starts_with("end") {
            now -= 1;
        }
    }
    deepest
}

fn run(dir: &std::path::Path, playbook: &str) -> String {
    std::fs::write(dir.join("site.yml"), playbook).unwrap();
    let _ = std::fs::remove_file(dir.join("log"));
    let out = Command::new(env!("CARGO_BIN_EXE_rconf"))
        .args(["run", "site.yml", "-i", "hosts.ini", "-f", "4"])
        .current_dir(dir)
        .env("HOME", dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(dir.join("log")).unwrap()
}

#[test]
fn throttle_caps_the_hosts_running_a_task_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let hosts: String = (1..=4)
        .map(|i| format!("h{i} ansible_connection=local\n"))
        .collect();
    std::fs::write(dir.path().join("hosts.ini"), hosts).unwrap();
    let log = dir.path().join("log");
    let task = format!(
        "shell: echo start >> {0} && sleep 0.4 && echo end >> {0}",
        log.display()
    );
    let play = |play_kw: &str, task_kw: &str| {
        format!("- hosts: all\n  gather_facts: false\n{play_kw}  tasks:\n    - {task}\n{task_kw}")
    };
    // Without a throttle, the four forks overlap: the log can show more than one at once.
    assert!(deepest_overlap(&run(dir.path(), &play("", ""))) > 1);
    for (play_kw, task_kw, cap) in [
        ("", "      throttle: 1\n", 1),
        ("", "      throttle: 2\n", 2),
        ("  throttle: 1\n", "", 1),
    ] {
        let log = run(dir.path(), &play(play_kw, task_kw));
        assert_eq!(log.lines().count(), 8, "{log}");
        let deepest = deepest_overlap(&log);
        assert!(
            deepest <= cap,
            "{play_kw}{task_kw}: {deepest} at once\n{log}"
        );
    }
    // In a block, the block's throttle holds for its tasks.
    let block = format!(
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - block:\n        - {task}\n      throttle: 1\n"
    );
    assert_eq!(deepest_overlap(&run(dir.path(), &block)), 1);
}

#[test]
fn a_throttle_that_is_no_number_is_a_load_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hosts.ini"),
        "h1 ansible_connection=local\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: all\n  tasks:\n    - ping:\n      throttle: many\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rconf"))
        .args(["run", "site.yml", "-i", "hosts.ini"])
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with(
            "error: site.yml:4:17: `throttle` must be a whole number (0: no limit), found `many`\n"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
