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

/// YAML as data: PyYAML writes a value several hosts share once, with an anchor and aliases.
fn yaml_data(text: &str) -> serde_json::Value {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{e}:\n{text}"))
}

#[test]
fn yaml_and_toml_lists_match_ansible_inventory() {
    let ini = format!("{DIR}/ini/hosts");
    let yaml = format!("{DIR}/yaml/hosts.yml");
    let (list, err, code) = rconf(&["-i", &ini, "--list", "-y"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        yaml_data(&list),
        yaml_data(&expected("ini/expected-list.yml"))
    );
    // Where nothing is shared, the text is PyYAML's.
    let (list, _, _) = rconf(&[
        "-i", &yaml, "--yaml", "--list", "-l", "app*", "-e", "extra=1",
    ]);
    assert_eq!(list, expected("yaml/expected-list-limit-extra.yml"));
    let (list, err, code) = rconf(&["-i", &yaml, "--list", "--toml"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(list, expected("yaml/expected-list.toml"));
}

#[test]
fn export_keeps_group_vars_with_their_group() {
    let ini = format!("{DIR}/ini/hosts");
    let (list, err, code) = rconf(&["-i", &ini, "--list", "--export"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(list, expected("ini/expected-export.json"));
    let (list, _, _) = rconf(&["-i", &ini, "--list", "--export", "--toml"]);
    assert_eq!(list, expected("ini/expected-export.toml"));
}

#[test]
fn graph_vars_shows_host_and_group_variables() {
    let ini = format!("{DIR}/ini/hosts");
    // The group as ansible-inventory's positional argument, and -l ignored as there.
    let (graph, err, code) = rconf(&["-i", &ini, "--graph", "--vars", "prod", "-l", "db*"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(graph, expected("ini/expected-graph-vars.txt"));
}

#[test]
fn list_with_a_limit_and_extra_vars_and_output_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("hosts");
    std::fs::write(
        &inv,
        "solo x=1\n[web]\nw1 a=1\nw2\n[db]\nd1\n[prod:children]\nweb\ndb\n[prod:vars]\nenv=prod\n",
    )
    .unwrap();
    let inv = inv.to_str().unwrap();
    // What ansible-inventory 2.19 prints: the limit keeps w1 alone, every group still lists
    // its children, and -e is among the host's variables.
    let want = "{\n    \"_meta\": {\n        \"hostvars\": {\n            \"w1\": {\n                \"a\": 1,\n                \"env\": \"prod\",\n                \"z\": \"9\"\n            }\n        },\n        \"profile\": \"inventory_legacy\"\n    },\n    \"all\": {\n        \"children\": [\n            \"ungrouped\",\n            \"prod\"\n        ]\n    },\n    \"prod\": {\n        \"children\": [\n            \"web\",\n            \"db\"\n        ]\n    },\n    \"web\": {\n        \"hosts\": [\n            \"w1\"\n        ]\n    }\n}\n";
    let (list, err, code) = rconf(&["-i", inv, "--list", "-l", "w2", "-l", "w1", "-e", "z=9"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(list, want);
    // -v first says which config file is used, as ansible-inventory -v does.
    let (list, _, _) = rconf(&["-i", inv, "--list", "-l", "w1", "-e", "z=9", "-v"]);
    let (first, rest) = list.split_once('\n').unwrap();
    assert!(
        first == "No config file found; using defaults"
            || first.starts_with("Using ") && first.ends_with(" as config file"),
        "{first}"
    );
    assert_eq!(rest, want);
    let file = dir.path().join("out.json");
    let (shown, err, code) = rconf(&[
        "-i",
        inv,
        "--list",
        "-l",
        "w1",
        "-e",
        "z=9",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!((shown.as_str(), code), ("", Some(0)), "{err}");
    // As ansible-inventory writes the file: without the screen's last newline.
    assert_eq!(std::fs::read_to_string(&file).unwrap(), want.trim_end());
    let (host, _, _) = rconf(&["-i", inv, "--host", "w1", "-e", "z=9"]);
    assert_eq!(
        host,
        "{\n    \"a\": 1,\n    \"env\": \"prod\",\n    \"z\": \"9\"\n}\n"
    );
}

#[test]
fn playbook_dir_adds_the_vars_beside_a_playbook() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hosts"), "[web]\nw1\n").unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir_all(project.join("group_vars")).unwrap();
    std::fs::write(project.join("group_vars/web.yml"), "role: frontend\n").unwrap();
    let inv = dir.path().join("hosts");
    let (vars, err, code) = rconf(&[
        "-i",
        inv.to_str().unwrap(),
        "--host",
        "w1",
        "--playbook-dir",
        project.to_str().unwrap(),
        "--flush-cache",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(vars, "{\n    \"role\": \"frontend\"\n}\n");
}
