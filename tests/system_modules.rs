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
    host.stdout(&format!(
        "dpkg-query -W -f '${{db:Status-Abbrev}}${{Version}}' {name} 2>/dev/null"
    ))
}

#[path = "system_modules/accounts.rs"]
mod accounts;
#[path = "system_modules/packages.rs"]
mod packages;
#[path = "system_modules/services.rs"]
mod services;
