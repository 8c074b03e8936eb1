//! Handlers after a failure, beside ansible-playbook 2.19 on the same files: the play's
//! `force_handlers` keyword, when set, wins over `--force-handlers`.

mod common;

use common::{Lab, recap, text};

/// A play whose host fails after notifying a handler that leaves a file.
fn play(force: &str) -> String {
    format!(
        "- hosts: all\n  gather_facts: no\n{force}  tasks:\n\
         \x20   - command: \"true\"\n      notify: h\n\
         \x20   - fail: {{msg: boom}}\n\
         \x20 handlers:\n\
         \x20   - name: h\n      copy: {{content: \"ran\\n\", dest: \"{{{{ out }}}}/handler\"}}\n"
    )
}

#[test]
fn the_plays_force_handlers_wins_over_the_command_line() {
    let lab = Lab::new(1);
    let out = lab.dir().join("out");
    for (keyword, flag, runs) in [
        ("  force_handlers: false\n", true, false),
        ("  force_handlers: true\n", false, true),
        ("", true, true),
        ("", false, false),
    ] {
        lab.write("site.yml", &play(keyword));
        let mut recaps = Vec::new();
        for ansible in [true, false] {
            let _ = std::fs::remove_dir_all(&out);
            std::fs::create_dir_all(&out).unwrap();
            let mut cmd = common::tool(&lab, ansible, "site.yml");
            cmd.args(["-e", &format!("out={}", out.display())]);
            if flag {
                cmd.arg("--force-handlers");
            }
            let run = cmd.output().unwrap();
            assert_eq!(
                run.status.code(),
                Some(2),
                "{keyword:?} {flag}: {}",
                text(&run)
            );
            assert_eq!(
                lab.exists("handler"),
                runs,
                "{keyword:?} --force-handlers={flag}: {}",
                text(&run)
            );
            recaps.push(recap(&run));
        }
        assert_eq!(recaps[0], recaps[1], "{keyword:?} {flag}");
    }
}

/// Which handlers a notification runs, and in which order, as ansible-playbook runs them: a
/// role's handlers before the play's; a name runs one handler (the play's over a role's of
/// the same name, the first of two in the play); a topic runs every listener, also written
/// `role : topic`.
#[test]
fn notifications_select_handlers_as_ansible_does() {
    let lab = Lab::new(1);
    let log = |text: &str| format!("shell: \"echo {text} >> {{{{ out }}}}/order\"");
    lab.write(
        "roles/r/handlers/main.yml",
        &format!(
            "- name: rh\n  {}\n  listen: topic\n- name: dup\n  {}\n",
            log("role-rh"),
            log("role-dup")
        ),
    );
    lab.write("roles/r/tasks/main.yml", "- debug: {msg: role}\n");
    lab.write(
        "site.yml",
        &format!(
            "- hosts: all\n  gather_facts: no\n  roles: [r]\n  tasks:\n\
             \x20   - command: \"true\"\n      notify: [dup, topic]\n\
             \x20   - command: \"true\"\n      notify: \"r : rh\"\n\
             \x20 handlers:\n\
             \x20   - name: dup\n      {}\n\
             \x20   - name: dup\n      {}\n\
             \x20   - name: px\n      {}\n      listen: topic\n",
            log("play-dup-1"),
            log("play-dup-2"),
            log("play-px")
        ),
    );
    let out = lab.dir().join("out");
    let mut orders = Vec::new();
    for ansible in [true, false] {
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).unwrap();
        let run = common::run_tool(&lab, ansible, "site.yml", &format!("out={}", out.display()));
        assert_eq!(run.status.code(), Some(0), "{}", text(&run));
        orders.push((lab.read("order"), recap(&run)));
    }
    assert_eq!(orders[0].0, "role-rh\nplay-dup-1\nplay-px\n");
    assert_eq!(orders[0], orders[1]);
}
