//! System-changing modules (package, apt, service, user, group, authorized_key, hostname)
//! run through the real `rconf` binary against isolated hosts: real apt-get, init scripts and
//! useradd inside a copy-on-write root. Skipped (loudly) unless root.

mod common;

use std::path::Path;
use std::process::Output;

use common::{IsolatedHost, build_deb, local_repo};
use serde_json::Value;

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `tasks` (YAML list items, indented by 4) as one play on `host` and returns each task's
/// result for it, from the JSON report.
fn play(host: &IsolatedHost, tasks: &str, extra: &[&str]) -> Vec<Value> {
    let dir = host.dir.path();
    std::fs::write(
        dir.join("play.yml"),
        format!("- hosts: isolated\n  gather_facts: false\n  tasks:\n{tasks}"),
    )
    .unwrap();
    let inventory = host.write_inventory("iso");
    let report = dir.join("report.json");
    let _ = std::fs::remove_file(&report);
    let out = host
        .rconf()
        .arg("run")
        .arg(dir.join("play.yml"))
        .arg("-i")
        .arg(&inventory)
        .arg("--report")
        .arg(&report)
        .args(extra)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(&report).unwrap_or_else(|_| panic!("no report:\n{}", text(&out))),
    )
    .unwrap();
    doc["plays"][0]["tasks"]
        .as_array()
        .unwrap_or_else(|| panic!("no tasks in the report:\n{}", text(&out)))
        .iter()
        .map(|t| t["hosts"]["iso"].clone())
        .collect()
}

/// One task's result, insisting that it did not fail.
fn ok(results: &[Value], i: usize) -> &Value {
    let r = &results[i];
    assert_ne!(r["failed"], true, "task {i} failed: {r:#}");
    assert!(r.is_object(), "task {i} has no result: {results:#?}");
    r
}

fn changed(results: &[Value], i: usize) -> bool {
    ok(results, i)["changed"] == true
}

/// `sh -c script` inside the isolated host: stdout, trimmed.
fn inside(host: &IsolatedHost, script: &str) -> String {
    let out = host.exec(script);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn has(tool: &str) -> bool {
    let found = ["/usr/bin", "/usr/sbin", "/bin", "/sbin"]
        .iter()
        .any(|d| Path::new(d).join(tool).exists());
    if !found {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "!!!!!!!! SKIPPED: no `{tool}` on this machine: its module tests did NOT run"
        );
    }
    found
}

/// Points the isolated host's apt at `repo` only, so that no apt call reaches the network.
fn only_local_repo(host: &IsolatedHost, repo_line: &str) {
    let out = host.exec(&format!(
        "rm -f /etc/apt/sources.list.d/* && echo '{repo_line}' > /etc/apt/sources.list"
    ));
    assert!(out.status.success(), "{}", text(&out));
}

fn dpkg_version(host: &IsolatedHost, name: &str) -> String {
    inside(
        host,
        &format!("dpkg-query -W -f '${{db:Status-Abbrev}}${{Version}}' {name} 2>/dev/null"),
    )
}

#[path = "system_modules/accounts.rs"]
mod accounts;
#[path = "system_modules/packages.rs"]
mod packages;
#[path = "system_modules/services.rs"]
mod services;
