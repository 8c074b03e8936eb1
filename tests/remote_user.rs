//! `remote_user` through the real binary: plays that log in as different users on one host
//! (an isolated host, so the test user never touches this machine).

mod common;

use common::{IsolatedHost, text};

const USER: &str = "rconfbob";

#[test]
fn each_play_logs_in_as_its_remote_user_and_reuses_that_login() {
    let Some(host) = IsolatedHost::start() else {
        return;
    };
    // `-p '*'`: no password, but not locked (sshd refuses any login to a locked account).
    let setup = host.exec(&format!("useradd -m -s /bin/sh -p '*' {USER}"));
    assert!(setup.status.success(), "useradd: {}", text(&setup));
    let dir = host.dir.path();
    // No ansible_user: the play keyword decides, and `-u root` is the default below it.
    std::fs::write(
        dir.join("hosts.ini"),
        format!(
            "[isolated]\nbox ansible_host={} ansible_port={}\n",
            host.address, host.port
        ),
    )
    .unwrap();
    let play = |name: &str, user: Option<&str>| {
        let keyword = user.map_or(String::new(), |u| format!("  remote_user: {u}\n"));
        format!(
            "- name: {name}\n  hosts: all\n  gather_facts: false\n{keyword}  tasks:\n\
             \x20   - command: id -un\n      register: who\n\
             \x20   - debug:\n        msg: \"{name} ran as {{{{ who.stdout }}}}\"\n"
        )
    };
    let playbook = [
        play("first", None),
        play("second", Some(USER)),
        play("third", None),
        play("fourth", Some(USER)),
    ]
    .concat();
    std::fs::write(dir.join("site.yml"), playbook).unwrap();
    let out = host
        .rconf()
        .args(["run", "site.yml", "-i", "hosts.ini", "-u", "root"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for (play, user) in [
        ("first", "root"),
        ("second", USER),
        ("third", "root"),
        ("fourth", USER),
    ] {
        assert!(
            stdout.contains(&format!("\"msg\": \"{play} ran as {user}\"")),
            "{play} should run as {user}:\n{}",
            text(&out)
        );
    }
    // One login per user for the whole run: the third and fourth plays reuse connections.
    let log = host.log_text();
    let logins = |user: &str| {
        log.lines()
            .filter(|l| l.contains(&format!("Accepted publickey for {user} ")))
            .count()
    };
    assert_eq!((logins("root"), logins(USER)), (1, 1), "sshd log:\n{log}");
}
