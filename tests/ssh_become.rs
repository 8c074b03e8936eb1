//! `become` through the real binary: sudo with a password on an isolated host (its own root
//! filesystem, so the test user and sudoers entry never touch this machine).

mod common;

use std::path::PathBuf;
use std::process::Output;
use std::time::{Duration, Instant};

use common::{IsolatedHost, text};

const USER: &str = "rconfalice";
const PASSWORD: &str = "s3cret pass'word";

/// An isolated host with `USER`, who has `PASSWORD` and may sudo to anyone with it.
fn host() -> Option<IsolatedHost> {
    let host = IsolatedHost::start()?;
    let setup = host.exec(&format!(
        "useradd -m -s /bin/sh {USER} && \
         printf '{USER} ALL=(ALL:ALL) ALL\\n' > /etc/sudoers.d/{USER} && \
         chmod 440 /etc/sudoers.d/{USER}"
    ));
    assert!(setup.status.success(), "useradd: {}", text(&setup));
    let out = host.exec(&format!(
        "printf '%s:%s\\n' {USER} '{}' | chpasswd",
        PASSWORD.replace('\'', "'\\''")
    ));
    assert!(out.status.success(), "chpasswd: {}", text(&out));
    Some(host)
}

fn write(host: &IsolatedHost, name: &str, body: &str) -> PathBuf {
    let path = host.dir.path().join(name);
    std::fs::write(&path, body).unwrap();
    path
}

fn inventory(host: &IsolatedHost, extra: &str) -> PathBuf {
    write(
        host,
        "hosts.ini",
        &format!(
            "[isolated]\nbox ansible_host={} ansible_port={} ansible_user={USER} {extra}\n",
            host.address, host.port
        ),
    )
}

const PLAYBOOK: &str = "- hosts: all\n  gather_facts: false\n  become: true\n  tasks:\n\
    \x20   - name: write as root, with content on stdin\n\
    \x20     copy:\n        content: \"made by {{ ansible_user }}\\n\"\n        dest: /root/become-proof\n\
    \x20   - name: as another user\n      command: id -un\n      become_user: nobody\n      register: who\n\
    \x20   - assert:\n        that: who.stdout == 'nobody'\n";

fn run(host: &IsolatedHost, inventory: &PathBuf, extra: &[&str]) -> (Output, Duration) {
    let playbook = write(host, "site.yml", PLAYBOOK);
    let started = Instant::now();
    let out = host
        .rconf()
        .arg("run")
        .arg(&playbook)
        .arg("-i")
        .arg(inventory)
        .args(extra)
        .output()
        .unwrap();
    (out, started.elapsed())
}

#[test]
fn sudo_with_the_right_password_from_a_file_or_a_variable() {
    let Some(host) = host() else { return };
    let pass_file = write(&host, "become-pass", &format!("{PASSWORD}\n"));
    let inv = inventory(&host, "");
    let (out, _) = run(
        &host,
        &inv,
        &["--become-password-file", pass_file.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let proof = std::fs::read_to_string(host.path("/root/become-proof")).unwrap();
    assert_eq!(proof, format!("made by {USER}\n"));
    assert!(!text(&out).contains("s3cret"), "{}", text(&out));

    let inv = inventory(&host, &format!("ansible_become_password=\"{PASSWORD}\""));
    std::fs::remove_file(host.path("/root/become-proof")).unwrap();
    let (out, _) = run(&host, &inv, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(host.path("/root/become-proof").exists());
}

#[test]
fn wrong_or_missing_sudo_password_fails_the_task_promptly_with_a_reason() {
    let Some(host) = host() else { return };
    let inv = inventory(&host, "ansible_become_password=wrong");
    let (out, took) = run(&host, &inv, &["--task-timeout", "60"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(
        all.contains("become failed: sudo to user root refused the become password"),
        "{all}"
    );
    assert!(took < Duration::from_secs(20), "took {took:?}: {all}");
    assert!(!host.path("/root/become-proof").exists());

    let inv = inventory(&host, "");
    let (out, _) = run(&host, &inv, &[]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("needs a password"), "{all}");
    assert!(all.contains("--ask-become-pass"), "{all}");
}
