//! `rconf run` end to end: the real binary against real OpenSSH sshd hosts.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{Fleet, recap, text};
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// The manifest of `root` in the format of `fixtures/acceptance/expected/manifest.txt`:
/// `PATH MODE TYPE`, symlinks as `PATH -> TARGET` relative to the host's directory.
fn manifest(root: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            let rel = path.strip_prefix(base).unwrap().display().to_string();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let mode = meta.permissions().mode() & 0o7777;
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                let host_dir = base.join(rel.split('/').next().unwrap());
                out.push(format!(
                    "{rel} -> {}",
                    target.strip_prefix(&host_dir).unwrap_or(&target).display()
                ));
            } else if meta.is_dir() {
                out.push(format!("{rel} {mode:o} dir"));
                walk(base, &path, out);
            } else {
                out.push(format!("{rel} {mode:o} file"));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

struct Project {
    fleet: Fleet,
    dir: PathBuf,
    inventory: PathBuf,
}

fn project(hosts: usize, fixture: &str) -> Project {
    let fleet = Fleet::start(hosts);
    let dir = fleet.dir.path().join("project");
    copy_tree(&Path::new(FIXTURES).join(fixture), &dir);
    let inventory = fleet.write_inventory();
    Project {
        fleet,
        dir,
        inventory,
    }
}

impl Project {
    fn run(&self, playbook: &str, extra: &[&str]) -> Output {
        let mut cmd = self.fleet.rconf();
        cmd.arg("run")
            .arg(self.dir.join(playbook))
            .arg("-i")
            .arg(&self.inventory)
            .args(extra);
        cmd.output().unwrap()
    }

    fn root(&self) -> PathBuf {
        self.fleet.dir.path().join("root")
    }
}

#[test]
fn acceptance_playbook_converges_and_matches_ansible() {
    let p = project(5, "acceptance");
    let root = p.root();
    let root_arg = format!("test_root={}", root.display());
    let report = p.fleet.dir.path().join("first.json");
    let first = p.run(
        "site.yml",
        &["-e", &root_arg, "--report", report.to_str().unwrap()],
    );
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let stats = recap(&first);
    assert_eq!(stats.len(), 5, "{}", text(&first));
    for (host, s) in &stats {
        // Every task but the `changed_when: false` command changes something on a fresh host.
        assert_eq!(
            (s["ok"], s["changed"], s["failed"], s["unreachable"]),
            (10, 9, 0, 0),
            "{host}: {}",
            text(&first)
        );
    }

    // The JSON report parses and its stats are the recap's.
    let doc: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(doc["schema"], "rconf.report/1");
    for (host, s) in &stats {
        for (k, v) in s {
            assert_eq!(
                doc["stats"][host][k].as_u64(),
                Some(*v),
                "report stats for {host}.{k}"
            );
        }
    }
    assert_eq!(doc["plays"][0]["tasks"].as_array().unwrap().len(), 10);
    // Connection setup is measured once per host (one connection for the whole run).
    for host in stats.keys() {
        let secs = doc["connect_seconds"][host].as_f64();
        assert!(
            secs.is_some_and(|s| s > 0.0 && s < 10.0),
            "connect_seconds of {host}: {:?}",
            secs
        );
    }

    // Files are byte-identical, with the same modes, to what ansible-playbook 2.19 left
    // (recorded by tests/fixtures/acceptance/make-expected.sh).
    let expected_dir = Path::new(FIXTURES).join("acceptance/expected");
    let expected = std::fs::read_to_string(expected_dir.join("manifest.txt")).unwrap();
    assert_eq!(
        manifest(&root).join("\n"),
        expected.trim_end(),
        "paths, modes and link targets"
    );
    for line in expected.lines().filter(|l| l.ends_with(" file")) {
        let path = line.split(' ').next().unwrap();
        let want = std::fs::read(expected_dir.join(path)).unwrap();
        let got = std::fs::read(root.join(path)).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want),
            "content of {path}"
        );
    }

    let second = p.run("site.yml", &["-e", &root_arg]);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    for (host, s) in recap(&second) {
        assert_eq!(
            (s["ok"], s["changed"]),
            (10, 0),
            "second run on {host}: {}",
            text(&second)
        );
    }
}

#[test]
fn an_unreachable_host_does_not_stop_the_others() {
    let mut p = project(3, "acceptance");
    p.fleet.kill(1);
    let root_arg = format!("test_root={}", p.root().display());
    let out = p.run("site.yml", &["-e", &root_arg, "--connect-timeout", "5"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let stats = recap(&out);
    assert_eq!(
        (stats["h2"]["unreachable"], stats["h2"]["ok"]),
        (1, 0),
        "{}",
        text(&out)
    );
    for h in ["h1", "h3"] {
        assert_eq!(
            (stats[h]["ok"], stats[h]["failed"], stats[h]["unreachable"]),
            (10, 0, 0),
            "{}",
            text(&out)
        );
    }
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("fatal: [h2]: UNREACHABLE!"),
        "{}",
        text(&out)
    );
    assert!(p.root().join("h3/etc/app.conf").exists());
    assert!(!p.root().join("h2").exists());
}

#[test]
fn a_typo_is_reported_with_its_place_before_any_host_is_contacted() {
    let p = project(1, "acceptance");
    let playbook = p.dir.join("typo.yml");
    std::fs::write(
        &playbook,
        "- hosts: all_hosts\n  tasks:\n    - name: copy it\n      copyy:\n        dest: /tmp/x\n    - file: {path: /tmp/y, stat: touch}\n",
    )
    .unwrap();
    // --strict: an argument the native module does not take is an error too, not a warning.
    let out = p.run("typo.yml", &["--strict"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let file = playbook.display();
    assert!(
        stderr.contains(&format!(
            "{file}:4:7: unknown module or task keyword `copyy`; did you mean `copy`?"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{file}:6:28: unsupported parameter `stat` for module `file`; did you mean `state`?"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("`stat`"), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", text(&out));
    assert!(
        !p.fleet.hosts[0].log_text().contains("Accepted"),
        "a host was contacted"
    );
}

#[test]
fn an_argument_problem_warns_at_load_and_fails_its_task_only_if_it_runs() {
    let p = project(1, "acceptance");
    std::fs::write(
        p.dir.join("args.yml"),
        "- hosts: all_hosts\n  gather_facts: no\n  tasks:\n    - copy: {dest: /tmp/rconf-never, content: x, mdoe: '0600'}\n      when: false\n    - copy: {dest: /tmp/rconf-never, content: x, mdoe: '0600'}\n    - command: echo after\n",
    )
    .unwrap();
    let out = p.run("args.yml", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let file = p.dir.join("args.yml");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in [4, 6] {
        assert!(
            stderr.contains(&format!("warning: {}:{line}:50: unsupported parameter `mdoe` for module `copy`; did you mean `mode`?", file.display())),
            "{}",
            text(&out)
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The failure says what Ansible's module would say; where the task is, its origin says.
    assert!(
        stdout.contains("\"msg\": \"unsupported parameter `mdoe` for module `copy`"),
        "{}",
        text(&out)
    );
    assert!(
        stdout.contains(&format!("Origin: {}:6:7", file.display())),
        "{}",
        text(&out)
    );
    assert!(!std::path::Path::new("/tmp/rconf-never").exists());
}

#[test]
fn an_undefined_variable_fails_the_task_and_names_the_variable() {
    let p = project(2, "acceptance");
    std::fs::write(
        p.dir.join("undefined.yml"),
        "- hosts: all_hosts\n  gather_facts: no\n  tasks:\n    - command: echo {{ not_defined_anywhere }}\n    - command: echo never\n",
    )
    .unwrap();
    let out = p.run("undefined.yml", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("fatal: [h1]: FAILED!"), "{stdout}");
    assert!(stdout.contains("not_defined_anywhere"), "{stdout}");
    assert!(stdout.contains("undefined"), "{stdout}");
    let stats = recap(&out);
    assert_eq!((stats["h1"]["failed"], stats["h1"]["ok"]), (1, 0));
}

#[test]
fn hostile_values_reach_the_host_byte_exact() {
    let p = project(1, "acceptance");
    let root = p.root();
    std::fs::create_dir_all(&root).unwrap();
    let nasty_name = "it's a \"file\" $(touch pwned) `touch pwned2` ; & * ~ \\ end";
    let content = "line 'one'\n$(rm -rf /tmp/nothing) `id` \"quoted\" \\backslash\n\ttab and trailing spaces   \nno final newline";
    let vars = serde_json::json!({"dir": root, "name": nasty_name, "body": content});
    let vars_file = p.dir.join("vars.json");
    std::fs::write(&vars_file, vars.to_string()).unwrap();
    std::fs::write(
        p.dir.join("hostile.yml"),
        "- hosts: all_hosts\n  gather_facts: no\n  tasks:\n    - copy:\n        content: \"{{ body }}\"\n        dest: \"{{ dir }}/{{ name }}\"\n    - command:\n        argv: [printf, '%s', \"{{ name }}\"]\n      register: echoed\n    - copy:\n        content: \"{{ echoed.stdout }}\"\n        dest: \"{{ dir }}/echoed\"\n",
    )
    .unwrap();
    let out = p.run("hostile.yml", &["-e", &format!("@{}", vars_file.display())]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(root.join(nasty_name)).unwrap(),
        content
    );
    assert_eq!(
        std::fs::read_to_string(root.join("echoed")).unwrap(),
        nasty_name
    );
    for bad in ["pwned", "pwned2"] {
        assert!(
            !p.dir.join(bad).exists()
                && !root.join(bad).exists()
                && !Path::new("/root").join(bad).exists()
        );
    }
}

#[test]
fn diffs_show_with_diff_mode_only() {
    let p = project(1, "acceptance");
    let root = p.root();
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("conf"), "a=1\nb=2\n").unwrap();
    std::fs::write(
        p.dir.join("diff.yml"),
        "- hosts: all_hosts\n  gather_facts: no\n  tasks:\n    - copy: {content: \"a=1\\nb=3\\n\", dest: \"{{ root }}/conf\"}\n    - file: {path: \"{{ root }}/d\", state: directory}\n",
    )
    .unwrap();
    let root_arg = format!("root={}", root.display());
    let plain = p.run("diff.yml", &["-e", &root_arg, "--check"]);
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain));
    assert!(
        !String::from_utf8_lossy(&plain.stdout).contains("+++"),
        "{}",
        text(&plain)
    );
    let diff = p.run("diff.yml", &["-e", &root_arg, "--check", "--diff"]);
    let out = String::from_utf8_lossy(&diff.stdout);
    let conf = root.join("conf").display().to_string();
    assert!(
        out.contains(&format!(
            "--- before: {conf}\n+++ after: dynamically generated\n"
        )),
        "{out}"
    );
    assert!(out.contains("-b=2\n+b=3\n"), "{out}");
    assert!(
        out.contains("-    \"state\": \"absent\"\n+    \"state\": \"directory\"\n"),
        "{out}"
    );
    // Check mode changed nothing.
    assert_eq!(
        std::fs::read_to_string(root.join("conf")).unwrap(),
        "a=1\nb=2\n"
    );
    assert!(!root.join("d").exists());
}
