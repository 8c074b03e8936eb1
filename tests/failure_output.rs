//! What a user reads about a failure on the terminal, next to ansible-playbook 2.19 on the same
//! files: the message first, then where the task is written (`Origin:` and its source lines),
//! failed loop items worded as Ansible words them, and readable multi-line results.

mod common;

use common::{Lab, ansible_playbook, text};

/// The `[ERROR]` blocks of an output (each from its `[ERROR]` line to the blank line after its
/// excerpt), with the lab's directory taken out of paths: Ansible prints them absolute.
fn error_blocks(stdout: &str, dir: &str) -> Vec<String> {
    let stdout = stdout.replace(&format!("{dir}/"), "");
    let mut blocks = Vec::new();
    let mut lines = stdout.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("[ERROR]: Task failed") {
            let mut block = vec![line.to_string()];
            // The excerpt is the second paragraph; the block ends after it.
            let mut blanks = 0;
            for l in lines.by_ref() {
                if l.is_empty() {
                    blanks += 1;
                    if blanks == 2 {
                        break;
                    }
                }
                block.push(l.to_string());
            }
            blocks.push(block.join("\n"));
        }
    }
    blocks
}

const ROLE_TASKS: &str = "\
- name: ok one
  debug: msg=hi

- name: fails in the role
  command: /bin/false
";

const PLAYBOOK: &str = "\
- hosts: all
  gather_facts: false
  tasks:
    - name: shell fails
      shell: 'echo out; echo e1 >&2; exit 3'
      ignore_errors: true
    - name: fail says why
      fail:
        msg: boom
      ignore_errors: true
    - name: one item fails
      command: '{{ item }}'
      loop: [/bin/true, /bin/false]
      ignore_errors: true
    - name: role
      include_role:
        name: web
";

#[test]
fn a_failure_shows_its_message_then_its_origin_as_ansible_does() {
    let lab = Lab::new(1);
    lab.write("roles/web/tasks/main.yml", ROLE_TASKS);
    let out = lab.run(PLAYBOOK, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));

    let dir = lab.dir().to_str().unwrap();
    let blocks = error_blocks(&stdout, dir);
    assert_eq!(
        blocks[0],
        "[ERROR]: Task failed: Module failed: non-zero return code\n\
         Origin: site.yml:4:7\n\
         \n\
         2   gather_facts: false\n\
         3   tasks:\n\
         4     - name: shell fails\n\
         \x20       ^ column 7",
        "{stdout}"
    );
    assert!(
        blocks[1].starts_with("[ERROR]: Task failed: Action failed: boom\nOrigin: site.yml:7:7\n"),
        "{stdout}"
    );
    assert!(
        blocks[3].starts_with(
            "[ERROR]: Task failed: Module failed: non-zero return code\n\
             Origin: roles/web/tasks/main.yml:4:3\n\n2   debug: msg=hi\n3\n4 - name: fails in the role\n    ^ column 3"
        ),
        "{stdout}"
    );
    // The failed item reads as Ansible's, and no line for the loop as a whole follows it.
    assert!(
        stdout.contains("failed: [h1] (item=/bin/false) => {"),
        "{stdout}"
    );
    assert!(!stdout.contains("One or more items failed"), "{stdout}");

    // ansible-playbook 2.19 on the same files prints the same blocks.
    let ansible = ansible_playbook(&lab, "site.yml").output().unwrap();
    let theirs = error_blocks(&String::from_utf8_lossy(&ansible.stdout), dir);
    assert_eq!(blocks, theirs, "{}", text(&ansible));
}

#[test]
fn an_unreachable_host_shows_the_origin_of_the_task_that_could_not_reach_it() {
    let mut lab = Lab::new(1);
    lab.fleet.kill(0);
    let out = lab.run(
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: reach\n      ping:\n",
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let block = &error_blocks(&stdout, lab.dir().to_str().unwrap())[0];
    assert!(
        block.starts_with("[ERROR]: Task failed: ") && !block.contains("Module failed"),
        "{stdout}"
    );
    assert!(
        block.ends_with("Origin: site.yml:4:7\n\n2   gather_facts: false\n3   tasks:\n4     - name: reach\n        ^ column 7"),
        "{stdout}"
    );
    assert!(
        stdout.contains("fatal: [h1]: UNREACHABLE! => {"),
        "{stdout}"
    );
}
