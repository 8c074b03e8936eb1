//! Public roles run unchanged, beside ansible-playbook 2.19 (outside CI: it needs the network
//! for packages and runs for minutes; `compat/run.sh` fetches the roles and runs it). For each
//! role of `compat/roles.txt`, checked out by `compat/fetch.sh`, its molecule converge playbook
//! (after its prepare playbook, if any) runs twice with ansible-playbook on a fresh isolated
//! Debian host and twice with rconf on another. The recaps of each run and the files each tool
//! left under `/etc` (generated `.db` databases aside) must be the same, and rconf's second run
//! must change nothing; the table goes to `target/compat/RESULTS.md`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use common::{IsolatedHost, recap, text};

type Recap = BTreeMap<String, u64>;

struct Run {
    recaps: Vec<Recap>,
    seconds: Vec<f64>,
    files: BTreeMap<String, String>,
    outputs: Vec<String>,
}

fn compat_dir() -> PathBuf {
    std::env::var_os("RCONF_COMPAT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/compat"))
}

fn ansible_venv() -> PathBuf {
    std::env::var_os("RCONF_TEST_ANSIBLE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-ansible"))
}

fn roles() -> Vec<String> {
    let only: Option<Vec<String>> = std::env::var("RCONF_COMPAT_ONLY")
        .ok()
        .map(|s| s.split(',').map(str::to_string).collect());
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("compat/roles.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|n| only.as_ref().is_none_or(|o| o.contains(n)))
        .collect()
}

/// Every file under the host's `/etc` that the run created or changed (the overlay's upper
/// layer), with its SHA-1 or, for a symlink, its target.
fn changed_files(host: &IsolatedHost) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(upper) = host.upper_path() else {
        return out;
    };
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.file_type().is_symlink() {
                let to = std::fs::read_link(&path).unwrap_or_default();
                out.insert(rel, format!("-> {}", to.display()));
            } else if meta.is_dir() {
                walk(root, &path, out);
            } else if meta.is_file() && !rel.ends_with(".db") {
                // (`.db` files are databases a program rebuilds, such as postfix's aliases.db,
                // whose bytes differ from build to build.)
                let sum = Command::new("sha1sum").arg(&path).output().unwrap();
                let sum = String::from_utf8_lossy(&sum.stdout);
                out.insert(rel, sum.split_whitespace().next().unwrap_or("").to_string());
            }
        }
    }
    walk(&upper, &upper.join("etc"), &mut out);
    out
}

fn run_tool(role: &str, ansible: bool) -> Run {
    let dir = compat_dir().join(role);
    let host = IsolatedHost::start().expect("isolated hosts need root and overlayfs");
    let inventory = dir.join(if ansible {
        "inventory-ansible.ini"
    } else {
        "inventory-rconf.ini"
    });
    std::fs::write(
        &inventory,
        format!(
            "{} ansible_ssh_private_key_file={} ansible_ssh_common_args='-o UserKnownHostsFile={}'\n",
            host.inventory_line("instance"),
            host.identity().display(),
            host.known_hosts().display()
        ),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        ansible_venv().join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let command = |playbook: &str| -> Command {
        let mut cmd = if ansible {
            let mut c = Command::new(ansible_venv().join("bin/ansible-playbook"));
            c.env("HOME", host.home()).env("ANSIBLE_FORCE_COLOR", "0");
            c
        } else {
            host.rconf()
        };
        if !ansible {
            cmd.arg("run");
        }
        cmd.arg(playbook)
            .arg("-i")
            .arg(&inventory)
            .env("PATH", &path)
            .current_dir(&dir);
        cmd
    };
    if dir.join("prepare.yml").exists() {
        let out = command("prepare.yml").output().unwrap();
        assert!(
            out.status.success(),
            "{role}: prepare.yml failed under {}:\n{}",
            if ansible { "ansible" } else { "rconf" },
            text(&out)
        );
    }
    let mut run = Run {
        recaps: Vec::new(),
        seconds: Vec::new(),
        files: BTreeMap::new(),
        outputs: Vec::new(),
    };
    for _ in 0..2 {
        let start = Instant::now();
        let out: Output = command("converge.yml").output().unwrap();
        run.seconds.push(start.elapsed().as_secs_f64());
        run.recaps
            .push(recap(&out).remove("instance").unwrap_or_default());
        run.outputs.push(text(&out));
    }
    run.files = changed_files(&host);
    run
}

fn show(r: &Recap) -> String {
    ["ok", "changed", "failed", "skipped"]
        .iter()
        .map(|k| r.get(*k).copied().unwrap_or(0).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
#[ignore = "needs the network and minutes per role: run compat/run.sh"]
fn public_roles_converge_as_under_ansible() {
    let mut table = String::from(
        "| role | ansible-playbook run 1, run 2 (ok/changed/failed/skipped) | rconf run 1, run 2 | same recap | same files in /etc | second run: ansible / rconf |\n|---|---|---|---|---|---|\n",
    );
    let mut failures = Vec::new();
    for role in roles() {
        let a = run_tool(&role, true);
        let r = run_tool(&role, false);
        let same_recap = a.recaps == r.recaps;
        let diff: Vec<String> = a
            .files
            .iter()
            .filter(|(k, v)| r.files.get(*k) != Some(v))
            .map(|(k, _)| k.clone())
            .chain(
                r.files
                    .keys()
                    .filter(|k| !a.files.contains_key(*k))
                    .cloned(),
            )
            .collect();
        let converged = r.recaps.get(1).and_then(|c| c.get("changed")) == Some(&0);
        table.push_str(&format!(
            "| {role} | {}, {} | {}, {} | {} | {} | {:.1} s / {:.1} s |\n",
            show(&a.recaps[0]),
            show(&a.recaps[1]),
            show(&r.recaps[0]),
            show(&r.recaps[1]),
            if same_recap { "yes" } else { "**no**" },
            if diff.is_empty() {
                "yes".to_string()
            } else {
                format!("**no**: {}", diff.join(", "))
            },
            a.seconds[1],
            r.seconds[1],
        ));
        if !(same_recap && diff.is_empty() && converged) {
            let log = compat_dir().join(format!("{role}.log"));
            std::fs::write(
                &log,
                format!(
                    "=== ansible run 1\n{}\n=== ansible run 2\n{}\n=== rconf run 1\n{}\n=== rconf run 2\n{}\n",
                    a.outputs[0], a.outputs[1], r.outputs[0], r.outputs[1]
                ),
            )
            .unwrap();
            failures.push(format!("{role} (see {})", log.display()));
        }
        eprintln!("{}", table.lines().last().unwrap_or_default());
    }
    std::fs::write(compat_dir().join("RESULTS.md"), &table).unwrap();
    assert!(
        failures.is_empty(),
        "differ: {}\n{table}",
        failures.join(", ")
    );
}
