//! `rconf check` end to end against real sshd hosts: drift found and reported (text, JSON,
//! JUnit) without touching any host, fixed by `rconf run`, the run lock per host, history per
//! project, and shards.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{Fleet, text};
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

/// Every path under `root` with its content (files), link target (symlinks), mode and mtime.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, u32, i64, i64)> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, (Vec<u8>, u32, i64, i64)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let content = if meta.file_type().is_symlink() {
                std::fs::read_link(&path)
                    .unwrap()
                    .into_os_string()
                    .into_encoded_bytes()
            } else if meta.is_file() {
                std::fs::read(&path).unwrap()
            } else {
                Vec::new()
            };
            out.insert(
                path.clone(),
                (content, meta.mode(), meta.mtime(), meta.mtime_nsec()),
            );
            if meta.is_dir() {
                walk(&path, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, &mut out);
    out
}

struct Project {
    fleet: Fleet,
    dir: PathBuf,
    inventory: PathBuf,
    root: PathBuf,
}

fn project(hosts: usize) -> Project {
    let fleet = Fleet::start(hosts);
    let dir = fleet.dir.path().join("project");
    copy_tree(&Path::new(FIXTURES).join("acceptance"), &dir);
    let inventory = fleet.write_inventory();
    let root = fleet.dir.path().join("root");
    Project {
        fleet,
        dir,
        inventory,
        root,
    }
}

impl Project {
    /// `rconf CMD PLAYBOOK -i INV -e test_root=...`, history in the fleet's home.
    fn cmd(&self, sub: &str, playbook: &str, extra: &[&str]) -> Command {
        let mut cmd = self.fleet.rconf();
        cmd.env_remove("XDG_STATE_HOME")
            .arg(sub)
            .arg(self.dir.join(playbook))
            .arg("-i")
            .arg(&self.inventory)
            .arg("-e")
            .arg(format!("test_root={}", self.root.display()))
            .args(extra);
        cmd
    }

    fn rconf(&self, sub: &str, playbook: &str, extra: &[&str]) -> Output {
        self.cmd(sub, playbook, extra).output().unwrap()
    }

    fn history(&self, args: &[&str]) -> Output {
        let mut cmd = self.fleet.rconf();
        cmd.env_remove("XDG_STATE_HOME").arg("history").args(args);
        cmd.output().unwrap()
    }
}

#[test]
fn check_finds_exactly_the_hand_edits_changes_nothing_and_run_fixes_them() {
    let p = project(5);
    let first = p.rconf("run", "site.yml", &[]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));

    // Hand edits: a copied file on h1, a templated file on h2, a managed line removed on h3.
    let motd = p.root.join("h1/etc/motd");
    std::fs::write(&motd, "Welcome. Hacked by hand.\n").unwrap();
    let app = p.root.join("h2/etc/app.conf");
    let conf = std::fs::read_to_string(&app).unwrap();
    std::fs::write(&app, conf.replace("port = 8080", "port = 9999")).unwrap();
    let settings = p.root.join("h3/etc/settings");
    let lines = std::fs::read_to_string(&settings).unwrap();
    assert!(lines.contains("host = h3\n"), "{lines}");
    std::fs::write(&settings, lines.replace("host = h3\n", "")).unwrap();

    let before = snapshot(&p.root);
    let report = p.fleet.dir.path().join("drift.json");
    let junit = p.fleet.dir.path().join("drift.xml");
    let check = p.rconf(
        "check",
        "site.yml",
        &[
            "--report",
            report.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ],
    );
    assert_eq!(check.status.code(), Some(3), "{}", text(&check));
    assert_eq!(snapshot(&p.root), before, "a check changed a host");

    let doc: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(doc["schema"], "rconf.report/1");
    let drift = &doc["drift"];
    assert_eq!(drift["schema"], "rconf.drift/1");
    assert_eq!(
        drift["drifted_hosts"],
        serde_json::json!(["h1", "h2", "h3"])
    );
    let only = |host: &str| {
        let changes = drift["hosts"][host]["changes"].as_array().unwrap();
        assert_eq!(changes.len(), 1, "{host}: {changes:?}");
        changes[0].clone()
    };
    let h1 = only("h1");
    assert_eq!(h1["module"], "copy");
    assert_eq!(h1["resource"], motd.display().to_string());
    let d = h1["unified_diff"].as_str().unwrap();
    assert!(
        d.contains("-Welcome. Hacked by hand.\n")
            && d.contains("+Welcome. This host is managed by configuration management.\n"),
        "{d}"
    );
    let h2 = only("h2");
    assert_eq!(
        (h2["module"].as_str(), h2["resource"].as_str()),
        (Some("template"), Some(app.to_str().unwrap()))
    );
    let d = h2["unified_diff"].as_str().unwrap();
    assert!(d.contains("-port = 9999\n+port = 8080\n"), "{d}");
    let h3 = only("h3");
    assert_eq!(
        (h3["module"].as_str(), h3["resource"].as_str()),
        (Some("lineinfile"), Some(settings.to_str().unwrap()))
    );
    assert!(
        h3["unified_diff"]
            .as_str()
            .unwrap()
            .contains("+host = h3\n"),
        "{h3}"
    );
    for h in ["h4", "h5"] {
        assert_eq!(drift["hosts"][h]["state"], "in_sync");
    }

    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(
        stdout.contains("3 of 5 hosts drifted (h1, h2, h3); 0 failed; 0 unreachable"),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("[lineinfile] {}", settings.display())));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"3\" errors=\"0\""), "{xml}");
    assert!(xml.contains("<testsuite name=\"h3\""), "{xml}");

    let fix = p.rconf("run", "site.yml", &[]);
    assert_eq!(fix.status.code(), Some(0), "{}", text(&fix));
    assert!(
        std::fs::read_to_string(&settings)
            .unwrap()
            .contains("host = h3\n")
    );
    let again = p.rconf("check", "site.yml", &["--quiet"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(
        again.stdout.is_empty(),
        "quiet and in sync: {}",
        text(&again)
    );

    let timeline = p.history(&["--host", "h1"]);
    assert_eq!(timeline.status.code(), Some(0), "{}", text(&timeline));
    let t = String::from_utf8_lossy(&timeline.stdout);
    assert!(t.contains("drift first seen: run 2 at "), "{t}");
    assert!(t.contains(&motd.display().to_string()), "{t}");
    assert!(t.contains("drift fixed: run 3 at "), "{t}");
    let h4 = String::from_utf8_lossy(&p.history(&["--host", "h4"]).stdout).to_string();
    assert!(!h4.contains("drift"), "{h4}");

    let list = p.history(&[]);
    let l = String::from_utf8_lossy(&list.stdout);
    // Runs start at the margin; what follows a run (its drifted hosts) is indented.
    let runs = l.lines().filter(|l| !l.starts_with("       ")).count();
    assert_eq!(runs, 5, "header and 4 runs: {l}");
    assert!(l.contains("\n       drifted: h1, h2, h3\n"), "{l}");
    let shown = p.history(&["show", "2"]);
    let stored: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(stored["command"], "check");
    assert_eq!(stored["stats"]["h1"]["changed"], 1);
}

#[test]
fn an_overlapping_check_exits_with_the_lock_code() {
    let p = project(1);
    std::fs::write(
        p.dir.join("slow.yml"),
        "- hosts: all_hosts\n  gather_facts: no\n  tasks:\n    - command: sleep 4\n      check_mode: false\n      changed_when: false\n",
    )
    .unwrap();
    let mut first = p.cmd("check", "slow.yml", &[]).spawn().unwrap();
    // The first holds the lock once its pid is in a lock file.
    let locks = p.fleet.home.join(".local/state/rconf/locks");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::read_dir(&locks)
        .map(|d| d.count() == 0)
        .unwrap_or(true)
    {
        assert!(Instant::now() < deadline, "the first check took no lock");
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = p.rconf("check", "slow.yml", &[]);
    assert_eq!(second.status.code(), Some(6), "{}", text(&second));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains(&format!("in progress (pid {})", first.id())),
        "{stderr}"
    );
    assert_eq!(first.wait().unwrap().code(), Some(0));
    // Once the first is done, the lock is free again.
    let third = p.rconf("check", "slow.yml", &["--no-history"]);
    assert_eq!(third.status.code(), Some(0), "{}", text(&third));
}

#[test]
fn on_drift_runs_the_command_with_the_report_path() {
    let p = project(1);
    std::fs::write(
        p.dir.join("one.yml"),
        "- hosts: all_hosts\n  gather_facts: no\n  tasks:\n    - copy:\n        content: \"x\\n\"\n        dest: \"{{ test_root }}/{{ inventory_hostname }}.txt\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(&p.root).unwrap();
    let seen = p.fleet.dir.path().join("seen.json");
    let hook = format!(
        "cp \"$RCONF_REPORT\" {} && test \"$RCONF_DRIFTED_HOSTS\" = h1",
        seen.display()
    );
    let out = p.rconf("check", "one.yml", &["--on-drift", &hook, "--no-history"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let doc: Value = serde_json::from_slice(&std::fs::read(&seen).unwrap()).unwrap();
    assert_eq!(doc["drift"]["drifted_hosts"], serde_json::json!(["h1"]));
    assert!(!p.root.join("h1.txt").exists());
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("WARNING"),
        "{}",
        text(&out)
    );
}

/// The common Ansible pattern "read with `command`, act on its output" under `rconf check`:
/// the skipped command registers what Ansible registers (`stdout: ""`, `rc: 0`), so the check
/// reports drift (3) or none (0), never a failed host.
#[test]
fn a_check_that_reads_with_command_and_acts_on_it_reports_drift_not_failure() {
    let fleet = Fleet::start(1);
    let dir = fleet.dir.path();
    let conf = dir.join("app.conf");
    let playbook = dir.join("site.yml");
    std::fs::write(
        &playbook,
        format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: cat {conf}\n      register: current\n      failed_when: false\n\
             \x20   - copy: {{content: \"user=alice\\n\", dest: {conf}}}\n      when: \"'alice' not in current.stdout or current.rc != 0\"\n",
            conf = conf.display()
        ),
    )
    .unwrap();
    let check = || {
        fleet
            .rconf()
            .arg("check")
            .arg(&playbook)
            .arg("-i")
            .arg(fleet.write_inventory())
            .output()
            .unwrap()
    };
    let out = check();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(!conf.exists(), "check mode wrote the file");
    std::fs::write(&conf, "user=alice\n").unwrap();
    let out = check();
    // The copy's `when` reads "" in check mode (as ansible-playbook --check does), so copy
    // itself compares: the file is right, no drift.
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let registered = fleet
        .rconf()
        .args(["run", "--check", "-v"])
        .arg(&playbook)
        .arg("-i")
        .arg(fleet.write_inventory())
        .output()
        .unwrap();
    assert!(
        text(&registered).contains("\"stdout\": \"\"") && text(&registered).contains("\"rc\": 0"),
        "{}",
        text(&registered)
    );
}

/// A playbook whose task on a host waits until the test creates `go-HOST` under the root.
const GATED: &str = "- hosts: all_hosts\n  gather_facts: no\n  tasks:\n    - command: sh -c 'while [ ! -e {{ test_root }}/go-{{ inventory_hostname }} ]; do sleep 0.05; done'\n      check_mode: false\n      changed_when: false\n";

/// Waits until a live claim in the fleet's lock directory names `host`.
fn wait_for_claim(p: &Project, host: &str) {
    let locks = p.fleet.home.join(".local/state/rconf/locks");
    let deadline = Instant::now() + Duration::from_secs(20);
    let line = format!("\nhost {host}\n");
    loop {
        let claimed = std::fs::read_dir(&locks)
            .into_iter()
            .flatten()
            .flatten()
            .any(|d| {
                std::fs::read_dir(d.path())
                    .into_iter()
                    .flatten()
                    .flatten()
                    .any(|c| std::fs::read_to_string(c.path()).is_ok_and(|t| t.contains(&line)))
            });
        if claimed {
            return;
        }
        assert!(Instant::now() < deadline, "no run claimed {host}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn checks_on_disjoint_limits_run_side_by_side_and_overlapping_ones_are_refused() {
    let p = project(3);
    std::fs::write(p.dir.join("gated.yml"), GATED).unwrap();
    std::fs::create_dir_all(&p.root).unwrap();
    let go = |h: &str| std::fs::write(p.root.join(format!("go-{h}")), "").unwrap();
    go("h2");
    go("h3");
    let mut first = p
        .cmd("check", "gated.yml", &["-l", "h1", "--no-history"])
        .spawn()
        .unwrap();
    wait_for_claim(&p, "h1");
    // h1 is busy; h2 and h3 are not, whether by name, by group minus h1, or by shard.
    let disjoint = p.rconf("check", "gated.yml", &["-l", "h2", "--no-history"]);
    assert_eq!(disjoint.status.code(), Some(0), "{}", text(&disjoint));
    let rest = p.rconf("check", "gated.yml", &["-l", "all:!h1", "--no-history"]);
    assert_eq!(rest.status.code(), Some(0), "{}", text(&rest));
    // Overlapping on h1: refused, naming the host both want.
    let overlap = p.rconf("check", "gated.yml", &["-l", "h1:h3", "--no-history"]);
    assert_eq!(overlap.status.code(), Some(6), "{}", text(&overlap));
    let err = String::from_utf8_lossy(&overlap.stderr);
    assert!(
        err.starts_with(&format!(
            "error: another rconf run of this playbook and inventory is in progress (pid {}) on h1: lock `",
            first.id()
        )),
        "{err}"
    );
    let everything = p.rconf("run", "gated.yml", &["--no-history"]);
    assert_eq!(everything.status.code(), Some(6), "{}", text(&everything));
    go("h1");
    assert_eq!(first.wait().unwrap().code(), Some(0));
    let after = p.rconf("check", "gated.yml", &["--no-history"]);
    assert_eq!(after.status.code(), Some(0), "{}", text(&after));
}

#[test]
fn one_host_name_in_two_projects_keeps_two_histories() {
    let p = project(2);
    let first = p.rconf("run", "site.yml", &[]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    // Another project with a playbook of the same hosts: h1 drifts only as it sees it.
    let other = p.fleet.dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(
        other.join("motd.yml"),
        "- hosts: all_hosts\n  gather_facts: no\n  tasks:\n    - copy:\n        content: \"other\\n\"\n        dest: \"{{ test_root }}/{{ inventory_hostname }}/etc/motd\"\n",
    )
    .unwrap();
    let check_other = |extra: &[&str]| {
        let mut cmd = p.fleet.rconf();
        cmd.env_remove("XDG_STATE_HOME")
            .arg("check")
            .arg(other.join("motd.yml"))
            .arg("-i")
            .arg(&p.inventory)
            .arg("-e")
            .arg(format!("test_root={}", p.root.display()))
            .args(extra);
        cmd.output().unwrap()
    };
    let drifted = check_other(&["--project", "motd-team"]);
    assert_eq!(drifted.status.code(), Some(3), "{}", text(&drifted));
    let ours = p.rconf("check", "site.yml", &[]);
    assert_eq!(ours.status.code(), Some(0), "{}", text(&ours));

    let project = p.dir.canonicalize().unwrap().display().to_string();
    let mine = p.history(&["--host", "h1", "--project", &project]);
    let t = String::from_utf8_lossy(&mine.stdout).to_string();
    assert!(
        t.starts_with(&format!(
            "history of h1 in project {project}, oldest first\n"
        )),
        "{t}"
    );
    assert!(
        !t.contains("drift"),
        "the other project's drift is not ours: {t}"
    );
    assert_eq!(t.lines().count(), 4, "header and 2 runs: {t}");

    let all = String::from_utf8_lossy(&p.history(&["--host", "h1"]).stdout).to_string();
    assert!(
        all.contains("history of h1 in project motd-team, oldest first\n"),
        "{all}"
    );
    assert!(all.contains("drift first seen: run 2 at "), "{all}");
    let list = String::from_utf8_lossy(&p.history(&["--project", "motd-team"]).stdout).to_string();
    assert_eq!(
        list.lines().count(),
        3,
        "header, the run, its drifted hosts: {list}"
    );
    assert!(list.contains("motd-team"), "{list}");
}

#[test]
fn shards_split_the_hosts_once_each_with_the_unsharded_results_and_one_history_run() {
    let p = project(6);
    let first = p.rconf("run", "site.yml", &["--no-history"]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    for h in ["h2", "h5"] {
        std::fs::write(p.root.join(format!("{h}/etc/motd")), "edited\n").unwrap();
    }
    let states = |report: &Path| -> BTreeMap<String, String> {
        let doc: Value = serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap();
        doc["drift"]["hosts"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(h, d)| (h.clone(), d["state"].as_str().unwrap().to_string()))
            .collect()
    };
    let whole = p.fleet.dir.path().join("whole.json");
    let out = p.rconf(
        "check",
        "site.yml",
        &["--no-history", "--report", whole.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let whole = states(&whole);
    assert_eq!(whole.len(), 6);

    // Three shards at once, from the three ways a scheduler says which one this is.
    let envs: [(&str, &str, &str, &str); 3] = [
        ("RCONF_SHARD", "1/3", "", ""),
        ("JOB_COMPLETION_INDEX", "1", "RCONF_SHARD_COUNT", "3"),
        ("CI_NODE_INDEX", "3", "CI_NODE_TOTAL", "3"),
    ];
    let children: Vec<_> = envs
        .iter()
        .enumerate()
        .map(|(i, (k1, v1, k2, v2))| {
            let report = p.fleet.dir.path().join(format!("shard{i}.json"));
            let mut cmd = p.cmd(
                "check",
                "site.yml",
                &["--run-id", "job-7", "--report", report.to_str().unwrap()],
            );
            cmd.env(k1, v1).stdout(std::process::Stdio::null());
            if !k2.is_empty() {
                cmd.env(k2, v2);
            }
            (cmd.spawn().unwrap(), report)
        })
        .collect();
    let mut union: BTreeMap<String, String> = BTreeMap::new();
    for (mut child, report) in children {
        let code = child.wait().unwrap().code();
        let share = states(&report);
        assert!(matches!(code, Some(0 | 3)), "{code:?}");
        for (h, s) in share {
            assert!(union.insert(h.clone(), s).is_none(), "{h} is in two shards");
        }
    }
    assert_eq!(union, whole, "the shards' results are the unsharded run's");

    let list = String::from_utf8_lossy(&p.history(&[]).stdout).to_string();
    let rows: Vec<&str> = list.lines().collect();
    assert_eq!(
        rows.len(),
        4,
        "header, one run, its run id, its drifted hosts: {list}"
    );
    let cols: Vec<&str> = rows[1].split_whitespace().collect();
    // RUN STARTED COMMAND HOSTS DRIFTED FAILED EXIT ...
    assert_eq!(&cols[2..7], ["check", "6", "2", "0", "3"], "{list}");
    assert_eq!(rows[2].trim(), "run id job-7: 3 shard(s)");
    assert_eq!(rows[3].trim(), "drifted: h2, h5");
}
