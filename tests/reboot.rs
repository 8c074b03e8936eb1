//! `reboot` against a real sshd host: the boot id is read, the reboot command starts detached,
//! and rconf reconnects until the boot id has changed and the test command runs. The "reboot"
//! here rewrites a file that stands for the boot id (`boot_time_command`), so nothing restarts.

mod common;

use common::{Fleet, recap, text};

fn play(
    fleet: &Fleet,
    id_file: &std::path::Path,
    reboot_command: &str,
    timeout: u32,
) -> std::process::Output {
    let playbook = fleet.dir.path().join("reboot.yml");
    std::fs::write(
        &playbook,
        format!(
            "- hosts: all_hosts\n  gather_facts: no\n  tasks:\n    - reboot:\n        \
             boot_time_command: cat {id}\n        reboot_command: {reboot_command}\n        \
             reboot_timeout: {timeout}\n        connect_timeout: 2\n      register: r\n    \
             - debug: {{var: r.rebooted}}\n",
            id = id_file.display()
        ),
    )
    .unwrap();
    let inventory = fleet.write_inventory();
    fleet
        .rconf()
        .arg("run")
        .arg(&playbook)
        .arg("-i")
        .arg(&inventory)
        .output()
        .unwrap()
}

#[test]
fn the_host_is_waited_for_until_its_boot_id_changes() {
    let fleet = Fleet::start(1);
    let id = fleet.dir.path().join("boot_id");
    std::fs::write(&id, "first\n").unwrap();
    let out = play(&fleet, &id, &format!("echo second > {}", id.display()), 30);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&id).unwrap(), "second\n");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\"r.rebooted\": true"),
        "{}",
        text(&out)
    );
    assert_eq!(recap(&out)["h1"]["changed"], 1);
    // A fresh connection after the reboot: sshd saw a second login.
    let logins = fleet.hosts[0]
        .log_text()
        .matches("Accepted publickey")
        .count();
    assert!(
        logins >= 2,
        "logins: {logins}\n{}",
        fleet.hosts[0].log_text()
    );
}

#[test]
fn a_host_that_never_comes_back_fails_after_the_timeout() {
    let fleet = Fleet::start(1);
    let id = fleet.dir.path().join("boot_id");
    std::fs::write(&id, "same\n").unwrap();
    let started = std::time::Instant::now();
    let out = play(&fleet, &id, "true", 3);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        started.elapsed().as_secs() < 20,
        "took {:?}",
        started.elapsed()
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(
            "timed out waiting for the host to come back after 3s: the boot id has not changed yet"
        ),
        "{}",
        text(&out)
    );
}
