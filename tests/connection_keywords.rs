//! The `connection` and `port` keywords beside ansible-playbook 2.19 on the same sshd host and
//! files: a keyword applies where no host variable says otherwise (`ansible_connection`,
//! `ansible_port` win over it, as Ansible ranks variables over keywords).

mod common;

use common::{Lab, recap, run_tool, text};

#[test]
fn connection_and_port_keywords_apply_below_the_host_variables_as_in_ansible() {
    let lab = Lab::new(1);
    let h = &lab.fleet.hosts[0];
    std::fs::write(
        &lab.inventory,
        format!(
            "[sshd]\nh1 ansible_host={addr} ansible_user=root\n\
             [pinned]\np1 ansible_host={addr} ansible_port={port} ansible_user=root ansible_connection=ssh\n\
             [ghost]\nghost1 ansible_host=203.0.113.1\n\
             [all:vars]\nansible_python_interpreter=/usr/bin/python3\n",
            addr = h.address,
            port = h.port
        ),
    )
    .unwrap();
    let play = |name: &str, hosts: &str, keyword: &str| {
        format!(
            "- name: {name}\n  hosts: {hosts}\n  gather_facts: false\n  {keyword}\n  tasks:\n\
             \x20   - shell: echo \"over ${{SSH_CONNECTION:+ssh}}\"\n      register: r\n\
             \x20   - debug:\n        msg: \"{name}: {{{{ r.stdout }}}}\"\n"
        )
    };
    lab.write(
        "site.yml",
        &[
            // No ansible_port: the keyword names the port (22 would refuse or not be sshd).
            play("port keyword", "sshd", &format!("port: {}", h.port)),
            // A host with no connection variable: the keyword makes it this machine.
            play("local keyword", "ghost", "connection: local"),
            // `ansible_connection=ssh` on the host wins over the keyword.
            play("variable wins", "pinned", "connection: local"),
        ]
        .concat(),
    );
    let mut recaps = Vec::new();
    for ansible in [true, false] {
        let out = run_tool(&lab, ansible, "site.yml", "unused=1");
        let who = if ansible { "ansible-playbook" } else { "rconf" };
        assert_eq!(out.status.code(), Some(0), "{who}: {}", text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        for msg in [
            "\"msg\": \"port keyword: over ssh\"",
            "\"msg\": \"local keyword: over \"",
            "\"msg\": \"variable wins: over ssh\"",
        ] {
            assert!(stdout.contains(msg), "{who} lacks {msg}: {}", text(&out));
        }
        recaps.push(recap(&out));
    }
    assert_eq!(recaps[0], recaps[1], "same recap as ansible-playbook");
}

#[test]
fn a_port_keyword_that_is_no_port_is_a_load_error() {
    let lab = Lab::new(1);
    let out = lab.run(
        "- hosts: all\n  gather_facts: false\n  port: http\n  tasks:\n    - ping:\n",
        &[],
    );
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: site.yml:1:3: `port` must be a port number, found `\"http\"`"),
        "{stderr}"
    );
    lab.assert_no_host_contacted();
}
