//! A project's `ansible.cfg` through the real binary: its inventory, `gathering` and warnings
//! for keys rconf does not use; the command line and `ANSIBLE_CONFIG` over it; a
//! world-writable directory's file ignored.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{Fleet, recap, text};

const PLAYBOOK: &str =
    "- hosts: all_hosts\n  tasks:\n    - command: echo hi\n      changed_when: false\n";

fn project() -> Fleet {
    let fleet = Fleet::start(2);
    let dir = fleet.dir.path();
    std::fs::create_dir_all(dir.join("inv")).unwrap();
    std::fs::write(dir.join("inv/hosts.ini"), fleet.inventory_ini()).unwrap();
    // Only the first host, for the runs that name another inventory.
    let first: String = fleet
        .inventory_ini()
        .lines()
        .take(2)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.join("first.ini"), first).unwrap();
    std::fs::write(
        dir.join("ansible.cfg"),
        "[defaults]\n# as a real project has it\ninventory = inv/hosts.ini\ngathering = explicit\n\
         retry_files_enabled = False\n\n[privilege_escalation]\nbecome_ask_pass = True\n",
    )
    .unwrap();
    std::fs::write(dir.join("site.yml"), PLAYBOOK).unwrap();
    fleet
}

fn hosts_in_recap(out: &std::process::Output) -> Vec<String> {
    recap(out).keys().cloned().collect()
}

#[test]
fn the_projects_inventory_and_gathering_apply_without_flags() {
    let fleet = project();
    let out = fleet.rconf().args(["run", "site.yml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(hosts_in_recap(&out), ["h1", "h2"], "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains("Gathering Facts"),
        "gathering = explicit: {}",
        text(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "warning: ansible.cfg:8: `become_ask_pass` is not used by rconf: use -K or --become-password-file"
        ),
        "{}",
        text(&out)
    );
}

#[test]
fn the_command_line_and_ansible_config_choose_over_the_projects_file() {
    let fleet = project();
    let out = fleet
        .rconf()
        .args(["run", "site.yml", "-i", "first.ini"])
        .output()
        .unwrap();
    assert_eq!(hosts_in_recap(&out), ["h1"], "{}", text(&out));
    let alt = fleet.dir.path().join("alt.cfg");
    std::fs::write(&alt, "[defaults]\ninventory = first.ini\n").unwrap();
    let out = fleet
        .rconf()
        .args(["run", "site.yml"])
        .env("ANSIBLE_CONFIG", &alt)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(hosts_in_recap(&out), ["h1"], "{}", text(&out));
    // alt.cfg does not say `gathering = explicit`: facts are gathered.
    assert!(String::from_utf8_lossy(&out.stdout).contains("TASK [Gathering Facts]"));
}

#[test]
fn a_world_writable_directorys_file_is_ignored() {
    let fleet = project();
    let dir = fleet.dir.path();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = fleet.rconf().args(["run", "site.yml"]).output().unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("ignoring ./ansible.cfg: the current directory is world-writable"),
        "{}",
        text(&out)
    );
    assert!(hosts_in_recap(&out).is_empty(), "{}", text(&out));
}
