//! The linear and free strategies run the same keywords through the same step, and each gives
//! ansible-playbook 2.19's recap and results for the same playbook on the same sshd hosts:
//! `run_once`, `delegate_to`/`delegate_facts`, `group_by`, loops, `until`/`retries`,
//! `changed_when`/`failed_when`, `register`, handlers (one that includes tasks) and
//! `meta: flush_handlers`,
//! `include_tasks`, blocks with `rescue`, `ignore_errors` and `max_fail_percentage`. Where
//! Ansible's free strategy differs (`run_once` runs on every host, `max_fail_percentage` does
//! not stop the play, both with a warning), rconf's free strategy differs the same way. (Which
//! host's `run_once` result every host registers under free depends, in Ansible, on the order
//! results arrive; the test does not look at it.)

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{Lab, ansible_playbook, recap, text};

const PLAYBOOK: &str = r#"
- hosts: all_hosts
  gather_facts: false
  strategy: "{{ strat }}"
  tasks:
    - name: once
      command: echo once-{{ inventory_hostname }}
      run_once: true
      register: once
      changed_when: false
    - name: group
      group_by:
        key: kind_{{ 'even' if inventory_hostname == 'h2' else 'odd' }}
    - name: delegated fact
      set_fact:
        seen_by_{{ inventory_hostname }}: "yes"
      delegate_to: h1
      delegate_facts: true
    - name: retry until the third attempt
      shell: echo x >> {{ out }}/{{ inventory_hostname }}.tries; wc -l < {{ out }}/{{ inventory_hostname }}.tries
      register: tries
      until: tries.stdout | int >= 3
      retries: 5
      delay: 0
    - name: loop with changed_when
      command: echo {{ item }}
      loop: [a, b]
      register: looped
      changed_when: item == 'b'
      notify: note
    - name: failed_when, ignored
      command: /bin/true
      failed_when: inventory_hostname == 'h3'
      ignore_errors: true
    - meta: flush_handlers
    - name: after the flush
      shell: echo after >> {{ out }}/{{ inventory_hostname }}.handled
      notify: cleanup
    - include_tasks: inc.yml
      loop: [1, 2]
    - block:
        - name: fails on h2
          command: /bin/false
          when: inventory_hostname == 'h2'
      rescue:
        - name: rescued
          set_fact:
            rescued_it: "{{ ansible_failed_task.name }}"
  handlers:
    - name: note
      shell: echo handled >> {{ out }}/{{ inventory_hostname }}.handled
    - name: cleanup
      include_tasks: cleanup.yml

- hosts: all_hosts
  gather_facts: false
  tasks:
    - name: summary
      copy:
        dest: "{{ out }}/{{ inventory_hostname }}.txt"
        content: |
          once={{ once.stdout if strat == 'linear' else 'each host' }} changed={{ once.changed }}
          groups={{ groups | dict2items | selectattr('key', 'match', 'kind_') | map(attribute='key') | sort | join(',') }}
          mine={{ group_names | sort | join(',') }}
          seen={{ hostvars['h1'] | dict2items | selectattr('key', 'match', 'seen_by_') | map(attribute='key') | sort | join(',') }}
          tries={{ tries.attempts }}
          looped={{ looped.results | map(attribute='changed') | join(',') }}
          included={{ included | default('none') }}
          rescued={{ rescued_it | default('none') }}

- hosts: all_hosts
  gather_facts: false
  strategy: "{{ strat }}"
  max_fail_percentage: 0
  tasks:
    - name: fails on h3
      command: /bin/false
      when: inventory_hostname == 'h3'
    - name: after the failure
      file: {path: "{{ out }}/{{ inventory_hostname }}.end", state: touch}
"#;

const CLEANUP: &str = r#"
- name: cleaned
  shell: echo cleaned >> {{ out }}/{{ inventory_hostname }}.handled
"#;

const INCLUDED: &str = r#"
- name: included {{ item }}
  set_fact:
    included: "{{ (included | default('')) ~ item }}"
"#;

/// The files the run left (name -> content), the `.tries` counters aside.
fn files(dir: &Path) -> BTreeMap<String, String> {
    let mut all = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().to_string();
        all.insert(name, std::fs::read_to_string(e.path()).unwrap());
    }
    all
}

fn run_both(lab: &Lab, strat: &str) -> (Output, Output, PathBuf, PathBuf) {
    lab.write("site.yml", PLAYBOOK);
    lab.write("inc.yml", INCLUDED);
    lab.write("cleanup.yml", CLEANUP);
    let rconf_out = lab.dir().join(format!("rconf-{strat}"));
    let ansible_out = lab.dir().join(format!("ansible-{strat}"));
    for d in [&rconf_out, &ansible_out] {
        std::fs::create_dir_all(d).unwrap();
    }
    let vars = |out: &Path| format!("strat={strat} out={}", out.display());
    let rconf = lab
        .fleet
        .rconf()
        .args(["run", "site.yml", "-i"])
        .arg(&lab.inventory)
        .args(["-e", &vars(&rconf_out)])
        .output()
        .unwrap();
    let ansible = ansible_playbook(lab, "site.yml")
        .args(["-e", &vars(&ansible_out)])
        .output()
        .unwrap();
    (rconf, ansible, rconf_out, ansible_out)
}

#[test]
fn both_strategies_give_ansibles_results() {
    let lab = Lab::new(3);
    for strat in ["linear", "free"] {
        let (rconf, ansible, rconf_out, ansible_out) = run_both(&lab, strat);
        let (r, a) = (text(&rconf), text(&ansible));
        assert_eq!(
            recap(&rconf),
            recap(&ansible),
            "{strat}: recaps differ\n--- rconf:\n{r}\n--- ansible-playbook:\n{a}"
        );
        assert_eq!(
            rconf.status.code(),
            ansible.status.code(),
            "{strat}: exit codes differ\n--- rconf:\n{r}\n--- ansible-playbook:\n{a}"
        );
        assert_eq!(
            files(&rconf_out),
            files(&ansible_out),
            "{strat}: the hosts' files differ\n--- rconf:\n{r}\n--- ansible-playbook:\n{a}"
        );
        let warning = "Using run_once with the free strategy is not currently supported";
        assert_eq!(r.contains(warning), strat == "free", "{r}");
        assert_eq!(a.contains(warning), strat == "free", "{a}");
    }
}

#[test]
fn add_host_is_refused_under_free_as_ansible_refuses_it() {
    let lab = Lab::new(1);
    let out = lab.run(
        "- hosts: all_hosts\n  gather_facts: false\n  strategy: free\n  tasks:\n    - add_host: {name: extra}\n",
        &[],
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains(
            "The 'add_host' module bypasses the host loop, which is currently not supported in \
             the free strategy"
        ),
        "{t}"
    );
}
