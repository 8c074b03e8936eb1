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

/// One persistent shell per become user: under `become`, tasks run as frames on a shell started
/// once under sudo (the password sent once, on its stdin), with the same results as one exec
/// per task (`RCONF_PERSISTENT_SHELL=0`).
#[test]
fn become_tasks_share_one_shell_per_user_with_the_results_of_one_exec_per_task() {
    let Some(host) = host() else { return };
    let inv = inventory(&host, &format!("ansible_become_password=\"{PASSWORD}\""));
    let playbook = write(
        &host,
        "users.yml",
        "- hosts: all\n  gather_facts: false\n  become: true\n  tasks:\n\
         \x20   - command: id -un\n      register: a\n\
         \x20   - command: id -un\n      become_user: nobody\n      register: b\n\
         \x20   - copy: {content: \"x\\n\", dest: /root/one}\n\
         \x20   - command: id -un\n      become: false\n      register: c\n\
         \x20   - command: id -un\n      become_user: nobody\n      register: d\n\
         \x20   - copy: {content: \"y\\n\", dest: /root/two}\n\
         \x20   - assert:\n        that: [a.stdout == 'root', b.stdout == 'nobody', c.stdout == 'rconfalice', d.stdout == 'nobody']\n",
    );
    let execs = || host.log_text().matches("req exec").count();
    let mut recaps = Vec::new();
    for (mode, expected) in [("1", 3), ("0", 6)] {
        let _ = std::fs::remove_file(host.path("/root/one"));
        let _ = std::fs::remove_file(host.path("/root/two"));
        let before = execs();
        let out = host
            .rconf()
            .arg("run")
            .arg(&playbook)
            .arg("-i")
            .arg(&inv)
            .env("RCONF_PERSISTENT_SHELL", mode)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "mode {mode}: {}", text(&out));
        // Persistent: the login user's shell, root's and nobody's; else one exec per task.
        assert_eq!(
            execs() - before,
            expected,
            "mode {mode}: {}",
            host.log_text()
        );
        assert_eq!(
            std::fs::read_to_string(host.path("/root/two")).unwrap(),
            "y\n"
        );
        recaps.push(common::recap(&out));
    }
    assert_eq!(recaps[0], recaps[1]);
}

/// `su` with a password, without a terminal: util-linux su reads it from stdin. The password
/// never reaches the module's input (stdin content arrives whole), a wrong one fails the first
/// task with su's reason, and one exec per task gives the same results.
#[test]
fn su_with_a_password_runs_without_a_terminal_in_both_modes() {
    let Some(host) = host() else { return };
    let out = host.exec(
        "useradd -m -s /bin/sh rconfbob && printf 'rconfbob:%s\\n' 'b0b pass' | chpasswd && \
         mkdir -p /srv/bob && chown rconfbob /srv/bob",
    );
    assert!(out.status.success(), "useradd: {}", text(&out));
    let playbook = write(
        &host,
        "su.yml",
        "- hosts: all\n  gather_facts: false\n  become: true\n  become_method: su\n\
         \x20 become_user: rconfbob\n  tasks:\n\
         \x20   - command: id -un\n      register: who\n\
         \x20   - copy: {content: \"from stdin\\n\", dest: /srv/bob/file}\n\
         \x20   - assert:\n        that: who.stdout == 'rconfbob'\n",
    );
    let execs = || host.log_text().matches("req exec").count();
    let mut recaps = Vec::new();
    for (mode, expected) in [("1", 1), ("0", 2)] {
        let _ = std::fs::remove_file(host.path("/srv/bob/file"));
        let inv = inventory(&host, "ansible_become_password=\"b0b pass\"");
        let before = execs();
        let out = host
            .rconf()
            .arg("run")
            .arg(&playbook)
            .arg("-i")
            .arg(&inv)
            .env("RCONF_PERSISTENT_SHELL", mode)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "mode {mode}: {}", text(&out));
        assert_eq!(execs() - before, expected, "mode {mode}");
        assert_eq!(
            std::fs::read_to_string(host.path("/srv/bob/file")).unwrap(),
            "from stdin\n"
        );
        recaps.push(common::recap(&out));
    }
    assert_eq!(recaps[0], recaps[1]);

    let inv = inventory(&host, "ansible_become_password=wrong");
    let out = host
        .rconf()
        .arg("run")
        .arg(&playbook)
        .arg("-i")
        .arg(&inv)
        .output()
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(
        all.contains(
            "become failed: su to user rconfbob refused the become password: su: Authentication failure"
        ),
        "{all}"
    );
    assert!(!all.contains("b0b"), "{all}");
}
