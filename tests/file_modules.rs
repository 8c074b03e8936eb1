//! File and host modules (replace, find, script, cron, unarchive, git, hostname) through the
//! real `rconf` binary over SSH: a first run changes, a second changes nothing, check mode
//! predicts. hostname runs only inside an isolated host whose `hostname` binary is a fake.

mod common;

use std::path::Path;
use std::process::Output;

use common::{Fleet, IsolatedHost};
use serde_json::Value;

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `play.yml` in `dir` with `extra` arguments and returns each task's result for `host`.
fn run(
    cmd: std::process::Command,
    dir: &Path,
    inventory: &Path,
    host: &str,
    extra: &[&str],
) -> Vec<Value> {
    let report = dir.join("report.json");
    let _ = std::fs::remove_file(&report);
    let mut cmd = cmd;
    let out = cmd
        .arg("run")
        .arg(dir.join("play.yml"))
        .arg("-i")
        .arg(inventory)
        .arg("--report")
        .arg(&report)
        .args(extra)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(&report).unwrap_or_else(|_| panic!("no report:\n{}", text(&out))),
    )
    .unwrap();
    let results: Vec<Value> = doc["plays"][0]["tasks"]
        .as_array()
        .unwrap_or_else(|| panic!("no tasks:\n{}", text(&out)))
        .iter()
        .map(|t| t["hosts"][host].clone())
        .collect();
    for (i, r) in results.iter().enumerate() {
        assert_ne!(r["failed"], true, "task {i} failed: {r:#}\n{}", text(&out));
    }
    results
}

fn changed(results: &[Value]) -> Vec<bool> {
    results.iter().map(|r| r["changed"] == true).collect()
}

#[test]
fn file_modules_change_once_and_predict_in_check_mode() {
    let fleet = Fleet::start(1);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = d.join("target");
    std::fs::create_dir_all(t.join("tree/sub")).unwrap();
    std::fs::create_dir_all(t.join("out")).unwrap();
    std::fs::write(t.join("app.conf"), "port=80\nhost=old\n").unwrap();
    std::fs::write(t.join("tree/a.log"), "x").unwrap();
    std::fs::write(t.join("tree/sub/b.log"), "y").unwrap();
    std::fs::create_dir_all(d.join("files/pkg")).unwrap();
    std::fs::write(d.join("files/pkg/readme 'x'.txt"), "hello\n").unwrap();
    std::fs::write(
        d.join("files/mark.sh"),
        "#!/bin/sh\nset -e\n[ -e \"$1\" ] || echo made > \"$1\"\necho \"args:$*\"\n",
    )
    .unwrap();
    let st = std::process::Command::new("tar")
        .args(["-czf", "../pkg.tgz", "."])
        .current_dir(d.join("files/pkg"))
        .status()
        .unwrap();
    assert!(st.success());
    let t = t.to_str().unwrap();
    let play = format!(
        r#"- hosts: all_hosts
  gather_facts: false
  tasks:
    - replace:
        path: {t}/app.conf
        regexp: '^host=(\w+)$'
        replace: 'host=new-\1'
    - find:
        paths: {t}/tree
        patterns: '*.log'
        recurse: true
      register: logs
    - assert:
        that: logs.matched == 2
    - script: mark.sh {t}/marker 'two words'
      args:
        creates: {t}/marker
    - cron:
        name: tick
        minute: '*/5'
        job: /bin/true
        cron_file: {t}/cron.d-tick
        user: root
    - unarchive:
        src: pkg.tgz
        dest: {t}/out
    - copy:
        src: pkg/
        dest: {t}/tree-copy
    - copy:
        src: {t}/tree/
        dest: {t}/tree-mirror
        remote_src: true
"#
    );
    std::fs::write(d.join("play.yml"), play).unwrap();
    let inv = fleet.write_inventory();
    let check = run(fleet.rconf(), d, &inv, "h1", &["--check"]);
    assert_eq!(
        std::fs::read_to_string(format!("{t}/app.conf")).unwrap(),
        "port=80\nhost=old\n",
        "check mode changed a file"
    );
    assert!(!Path::new(&format!("{t}/cron.d-tick")).exists());
    assert!(!Path::new(&format!("{t}/tree-copy")).exists());
    assert!(!Path::new(&format!("{t}/tree-mirror")).exists());
    assert!(
        check[3]["skipped"] == true,
        "script is skipped in check mode: {:#}",
        check[3]
    );
    let first = run(fleet.rconf(), d, &inv, "h1", &[]);
    assert_eq!(
        changed(&first),
        vec![true, false, false, true, true, true, true, true],
        "{first:#?}"
    );
    assert_eq!(changed(&check)[..3], changed(&first)[..3]);
    assert_eq!(changed(&check)[4..], changed(&first)[4..]);
    assert_eq!(
        std::fs::read_to_string(format!("{t}/app.conf")).unwrap(),
        "port=80\nhost=new-old\n"
    );
    assert_eq!(first[3]["stdout"], format!("args:{t}/marker two words\n"));
    assert_eq!(
        std::fs::read_to_string(format!("{t}/cron.d-tick")).unwrap(),
        "#Ansible: tick\n*/5 * * * * root /bin/true\n"
    );
    assert_eq!(
        std::fs::read_to_string(format!("{t}/out/readme 'x'.txt")).unwrap(),
        "hello\n"
    );
    assert_eq!(
        std::fs::read_to_string(format!("{t}/tree-copy/readme 'x'.txt")).unwrap(),
        "hello\n"
    );
    let second = run(fleet.rconf(), d, &inv, "h1", &[]);
    assert_eq!(
        std::fs::read_to_string(format!("{t}/tree-mirror/sub/b.log")).unwrap(),
        "y"
    );
    assert_eq!(changed(&second), vec![false; 8], "{second:#?}");
}

#[test]
fn hostname_renames_only_an_isolated_host_with_a_fake_binary() {
    let Some(host) = IsolatedHost::start() else {
        return;
    };
    let found = String::from_utf8_lossy(&host.exec("command -v hostname").stdout)
        .trim()
        .to_string();
    assert!(found.starts_with('/'), "no hostname binary inside: {found}");
    // The fake writes the new name to a file; the machine's own name is never touched.
    let fake = "#!/bin/sh\nif [ $# -eq 0 ]; then cat /run/fake-hostname 2>/dev/null || echo before; \
                else echo \"$1\" > /run/fake-hostname; fi\n";
    let out = host.exec(&format!(
        "cat > '{found}' <<'EOF'\n{fake}EOF\nchmod 755 '{found}' && rm -f /usr/bin/hostnamectl /bin/hostnamectl"
    ));
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&host.exec("hostname").stdout).trim(),
        "before",
        "the fake hostname is not the one found on PATH"
    );
    let machine = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let dir = host.dir.path();
    std::fs::write(
        dir.join("play.yml"),
        "- hosts: isolated\n  gather_facts: false\n  tasks:\n    - hostname:\n        name: web1.example.org\n",
    )
    .unwrap();
    let inv = host.write_inventory("iso");
    let check = run(host.rconf(), dir, &inv, "iso", &["--check"]);
    assert_eq!(changed(&check), vec![true]);
    assert_eq!(
        String::from_utf8_lossy(&host.exec("hostname").stdout).trim(),
        "before"
    );
    let first = run(host.rconf(), dir, &inv, "iso", &[]);
    assert_eq!(changed(&first), vec![true]);
    assert_eq!(
        first[0]["ansible_facts"]["ansible_hostname"], "web1",
        "{:#}",
        first[0]
    );
    assert_eq!(
        String::from_utf8_lossy(&host.exec("cat /etc/hostname /run/fake-hostname").stdout),
        "web1.example.org\nweb1.example.org\n"
    );
    let second = run(host.rconf(), dir, &inv, "iso", &[]);
    assert_eq!(changed(&second), vec![false]);
    assert_eq!(
        std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap(),
        machine,
        "the machine's own name changed"
    );
}
