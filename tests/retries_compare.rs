//! `until`/`retries` give what ansible-playbook 2.19 gives on the same host: `attempts` seen by
//! `failed_when`, `until` seeing what `failed_when` decided, `retries` alone retrying until
//! the task succeeds, the count Ansible registers when the retries run out, none with
//! `retries: 0`.

mod common;

use serde_json::Value;

use common::{Lab, run_tool, text};

const PLAYBOOK: &str = r#"
- hosts: all_hosts
  gather_facts: false
  tasks:
    - shell: 'true'
      register: fw
      failed_when: true
      until: fw is successful
      retries: 2
      delay: 0
      ignore_errors: true
    - shell: 'true'
      register: att
      until: 1 == 0
      retries: 2
      delay: 0
      failed_when: att.attempts > 6
      ignore_errors: true
    - fail:
      retries: 2
      delay: 0
      register: plain
      ignore_errors: true
    - shell: "[ -f {{ out }}/flag ] || (touch {{ out }}/flag && false)"
      retries: 3
      delay: 0
      register: second
    - shell: 'false'
      retries: 0
      until: 1 == 0
      register: zero
      ignore_errors: true
    - copy:
        dest: "{{ out }}/r.json"
        content: "{{ {'fw': [fw.attempts, fw.failed], 'att': [att.attempts, att.failed],
                      'plain': [plain.attempts, plain.failed],
                      'second': [second.attempts, second.failed],
                      'zero': [zero.attempts is defined, zero.failed]} | to_json }}"
"#;

fn outcome(lab: &Lab, ansible: bool) -> Value {
    let out_dir = lab.dir().join(if ansible { "a" } else { "r" });
    std::fs::create_dir_all(&out_dir).unwrap();
    let vars = format!("{{\"out\": \"{}\"}}", out_dir.display());
    let out = run_tool(lab, ansible, "site.yml", &vars);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    serde_json::from_str(&std::fs::read_to_string(out_dir.join("r.json")).unwrap()).unwrap()
}

#[test]
fn retries_count_and_decide_as_ansible() {
    let lab = Lab::new(1);
    lab.write("site.yml", PLAYBOOK);
    let ansible = outcome(&lab, true);
    let rconf = outcome(&lab, false);
    assert_eq!(rconf, ansible, "rconf (left), Ansible (right)");
    // What Ansible gives, so that the comparison cannot pass on two equal mistakes.
    assert_eq!(
        rconf,
        serde_json::json!({"fw": [2, true], "att": [2, true], "plain": [2, true],
                           "second": [2, false], "zero": [false, true]})
    );
}
