//! The benchmark harness (bench/) in its quick form, so it cannot rot: 3 sshd hosts, one
//! repetition, every workload and baseline, timings not asserted, only a well-formed table.

use std::path::{Path, PathBuf};
use std::process::Command;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// The russh_limit example next to the test's rconf binary, built when `cargo test` has not.
fn limit_binary() -> PathBuf {
    let rconf = Path::new(env!("CARGO_BIN_EXE_rconf"));
    let limit = rconf.with_file_name("examples").join("russh_limit");
    if !limit.exists() {
        let profile_dir = rconf.parent().unwrap();
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["build", "--example", "russh_limit"])
            .current_dir(REPO)
            .env("CARGO_TARGET_DIR", profile_dir.parent().unwrap());
        if profile_dir.file_name().is_some_and(|p| p == "release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("cannot run cargo");
        assert!(status.success(), "cannot build the russh_limit example");
    }
    limit
}

#[test]
fn quick_benchmark_prints_a_table_for_every_workload_and_tool() {
    let json = tempfile::NamedTempFile::new().unwrap();
    let out = Command::new("python3")
        .arg(Path::new(REPO).join("bench/bench.py"))
        .args([
            "--hosts",
            "3",
            "--reps",
            "1",
            "--rconf",
            env!("CARGO_BIN_EXE_rconf"),
        ])
        .arg("--limit")
        .arg(limit_binary())
        .arg("--json")
        .arg(json.path())
        .output()
        .expect("cannot run python3 bench/bench.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench failed:\n{stdout}\n{stderr}");

    let lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with('|')).collect();
    assert!(
        lines[0].contains("| wall s |"),
        "no table header:\n{stdout}"
    );
    let rows: Vec<Vec<&str>> = lines[2..]
        .iter()
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    // 4 workloads x 2 runs x (rconf, floor, limit).
    assert_eq!(rows.len(), 24, "rows:\n{stdout}");
    for row in &rows {
        assert_eq!(row.len(), 11, "row {row:?}");
        assert_eq!(row[0], "3", "host count in {row:?}");
        let wall: f64 = row[5].parse().unwrap_or_else(|_| panic!("wall in {row:?}"));
        assert!(wall > 0.0, "wall time in {row:?}");
        let execs: u32 = row[4].parse().unwrap();
        assert!(
            execs >= 1,
            "every workload runs something remotely: {row:?}"
        );
        if row[3] == "rconf" {
            let rss: f64 = row[8].parse().unwrap_or_else(|_| panic!("rss in {row:?}"));
            assert!(rss > 1.0, "controller RSS in {row:?}");
        }
    }
    for w in ["W1", "W2", "W3", "W4"] {
        for tool in ["rconf", "floor", "limit"] {
            assert!(
                rows.iter()
                    .any(|r| r[1] == w && r[3] == tool && r[2] == "second"),
                "no second-run row for {w} {tool}:\n{stdout}"
            );
        }
    }
    // The acceptance playbook makes one remote call per task (10 tasks).
    let w1: Vec<&Vec<&str>> = rows.iter().filter(|r| r[1] == "W1").collect();
    assert!(w1.iter().all(|r| r[4] == "10"), "W1 execs per host: {w1:?}");
    // W4 is W1 as an unprivileged user under become, facts gathered first: one task more.
    let w4: Vec<&Vec<&str>> = rows.iter().filter(|r| r[1] == "W4").collect();
    assert!(w4.iter().all(|r| r[4] == "11"), "W4 execs per host: {w4:?}");
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(json.path()).unwrap()).unwrap();
    assert_eq!(doc.as_array().map(Vec::len), Some(24), "JSON rows");
}

#[test]
fn quick_scale_simulation_reports_every_size_and_the_growth_per_host() {
    let out = Command::new("python3")
        .arg(Path::new(REPO).join("bench/scale.py"))
        .args(["--hosts", "2,4", "--forks", "2", "--rconf"])
        .arg(env!("CARGO_BIN_EXE_rconf"))
        .output()
        .expect("cannot run python3 bench/scale.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "scale failed:\n{stdout}\n{stderr}");
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| hosts"))
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    // 2 sizes x (W1 first, W1 second, W3).
    assert_eq!(rows.len(), 6, "rows:\n{stdout}");
    for row in &rows {
        let hosts: usize = row[0].parse().unwrap();
        let fds: usize = row[8].parse().unwrap_or_else(|_| panic!("fds in {row:?}"));
        // One connection per host at least, plus the process's own descriptors.
        assert!(fds > hosts, "peak descriptors in {row:?}");
    }
    assert!(
        stdout.contains("W1 second run, forks 2, 2 -> 4 hosts:"),
        "no growth line:\n{stdout}"
    );
}
