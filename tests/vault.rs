//! Ansible Vault through the real binary against an sshd host: files and `!vault` values that
//! ansible-vault 2.19 encrypted (tests/fixtures/vault) read as their plain text in vars_files,
//! group_vars, include_vars, copy's source and the inventory listing; no or a wrong password is refused
//! before any host is contacted, naming the file.

mod common;

use std::path::PathBuf;

use common::{Lab, text};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/vault")
        .join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

/// A project whose secrets are vaulted: a whole vars file, an inline value in group_vars and
/// a labelled (vault id `prod`) inline value.
fn project() -> Lab {
    let lab = Lab::new(1);
    std::fs::create_dir_all(lab.dir().join("out")).unwrap();
    lab.write("secrets.yml", &read("secret.enc.yml"));
    let inline = |name: &str, file: &str| {
        let body: String = read(file).lines().map(|l| format!("  {l}\n")).collect();
        format!("{name}: !vault |\n{body}")
    };
    lab.write(
        "group_vars/all_hosts.yml",
        &(inline("token", "inline-value.txt") + &inline("prod_only", "labelled-value.txt")),
    );
    lab
}

const PLAYBOOK: &str = r#"
- hosts: all_hosts
  gather_facts: no
  vars_files: [secrets.yml]
  tasks:
    - include_vars: {file: secrets.yml, name: again}
    - copy:
        dest: "{{ out }}/{{ inventory_hostname }}"
        content: "{{ db_password }}|{{ api_keys | join(',') }}|{{ token }}|{{ prod_only }}|{{ again.db_password }}\n"
    - copy: {src: secrets.yml, dest: "{{ out }}/{{ inventory_hostname }}.copied"}
"#;

#[test]
fn vaulted_files_and_values_read_as_their_plain_text() {
    let lab = project();
    let pw = fixture("pw.txt").display().to_string();
    let out = lab.run(PLAYBOOK, &["--vault-id", &format!("prod@{pw}")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        lab.read("h1"),
        "s3cr3t p@ss|a1,b2|inline \"value\"|labelled|s3cr3t p@ss\n"
    );
    // copy sends a vaulted source as its plain text, as Ansible's `decrypt: yes` default does.
    assert_eq!(lab.read("h1.copied"), read("secret.yml"));
    // The inventory listing keeps `!vault` values encrypted, as ansible-inventory does.
    let listed = lab
        .fleet
        .rconf()
        .args(["inventory", "--host", "h1", "-i"])
        .arg(&lab.inventory)
        .args(["--vault-password-file", &pw])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&listed.stdout)
            .contains("\"token\": {\n        \"__ansible_vault\": \"$ANSIBLE_VAULT;1.1;AES256\\n"),
        "{}",
        text(&listed)
    );
}

#[test]
fn no_or_a_wrong_password_is_refused_before_any_host_is_contacted() {
    let lab = project();
    let out = lab.run(PLAYBOOK, &[]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "secrets.yml:1:1: vault: vault-encrypted, but no vault password was given \
             (--vault-password-file, --vault-id or --ask-vault-pass)"
        ),
        "{}",
        text(&out)
    );
    assert!(
        stderr.contains("all_hosts.yml: `token`: vault: vault-encrypted"),
        "{}",
        text(&out)
    );
    let wrong = lab.dir().join("wrong.txt");
    std::fs::write(&wrong, "Correct horse\n").unwrap();
    let out = lab.run(
        PLAYBOOK,
        &["--vault-password-file", wrong.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("secrets.yml:1:1: vault: no vault password given opens it"),
        "{}",
        text(&out)
    );
    lab.assert_no_host_contacted();
}

#[test]
fn the_password_can_come_from_a_script_named_in_ansible_cfg() {
    let lab = project();
    let script = lab.dir().join("vault-pass.sh");
    std::fs::write(&script, "#!/bin/sh\necho 'correct horse'\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
    lab.write(
        "ansible.cfg",
        "[defaults]\nvault_password_file = vault-pass.sh\n",
    );
    let out = lab.run(PLAYBOOK, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(lab.read("h1").starts_with("s3cr3t p@ss|"));
}
