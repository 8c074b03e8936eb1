//! `rconf pull` end to end: a local git repository (file URL) pulled twice (the second has
//! nothing to do and applies nothing), then after a commit (applies it), each apply recorded in
//! the history.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::text;

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=rconf test",
            "-c",
            "user.email=test@example.com",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out));
}

fn playbook(version: &str) -> String {
    format!(
        "- hosts: localhost\n  gather_facts: no\n  tasks:\n    - copy:\n        content: \"{version}\\n\"\n        dest: \"{{{{ dest }}}}\"\n"
    )
}

#[test]
fn a_pull_applies_a_checkout_once_per_change_and_records_it() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "--quiet", "--initial-branch=main"]);
    std::fs::write(repo.join("local.yml"), playbook("v1")).unwrap();
    git(&repo, &["add", "local.yml"]);
    git(&repo, &["commit", "--quiet", "-m", "v1"]);

    let home = tmp.path().join("home");
    let dest = tmp.path().join("applied.txt");
    let checkout = tmp.path().join("checkout");
    let history = tmp.path().join("history.db");
    let url = format!("file://{}", repo.display());
    let pull_with = |extra: &[&str]| -> Output {
        Command::new(env!("CARGO_BIN_EXE_rconf"))
            .env("HOME", &home)
            .env_remove("XDG_STATE_HOME")
            .env_remove("RCONF_HISTORY_URL")
            .args(["pull", "-U", &url, "-C", "main", "-d"])
            .arg(&checkout)
            .args(["-e", &format!("dest={}", dest.display())])
            .args(["--history", history.to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap()
    };
    let pull = || pull_with(&[]);
    let history_rows = || -> Vec<String> {
        let out = Command::new(env!("CARGO_BIN_EXE_rconf"))
            .env("HOME", &home)
            .args(["history", "--history", history.to_str().unwrap()])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with("       "))
            .map(str::to_string)
            .collect()
    };

    let first = pull();
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let out = String::from_utf8_lossy(&first.stdout);
    assert!(
        out.contains(&format!("`{}` checked out at ", checkout.display())),
        "{out}"
    );
    assert!(out.contains("changed=1"), "{out}");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "v1\n");
    assert_eq!(history_rows().len(), 1);

    // Nothing new: nothing applied, nothing recorded.
    std::fs::write(&dest, "edited\n").unwrap();
    let second = pull();
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    let out = String::from_utf8_lossy(&second.stdout);
    assert!(out.starts_with("nothing to do: "), "{out}");
    assert!(!out.contains("PLAY"), "{out}");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "edited\n");
    assert_eq!(history_rows().len(), 1);
    // --check finds the hand edit without touching it; --force applies the same checkout.
    let check = pull_with(&["--force", "--check"]);
    assert_eq!(check.status.code(), Some(3), "{}", text(&check));
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "edited\n");
    let forced = pull_with(&["--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced));
    let out = String::from_utf8_lossy(&forced.stdout);
    assert!(out.contains("applying (--force)"), "{out}");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "v1\n");
    assert_eq!(history_rows().len(), 3);

    // A commit: applied and recorded, under the checkout's project.
    std::fs::write(repo.join("local.yml"), playbook("v2")).unwrap();
    git(&repo, &["commit", "--quiet", "-am", "v2"]);
    let third = pull();
    assert_eq!(third.status.code(), Some(0), "{}", text(&third));
    let out = String::from_utf8_lossy(&third.stdout);
    assert!(
        out.contains(&format!("`{}` updated: ", checkout.display())),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "v2\n");
    let rows = history_rows();
    assert_eq!(rows.len(), 4, "{rows:?}");
    let project = checkout.canonicalize().unwrap().display().to_string();
    assert!(
        rows[0].contains(&project) && rows[0].contains(" run "),
        "{rows:?}"
    );
}
