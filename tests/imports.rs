//! Static imports as Ansible loads them, against real sshd hosts and beside ansible-playbook
//! 2.19 on the same files: what an `import_playbook` item gives the plays it brings in (`vars`,
//! `when`, `tags`), import names templated at load time, and how often an imported role runs.

mod common;

use common::{Lab, recap, run_tool, text};

/// Empties the lab's `out/`, where the tasks leave their files.
fn clear(lab: &Lab) {
    let out = lab.dir().join("out");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
}

/// Runs `site.yml` of `lab` under ansible-playbook, then under rconf, each with `-e VARS` on
/// an empty `out/`; rconf's output, after checking that both exit with `code` and print the
/// same recap. What is left in `out/` is rconf's.
fn both(lab: &Lab, vars: &str, code: i32) -> std::process::Output {
    clear(lab);
    let theirs = run_tool(lab, true, "site.yml", vars);
    clear(lab);
    let ours = run_tool(lab, false, "site.yml", vars);
    assert_eq!(ours.status.code(), Some(code), "rconf:\n{}", text(&ours));
    assert_eq!(
        theirs.status.code(),
        Some(code),
        "ansible-playbook:\n{}",
        text(&theirs)
    );
    assert_eq!(
        recap(&ours),
        recap(&theirs),
        "rconf:\n{}\nansible-playbook:\n{}",
        text(&ours),
        text(&theirs)
    );
    ours
}

#[test]
fn an_import_playbooks_vars_when_and_tags_reach_every_play_it_imports() {
    let lab = Lab::new(1);
    let out = lab.dir().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // The imported file: its play's own vars lose to the import's, gathering included.
    lab.write(
        "sub/part.yml",
        "- hosts: all\n  vars: {who: play}\n  tasks:\n\
         \x20   - copy: {content: \"{{ who }}\\n\", dest: \"{{ out }}/{{ name }}\"}\n\
         \x20   - copy: {content: \"untagged\\n\", dest: \"{{ out }}/{{ name }}.always\"}\n\
         \x20     tags: [always]\n",
    );
    lab.write(
        "site.yml",
        "- import_playbook: sub/part.yml\n  vars: {who: import, name: first}\n\
         - import_playbook: sub/part.yml\n  when: false\n  vars: {name: skipped}\n\
         - import_playbook: \"{{ dir }}/part.yml\"\n  vars: {dir: sub, name: third}\n  tags: [third]\n",
    );
    let ran = both(&lab, &format!("out={}", out.display()), 0);
    assert_eq!(lab.read("first"), "import\n");
    assert_eq!(lab.read("third"), "play\n");
    assert!(!lab.exists("skipped") && !lab.exists("skipped.always"));
    // The false `when` skips the imported play's fact gathering as well as its tasks.
    let stdout = String::from_utf8_lossy(&ran.stdout);
    let second = stdout.split("PLAY [all]").nth(2).unwrap_or_default();
    assert!(
        second.starts_with(" *")
            && second.contains("TASK [Gathering Facts] ***")
            && second
                .split("TASK [")
                .nth(1)
                .unwrap_or_default()
                .contains("skipping: [h1]"),
        "{stdout}"
    );

    // The import's tags are the play's: `--tags third` selects the third import only (and
    // what is tagged `always`).
    let tagged = |ansible: bool| {
        clear(&lab);
        let run = common::tool(&lab, ansible, "site.yml")
            .args(["-e", &format!("out={}", out.display()), "--tags", "third"])
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(0), "{}", text(&run));
        run
    };
    let theirs = recap(&tagged(true));
    let ours = tagged(false);
    assert_eq!(recap(&ours), theirs, "{}", text(&ours));
    assert!(
        lab.exists("third") && !lab.exists("first"),
        "{}",
        text(&ours)
    );
    assert!(lab.exists("first.always"), "{}", text(&ours));
}

#[test]
fn static_import_names_are_templated_with_play_task_and_extra_vars() {
    let lab = Lab::new(1);
    let out = lab.dir().join("out");
    std::fs::create_dir_all(&out).unwrap();
    lab.write(
        "tasks/mark.yml",
        "- copy: {content: \"{{ tag }}\\n\", dest: \"{{ out }}/{{ tag }}\"}\n",
    );
    lab.write(
        "roles/r/tasks/other.yml",
        "- copy: {content: \"role {{ tag }}\\n\", dest: \"{{ out }}/{{ tag }}\"}\n",
    );
    lab.write(
        "site.yml",
        "- hosts: all\n  gather_facts: no\n  vars: {play_file: tasks/mark.yml, entry: other}\n  tasks:\n\
         \x20   - import_tasks: \"{{ play_file }}\"\n      vars: {tag: play}\n\
         \x20   - import_tasks: \"{{ task_file }}\"\n      vars: {task_file: tasks/mark.yml, tag: task}\n\
         \x20   - import_tasks: \"{{ cli_file }}\"\n      vars: {tag: cli}\n\
         \x20   - import_role: {name: \"{{ role_name }}\", tasks_from: \"{{ entry }}\"}\n      vars: {tag: role1}\n\
         \x20   - import_role: {name: r, tasks_from: \"{{ entry }}\"}\n      vars: {tag: role2}\n",
    );
    let vars = format!(
        "{{\"out\": \"{}\", \"cli_file\": \"tasks/mark.yml\", \"role_name\": \"r\"}}",
        out.display()
    );
    both(&lab, &vars, 0);
    assert_eq!(lab.read("play"), "play\n");
    assert_eq!(lab.read("task"), "task\n");
    assert_eq!(lab.read("cli"), "cli\n");
    // The same role imported twice runs twice, as Ansible's import_role allows duplicates.
    assert_eq!(lab.read("role1"), "role role1\n");
    assert_eq!(lab.read("role2"), "role role2\n");

    // A name that cannot be rendered is refused before any host is contacted.
    let ours = run_tool(&lab, false, "site.yml", &format!("out={}", out.display()));
    assert_eq!(ours.status.code(), Some(5), "{}", text(&ours));
    let stderr = String::from_utf8_lossy(&ours.stderr);
    assert!(
        stderr.contains(
            "site.yml:9:21: cannot template the `import_tasks` name `{{ cli_file }}`: `cli_file` is undefined"
        ),
        "{stderr}"
    );
}

#[test]
fn a_role_of_the_plays_roles_runs_once_unless_its_meta_allows_duplicates() {
    let lab = Lab::new(1);
    let out = lab.dir().join("out");
    std::fs::create_dir_all(&out).unwrap();
    for role in ["once", "twice"] {
        lab.write(
            &format!("roles/{role}/tasks/main.yml"),
            &format!("- shell: echo {role} >> {}/{role}\n", out.display()),
        );
    }
    lab.write("roles/twice/meta/main.yml", "allow_duplicates: true\n");
    lab.write(
        "site.yml",
        "- hosts: all\n  gather_facts: no\n  roles: [once, once, twice, twice]\n",
    );
    both(&lab, "x=1", 0);
    assert_eq!(lab.read("once"), "once\n");
    assert_eq!(lab.read("twice"), "twice\ntwice\n");
}

#[test]
fn roles_and_imported_roles_share_their_defaults_and_vars_with_the_play_and_take_from_files() {
    let lab = Lab::new(1);
    let out = lab.dir().join("out");
    lab.write("roles/pr/defaults/main.yml", "pr_default: d\n");
    lab.write("roles/pr/vars/main.yml", "pr_var: v\n");
    lab.write("roles/pr/vars/other.yml", "pr_var: other\n");
    lab.write(
        "roles/pr/tasks/main.yml",
        "- command: \"true\"\n  notify: h\n",
    );
    lab.write(
        "roles/pr/handlers/alt.yml",
        "- name: h\n  copy: {content: \"alt {{ pr_var }}\\n\", dest: \"{{ out }}/handler\"}\n",
    );
    lab.write("roles/inc/defaults/main.yml", "inc_default: i\n");
    lab.write("roles/inc/tasks/main.yml", "- debug: msg=inc\n");
    lab.write(
        "site.yml",
        "- hosts: all\n  gather_facts: no\n  tasks:\n\
         \x20   - copy: {content: \"{{ pr_default }} {{ pr_var }}\\n\", dest: \"{{ out }}/before\"}\n\
         \x20   - import_role: name=pr vars_from=other.yml handlers_from=alt.yml\n\
         \x20   - include_role: {name: inc}\n\
         \x20   - copy: {content: \"{{ inc_default | default('private') }}\\n\", dest: \"{{ out }}/after\"}\n",
    );
    both(&lab, &format!("out={}", out.display()), 0);
    // The imported role's defaults and vars_from file reach a task before it.
    assert_eq!(lab.read("before"), "d other\n");
    assert_eq!(lab.read("handler"), "alt other\n");
    // include_role's defaults stay its own.
    assert_eq!(lab.read("after"), "private\n");
}

#[test]
fn a_delegated_task_sees_the_delegates_variables() {
    let lab = Lab::new(2);
    let out = lab.dir().join("out");
    lab.write("host_vars/h2.yml", "colour: blue\n");
    lab.write(
        "site.yml",
        "- hosts: h1\n  gather_facts: no\n  tasks:\n\
         \x20   - copy:\n        content: \"{{ ansible_delegated_vars['h2'].colour }} {{ ansible_delegated_vars['h2'].inventory_hostname }}\\n\"\n        dest: \"{{ out }}/delegated\"\n      delegate_to: h2\n\
         \x20   - assert: {that: [ansible_delegated_vars is not defined, ansible_playbook_python is defined]}\n",
    );
    both(&lab, &format!("out={}", out.display()), 0);
    // Written on h2 (the lab's hosts share this machine's files) by the task of h1.
    assert_eq!(lab.read("delegated"), "blue h1\n");
}

#[test]
fn a_looped_include_sees_the_loop_variables_and_action_include_tasks_includes() {
    let lab = Lab::new(1);
    let out = lab.dir().join("out");
    lab.write(
        "item.yml",
        "- copy:\n    content: \"{{ ansible_loop_var }} {{ ansible_index_var }} {{ ansible_loop.index }}/{{ ansible_loop.length }}\\n\"\n    dest: \"{{ out }}/{{ f }}\"\n",
    );
    lab.write(
        "plain.yml",
        "- copy: {content: \"plain\\n\", dest: \"{{ out }}/plain\"}\n",
    );
    lab.write(
        "site.yml",
        "- hosts: all\n  gather_facts: no\n  tasks:\n\
         \x20   - include_tasks: item.yml\n      loop: [a, b]\n\
         \x20     loop_control: {loop_var: f, index_var: i, extended: true}\n\
         \x20   - action: include_tasks plain.yml\n",
    );
    both(&lab, &format!("out={}", out.display()), 0);
    assert_eq!(lab.read("a"), "f i 1/2\n");
    assert_eq!(lab.read("b"), "f i 2/2\n");
    assert_eq!(lab.read("plain"), "plain\n");
}

#[test]
fn a_role_file_argument_that_is_not_a_string_is_refused_before_any_host_is_contacted() {
    let lab = Lab::new(1);
    lab.write("roles/r/tasks/main.yml", "- debug: {msg: r}\n");
    lab.write(
        "site.yml",
        "- hosts: all\n  tasks:\n    - include_role:\n        name: r\n        vars_from:\n          - v.yml\n",
    );
    let theirs = common::tool(&lab, true, "site.yml").output().unwrap();
    assert!(
        text(&theirs).contains("Expected a string for vars_from but got"),
        "{}",
        text(&theirs)
    );
    let ours = common::tool(&lab, false, "site.yml").output().unwrap();
    // 5: bad input (a deliberate difference: Ansible says 4, as for unreachable hosts).
    assert_eq!(ours.status.code(), Some(5), "{}", text(&ours));
    assert!(
        text(&ours)
            .contains("site.yml:6:11: Expected a string for vars_from but got a list instead"),
        "{}",
        text(&ours)
    );
    lab.assert_no_host_contacted();
}

#[test]
fn skipping_an_imports_tag_skips_its_plays_fact_gathering_and_tags_keep_it() {
    let lab = Lab::new(1);
    lab.write(
        "part.yml",
        "- hosts: all\n  tasks:\n    - debug: {msg: part}\n",
    );
    lab.write(
        "site.yml",
        "- import_playbook: part.yml\n  tags: [skipme]\n- import_playbook: part.yml\n",
    );
    let mut recaps = Vec::new();
    for ansible in [true, false] {
        let run = common::tool(&lab, ansible, "site.yml")
            .args(["--tags", "other", "--skip-tags", "skipme"])
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(0), "{}", text(&run));
        recaps.push(recap(&run));
    }
    // The second play's gathering only: `always` survives `--tags other`.
    assert_eq!(recaps[1].values().next().unwrap()["ok"], 1);
    assert_eq!(recaps[0], recaps[1]);
}
