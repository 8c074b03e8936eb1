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

/// The lines from the first starting with `head` to the next blank one.
fn block_from(stdout: &str, head: &str) -> String {
    let start = stdout
        .find(head)
        .unwrap_or_else(|| panic!("no {head:?} in:\n{stdout}"));
    let rest = &stdout[start..];
    rest[..rest.find("\n\n").unwrap_or(rest.len())].to_string()
}

#[test]
fn multi_line_output_reads_as_lines_and_callback_result_format_yaml_is_honoured() {
    let lab = Lab::new(1);
    let playbook = "\
- hosts: all
  gather_facts: false
  tasks:
    - name: shell fails
      shell: 'echo out; echo e1 >&2; echo e2 >&2; exit 3'
";
    // rconf's own default: one JSON line, but a multi-line stderr as a YAML block.
    let out = lab.run(playbook, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let fatal = block_from(&stdout, "fatal: [h1]: FAILED! =>");
    assert!(
        fatal.starts_with("fatal: [h1]: FAILED! => \n    changed: true\n"),
        "{stdout}"
    );
    assert!(
        fatal.contains("\n    stderr: |-\n        e1\n        e2\n    stderr_lines: <omitted>\n"),
        "{stdout}"
    );

    // `callback_result_format = yaml` in ansible.cfg: every result as YAML, as Ansible prints
    // it (compared on a debug whose value has no timings).
    lab.write("ansible.cfg", "[defaults]\ncallback_result_format = yaml\n");
    let playbook = "\
- hosts: all
  gather_facts: false
  tasks:
    - debug: var=x
      vars: {x: {k: [1, {z: 2}], e: '', s: \"two\\nlines\\n\", n: '0:01'}}
";
    let out = lab.run(playbook, &[]);
    let ours = block_from(&String::from_utf8_lossy(&out.stdout), "ok: [h1] =>");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let ansible = ansible_playbook(&lab, "site.yml").output().unwrap();
    let theirs = block_from(&String::from_utf8_lossy(&ansible.stdout), "ok: [h1] =>");
    assert_eq!(ours, theirs, "{}", text(&ansible));
    assert!(
        ours.contains("\n        s: |-\n            two\n            lines"),
        "{ours}"
    );

    // `callback_result_format = json` keeps even multi-line text on one JSON line.
    lab.write("ansible.cfg", "[defaults]\ncallback_result_format = json\n");
    let out = lab.run(
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - fail: msg=\"a\\nb\"\n",
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "fatal: [h1]: FAILED! => {\"changed\": false, \"failed\": true, \"msg\": \"a\\nb\"}"
        ),
        "{stdout}"
    );
}

#[test]
fn another_stdout_callback_is_warned_about_not_ignored() {
    let lab = Lab::new(1);
    lab.write("ansible.cfg", "[defaults]\nstdout_callback = minimal\n");
    let out = lab.run(
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n",
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stderr.contains("ansible.cfg:2: `stdout_callback = minimal` is not used by rconf: it prints as Ansible's default callback"),
        "{stderr}"
    );
    // `yaml` (the community.general callback Ansible users set) means YAML results.
    lab.write("ansible.cfg", "[defaults]\nstdout_callback = yaml\n");
    let out = lab.run(
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n",
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("ok: [h1] => \n    msg: hi\n"), "{stdout}");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("warning"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_no_log_failure_shows_where_it_is_but_not_its_source() {
    let lab = Lab::new(1);
    let page = lab.dir().join("page.html");
    let out = lab.run(
        "\
- hosts: all
  gather_facts: false
  tasks:
    - name: hidden
      no_log: true
      shell: 'echo s3cr3t-value; exit 3'
",
        &["--report-html", page.to_str().unwrap(), "--no-history"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stdout.contains(
            "[ERROR]: Task failed: Module failed: (censored due to no_log)\n\
             Origin: site.yml:4:7\n\n(source not shown: content redacted)\n\nfatal: [h1]: FAILED!"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("s3cr3t"), "{stdout}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("(source not shown: content redacted)"),
        "{html}"
    );
    assert!(!html.contains("s3cr3t"), "{html}");
}
