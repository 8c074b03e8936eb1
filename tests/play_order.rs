//! The play keyword `order` beside ansible-playbook 2.19: the hosts of a play run (and are
//! batched by `serial`) in the order it names. The hosts are this machine, three times over
//! (`ansible_connection=local`).

mod common;

use std::process::Command;

use common::{ansible_venv, text};

/// The hosts in the order their `debug` results were printed.
fn order_of(out: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("ok: ["))
        .filter_map(|l| l.split(']').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn order_puts_the_hosts_in_ansibles_order() {
    let dir = tempfile::tempdir().unwrap();
    let host = |n: &str| {
        format!("{n} ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n")
    };
    std::fs::write(
        dir.path().join("hosts.ini"),
        [host("b1"), host("a2"), host("c3")].concat(),
    )
    .unwrap();
    let play = |order: &str| {
        format!(
            "- hosts: all\n  gather_facts: false\n  order: {order}\n  serial: 1\n  tasks:\n\
             \x20   - debug: msg=\"{{{{ inventory_hostname }}}}\"\n"
        )
    };
    let orders = ["inventory", "reverse_inventory", "sorted", "reverse_sorted"];
    std::fs::write(
        dir.path().join("site.yml"),
        orders.iter().map(|o| play(o)).collect::<String>(),
    )
    .unwrap();
    let ansible = Command::new(ansible_venv().join("bin/ansible-playbook"))
        .args(["site.yml", "-i", "hosts.ini"])
        .current_dir(dir.path())
        .env("ANSIBLE_FORCE_COLOR", "0")
        .output()
        .unwrap();
    let rconf = Command::new(env!("CARGO_BIN_EXE_rconf"))
        .args(["run", "site.yml", "-i", "hosts.ini"])
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert_eq!(ansible.status.code(), Some(0), "{}", text(&ansible));
    assert_eq!(rconf.status.code(), Some(0), "{}", text(&rconf));
    let want: Vec<String> = [
        "b1", "a2", "c3", "c3", "a2", "b1", "a2", "b1", "c3", "c3", "b1", "a2",
    ]
    .map(String::from)
    .to_vec();
    assert_eq!(order_of(&ansible), want, "{}", text(&ansible));
    assert_eq!(order_of(&rconf), want, "{}", text(&rconf));
}

#[test]
fn an_unknown_order_is_a_load_error_naming_the_choices() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hosts.ini"),
        "localhost ansible_connection=local\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: all\n  order: random\n  tasks: []\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rconf"))
        .args(["run", "site.yml", "-i", "hosts.ini"])
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "error: site.yml:2:10: `order` must be one of: inventory, reverse_inventory, \
             sorted, reverse_sorted, shuffle; found `random`\n"
        ),
        "{stderr}"
    );
}
