//! The run history end to end: a history that cannot be written never fails a run, and the
//! `rconf history` commands on recorded, missing and corrupted databases.

mod common;

use std::path::Path;
use std::process::Output;

use common::{Fleet, text};

/// One play: write a file per host, then fail on `fail_host` (if any).
fn playbook(dir: &Path, fail_host: &str) -> std::path::PathBuf {
    let path = dir.join("site.yml");
    std::fs::write(
        &path,
        format!(
            "- hosts: all_hosts\n  gather_facts: no\n  tasks:\n    - copy:\n        content: \"hi\\n\"\n        dest: \"{}/{{{{ inventory_hostname }}}}.txt\"\n    - fail: {{msg: planned}}\n      when: inventory_hostname == '{fail_host}'\n",
            dir.display()
        ),
    )
    .unwrap();
    path
}

fn run(fleet: &Fleet, args: &[&str]) -> Output {
    let mut cmd = fleet.rconf();
    cmd.env_remove("XDG_STATE_HOME").args(args);
    cmd.output().unwrap()
}

#[test]
fn an_unusable_history_warns_and_the_run_keeps_its_own_exit_code() {
    let fleet = Fleet::start(2);
    let inv = fleet.write_inventory();
    let dir = fleet.dir.path();
    let book = playbook(dir, "h2");
    let corrupt = dir.join("corrupt.db");
    std::fs::write(&corrupt, vec![b'x'; 8192]).unwrap();
    // A path below a regular file can never be created, even by root.
    let impossible = dir.join("site.yml/history.db");
    for (db, why) in [
        (&corrupt, "is not an SQLite database"),
        (&impossible, "cannot create"),
    ] {
        let (b, i, d) = (
            book.to_str().unwrap(),
            inv.to_str().unwrap(),
            db.to_str().unwrap(),
        );
        let out = run(&fleet, &["run", b, "-i", i, "--history", d]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("[WARNING]: this run was not recorded in the history")
                && stderr.contains(why),
            "{}",
            text(&out)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("PLAY RECAP"));
        let check = run(&fleet, &["check", b, "-i", i, "--history", d]);
        assert_eq!(check.status.code(), Some(2), "{}", text(&check));
        assert!(String::from_utf8_lossy(&check.stderr).contains(why));
    }
    assert!(dir.join("h1.txt").exists());
    assert_eq!(std::fs::read(&corrupt).unwrap(), vec![b'x'; 8192]);

    let listed = run(&fleet, &["history", "--history", corrupt.to_str().unwrap()]);
    assert_eq!(listed.status.code(), Some(1), "{}", text(&listed));
    assert!(String::from_utf8_lossy(&listed.stderr).contains(&format!(
        "error: history database `{}`: is not an SQLite database",
        corrupt.display()
    )));
}

#[test]
fn runs_are_listed_shown_and_pruned() {
    let fleet = Fleet::start(1);
    let inv = fleet.write_inventory();
    let dir = fleet.dir.path();
    let book = playbook(dir, "none");
    let (b, i) = (book.to_str().unwrap(), inv.to_str().unwrap());
    let none = run(&fleet, &["history"]);
    assert_eq!(none.status.code(), Some(1), "{}", text(&none));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no run has been recorded yet"));

    for args in [
        &["run", b, "-i", i][..],
        &["run", b, "-i", i, "--check"],
        &["check", b, "-i", i],
    ] {
        let out = run(&fleet, args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let skipped = run(&fleet, &["check", b, "-i", i, "--no-history"]);
    assert_eq!(skipped.status.code(), Some(0), "{}", text(&skipped));
    // The default database lives in the XDG state directory under HOME.
    assert!(fleet.home.join(".local/state/rconf/history.db").exists());

    let list = run(&fleet, &["history"]);
    let l = String::from_utf8_lossy(&list.stdout).to_string();
    let rows: Vec<&str> = l.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{l}");
    assert!(
        rows[0].trim_start().starts_with("3 ") && rows[0].contains(" check "),
        "{l}"
    );
    assert!(rows[1].contains(" run -C "), "{l}");
    assert!(
        rows[2].contains(book.canonicalize().unwrap().to_str().unwrap()),
        "{l}"
    );

    let shown = run(&fleet, &["history", "show", "1"]);
    let doc: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(doc["schema"], "rconf.report/1");
    assert_eq!(doc["stats"]["h1"]["changed"], 1);
    let missing = run(&fleet, &["history", "show", "42"]);
    assert_eq!(missing.status.code(), Some(5), "{}", text(&missing));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no run `42`"));

    let keep = run(&fleet, &["check", b, "-i", i, "--keep", "2"]);
    assert_eq!(keep.status.code(), Some(0), "{}", text(&keep));
    let l = String::from_utf8_lossy(&run(&fleet, &["history"]).stdout).to_string();
    assert_eq!(l.lines().count(), 3, "header and the 2 newest: {l}");
    let pruned = run(&fleet, &["history", "prune", "--keep", "1"]);
    assert_eq!(
        String::from_utf8_lossy(&pruned.stdout),
        "deleted 1 run(s)\n"
    );
}
