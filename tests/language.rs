//! The playbook language against real sshd hosts: blocks, handlers, tags, roles, loops,
//! `serial` with `max_fail_percentage`, `run_once`, `delegate_to`, `until`, `environment`,
//! includes and variable precedence. Each test asserts what ran where, `changed` counts and
//! registered values.

mod common;

use std::path::Path;

use common::{Lab, counts, recap, text};

#[test]
fn blocks_rescue_and_always_per_host() {
    let lab = Lab::new(2);
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: no
  tasks:
    - file: {path: "{{ out }}", state: directory}
      run_once: true
    - name: guarded work
      block:
        - name: fails on h1 only
          command: "false"
          when: inventory_hostname == 'h1'
        - name: after the failure
          copy: {content: "body\n", dest: "{{ out }}/{{ inventory_hostname }}.body"}
      rescue:
        - name: note the failure
          copy:
            content: "{{ ansible_failed_task.name }}|{{ ansible_failed_result.rc }}\n"
            dest: "{{ out }}/{{ inventory_hostname }}.rescue"
      always:
        - name: always runs
          copy: {content: "always\n", dest: "{{ out }}/{{ inventory_hostname }}.always"}
    - name: the play goes on
      copy: {content: "end\n", dest: "{{ out }}/{{ inventory_hostname }}.end"}
"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("h1.rescue"), "fails on h1 only|1\n");
    assert!(!lab.exists("h1.body") && !lab.exists("h2.rescue"));
    for h in ["h1", "h2"] {
        assert_eq!(lab.read(&format!("{h}.always")), "always\n");
        assert_eq!(lab.read(&format!("{h}.end")), "end\n");
    }
    // h1: the failure is rescued (not counted as failed); h2 skips the `when` task.
    assert_eq!(counts(&out, "h1"), (4, 4, 0, 0, 1, 0), "{}", text(&out));
    assert_eq!(counts(&out, "h2"), (3, 3, 0, 1, 0, 0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("fatal: [h1]: FAILED!"));
}

#[test]
fn an_unrescued_failure_runs_always_then_stops_the_host() {
    let lab = Lab::new(2);
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: no
  tasks:
    - file: {path: "{{ out }}", state: directory}
      run_once: true
    - block:
        - command: "{{ 'false' if inventory_hostname == 'h2' else 'true' }}"
      always:
        - file: {path: "{{ out }}/{{ inventory_hostname }}.always", state: touch}
    - file: {path: "{{ out }}/{{ inventory_hostname }}.after", state: touch}
"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(lab.exists("h1.always") && lab.exists("h2.always"));
    assert!(lab.exists("h1.after") && !lab.exists("h2.after"));
    assert_eq!(counts(&out, "h2").2, 1);
}

#[test]
fn handlers_run_once_in_definition_order_on_notifying_hosts() {
    let lab = Lab::new(2);
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: no
  handlers:
    - name: first
      shell: echo first >> {{ out }}/{{ inventory_hostname }}.handlers
    - name: second
      listen: topic
      shell: echo second >> {{ out }}/{{ inventory_hostname }}.handlers
    - name: never notified
      shell: echo never >> {{ out }}/{{ inventory_hostname }}.handlers
  tasks:
    - file: {path: "{{ out }}", state: directory}
      run_once: true
    - name: changes on h1 only, notifies in reverse order
      command: echo hi
      changed_when: inventory_hostname == 'h1'
      notify: [topic, first]
    - name: notifies first again
      command: echo hi
      changed_when: inventory_hostname == 'h1'
      notify: first
"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("h1.handlers"), "first\nsecond\n");
    assert!(!lab.exists("h2.handlers"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.find("RUNNING HANDLER [first]").unwrap()
            < stdout.find("RUNNING HANDLER [second]").unwrap()
    );
}

#[test]
fn tags_select_tasks_with_always_and_never() {
    let lab = Lab::new(1);
    let playbook = r#"
- hosts: all_hosts
  gather_facts: no
  tasks:
    - file: {path: "{{ out }}", state: directory}
      tags: always
    - file: {path: "{{ out }}/web", state: touch}
      tags: [web]
    - file: {path: "{{ out }}/db", state: touch}
      tags: db
    - file: {path: "{{ out }}/debug", state: touch}
      tags: [never, debug]
    - block:
        - file: {path: "{{ out }}/blocktag", state: touch}
      tags: web
"#;
    let out = lab.run(playbook, &["--tags", "web"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(lab.exists("web") && lab.exists("blocktag"));
    assert!(!lab.exists("db") && !lab.exists("debug"));
    let out = lab.run(playbook, &["--skip-tags", "web,db"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!lab.exists("db") && !lab.exists("debug"));
    let out = lab.run(playbook, &["--tags", "debug"]);
    assert!(lab.exists("debug"), "{}", text(&out));
    let list = lab.run(playbook, &["--list-tasks", "--tags", "web"]);
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        listed.contains("TAGS: [web]") && !listed.contains("TAGS: [db]"),
        "{listed}"
    );
}

#[test]
fn roles_bring_defaults_vars_dependencies_templates_and_handlers() {
    let lab = Lab::new(1);
    lab.write(
        "roles/base/defaults/main.yml",
        "base_name: base-default\nshared: from-base-defaults\n",
    );
    lab.write(
        "roles/base/tasks/main.yml",
        "- copy: {content: \"{{ base_name }}\\n\", dest: \"{{ out }}/base\"}\n",
    );
    lab.write(
        "roles/app/meta/main.yml",
        "dependencies:\n  - role: base\n    base_name: from-app-meta\n",
    );
    lab.write(
        "roles/app/defaults/main.yml",
        "port: 80\nshared: from-app-defaults\n",
    );
    lab.write("roles/app/vars/main.yml", "app_dir: \"{{ out }}/app\"\n");
    lab.write(
        "roles/app/tasks/main.yml",
        "- file: {path: \"{{ app_dir }}\", state: directory}\n- template: {src: app.j2, dest: \"{{ app_dir }}/app.conf\"}\n  notify: reload app\n- import_tasks: extra.yml\n  when: port | int > 1000\n",
    );
    lab.write(
        "roles/app/tasks/extra.yml",
        "- copy: {content: \"high port\\n\", dest: \"{{ app_dir }}/extra\"}\n",
    );
    lab.write(
        "roles/app/templates/app.j2",
        "port={{ port }} shared={{ shared }} role={{ role_name }}\n",
    );
    lab.write(
        "roles/app/handlers/main.yml",
        "- name: reload app\n  copy: {content: reloaded, dest: \"{{ app_dir }}/reloaded\"}\n",
    );
    let playbook = "- hosts: all_hosts\n  gather_facts: no\n  pre_tasks:\n    - file: {path: \"{{ out }}\", state: directory}\n  roles:\n    - role: app\n      port: 8080\n";
    let out = lab.run(playbook, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("base"), "from-app-meta\n");
    assert_eq!(
        lab.read("app/app.conf"),
        "port=8080 shared=from-app-defaults role=app\n"
    );
    assert_eq!(lab.read("app/extra"), "high port\n");
    assert_eq!(lab.read("app/reloaded"), "reloaded");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("TASK [base : copy]")
            && stdout.contains("RUNNING HANDLER [app : reload app]"),
        "{stdout}"
    );
    let again = lab.run(playbook, &[]);
    assert_eq!(counts(&again, "h1").1, 0, "{}", text(&again));
}

#[test]
fn loops_register_per_item_results_and_loop_control() {
    let lab = Lab::new(1);
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: no
  vars:
    users: {alice: 1, bob: 2}
  tasks:
    - file: {path: "{{ out }}", state: directory}
    - command: echo {{ person }}-{{ idx }}
      loop: [ann, ben]
      loop_control: {loop_var: person, index_var: idx, label: "{{ person | upper }}"}
      register: echoes
    - copy:
        content: "{{ echoes.results | map(attribute='stdout') | join(',') }} {{ echoes.changed }}\n"
        dest: "{{ out }}/echoes"
    - copy: {content: "{{ item.key }}={{ item.value }}\n", dest: "{{ out }}/{{ item.key }}"}
      with_dict: "{{ users }}"
    - copy: {content: "{{ item }}\n", dest: "{{ out }}/flat-{{ item }}"}
      with_items: [[x, y], z]
"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("echoes"), "ann-0,ben-1 True\n");
    assert_eq!(lab.read("alice"), "alice=1\n");
    assert_eq!(lab.read("bob"), "bob=2\n");
    assert!(lab.exists("flat-x") && lab.exists("flat-y") && lab.exists("flat-z"));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("changed: [h1] => (item=ANN)"),
        "{}",
        text(&out)
    );
}

#[test]
fn serial_batches_stop_at_max_fail_percentage() {
    let lab = Lab::new(5);
    let playbook = r#"
- hosts: all_hosts
  gather_facts: no
  serial: [1, 2, "100%"]
  max_fail_percentage: 0
  tasks:
    - file: {path: "{{ out }}", state: directory}
    - command: "{{ 'false' if inventory_hostname == fail_on else 'true' }}"
    - file: {path: "{{ out }}/{{ inventory_hostname }}", state: touch}
"#;
    // h2 (second batch: h2, h3) fails: its batch finishes, later batches never start.
    let out = lab.run(playbook, &["-e", "fail_on=h2"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(lab.exists("h1"));
    assert!(!lab.exists("h2") && !lab.exists("h4") && !lab.exists("h5"));
    let r = recap(&out);
    assert!(
        !r.contains_key("h4") || r["h4"]["ok"] == 0,
        "{}",
        text(&out)
    );
    // Nobody fails: every batch runs.
    let out = lab.run(playbook, &["-e", "fail_on=none"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    for h in ["h1", "h2", "h3", "h4", "h5"] {
        assert!(lab.exists(h), "{h}: {}", text(&out));
    }
}

#[test]
fn run_once_delegate_to_until_and_environment() {
    let lab = Lab::new(3);
    let counter = lab.dir().join("counter");
    let out = lab.run(
        &format!(
            r#"
- hosts: all_hosts
  gather_facts: no
  tasks:
    - file: {{path: "{{{{ out }}}}", state: directory}}
      run_once: true
    - shell: echo "$GREETING from {{{{ inventory_hostname }}}}" >> {{{{ out }}}}/once
      environment: {{GREETING: "hello there"}}
      run_once: true
      register: once
    - copy: {{content: "{{{{ once.changed }}}}\n", dest: "{{{{ out }}}}/{{{{ inventory_hostname }}}}.once"}}
    - shell: echo x >> {counter}; test $(wc -l < {counter}) -ge 3
      register: attempts
      until: attempts.rc == 0
      retries: 5
      delay: 0
      run_once: true
    - command: hostname
      delegate_to: localhost
      register: delegated
    - copy: {{content: "{{{{ attempts.attempts }}}}\n", dest: "{{{{ out }}}}/attempts"}}
      run_once: true
"#,
            counter = counter.display()
        ),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("once"), "hello there from h1\n");
    for h in ["h1", "h2", "h3"] {
        assert_eq!(lab.read(&format!("{h}.once")), "True\n", "{h}");
    }
    assert_eq!(lab.read("attempts"), "3\n");
    // Each retry is reported as it happens, as Ansible prints it.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let retries: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("FAILED - RETRYING"))
        .collect();
    assert_eq!(
        retries,
        [
            "FAILED - RETRYING: [h1]: shell (5 retries left).",
            "FAILED - RETRYING: [h1]: shell (4 retries left)."
        ],
        "{}",
        text(&out)
    );
}

#[test]
fn variable_precedence_and_includes() {
    let lab = Lab::new(2);
    lab.write("group_vars/all_hosts.yml", "level: group\nonly_group: g\n");
    lab.write("host_vars/h2.yml", "level: host\n");
    lab.write("vars/common.yml", "from_file: vf\n");
    lab.write("tasks/write.yml", "- copy: {content: \"{{ what }}\\n\", dest: \"{{ out }}/{{ inventory_hostname }}.{{ name }}\"}\n");
    lab.write("extra.yml", "name: level-included\n");
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: no
  vars_files: [vars/common.yml]
  tasks:
    - file: {path: "{{ out }}", state: directory}
      run_once: true
    - include_tasks: tasks/write.yml
      vars: {name: level, what: "{{ level }}"}
    - include_tasks: tasks/write.yml
      vars: {name: play, what: "{{ only_group }}-{{ from_file }}-{{ cli }}"}
      when: inventory_hostname == 'h1'
    - copy: {content: "{{ hostvars['h2'].level }}\n", dest: "{{ out }}/h1.peer"}
      when: inventory_hostname == 'h1'
    - set_fact: {level: fact}
      when: inventory_hostname == 'h1'
    - include_vars: extra.yml
    - import_tasks: tasks/write.yml
      vars: {what: "{{ level }}"}
"#,
        &["-e", "cli=extra"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("h1.level"), "group\n");
    assert_eq!(lab.read("h2.level"), "host\n");
    assert_eq!(lab.read("h1.play"), "g-vf-extra\n");
    assert_eq!(lab.read("h1.peer"), "host\n");
    assert!(!lab.exists("h2.play"));
    // include_vars (like set_fact) beats task vars? No: task vars lose to set_fact in Ansible,
    // and `name` came from include_vars while `what` came from the task.
    assert_eq!(lab.read("h1.level-included"), "fact\n");
    assert_eq!(lab.read("h2.level-included"), "host\n");
}

#[test]
fn meta_end_host_and_flush_handlers() {
    let lab = Lab::new(2);
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: no
  handlers:
    - name: h
      shell: echo handled >> {{ out }}/{{ inventory_hostname }}.log
  tasks:
    - file: {path: "{{ out }}", state: directory}
      run_once: true
    - command: "true"
      changed_when: true
      notify: h
    - meta: flush_handlers
    - shell: echo after-flush >> {{ out }}/{{ inventory_hostname }}.log
    - meta: end_host
      when: inventory_hostname == 'h2'
    - shell: echo last >> {{ out }}/{{ inventory_hostname }}.log
"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("h1.log"), "handled\nafter-flush\nlast\n");
    assert_eq!(lab.read("h2.log"), "handled\nafter-flush\n");
}

#[test]
fn strategy_free_runs_every_host_through() {
    let lab = Lab::new(3);
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: no
  strategy: free
  tasks:
    - file: {path: "{{ out }}", state: directory}
    - command: sleep {{ '1' if inventory_hostname == 'h1' else '0' }}
    - file: {path: "{{ out }}/{{ inventory_hostname }}", state: touch}
"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    for h in ["h1", "h2", "h3"] {
        assert!(lab.exists(h));
        assert_eq!(counts(&out, h).0, 3, "{}", text(&out));
    }
}

#[test]
fn vars_prompt_takes_extra_vars_or_defaults_and_never_prompts() {
    let lab = Lab::new(1);
    let playbook = r#"
- hosts: all_hosts
  gather_facts: no
  vars_prompt:
    - name: release
      prompt: Which release?
    - name: colour
      prompt: Colour?
      default: blue
  tasks:
    - file: {path: "{{ out }}", state: directory}
    - copy: {content: "{{ release }} {{ colour }}\n", dest: "{{ out }}/answers"}
"#;
    let out = lab.run(playbook, &[]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("site.yml:5:7: `vars_prompt` `release` has no value: rconf does not prompt; pass it with `-e release=...`"),
        "{stderr}"
    );
    assert!(
        !lab.fleet.hosts[0].log_text().contains("Accepted"),
        "a host was contacted"
    );
    let out = lab.run(playbook, &["-e", "release=7"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("answers"), "7 blue\n");
}

#[test]
fn delegate_facts_first_found_and_the_fact_cache() {
    let lab = Lab::new(2);
    lab.write("files/second.conf", "second\n");
    let cache = lab.dir().join("facts");
    let cache_arg = cache.to_str().unwrap();
    let playbook = r#"
- hosts: all_hosts
  gather_facts: yes
  gather_subset: [min]
  tasks:
    - file: {path: "{{ out }}", state: directory}
      run_once: true
    - set_fact: {given_by: "{{ inventory_hostname }}"}
      delegate_to: h2
      delegate_facts: true
      when: inventory_hostname == 'h1'
    - copy: {content: "{{ given_by | default('none') }}\n", dest: "{{ out }}/{{ inventory_hostname }}.given"}
    - copy: {content: "{{ lookup('file', item) }}\n", dest: "{{ out }}/{{ inventory_hostname }}.found"}
      with_first_found: [missing.conf, second.conf]
"#;
    let out = lab.run(playbook, &["--fact-cache", cache_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("h1.given"), "none\n");
    assert_eq!(lab.read("h2.given"), "h1\n");
    assert_eq!(lab.read("h1.found"), "second\n");
    // The cache holds each host's facts; a later run that gathers nothing still sees them.
    let cached: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cache.join("h1")).unwrap()).unwrap();
    assert!(cached["hostname"].is_string(), "{cached}");
    let later = r#"
- hosts: h1
  gather_facts: no
  tasks:
    - copy: {content: "{{ hostvars['h2'].ansible_facts.hostname == ansible_facts.hostname }}\n", dest: "{{ out }}/cached"}
"#;
    let out = lab.run(later, &["--fact-cache", cache_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("cached"), "True\n");
    let out = lab.run(later, &[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "without the cache there are no facts: {}",
        text(&out)
    );
}

#[test]
fn step_needs_a_terminal() {
    let lab = Lab::new(1);
    let out = lab.run(
        "- hosts: all_hosts\n  tasks:\n    - command: 'true'\n",
        &["--step"],
    );
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: --step asks before each task and needs a terminal\n"
    );
}

#[test]
fn wait_for_connection_rides_out_a_host_that_stops_answering() {
    let lab = Lab::new(1);
    let pid = lab.fleet.hosts[0].pid().unwrap();
    let marker = lab.dir().join("frozen");
    let playbook = format!(
        r#"
- hosts: all_hosts
  gather_facts: no
  tasks:
    - file: {{path: "{{{{ out }}}}", state: directory}}
    - file: {{path: "{marker}", state: touch}}
    - wait_for_connection: {{delay: 1, sleep: 1, timeout: 30, connect_timeout: 2}}
    - copy: {{content: "back\n", dest: "{{{{ out }}}}/back"}}
"#,
        marker = marker.display()
    );
    // Freeze the host (listener and sessions) as soon as the marker appears, for 3 seconds.
    let watcher = std::thread::spawn(move || {
        for _ in 0..300 {
            if marker.exists() {
                let tree = |sig: &str| {
                    let _ = std::process::Command::new("pkill")
                        .args([sig, "-P", &pid.to_string()])
                        .status();
                    let _ = std::process::Command::new("kill")
                        .args([sig, &pid.to_string()])
                        .status();
                };
                tree("-STOP");
                std::thread::sleep(std::time::Duration::from_secs(3));
                tree("-CONT");
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        false
    });
    let out = lab.run(&playbook, &["-T", "2"]);
    assert!(watcher.join().unwrap(), "the host was never frozen");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("back"), "back\n");
}

#[test]
fn with_lookup_loops_give_the_items_ansible_gives() {
    let lab = Lab::new(1);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/with_loops");
    let playbook = std::fs::read_to_string(fixtures.join("site.yml")).unwrap();
    let out = lab.run(&playbook, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let expected: Vec<String> = std::fs::read_to_string(fixtures.join("ansible-items.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(String::from)
        .collect();
    let got: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("(item="))
        .map(String::from)
        .collect();
    assert_eq!(got, expected, "{}", text(&out));
}

#[test]
fn magic_variables_of_the_host_and_the_run() {
    let lab = Lab::new(2);
    std::fs::create_dir_all(lab.dir().join("out")).unwrap();
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: no
  tasks:
    - copy:
        dest: "{{ out }}/{{ inventory_hostname }}"
        content: |
          {{ group_names }} {{ hostvars['h1'].group_names }}
          {{ inventory_file | basename }} {{ inventory_dir == (inventory_file | dirname) }}
          {{ ansible_version.full is version('2.9', '>=') }} {{ ansible_run_tags }} {{ ansible_skip_tags }}
          {{ ansible_forks }} {{ ansible_limit }} {{ ansible_inventory_sources | map('basename') | list }}
      tags: [write]
"#,
        &["-l", "h1", "-f", "7", "--tags", "write", "--skip-tags", "never_this"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let inventory = lab
        .inventory
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert_eq!(
        lab.read("h1"),
        format!(
            "['all_hosts'] ['all_hosts']\n{inventory} True\nTrue ['write'] ['never_this']\n7 h1 ['{inventory}']\n"
        )
    );
    assert!(!lab.exists("h2"), "-l h1");
}

#[test]
fn group_by_and_add_host_change_the_inventory_for_later_plays() {
    let lab = Lab::new(2);
    std::fs::create_dir_all(lab.dir().join("out")).unwrap();
    // Only h1 is in the inventory; h2's sshd is reached through add_host.
    let only_h1: String = lab
        .fleet
        .inventory_ini()
        .lines()
        .take(2)
        .map(|l| format!("{l}\n"))
        .collect();
    lab.write("one.ini", &only_h1);
    let h2 = &lab.fleet.hosts[1];
    let playbook = format!(
        r#"
- hosts: all_hosts
  gather_facts: no
  tasks:
    - group_by: {{key: "kind_{{{{ inventory_hostname }}}}"}}
    - add_host:
        name: newbie
        groups: [fresh]
        ansible_host: {address}
        ansible_port: {port}
        ansible_user: root
        color: blue
- hosts: fresh
  gather_facts: no
  tasks:
    - copy:
        dest: "{{{{ out }}}}/newbie"
        content: "{{{{ color }}}} {{{{ group_names }}}} {{{{ groups['kind_h1'] }}}}\n"
- hosts: kind_h1
  gather_facts: no
  tasks:
    - copy: {{dest: "{{{{ out }}}}/h1", content: "{{{{ group_names }}}}\n"}}
"#,
        address = h2.address,
        port = h2.port
    );
    lab.write("site.yml", &playbook);
    let out = lab
        .fleet
        .rconf()
        .args(["run", "site.yml", "-i", "one.ini", "-e"])
        .arg(format!("out={}", lab.dir().join("out").display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("newbie"), "blue ['fresh'] ['h1']\n");
    // `"{{ group_names }}\n"` is the list itself (ansible-core 2.19), which copy writes as JSON.
    assert_eq!(lab.read("h1"), "[\"all_hosts\", \"kind_h1\"]");
    // The task really ran on h2's sshd, as `newbie`.
    assert!(h2.log_text().contains("Accepted publickey for root"));
    // group_by counts as changed (ansible-core 2.19); the recap is sorted by name.
    let hosts: Vec<String> = recap(&out).keys().cloned().collect();
    assert_eq!(hosts, ["h1", "newbie"]);
    assert_eq!(counts(&out, "h1").1, 3, "{}", text(&out));
}

#[test]
fn local_action_runs_the_module_on_the_controller() {
    let lab = Lab::new(1);
    std::fs::create_dir_all(lab.dir().join("out")).unwrap();
    lab.write(
        "site.yml",
        r#"
- hosts: all_hosts
  gather_facts: no
  tasks:
    - local_action: shell echo "[$RCONF_TEST_MARK]" > {{ out }}/local
    - local_action:
        module: copy
        content: "mapping form\n"
        dest: "{{ out }}/local-copy"
    - shell: echo "[${RCONF_TEST_MARK-}]" > {{ out }}/remote
"#,
    );
    // Only the controller's own environment has the mark: sshd sessions do not get it.
    let out = lab
        .fleet
        .rconf()
        .args(["run", "site.yml", "-i"])
        .arg(&lab.inventory)
        .arg("-e")
        .arg(format!("out={}", lab.dir().join("out").display()))
        .env("RCONF_TEST_MARK", "controller")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("local"), "[controller]\n");
    assert_eq!(lab.read("local-copy"), "mapping form\n");
    assert_eq!(lab.read("remote"), "[]\n");
}

/// Free-form `k=v` words have their backslash escapes decoded, as Ansible's parse_kv does:
/// these are the bytes ansible-playbook 2.19.14 writes for the same tasks.
#[test]
fn free_form_key_value_escapes_decode_as_in_ansible() {
    let lab = common::Lab::new(1);
    std::fs::create_dir_all(lab.dir().join("out")).unwrap();
    let out = lab.run(
        "- hosts: all\n  gather_facts: false\n  tasks:\n\
         \x20   - copy: content=\"line\\n\" dest={{ out }}/kv1\n\
         \x20   - copy: content=a\\tb\\x41\\u00e9\\\\z dest={{ out }}/kv2\n\
         \x20   - copy: content='q\\'s \"d\"' dest={{ out }}/kv3\n",
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    assert_eq!(lab.read("kv1"), "line\n");
    assert_eq!(lab.read("kv2"), "a\tbA\u{e9}\\z");
    assert_eq!(lab.read("kv3"), "q's \"d\"");
}

/// The keywords and values Ansible templates, with what ansible-playbook 2.19 printed and
/// wrote for the same playbook: a templated `no_log`, `strategy`, `loop_var` and `set_fact`
/// name, the `action:` keyword, `include_tasks: file=...`, and `ansible_managed` in templates.
#[test]
fn keywords_and_names_ansible_templates_are_rendered() {
    let lab = Lab::new(2);
    lab.write("tasks/a.yml", "- copy: {content: \"included {{ x }}\\n\", dest: \"{{ out }}/{{ inventory_hostname }}.inc\"}\n");
    lab.write(
        "templates/t.j2",
        "# {{ ansible_managed }} {{ template_path }}\n",
    );
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: false
  strategy: "{{ strat }}"
  vars:
    hide: "{{ inventory_hostname == 'h1' }}"
    lv: thing
    x: 1
  tasks:
    - file: {path: "{{ out }}", state: directory}
      run_once: true
    - debug: {msg: "secret-{{ inventory_hostname }}"}
      no_log: "{{ hide }}"
    - set_fact: "{{ item }}=value"
      loop: [dyn_a]
    - copy: {content: "{{ dyn_a }} {{ thing }}\n", dest: "{{ out }}/{{ inventory_hostname }}.{{ thing }}"}
      loop: [1]
      loop_control: {loop_var: "{{ lv }}"}
    - action: command echo hi
      register: r
    - action: {module: copy, content: "{{ r.stdout }}\n", dest: "{{ out }}/{{ inventory_hostname }}.action"}
    - include_tasks: file=tasks/a.yml
    - template: {src: t.j2, dest: "{{ out }}/{{ inventory_hostname }}.managed"}
"#,
        &["-e", "strat=linear"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("secret-h1"), "{}", text(&out));
    assert!(stdout.contains("\"msg\": \"secret-h2\""), "{}", text(&out));
    // The rendered strategy is taken (a strategy that does not render is warned about).
    assert!(out.stderr.is_empty(), "{}", text(&out));
    for h in ["h1", "h2"] {
        assert_eq!(lab.read(&format!("{h}.1")), "value 1\n");
        assert_eq!(lab.read(&format!("{h}.action")), "hi\n");
        assert_eq!(lab.read(&format!("{h}.inc")), "included 1\n");
        assert_eq!(
            lab.read(&format!("{h}.managed")),
            "# Ansible managed t.j2\n"
        );
    }
    assert_eq!(counts(&out, "h1").1, 6, "{}", text(&out));
}

/// `loop_control: extended` gives each item Ansible's `ansible_loop`, and `index_var` is in
/// each item's result too (values as ansible-playbook 2.19 prints them for this task).
#[test]
fn extended_loops_see_ansible_loop() {
    let lab = Lab::new(1);
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: no
  tasks:
    - debug: msg="{{ ansible_loop.index }}/{{ ansible_loop.length }} {{ ansible_loop.first }} {{ ansible_loop.last }} {{ ansible_loop.previtem | default('-') }} {{ ansible_loop.nextitem | default('-') }} {{ ansible_loop.revindex0 }} {{ ansible_loop.allitems | length }} {{ i }} {{ ansible_index_var }}"
      loop: [a, b, c]
      loop_control: {extended: true, index_var: i}
      register: r
    - debug: msg="{{ r.results | map(attribute='ansible_loop') | map(attribute='index0') | list }} {{ r.results[0].i }}"
    - debug: msg="{{ ansible_loop.allitems | default('none') }}"
      loop: [x]
      loop_control: {extended: true, extended_allitems: false}
"#,
        &[],
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    for line in [
        "1/3 True False - b 2 3 0 i",
        "2/3 False False a c 1 3 1 i",
        "3/3 False True b - 0 3 2 i",
        "[0, 1, 2] 0",
        "\"msg\": \"none\"",
    ] {
        assert!(t.contains(line), "missing {line:?}:\n{t}");
    }
}

/// Ansible's precedence puts set_fact above task vars: a looped set_fact that builds on a
/// value the task's `vars` start it from accumulates (ansible-core's set_fact target).
#[test]
fn a_looped_set_fact_accumulates_over_its_task_vars() {
    let lab = Lab::new(1);
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: no
  tasks:
    - set_fact:
        dig_list: "{{ dig_list + [item] }}"
      loop: [two, three]
      vars:
        dig_list: [one]
    - assert:
        that: dig_list == ['one', 'two', 'three']
"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// `meta: clear_host_errors` in an `always` clears the failure the block left: the host goes
/// on after the block and into the next play, its recap still counting the failure (as
/// ansible-playbook 2.19 runs this playbook).
#[test]
fn clear_host_errors_in_always_lets_the_host_go_on() {
    let lab = Lab::new(1);
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: no
  tasks:
    - block:
        - fail: msg=boom
      always:
        - meta: clear_host_errors
    - debug: msg="after the block"
- hosts: all_hosts
  gather_facts: no
  tasks:
    - debug: msg="next play"
"#,
        &[],
    );
    let t = text(&out);
    assert!(
        t.contains("after the block") && t.contains("next play"),
        "{t}"
    );
    assert_eq!(counts(&out, "h1").0, 2, "{t}");
    assert_eq!(counts(&out, "h1").2, 1, "{t}");
}

/// A fact delegated to the implicit localhost (not in the inventory) stays there, and
/// `hostvars['localhost']` finds it and the local connection, as in ansible-playbook.
#[test]
fn facts_delegated_to_the_implicit_localhost_are_in_its_hostvars() {
    let lab = Lab::new(1);
    lab.write(
        "site.yml",
        "- hosts: all\n  gather_facts: no\n  tasks:\n\
         \x20   - set_fact: {shared: 7}\n      delegate_to: localhost\n      delegate_facts: true\n\
         \x20   - copy:\n        content: \"{{ hostvars['localhost'].shared }} {{ hostvars['localhost'].ansible_connection }} {{ shared | default('unset') }}\\n\"\n        dest: \"{{ out }}/seen\"\n",
    );
    common::each_tool(&lab, "site.yml", |_, run| {
        assert_eq!(lab.read("seen"), "7 local unset\n", "{}", text(run));
    });
}

/// What the run produced is data, never templated again, as in ansible-playbook: a `{{` in a
/// command's output or in a `set_fact` value stays text (it would otherwise run on the
/// controller), while a vars file's values are templates, and `!unsafe` text is never one.
#[test]
fn module_output_and_set_fact_values_are_never_templated_again() {
    let lab = Lab::new(1);
    let out = lab.dir().join("out");
    lab.write("vf.yml", "fromfile: \"{{ base }}/x\"\n");
    lab.write(
        "site.yml",
        "- hosts: all\n  gather_facts: no\n  vars:\n    base: /opt\n    raw: !unsafe '{{ base }}'\n  tasks:\n\
         \x20   - set_fact:\n        x: \"{{ '{{' }} base }}\"\n\
         \x20   - command: echo \"{{ '{{' }} lookup('pipe', 'touch {{ out }}/ran') }}\"\n      register: r\n\
         \x20   - include_vars: vf.yml\n\
         \x20   - copy:\n        content: \"{{ x }}|{{ r.stdout }}|{{ fromfile }}|{{ raw }}\\n\"\n        dest: \"{{ out }}/seen\"\n",
    );
    let pipe = format!("{{{{ lookup('pipe', 'touch {}/ran') }}}}", out.display());
    common::each_tool(&lab, "site.yml", |ansible, run| {
        assert_eq!(
            lab.read("seen"),
            format!("{{{{ base }}}}|{pipe}|/opt/x|{{{{ base }}}}\n"),
            "ansible={ansible}: {}",
            text(run)
        );
        assert!(
            !lab.exists("ran"),
            "the output was evaluated on the controller"
        );
    });
}

/// `hostvars[other].x` renders a template among the other host's variables with that host's
/// own variables; a looped include with a templated `loop_var` sees the item under the
/// rendered name; a loop label sees the item's own result and fails its item when it cannot
/// be rendered. Each as ansible-playbook does on the same files.
#[test]
fn hostvars_templates_templated_include_loop_vars_and_labels_as_ansible() {
    let lab = Lab::new(2);
    lab.write(
        "host_vars/h2.yml",
        "port: 5432\nurl: \"db://{{ inventory_hostname }}:{{ port }}\"\n",
    );
    lab.write(
        "item.yml",
        "- copy: {content: \"{{ picked }}\\n\", dest: \"{{ out }}/picked\"}\n",
    );
    lab.write(
        "site.yml",
        "- hosts: h1\n  gather_facts: no\n  tasks:\n\
         \x20   - copy: {content: \"{{ hostvars['h2'].url }}\\n\", dest: \"{{ out }}/url\"}\n\
         \x20   - include_tasks: item.yml\n      loop: [value]\n      loop_control: {loop_var: \"{{ name }}\"}\n      vars: {name: picked}\n\
         \x20   - command: \"echo {{ item }}\"\n      register: r\n      loop: [shown, skipped]\n\
         \x20     loop_control: {label: \"{{ r.stdout }}\"}\n      when: item == 'shown'\n      ignore_errors: true\n\
         \x20   - copy: {content: \"{{ r.results | map(attribute='failed') | join(',') }}\\n\", dest: \"{{ out }}/label\"}\n",
    );
    common::each_tool(&lab, "site.yml", |_, run| {
        assert_eq!(lab.read("url"), "db://h2:5432\n", "{}", text(run));
        assert_eq!(lab.read("picked"), "value\n", "{}", text(run));
        assert_eq!(lab.read("label"), "False,True\n", "{}", text(run));
    });
}

/// `set_fact: cacheable: true` is kept by the jsonfile fact cache (ANSIBLE_CACHE_PLUGIN_*
/// with its prefix) and read back by the next run; a plain set_fact is not. Set values stay
/// what they render to (`"yes"` is a string). As ansible-playbook on the same files.
#[test]
fn cacheable_facts_outlive_the_run_in_the_prefixed_fact_cache() {
    let lab = Lab::new(1);
    let out = lab.dir().join("out");
    lab.write(
        "one.yml",
        "- hosts: all\n  gather_facts: no\n  tasks:\n\
         \x20   - set_fact: {kept: 'yes', cacheable: true}\n\
         \x20   - set_fact: {lost: 1}\n",
    );
    lab.write(
        "two.yml",
        "- hosts: all\n  gather_facts: no\n  tasks:\n\
         \x20   - copy: {content: \"{{ kept }} {{ kept | type_debug }} {{ lost is defined }}\\n\", dest: \"{{ out }}/seen\"}\n",
    );
    for ansible in [true, false] {
        let cache = lab.dir().join(format!("cache-{ansible}"));
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).unwrap();
        for playbook in ["one.yml", "two.yml"] {
            let run = common::tool(&lab, ansible, playbook)
                .args(["-e", &format!("out={}", out.display())])
                .env("ANSIBLE_CACHE_PLUGIN", "jsonfile")
                .env("ANSIBLE_CACHE_PLUGIN_CONNECTION", &cache)
                .env("ANSIBLE_CACHE_PLUGIN_PREFIX", "pre_")
                .output()
                .unwrap();
            assert_eq!(run.status.code(), Some(0), "{playbook}: {}", text(&run));
        }
        assert_eq!(lab.read("seen"), "yes str False\n", "ansible={ansible}");
        let files: Vec<String> = std::fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            !files.is_empty() && files.iter().all(|f| f.starts_with("pre_")),
            "ansible={ansible}: {files:?}"
        );
    }
}

/// A delegated task's result names where it ran (`ok: [h1 -> h2(ADDRESS)]`), on a controller-side
/// task and a module alike, as ansible-playbook prints it.
#[test]
fn a_delegated_result_is_shown_for_the_host_and_its_delegate() {
    let lab = Lab::new(2);
    lab.write(
        "site.yml",
        "- hosts: h1\n  gather_facts: no\n  tasks:\n\
         \x20   - debug: {msg: hi}\n      delegate_to: h2\n\
         \x20   - command: \"true\"\n      delegate_to: h2\n",
    );
    let mut shown = Vec::new();
    for ansible in [true, false] {
        let run = common::tool(&lab, ansible, "site.yml").output().unwrap();
        assert_eq!(run.status.code(), Some(0), "{}", text(&run));
        let lines: Vec<String> = String::from_utf8_lossy(&run.stdout)
            .lines()
            .filter(|l| l.starts_with("ok: [") || l.starts_with("changed: ["))
            .map(|l| l.split(" =>").next().unwrap_or(l).to_string())
            .collect();
        shown.push(lines);
    }
    // With the delegate's address, as Ansible adds it when `ansible_host` is not the name.
    let to = format!("h1 -> h2({})", lab.fleet.hosts[1].address);
    assert_eq!(
        shown[1],
        [format!("ok: [{to}]"), format!("changed: [{to}]")]
    );
    assert_eq!(shown[0], shown[1]);
}

/// An include looped over a command's output passes each line to the included tasks as data:
/// a line holding `{{ lookup('pipe', ...) }}` is text there too, as in ansible-playbook.
#[test]
fn a_looped_includes_items_are_data_in_the_included_tasks() {
    let lab = Lab::new(1);
    let out = lab.dir().join("out");
    lab.write(
        "line.yml",
        "- lineinfile: {path: \"{{ out }}/seen\", line: \"{{ entry }}\", create: true}\n",
    );
    lab.write(
        "site.yml",
        "- hosts: all\n  gather_facts: no\n  tasks:\n\
         \x20   - command: echo \"{{ '{{' }} lookup('pipe', 'touch {{ out }}/ran') }}\"\n      register: r\n\
         \x20   - include_tasks: line.yml\n      loop: \"{{ r.stdout_lines }}\"\n      loop_control: {loop_var: entry}\n",
    );
    let want = format!("{{{{ lookup('pipe', 'touch {}/ran') }}}}\n", out.display());
    common::each_tool(&lab, "site.yml", |ansible, run| {
        assert_eq!(lab.read("seen"), want, "ansible={ansible}: {}", text(run));
        assert!(
            !lab.exists("ran"),
            "an item was evaluated on the controller"
        );
    });
}
