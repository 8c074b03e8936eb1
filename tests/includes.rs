//! `include_tasks` resolved while the play runs, against real sshd hosts: loops over an
//! include, templated file names, `when` checked once, failures inside reaching the enclosing
//! block's `rescue`, and mistakes in included files. The expected recaps are what
//! ansible-playbook 2.19 printed for the same playbooks.

mod common;

use common::{Lab, counts, text};

/// Two hosts whose variables pick different task files and loop items.
fn lab() -> Lab {
    let lab = Lab::new(2);
    std::fs::create_dir_all(lab.dir().join("out")).unwrap();
    lab.write("host_vars/h1.yml", "kind: web\npkgs: [a, b]\n");
    lab.write("host_vars/h2.yml", "kind: db\npkgs: [c]\n");
    lab
}

#[test]
fn a_looped_include_with_a_templated_name_runs_each_hosts_file_once_per_item() {
    let lab = lab();
    lab.write(
        "tasks/web.yml",
        "- copy: {content: \"{{ pkg }} {{ i }}\\n\", dest: \"{{ out }}/{{ inventory_hostname }}.web.{{ pkg }}\"}\n",
    );
    lab.write(
        "tasks/db.yml",
        "- copy: {content: \"{{ pkg }} {{ i }}\\n\", dest: \"{{ out }}/{{ inventory_hostname }}.db.{{ pkg }}\"}\n\
         - command: \"true\"\n  changed_when: false\n",
    );
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: no
  tasks:
    - include_tasks: "tasks/{{ kind }}.yml"
      loop: "{{ pkgs }}"
      loop_control: {loop_var: pkg, index_var: i}
    - copy: {content: "after\n", dest: "{{ out }}/{{ inventory_hostname }}.after"}
"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("h1.web.a"), "a 0\n");
    assert_eq!(lab.read("h1.web.b"), "b 1\n");
    assert_eq!(lab.read("h2.db.c"), "c 0\n");
    assert!(!lab.exists("h1.db.a") && !lab.exists("h2.web.c"));
    assert_eq!(lab.read("h2.after"), "after\n");
    // One `ok` per included file and item, as Ansible counts them.
    assert_eq!(counts(&out, "h1"), (5, 3, 0, 0, 0, 0));
    assert_eq!(counts(&out, "h2"), (4, 2, 0, 0, 0, 0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The file by its full path, as Ansible prints it.
    let web = std::fs::canonicalize(lab.dir().join("tasks/web.yml")).unwrap();
    assert!(
        stdout.contains(&format!("included: {} for h1 => (item=a)", web.display())),
        "{}",
        text(&out)
    );
}

#[test]
fn an_include_checks_its_when_once_and_a_failure_inside_reaches_the_rescue() {
    let lab = lab();
    // The first task makes the include's `when` false: the second still runs.
    lab.write(
        "tasks/once.yml",
        "- set_fact: {marker: 1}\n\
         - copy: {content: \"second task ran\\n\", dest: \"{{ out }}/{{ inventory_hostname }}.once\"}\n",
    );
    lab.write(
        "tasks/fails.yml",
        "- fail: {msg: \"boom from {{ inventory_hostname }}\"}\n  when: inventory_hostname == 'h1'\n\
         - copy: {content: \"not failed\\n\", dest: \"{{ out }}/{{ inventory_hostname }}.notfailed\"}\n",
    );
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: no
  tasks:
    - include_tasks: tasks/once.yml
      when: marker is not defined
    - block:
        - include_tasks: tasks/fails.yml
      rescue:
        - copy: {content: "{{ ansible_failed_result.msg }}\n", dest: "{{ out }}/{{ inventory_hostname }}.rescued"}
"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("h1.once"), "second task ran\n");
    assert_eq!(lab.read("h2.once"), "second task ran\n");
    assert_eq!(lab.read("h1.rescued"), "boom from h1\n");
    assert!(!lab.exists("h1.notfailed"));
    assert_eq!(lab.read("h2.notfailed"), "not failed\n");
    assert_eq!(counts(&out, "h1"), (5, 2, 0, 0, 1, 0));
    assert_eq!(counts(&out, "h2"), (5, 2, 0, 1, 0, 0));
}

const BAD: &str = "- name: fine\n  debug: {msg: hi}\n- cpoy: {content: x, dest: /tmp/x}\n";

#[test]
fn a_mistake_in_a_file_named_plainly_is_a_warning_and_fails_the_include_if_it_runs() {
    let lab = lab();
    lab.write("tasks/bad.yml", BAD);
    lab.write("tasks/never.yml", BAD);
    let playbook = "- hosts: all_hosts\n  gather_facts: no\n  tasks:\n    - include_tasks: tasks/never.yml\n      when: false\n    - include_tasks: tasks/bad.yml\n      loop: [1, 2]\n";
    // As Ansible: a file `include_tasks` names is read when the include runs. Read ahead, its
    // mistakes are warnings; the include that runs fails on every host, the one that does not
    // changes nothing.
    let out = lab.run(playbook, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for file in ["never.yml", "bad.yml"] {
        assert!(
            stderr.contains(&format!("{file}:3:3: unknown module or task keyword `cpoy`; did you mean `copy`? (read ahead: Ansible reads it only when the include runs, and so fails only then)")),
            "{}",
            text(&out)
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("bad.yml:3:3: unknown module or task keyword `cpoy`"),
        "{}",
        text(&out)
    );
    assert_eq!(counts(&out, "h1").2, 1, "{}", text(&out));
    // --strict: the same mistakes stop the run before any host is contacted.
    let lab = self::lab();
    lab.write("tasks/bad.yml", BAD);
    lab.write("tasks/never.yml", BAD);
    let strict = lab.run(playbook, &["--strict"]);
    assert_eq!(strict.status.code(), Some(5), "{}", text(&strict));
    assert!(
        String::from_utf8_lossy(&strict.stderr)
            .contains("never.yml:3:3: unknown module or task keyword `cpoy`; did you mean `copy`?"),
        "{}",
        text(&strict)
    );
    lab.assert_no_host_contacted();
}

#[test]
fn a_templated_name_fails_only_the_hosts_whose_file_is_wrong() {
    let lab = lab();
    lab.write("tasks/web.yml", BAD);
    lab.write(
        "tasks/db.yml",
        "- copy: {content: \"db\\n\", dest: \"{{ out }}/{{ inventory_hostname }}.db\"}\n",
    );
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: no
  tasks:
    - include_tasks: "tasks/{{ kind }}.yml"
    - include_tasks: "tasks/{{ kind }}-missing.yml"
"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // h1 fails at the first include, naming the mistake's place; h2 goes on to the second,
    // whose file does not exist.
    assert!(
        stdout.contains("tasks/web.yml:3:3: unknown module or task keyword `cpoy`"),
        "{}",
        text(&out)
    );
    assert_eq!(lab.read("h2.db"), "db\n");
    assert!(
        stdout.contains("Could not find or access `tasks/db-missing.yml`"),
        "{}",
        text(&out)
    );
    assert_eq!(counts(&out, "h1").2, 1, "h1 failed once");
    assert_eq!(counts(&out, "h2").2, 1, "h2 failed once");
}

#[test]
fn under_the_free_strategy_each_host_runs_the_file_it_includes() {
    let lab = lab();
    lab.write(
        "tasks/web.yml",
        "- copy: {dest: \"{{ out }}/{{ inventory_hostname }}.web\", content: \"web\\n\"}\n",
    );
    lab.write(
        "tasks/db.yml",
        "- copy: {dest: \"{{ out }}/{{ inventory_hostname }}.db\", content: \"db\\n\"}\n",
    );
    let out = lab.run(
        "- hosts: all_hosts\n  gather_facts: no\n  strategy: free\n  tasks:\n    - file: {path: \"{{ out }}\", state: directory}\n    - include_tasks: \"tasks/{{ kind }}.yml\"\n",
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("h1.web"), "web\n");
    assert_eq!(lab.read("h2.db"), "db\n");
    assert!(!lab.exists("h1.db") && !lab.exists("h2.web"));
}

#[test]
fn nested_looped_includes_in_a_role_run_in_ansibles_order() {
    let lab = Lab::new(1);
    lab.write("roles/r1/defaults/main.yml", "r1_items: [x, y]\n");
    lab.write(
        "roles/r1/tasks/main.yml",
        "- include_tasks: inner.yml\n  loop: \"{{ r1_items }}\"\n  loop_control: {loop_var: outer}\n",
    );
    lab.write(
        "roles/r1/tasks/inner.yml",
        "- debug: msg=\"role {{ role_name }} outer={{ outer }}\"\n- include_tasks: leaf.yml\n  loop: [1, 2]\n",
    );
    lab.write(
        "roles/r1/tasks/leaf.yml",
        "- debug: msg=\"leaf {{ outer }}-{{ item }}\"\n\
         - set_fact:\n    seen: \"{{ (seen | default([])) + [outer ~ item | string] }}\"\n",
    );
    lab.write(
        "tasks/t.yml",
        "- debug: msg=\"block include ran\"\n- meta: end_play\n- debug: msg=never\n",
    );
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: false
  roles: [r1]
  tasks:
    - debug: var=seen
    - block:
        - include_tasks: tasks/t.yml
      when: seen | length == 4
"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let msgs: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("\"msg\": "))
        .collect();
    assert_eq!(
        msgs,
        [
            "\"role r1 outer=x\"",
            "\"leaf x-1\"",
            "\"leaf x-2\"",
            "\"role r1 outer=y\"",
            "\"leaf y-1\"",
            "\"leaf y-2\"",
            "\"block include ran\"",
        ],
        "{}",
        text(&out)
    );
    // What ansible-playbook 2.19 counts for the same playbook.
    assert_eq!(counts(&out, "h1"), (19, 0, 0, 0, 0, 0));
}

#[test]
fn a_looped_include_role_runs_each_role_and_its_handlers_as_ansible_does() {
    let lab = Lab::new(1);
    std::fs::create_dir_all(lab.dir().join("out")).unwrap();
    lab.write("roles/web/defaults/main.yml", "port: 80\n");
    lab.write(
        "roles/web/tasks/main.yml",
        "- shell: echo \"web {{ port }} {{ item }}\" >> {{ out }}/{{ inventory_hostname }}\n  notify: restart web\n",
    );
    lab.write(
        "roles/web/handlers/main.yml",
        "- name: restart web\n  shell: echo restarted >> {{ out }}/{{ inventory_hostname }}\n",
    );
    lab.write(
        "roles/db/tasks/main.yml",
        "- shell: echo \"db {{ item }}\" >> {{ out }}/{{ inventory_hostname }}\n",
    );
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: no
  tasks:
    - include_role:
        name: "{{ item }}"
      loop: [web, db]
    - include_role:
        name: web
      vars:
        port: "{{ 8000 + idx }}"
      loop: [a, b]
      loop_control: {index_var: idx}
"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        lab.read("h1"),
        "web 80 web\ndb db\nweb 8000 a\nweb 8001 b\nrestarted\n"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("TASK [include_role : {{ item }}]"),
        "{}",
        text(&out)
    );
    assert!(
        stdout.contains("RUNNING HANDLER [web : restart web]"),
        "{}",
        text(&out)
    );
    // What ansible-playbook 2.19 counted and wrote for the same playbook and roles.
    assert_eq!(counts(&out, "h1"), (9, 5, 0, 0, 0, 0), "{}", text(&out));
}

#[test]
fn a_file_that_includes_itself_is_reported_before_any_host_is_contacted() {
    let lab = lab();
    lab.write(
        "tasks/self.yml",
        "- debug: {msg: again}\n- include_tasks: tasks/self.yml\n",
    );
    let out = lab.run(
        "- hosts: all_hosts\n  gather_facts: no\n  tasks:\n    - include_tasks: tasks/self.yml\n",
        &[],
    );
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "self.yml:2:3: `include_tasks` nests more than 32 levels deep (does it include itself?)"
        ),
        "{}",
        text(&out)
    );
    lab.assert_no_host_contacted();
}

/// What real roles do: an OS-specific task file with modules and arguments for another family,
/// included under a `when` that is false here. As in Ansible, it neither stops nor fails the run.
#[test]
fn another_os_familys_task_file_and_arguments_do_not_stop_a_debian_run() {
    let lab = lab();
    lab.write(
        "tasks/setup-FreeBSD.yml",
        "- pkgng: {name: nginx, state: present}\n- openbsd_pkg: {name: nginx}\n",
    );
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: no
  vars: {os_family: Debian}
  tasks:
    - include_tasks: tasks/setup-FreeBSD.yml
      when: os_family == 'FreeBSD'
    - name: RedHat only
      package: {name: nginx, enablerepo: epel}
      when: os_family == 'RedHat'
    - copy: {content: "ran\n", dest: "{{ out }}/{{ inventory_hostname }}.ran"}
"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("h1.ran"), "ran\n");
    assert_eq!(counts(&out, "h1"), (1, 1, 0, 2, 0, 0), "{}", text(&out));
}

/// `apply:` gives its keywords to every included task, as Ansible's include_tasks does: with
/// `--tags install`, the untagged tasks of the file run because `apply` tags them.
#[test]
fn apply_gives_its_keywords_to_the_included_tasks() {
    let lab = lab();
    lab.write(
        "tasks/install.yml",
        "- copy: {content: \"{{ how }}\\n\", dest: \"{{ out }}/{{ inventory_hostname }}.installed\"}\n",
    );
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: no
  tasks:
    - include_tasks:
        file: tasks/install.yml
        apply: {tags: [install], vars: {how: applied}}
      tags: always
    - name: untagged, not selected
      copy: {content: "no\n", dest: "{{ out }}/{{ inventory_hostname }}.other"}
    - ansible.builtin.include_tasks: tasks/install.yml
      args:
        apply: {tags: [skipme]}
      vars: {how: second}
      tags: always
"#,
        &["--tags", "install"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("h1.installed"), "applied\n");
    assert!(!lab.exists("h1.other"), "{}", text(&out));
}

/// As ansible-core's own `setup_remote_tmp_dir` role does: `first_found` finds a task file
/// beside the role's `tasks/main.yml` (Ansible's search path has the task file's directory).
#[test]
fn first_found_finds_task_files_beside_the_roles_tasks() {
    let lab = lab();
    lab.write(
        "roles/tmp/tasks/main.yml",
        "- include_tasks: \"{{ lookup('first_found', files) }}\"\n  vars:\n    files:\n      - \"{{ kind }}.yml\"\n      - default.yml\n",
    );
    lab.write(
        "roles/tmp/tasks/default.yml",
        "- copy: {dest: \"{{ out }}/{{ inventory_hostname }}.default\", content: \"d\\n\"}\n",
    );
    lab.write(
        "roles/tmp/tasks/web.yml",
        "- copy: {dest: \"{{ out }}/{{ inventory_hostname }}.web\", content: \"w\\n\"}\n",
    );
    let out = lab.run(
        "- hosts: all_hosts\n  gather_facts: no\n  roles: [tmp]\n",
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("h1.web"), "w\n");
    assert_eq!(lab.read("h2.default"), "d\n");
}

/// A target path written with `~` is the home directory of the task's user on the target,
/// as Ansible expands its path options there (here a home set by `environment`).
#[test]
fn a_tilde_path_is_the_targets_home() {
    let lab = lab();
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: no
  environment:
    HOME: "{{ out }}/{{ inventory_hostname }}-home"
  tasks:
    - file: {path: "~", state: directory}
    - copy: {dest: "~/copied", content: "c\n"}
    - lineinfile: {path: "~/lines", line: "l", create: true}
    - command: touch made
      args: {chdir: "~", creates: "~/made"}
"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("h1-home/copied"), "c\n");
    assert_eq!(lab.read("h2-home/lines"), "l\n");
    assert!(lab.exists("h1-home/made"));
}

/// A task naming an action plugin of the playbook's `action_plugins/` (as ansible-core's until
/// target does) is not refused at load: Ansible would run it, rconf cannot, so it fails only
/// if it runs, with the reason.
#[test]
fn an_action_plugin_of_the_playbook_fails_only_if_it_runs() {
    let lab = lab();
    lab.write(
        "action_plugins/shell_no_failed.py",
        "from ansible.plugins.action import ActionBase\n",
    );
    let play = |when: &str| {
        format!(
            "- hosts: all_hosts\n  gather_facts: no\n  tasks:\n    - debug: {{msg: before}}\n    - shell_no_failed: {{_raw_params: 'true'}}\n      when: {when}\n"
        )
    };
    let out = lab.run(&play("false"), &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("is an action plugin"), "{t}");
    let out = lab.run(&play("true"), &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("which rconf does not run"), "{t}");
}
