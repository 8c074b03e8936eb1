//! Loading real sources: files by format, directories, host lists, vars directories, scripts,
//! and the `ansible-inventory` views, checked against ansible-core 2.19's output.

use std::fs;
use std::path::Path;

use serde_json::json;

use super::Inventory;

const YAML_INV: &str = "\
all:
  vars:
    v: all
  hosts:
    solo:
      ansible_host: 10.0.0.9
  children:
    web:
      hosts:
        w[1:2]:
          enabled: yes
          mode: 0644
        w3:2200:
      vars:
        v: web
    empty:
    dbs:
      children:
        web:
";

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn load(sources: &[&Path]) -> Inventory {
    let s: Vec<String> = sources.iter().map(|p| p.display().to_string()).collect();
    Inventory::load(&s).unwrap()
}

fn yaml_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "inv.yml", YAML_INV);
    write(d.path(), "group_vars/web/main.yml", "fv: file\n");
    write(d.path(), "group_vars/all.yml", "v: fromfile\n");
    write(d.path(), "host_vars/w1.json", "{\"hv\": 1}");
    d
}

#[test]
fn yaml_inventory_with_vars_dirs_matches_ansible_list() {
    let d = yaml_dir();
    let inv = load(&[&d.path().join("inv.yml")]);
    let expected = json!({
        "_meta": {
            "hostvars": {
                "solo": {"ansible_host": "10.0.0.9", "v": "fromfile"},
                "w1": {"enabled": true, "fv": "file", "hv": 1, "mode": 420, "v": "fromfile"},
                "w2": {"enabled": true, "fv": "file", "mode": 420, "v": "fromfile"},
                "w3": {"ansible_port": 2200, "fv": "file", "v": "fromfile"}
            },
            "profile": "inventory_legacy"
        },
        "all": {"children": ["ungrouped", "web", "empty", "dbs"]},
        "dbs": {"children": ["web"]},
        "ungrouped": {"hosts": ["solo"]},
        "web": {"hosts": ["w1", "w2", "w3"]}
    });
    assert_eq!(inv.to_ansible_list_json(), expected);
    assert_eq!(inv.select("all").unwrap(), ["solo", "w1", "w2", "w3"]);
}

#[test]
fn graph_matches_ansible() {
    let d = yaml_dir();
    let inv = load(&[&d.path().join("inv.yml")]);
    let expected = "\
@all:
  |--@ungrouped:
  |  |--solo
  |--@web:
  |  |--w1
  |  |--w2
  |  |--w3
  |--@empty:
  |--@dbs:
  |  |--@web:
  |  |  |--w1
  |  |  |--w2
  |  |  |--w3
";
    assert_eq!(inv.graph("all"), expected);
    assert_eq!(inv.graph("dbs").lines().next(), Some("@dbs:"));
    assert!(inv.try_graph("nosuch").is_none());
}

#[test]
fn playbook_vars_dirs_override_inventory_ones() {
    let d = yaml_dir();
    let mut inv = load(&[&d.path().join("inv.yml")]);
    let pb = tempfile::tempdir().unwrap();
    write(pb.path(), "group_vars/web.yaml", "fv: playbook\n");
    write(pb.path(), "host_vars/solo", "extra: [1, 2]\n");
    inv.load_vars_dirs(pb.path()).unwrap();
    assert_eq!(inv.host_vars("w2")["fv"], json!("playbook"));
    assert_eq!(inv.host_vars("solo")["extra"], json!([1, 2]));
}

#[test]
fn directory_source_reads_every_inventory_file_and_skips_the_rest() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "01-hosts.ini", "[web]\nw1\n");
    write(d.path(), "02-more.yaml", "web:\n  hosts:\n    w2:\n");
    write(d.path(), "03-old.ini~", "[junk]\nj1\n");
    write(d.path(), "04.retry", "r1\n");
    write(d.path(), "group_vars/web.yml", "g: 1\n");
    let inv = load(&[d.path()]);
    assert_eq!(inv.select("all").unwrap(), ["w1", "w2"]);
    assert_eq!(inv.host_vars("w2")["g"], json!(1));
}

#[test]
fn host_lists_missing_sources_and_merging() {
    let inv = Inventory::load(&["h1,h2:2200,".into()]).unwrap();
    assert_eq!(inv.select("ungrouped").unwrap(), ["h1", "h2"]);
    assert_eq!(inv.host_vars("h2")["ansible_port"], json!(2200));
    let err = Inventory::load(&["/no/such/inventory".into()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("`/no/such/inventory` does not exist"), "{err}");
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.ini", "[g]\nh1 x=1\n");
    write(d.path(), "b.ini", "[g]\nh2\nh1 x=2\n");
    let inv = load(&[&d.path().join("a.ini"), &d.path().join("b.ini")]);
    assert_eq!(inv.groups["g"].hosts, ["h1", "h2"]);
    assert_eq!(inv.host_vars("h1")["x"], json!(2));
}

#[test]
fn bad_yaml_is_reported_with_its_place() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "bad.yml", "all:\n  hosts: [unclosed\n");
    let s = vec![d.path().join("bad.yml").display().to_string()];
    let err = Inventory::load(&s).unwrap_err().to_string();
    assert!(
        err.contains("bad.yml:") && err.contains("invalid YAML"),
        "{err}"
    );
    write(d.path(), "list.yml", "all:\n  hosts: [a, b]\n");
    let s = vec![d.path().join("list.yml").display().to_string()];
    let err = Inventory::load(&s).unwrap_err().to_string();
    assert!(
        err.contains("`hosts` of group `all` must be a mapping"),
        "{err}"
    );
}

fn script(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    fs::write(&p, format!("#!/bin/sh\n{body}")).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[test]
fn dynamic_scripts_with_and_without_meta() {
    let d = tempfile::tempdir().unwrap();
    let with_meta = script(
        d.path(),
        "meta.sh",
        r#"echo '{"web": {"hosts": ["a", "b"], "vars": {"g": 1}, "children": ["sub"]},
 "sub": ["c"], "_meta": {"hostvars": {"a": {"ansible_host": "10.0.0.1"}}}}'"#,
    );
    let inv = load(&[&with_meta]);
    assert_eq!(inv.select("web").unwrap(), ["a", "b", "c"]);
    assert_eq!(inv.host_vars("a")["ansible_host"], json!("10.0.0.1"));
    assert_eq!(inv.host_vars("c")["g"], json!(1));
    let per_host = script(
        d.path(),
        "host.sh",
        r#"if [ "$1" = --list ]; then echo '{"g": ["x"]}'; else echo "{\"name\": \"$2\"}"; fi"#,
    );
    let inv = load(&[&per_host]);
    assert_eq!(inv.host_vars("x")["name"], json!("x"));
}

#[test]
fn failing_or_garbled_scripts_are_clear_errors() {
    let d = tempfile::tempdir().unwrap();
    let fail = script(d.path(), "fail.sh", "echo boom >&2; exit 3\n");
    let err = Inventory::load(&[fail.display().to_string()])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("fail.sh --list` failed") && err.contains("boom"),
        "{err}"
    );
    let junk = script(d.path(), "junk.sh", "echo not json\n");
    let err = Inventory::load(&[junk.display().to_string()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("printed invalid JSON"), "{err}");
}
