//! OpenSSH client config and ssh args through the real binary: `-F FILE` with `Host`,
//! `HostName`, `Port`, `User`, `IdentityFile`, `ProxyJump`, and `-o` options in inventory.

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::{Fleet, text};

const PLAYBOOK: &str =
    "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: echo via-jump\n";

fn write(fleet: &Fleet, name: &str, body: &str) -> PathBuf {
    let path = fleet.dir.path().join(name);
    std::fs::write(&path, body).unwrap();
    path
}

fn run(fleet: &Fleet, inventory: &str, extra: &[&str]) -> Output {
    let playbook = write(fleet, "site.yml", PLAYBOOK);
    let inventory = write(fleet, "hosts.ini", inventory);
    fleet
        .rconf()
        .arg("run")
        .arg(playbook)
        .arg("-i")
        .arg(inventory)
        .args(extra)
        .output()
        .unwrap()
}

/// The target's session count, from its sshd log.
fn accepted(fleet: &Fleet, i: usize) -> usize {
    fleet.hosts[i]
        .log_text()
        .matches("Accepted publickey")
        .count()
}

#[test]
fn proxy_jump_from_the_config_file_goes_through_the_bastion() {
    let mut fleet = Fleet::start(2);
    let (bastion, target) = (&fleet.hosts[0], &fleet.hosts[1]);
    let config = write(
        &fleet,
        "ssh_config",
        &format!(
            "# comment\nHost target !nothing\n  HostName {}\n  Port {}\n  User root\n\
             \x20 ProxyJump root@{}:{}\nMatch exec \"false\"\n  Port 1\nHost *\n  IdentityFile {}\n",
            target.address,
            target.port,
            bastion.address,
            bastion.port,
            fleet.identity().display()
        ),
    );
    let cfg = config.to_str().unwrap();
    let out = run(&fleet, "[web]\ntarget\n", &["-F", cfg]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("{cfg}:7: `Match exec false` is not supported")),
        "{}",
        text(&out)
    );
    assert_eq!(accepted(&fleet, 1), 1, "{}", fleet.hosts[1].log_text());
    let forwarded = fleet.hosts[0].log_text();
    assert!(
        forwarded.contains("direct-tcpip") && forwarded.contains(&fleet.hosts[1].port.to_string()),
        "the bastion did not forward to the target:\n{forwarded}"
    );

    // The target is alive and directly reachable, but its route is the bastion: without the
    // bastion there is no way in.
    fleet.kill(0);
    let out = run(
        &fleet,
        "[web]\ntarget\n",
        &["-F", cfg, "--connect-timeout", "5"],
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(text(&out).contains("jump host `root@"), "{}", text(&out));
    assert_eq!(accepted(&fleet, 1), 1);
}

#[test]
fn ssh_args_in_the_inventory_set_options_and_name_ignored_ones() {
    let fleet = Fleet::start(2);
    let (bastion, target) = (&fleet.hosts[0], &fleet.hosts[1]);
    // An empty config, so only the inventory says anything.
    let config = write(&fleet, "empty_config", "");
    let inventory = format!(
        "[web]\nt ansible_host={} ansible_user=root \
         ansible_ssh_common_args='-o ProxyJump=root@{}:{} -o ForwardAgent=yes' \
         ansible_ssh_extra_args='-o Port={}'\n",
        target.address, bastion.address, bastion.port, target.port
    );
    let out = run(&fleet, &inventory, &["-F", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("ssh option `forwardagent` is ignored"),
        "{}",
        text(&out)
    );
    assert!(fleet.hosts[0].log_text().contains("direct-tcpip"));
}

#[test]
fn a_missing_config_file_is_bad_input() {
    let fleet = Fleet::start(1);
    let out = run(
        &fleet,
        &fleet.inventory_ini(),
        &["-F", "/nonexistent/ssh_config"],
    );
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        text(&out).contains("cannot read ssh config `/nonexistent/ssh_config`"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_proxy_jump_chain_goes_through_every_hop() {
    let fleet = Fleet::start(3);
    let (hop1, hop2, target) = (&fleet.hosts[0], &fleet.hosts[1], &fleet.hosts[2]);
    let config = write(
        &fleet,
        "ssh_config",
        &format!(
            "Host target\n  HostName {}\n  Port {}\n  User root\n  ProxyJump root@{}:{},root@{}:{}\nHost *\n  IdentityFile {}\n",
            target.address,
            target.port,
            hop1.address,
            hop1.port,
            hop2.address,
            hop2.port,
            fleet.identity().display()
        ),
    );
    let out = run(&fleet, "[web]\ntarget\n", &["-F", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // hop1 forwarded to hop2, hop2 forwarded to the target, and the target accepted one login.
    let target_of = |i: usize| -> Vec<String> {
        let log = fleet.hosts[i].log_text();
        log.lines()
            .filter_map(|l| {
                l.split_once("server_request_direct_tcpip: ")
                    .map(|(_, t)| t)
            })
            .filter_map(|t| t.split_once(", target ").map(|(_, t)| t.to_string()))
            .collect()
    };
    let at = |i: usize| format!("{} port {}", fleet.hosts[i].address, fleet.hosts[i].port);
    assert_eq!(target_of(0), [at(1)], "hop1 forwards only to hop2");
    assert_eq!(target_of(1), [at(2)], "hop2 forwards to the target");
    assert_eq!(accepted(&fleet, 2), 1, "{}", fleet.hosts[2].log_text());
}
