//! Loops give what ansible-playbook 2.19 gives on the same host: a loop that cannot be
//! rendered is skipped by a false `when` (and fails otherwise), `with_list` of a dictionary
//! is one item, `with_dict` of a list fails with the dict lookup's words, a list's `index`.

mod common;

use serde_json::Value;

use common::{Lab, run_tool, text};

const PLAYBOOK: &str = r#"
- hosts: all_hosts
  gather_facts: false
  tasks:
    - debug: {msg: loop}
      when: false
      loop: "{{ fake_var }}"
      register: undefined_skipped
    - debug: {msg: "{{ item }}"}
      with_list: "{{ a_dict }}"
      vars: {a_dict: {key: value}}
      register: list_of_dict
    - debug: {msg: "{{ item }}"}
      with_dict: [1, 2]
      register: dict_of_list
      ignore_errors: true
    - debug: {msg: "{{ item }}"}
      when: true
      loop: "{{ fake_var }}"
      register: undefined_runs
      ignore_errors: true
    - assert:
        that: test_var.index(item) == my_idx
      vars:
        test_var: [a, b, c]
      loop: "{{ test_var }}"
      loop_control:
        index_var: my_idx
    - copy:
        dest: "{{ out }}/r.json"
        content: "{{ {'skipped': undefined_skipped is skipped,
                      'list_items': list_of_dict.results | map(attribute='item') | list,
                      'dict_failed': dict_of_list is failed,
                      'old_words': 'with_dict expects a dict' in dict_of_list.msg,
                      'runs_failed': undefined_runs is failed} | to_json }}"
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
fn loops_render_skip_and_fail_as_ansible() {
    let lab = Lab::new(1);
    lab.write("site.yml", PLAYBOOK);
    let ansible = outcome(&lab, true);
    let rconf = outcome(&lab, false);
    assert_eq!(rconf, ansible, "rconf (left), Ansible (right)");
    assert_eq!(
        rconf,
        serde_json::json!({"skipped": true, "list_items": [{"key": "value"}],
                           "dict_failed": true, "old_words": false, "runs_failed": true})
    );
}
