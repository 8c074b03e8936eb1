//! Ansible's own modules as the fallback, on real sshd hosts: a collection module
//! (`community.general.ini_file`), an ansible-core module rconf has no native one for
//! (`assemble`), and a native module given an argument only Ansible's takes, all run from the
//! `ansible` package that tests/run.sh installs into a venv (RCONF_TEST_ANSIBLE); and the
//! message on a host without Python.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::{IsolatedHost, Lab, counts, text};

/// The venv with ansible-core and the `ansible` package's collections.
fn ansible_venv() -> PathBuf {
    let venv = std::env::var_os("RCONF_TEST_ANSIBLE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-ansible"));
    assert!(
        venv.join("bin/ansible-playbook").is_file(),
        "no ansible-playbook in {} (tests/run.sh installs it; or set RCONF_TEST_ANSIBLE)",
        venv.display()
    );
    venv
}

/// PATH with the venv first, where rconf looks for ansible-playbook's Python.
fn path_with_ansible() -> String {
    format!(
        "{}:{}",
        ansible_venv().join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn run(lab: &Lab, playbook: &str, extra: &[&str]) -> Output {
    lab.write("site.yml", playbook);
    let out_dir = format!("out={}", lab.dir().join("out").display());
    let mut cmd: Command = lab.fleet.rconf();
    cmd.env("PATH", path_with_ansible())
        .args(["run", "site.yml", "-i"])
        .arg(&lab.inventory)
        .args(["-e", &out_dir])
        .args(extra);
    cmd.output().unwrap()
}

const PLAYBOOK: &str = r#"
- hosts: all
  gather_facts: false
  tasks:
    - file: {path: "{{ out }}/{{ inventory_hostname }}/parts", state: directory}
    - copy: {dest: "{{ out }}/{{ inventory_hostname }}/parts/{{ item }}", content: "part {{ item }}\n"}
      loop: ["1", "2"]
    - name: a collection module
      community.general.ini_file:
        path: "{{ out }}/{{ inventory_hostname }}/app.ini"
        section: db
        option: port
        value: "5432"
        mode: "0640"
    - name: a short name Ansible redirects to a collection, free-form
      ini_file: path={{ out }}/{{ inventory_hostname }}/app.ini section=db option=password value={{ secret }}
      no_log: true
    - name: an ansible-core module rconf has no native one for
      assemble:
        src: "{{ out }}/{{ inventory_hostname }}/parts"
        dest: "{{ out }}/{{ inventory_hostname }}/whole"
      register: assembled
    - name: a native module given an argument only Ansible's takes
      lineinfile:
        path: "{{ out }}/{{ inventory_hostname }}/notes"
        create: true
        line: "part 3"
        validate: "grep -q 'part 3' %s"
    - copy: {dest: "{{ out }}/{{ inventory_hostname }}/registered", content: "{{ assembled.dest | basename }} {{ assembled.checksum | length }}\n"}
"#;

#[test]
fn modules_rconf_lacks_run_as_ansible_runs_them_and_converge() {
    let lab = Lab::new(2);
    let secret = "s3cr3t-Ansible-fallback";
    let first = run(&lab, PLAYBOOK, &["-e", &format!("secret={secret}"), "-vvv"]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    for h in ["h1", "h2"] {
        // file, copy (a loop counts once), ini_file twice, assemble, lineinfile, copy.
        assert_eq!(counts(&first, h), (7, 7, 0, 0, 0, 0), "{}", text(&first));
        assert_eq!(
            lab.read(&format!("{h}/app.ini")),
            // ini_file starts a new file with an empty line, as it does under Ansible.
            format!("\n[db]\nport = 5432\npassword = {secret}\n")
        );
        assert_eq!(lab.read(&format!("{h}/whole")), "part 1\npart 2\n");
        assert_eq!(lab.read(&format!("{h}/notes")), "part 3\n");
        assert_eq!(lab.read(&format!("{h}/registered")), "whole 40\n");
        let mode = std::fs::metadata(lab.dir().join(format!("out/{h}/app.ini")))
            .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777)
            .unwrap();
        assert_eq!(mode, 0o640);
    }
    assert!(
        !String::from_utf8_lossy(&first.stdout).contains(secret)
            && !String::from_utf8_lossy(&first.stderr).contains(secret),
        "the no_log value was shown:\n{}",
        text(&first)
    );
    let second = run(&lab, PLAYBOOK, &["-e", &format!("secret={secret}")]);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    for h in ["h1", "h2"] {
        assert_eq!(counts(&second, h), (7, 0, 0, 0, 0, 0), "{}", text(&second));
    }
    // Check mode reaches the module: the change is reported and not made.
    let check = run(&lab, PLAYBOOK, &["-e", "secret=other", "--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    assert_eq!(counts(&check, "h1").1, 1, "{}", text(&check));
    assert!(lab.read("h1/app.ini").contains(secret));
}

#[test]
fn a_module_argument_the_module_rejects_fails_with_ansibles_message_and_location() {
    let lab = Lab::new(1);
    let out = run(
        &lab,
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - community.general.ini_file: {path: /nonexistent/x.ini, section: s, optoin: o}\n",
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Unsupported parameters for (community.general.ini_file) module: optoin."),
        "{}",
        text(&out)
    );
}

#[test]
fn a_host_without_python_fails_the_task_saying_which_module_needed_it() {
    let Some(host) = IsolatedHost::start() else {
        return;
    };
    // Only in this host's own root (an overlay of /): the machine keeps its Python.
    host.exec("rm -f /usr/bin/python3 /usr/bin/python3.*[0-9]");
    let mut cmd = host.rconf();
    let dir = tempfile::tempdir().unwrap();
    let playbook = dir.path().join("site.yml");
    std::fs::write(
        &playbook,
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - ping:\n    - community.general.ini_file: {path: /tmp/x.ini, section: s, option: o, value: v}\n",
    )
    .unwrap();
    let out = cmd
        .env("PATH", path_with_ansible())
        .arg("run")
        .arg(&playbook)
        .arg("-i")
        .arg(host.write_inventory("iso"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("ok: [iso]"),
        "native ping needs no Python: {}",
        text(&out)
    );
    assert!(
        stdout.contains(
            "module `community.general.ini_file` is one of Ansible's (rconf has no native one for this task) and needs Python 3 on the host, which has none"
        ),
        "{}",
        text(&out)
    );
}

#[test]
fn the_collections_keyword_resolves_short_names_in_those_collections_first() {
    let lab = Lab::new(1);
    let playbook = "- hosts: all\n  gather_facts: false\n  collections: [community.general]\n  tasks:\n    - filesize: {path: \"{{ out }}/blob\", size: 1KiB}\n";
    lab.write("out/.keep", "");
    let out = run(&lab, playbook, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(counts(&out, "h1"), (1, 1, 0, 0, 0, 0), "{}", text(&out));
    let size = std::fs::metadata(lab.dir().join("out/blob")).unwrap().len();
    assert_eq!(size, 1024);
    // Without the keyword the short name is nobody's module: refused before any host.
    let out = run(
        &lab,
        &playbook.replace("  collections: [community.general]\n", ""),
        &[],
    );
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown module or task keyword `filesize`"),
        "{}",
        text(&out)
    );
}

#[test]
fn become_runs_ansibles_module_as_the_become_user() {
    let lab = Lab::new(1);
    let shared = lab.dir().join("shared");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::set_permissions(
        &shared,
        std::os::unix::fs::PermissionsExt::from_mode(0o1777),
    )
    .unwrap();
    let playbook = format!(
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - community.general.ini_file: {{path: {}/as-nobody.ini, section: s, option: o, value: v}}\n      become: true\n      become_user: nobody\n",
        shared.display()
    );
    let out = run(&lab, &playbook, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let meta = std::fs::metadata(shared.join("as-nobody.ini")).unwrap();
    let nobody = std::process::Command::new("id")
        .args(["-u", "nobody"])
        .output()
        .unwrap();
    assert_eq!(
        std::os::unix::fs::MetadataExt::uid(&meta).to_string(),
        String::from_utf8_lossy(&nobody.stdout).trim()
    );
}

#[test]
fn a_module_whose_action_plugin_rconf_lacks_is_named_at_load() {
    let lab = Lab::new(1);
    let out = run(
        &lab,
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.posix.synchronize: {src: a/, dest: /tmp/b}\n",
        &[],
    );
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "site.yml:4:7: module `ansible.posix.synchronize` (ansible.posix.synchronize) needs Ansible's controller-side action plugin of that name, which rconf does not have"
        ),
        "{}",
        text(&out)
    );
    lab.assert_no_host_contacted();
}

/// A Windows module (ansible.windows, PowerShell) in content that never runs on this host, as
/// ansible-core's own `setup_remote_tmp_dir` role has in a handler: Ansible resolves it and
/// never runs it, so the playbook runs; a task that does run it fails with the reason.
#[test]
fn a_windows_module_that_never_runs_does_not_refuse_the_playbook() {
    let lab = Lab::new(1);
    lab.write(
        "cleanup-windows.yml",
        "- win_file: {path: 'C:\\temp', state: absent}\n",
    );
    let playbook = r#"
- hosts: all
  gather_facts: false
  tasks:
    - debug: {msg: runs}
    - name: only on Windows
      win_file: {path: 'C:\temp', state: absent}
      when: false
  handlers:
    - name: windows cleanup
      include_tasks: cleanup-windows.yml
"#;
    let out = run(&lab, playbook, &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("is a Windows (PowerShell) module, which rconf does not run"),
        "{t}"
    );
    let out = run(&lab, &playbook.replace("when: false", "when: true"), &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert_eq!(counts(&out, "h1").2, 1, "{t}");
}

/// Python regular expressions that the target's POSIX tools cannot say exactly (a
/// backreference inside the pattern, an alternation whose match is replaced) run with
/// Ansible's own module, so the file ends as Python's `re` makes it, as under ansible-playbook.
#[test]
fn regexes_posix_cannot_express_get_pythons_semantics() {
    let lab = Lab::new(1);
    let playbook = r#"
- hosts: all
  gather_facts: false
  tasks:
    - copy:
        dest: "{{ out }}/t.txt"
        content: "REF this is a line for backrefs REF\nab\n"
    - name: a backreference inside the pattern
      lineinfile:
        path: "{{ out }}/t.txt"
        regexp: "^(REF) .* \\1$"
        line: "This is line 3"
        backrefs: true
      register: br
    - name: an alternation in a replacement
      replace:
        path: "{{ out }}/t.txt"
        regexp: "a|ab"
        replace: "X"
    - assert:
        that:
          - br is changed
          - br.msg == 'line replaced'
"#;
    std::fs::create_dir_all(lab.dir().join("out")).unwrap();
    let out = run(&lab, playbook, &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    // Python's `a|ab` takes `a` first: `ab` becomes `Xb` (POSIX sed would give `X`).
    assert_eq!(lab.read("t.txt"), "This is line 3\nXb\n", "{t}");
}

/// A module of the user's own, as Ansible's docs write one.
const GREET: &str = r#"#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(name=dict(type='str', required=True)))
    module.exit_json(changed=False, greeting='hello ' + module.params['name'], where=WHERE)


WHERE = '@'
if __name__ == '__main__':
    main()
"#;

#[test]
fn modules_in_the_module_path_are_found_in_ansibles_order() {
    let lab = Lab::new(1);
    lab.write("mods/greet.py", &GREET.replace('@', "module-path"));
    // Named like a native module and ansible-core's: the user's wins, as in Ansible.
    lab.write("mods/ping.py", &GREET.replace('@', "own-ping"));
    lab.write(
        "library/greet.py",
        &GREET.replace('@', "beside-the-playbook"),
    );
    lab.write("library/only_beside.py", &GREET.replace('@', "library"));
    lab.write("roles/r/library/from_role.py", &GREET.replace('@', "role"));
    lab.write(
        "roles/r/tasks/main.yml",
        "- from_role: {name: r}\n  register: from_role\n",
    );
    lab.write(
        "env_mods/from_env.py",
        &GREET.replace('@', "ANSIBLE_LIBRARY"),
    );
    // -M comes before a role's library/ and ANSIBLE_LIBRARY, after the playbook's library/.
    lab.write("mods/from_role.py", &GREET.replace('@', "M-role"));
    lab.write("mods/from_env.py", &GREET.replace('@', "M-env"));
    let exec = |args: &[&str]| {
        lab.fleet
            .rconf()
            .env("PATH", path_with_ansible())
            .arg("exec")
            .args(args)
            .arg("-i")
            .arg(&lab.inventory)
            .args(["--one-line"])
            .output()
            .unwrap()
    };
    let mods = lab.dir().join("mods");
    let mods = mods.to_str().unwrap();
    let out = exec(&[
        "all",
        "-M",
        &format!("/nonexistent:{mods}"),
        "-m",
        "greet",
        "-a",
        "name=x",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.starts_with("h1 | SUCCESS => {")
            && s.contains("\"greeting\": \"hello x\"")
            && s.contains("\"where\": \"module-path\""),
        "{}",
        text(&out)
    );
    let out = exec(&["all", "--module-path", mods, "-m", "ping", "-a", "name=y"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\"where\": \"own-ping\""),
        "{}",
        text(&out)
    );
    // Without -M the native ping answers.
    let out = exec(&["all", "-m", "ping"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\"ping\": \"pong\""),
        "{}",
        text(&out)
    );

    // In a playbook, as ansible-playbook 2.19 finds them (checked with the same files):
    // library/ beside the playbook, then -M, a role's library/, ANSIBLE_LIBRARY.
    let playbook = r#"
- hosts: all
  gather_facts: false
  roles: [r]
  tasks:
    - greet: {name: a}
      register: greet
    - only_beside: {name: b}
      register: beside
    - from_env: {name: c}
      register: from_env
    - copy:
        dest: "{{ out }}/where"
        content: "{{ [greet, beside, from_role, from_env] | map(attribute='where') | join(' ') }}\n"
"#;
    lab.write("site.yml", playbook);
    std::fs::create_dir_all(lab.dir().join("out")).unwrap();
    let out_dir = format!("out={}", lab.dir().join("out").display());
    let run = |extra: &[&str]| {
        lab.fleet
            .rconf()
            .env("PATH", path_with_ansible())
            .env("ANSIBLE_LIBRARY", lab.dir().join("env_mods"))
            .args(["run", "site.yml", "-i"])
            .arg(&lab.inventory)
            .args(["-e", &out_dir])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&["-M", mods]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        lab.read("where"),
        "beside-the-playbook library M-role M-env\n"
    );
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        lab.read("where"),
        "beside-the-playbook library role ANSIBLE_LIBRARY\n"
    );
}
