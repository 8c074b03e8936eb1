//! `rconf inventory` prints what `ansible-inventory` and `ansible --list-hosts` print for the
//! same inventories (the expected files were recorded with ansible-core 2.19).

use std::path::Path;
use std::process::Command;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/inventories");

fn rconf(args: &[&str]) -> (String, String, Option<i32>) {
    let out = Command::new(env!("CARGO_BIN_EXE_rconf"))
        .arg("inventory")
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code(),
    )
}

fn expected(path: &str) -> String {
    std::fs::read_to_string(Path::new(DIR).join(path)).unwrap()
}

/// `ansible --list-hosts` indents hosts under a `hosts (N):` header.
fn ansible_hosts(text: &str) -> String {
    text.lines()
        .skip(1)
        .map(|l| format!("{}\n", l.trim()))
        .collect()
}

#[test]
fn list_and_graph_match_ansible_inventory() {
    for (inv, prefix) in [("ini/hosts", "ini"), ("yaml/hosts.yml", "yaml")] {
        let source = format!("{DIR}/{inv}");
        let (list, err, code) = rconf(&["-i", &source, "--list"]);
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(
            list,
            expected(&format!("{prefix}/expected-list.json")),
            "--list of {inv}"
        );
        let (graph, _, _) = rconf(&["-i", &source, "--graph"]);
        assert_eq!(
            graph,
            expected(&format!("{prefix}/expected-graph.txt")),
            "--graph of {inv}"
        );
    }
}

#[test]
fn list_hosts_selects_what_ansible_selects_in_its_order() {
    let cases = [
        (
            "ini/hosts",
            "edge:db:&prod:!db-b*:web[1:2]",
            "ini/expected-list-hosts.txt",
        ),
        (
            "yaml/hosts.yml",
            "monitoring:!app2*",
            "yaml/expected-list-hosts.txt",
        ),
    ];
    for (inv, pattern, want) in cases {
        let (hosts, err, code) = rconf(&["-i", &format!("{DIR}/{inv}"), "--list-hosts", pattern]);
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(hosts, ansible_hosts(&expected(want)), "{pattern} on {inv}");
    }
}

#[test]
fn limit_applies_and_no_match_warns() {
    let inv = format!("{DIR}/ini/hosts");
    let (hosts, _, _) = rconf(&["-i", &inv, "--list-hosts", "prod", "--limit", "web0*"]);
    assert_eq!(
        hosts,
        "web01.example.com\nweb02.example.com\nweb03.example.com\n"
    );
    let (hosts, err, code) = rconf(&["-i", &inv, "--list-hosts", "nothing*"]);
    assert_eq!((hosts.as_str(), code), ("", Some(0)));
    assert_eq!(err, "[WARNING]: no hosts matched pattern `nothing*`\n");
}

#[test]
fn host_vars_follow_group_depth_then_host() {
    let (vars, err, code) = rconf(&[
        "-i",
        &format!("{DIR}/ini/hosts"),
        "--host",
        "web01.example.com",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(vars, expected("ini/expected-host-web01.json"));
    let v: serde_json::Value = serde_json::from_str(&vars).unwrap();
    // host_vars/ file > inline host var > group_vars/web.yml > [prod:vars] > [all:vars]
    assert_eq!(v["http_port"], 9000);
    assert_eq!(v["env"], "production");
    assert_eq!(v["ansible_user"], "deploy");
    assert_eq!(v["timezone"], "UTC");
}

#[test]
fn a_malformed_line_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("hosts");
    std::fs::write(&bad, "[web]\nweb1 http_port\n").unwrap();
    let (out, err, code) = rconf(&["-i", bad.to_str().unwrap(), "--list"]);
    assert_eq!((out.as_str(), code), ("", Some(5)));
    assert!(
        err.starts_with(&format!("error: {}:2:", bad.display())),
        "{err}"
    );
    assert!(err.contains("http_port"), "{err}");
}
