//! The main ways a run is refused before any host is contacted, through the real binary: the
//! whole of stderr and the exit code for each, so a change of wording or layout is a decision
//! made here, not an accident (issue #13). A load error names its `file:line:col`, then shows
//! the source lines with a caret under the column, as ansible-core 2.19 shows its origin. The hosts are this machine (`ansible_connection=local`)
//! and no case reaches them.

use std::path::Path;
use std::process::Output;

/// The files every case starts from.
const HOSTS: &str = "[here]\nlocalhost ansible_connection=local\n";
const OK: &str = "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: {msg: hi}\n";

fn rconf(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_rconf"))
        .args(args)
        .current_dir(dir)
        .env("HOME", dir.join("home"))
        .env("NO_COLOR", "1")
        .env_remove("XDG_STATE_HOME")
        .env_remove("ANSIBLE_CONFIG")
        .env_remove("ANSIBLE_INVENTORY")
        .output()
        .unwrap()
}

/// Runs `args` in a project holding `files` (beside `hosts.ini` and `ok.yml`) and checks the
/// exit code, that stdout is empty (no play started) and that stderr is exactly `stderr`.
fn refused(files: &[(&str, &str)], args: &[&str], code: i32, stderr: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hosts.ini"), HOSTS).unwrap();
    std::fs::write(dir.path().join("ok.yml"), OK).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let out = rconf(dir.path(), args);
    let err = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(err, stderr, "rconf {args:?}\nstdout: {stdout}");
    assert_eq!(out.status.code(), Some(code), "rconf {args:?}: {err}");
    assert_eq!(stdout, "", "rconf {args:?}: nothing runs");
}

#[test]
fn a_yaml_syntax_error_names_its_place_once_and_shows_it() {
    refused(
        &[(
            "site.yml",
            "- hosts: all\n  tasks:\n    - name: bad yaml\n      debug: msg=\"x\"\n       foo: 1\n",
        )],
        &["run", "site.yml", "-i", "hosts.ini"],
        5,
        "error: site.yml:5:11: YAML syntax error: mapping values are not allowed in this context

3     - name: bad yaml
4       debug: msg=\"x\"
5        foo: 1
            ^ column 11
",
    );
}

#[test]
fn an_unknown_module_or_keyword_suggests_the_closest_name() {
    let play = |task: &str| format!("- hosts: all\n  gather_facts: false\n  tasks:\n{task}");
    refused(
        &[(
            "site.yml",
            &play("    - name: typo\n      copyy: src=a dest=b\n"),
        )],
        &["run", "site.yml", "-i", "hosts.ini"],
        5,
        "error: site.yml:5:7: unknown module or task keyword `copyy`; did you mean `copy`?

3   tasks:
4     - name: typo
5       copyy: src=a dest=b
        ^ column 7
",
    );
    refused(
        &[(
            "site.yml",
            &play("    - debug: {msg: hi}\n      loop: [1]\n      loop_contrl: {label: x}\n"),
        )],
        &["run", "site.yml", "-i", "hosts.ini"],
        5,
        "error: site.yml:6:7: unknown module or task keyword `loop_contrl`; did you mean \
         `loop_control`?

4     - debug: {msg: hi}
5       loop: [1]
6       loop_contrl: {label: x}
        ^ column 7
",
    );
}

#[test]
fn a_bad_module_argument_warns_with_its_place_and_the_spec_wording() {
    // A module-argument problem is a warning at load (Ansible fails only the task that runs),
    // and `--strict` makes it an error.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hosts.ini"), HOSTS).unwrap();
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - file: path=/nonexistent/x stat=1\n",
    )
    .unwrap();
    let out = rconf(
        dir.path(),
        &["run", "site.yml", "-i", "hosts.ini", "--strict"],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: site.yml:4:7: unsupported parameter `stat` for module `file`; did you mean \
         `state`?

2   gather_facts: false
3   tasks:
4     - file: path=/nonexistent/x stat=1
        ^ column 7
"
    );
    assert_eq!(out.status.code(), Some(5));
}

#[test]
fn missing_files_say_which_and_what_was_expected() {
    refused(
        &[],
        &["run", "missing.yml", "-i", "hosts.ini"],
        5,
        "error: cannot read playbook `missing.yml`: No such file or directory (os error 2)\n",
    );
    refused(
        &[],
        &["run", "ok.yml", "-i", "nohosts.ini"],
        5,
        "error: inventory source `nohosts.ini` does not exist; expected a file, a directory, or \
         a comma-separated host list like `h1,h2,`\n",
    );
    refused(
        &[],
        &["run", "ok.yml", "-i", "hosts.ini", "-e", "@nofile.yml"],
        5,
        "error: -e @nofile.yml: cannot read `nofile.yml`: No such file or directory (os error 2)\n",
    );
    refused(
        &[("site.yml", "- hosts: all\n  roles: [nosuchrole]\n")],
        &["run", "site.yml", "-i", "hosts.ini"],
        5,
        "error: site.yml:2:11: role `nosuchrole` not found (searched: ./roles, .)

1 - hosts: all
2   roles: [nosuchrole]
            ^ column 11
",
    );
    refused(
        &[(
            "site.yml",
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - import_tasks: missing.yml\n",
        )],
        &["run", "site.yml", "-i", "hosts.ini"],
        5,
        "error: site.yml:4:21: `import_tasks`: task file `missing.yml` not found (looked beside \
         the including file and the playbook)

2   gather_facts: false
3   tasks:
4     - import_tasks: missing.yml
                      ^ column 21
",
    );
}

#[test]
fn a_playbook_of_the_wrong_shape_is_refused_at_its_first_line() {
    refused(
        &[("site.yml", "hosts: all\ntasks: []\n")],
        &["run", "site.yml", "-i", "hosts.ini"],
        5,
        "error: site.yml:1:1: a playbook is a list of plays, found a mapping

1 hosts: all
  ^ column 1
",
    );
}

#[test]
fn a_vaulted_file_without_a_password_says_how_to_give_one() {
    refused(
        &[
            (
                "site.yml",
                "- hosts: all\n  gather_facts: false\n  vars_files: [secret.yml]\n  tasks: []\n",
            ),
            ("secret.yml", "$ANSIBLE_VAULT;1.1;AES256\n6162\n"),
        ],
        &["run", "site.yml", "-i", "hosts.ini"],
        5,
        "error: secret.yml:1:1: vault: vault-encrypted, but no vault password was given \
         (--vault-password-file, --vault-id or --ask-vault-pass)\n",
    );
}

#[test]
fn a_limit_that_matches_nothing_and_a_bad_option_are_usage_errors() {
    refused(
        &[],
        &["run", "ok.yml", "-i", "hosts.ini", "-l", "nomatch"],
        5,
        "error: --limit `nomatch` leaves no hosts to target: it matches none of the inventory's \
         1 host\n",
    );
    refused(
        &[],
        &["run", "ok.yml", "-i", "hosts.ini", "--forks", "0"],
        5,
        "error: invalid value '0' for '--forks <N>': The number of processes (--forks) must be \
         >= 1\n\nFor more information, try '--help'.\n",
    );
}

#[test]
fn several_problems_are_reported_together() {
    // Every load error of a playbook at once, each with its place: one run to fix them all.
    refused(
        &[(
            "site.yml",
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - copyy: {}\n    - debug: {msg: hi}\n      whn: true\n",
        )],
        &["run", "site.yml", "-i", "hosts.ini"],
        5,
        "error: site.yml:4:7: unknown module or task keyword `copyy`; did you mean `copy`?

2   gather_facts: false
3   tasks:
4     - copyy: {}
        ^ column 7

error: site.yml:6:7: unknown module or task keyword `whn`; did you mean `when`?

4     - copyy: {}
5     - debug: {msg: hi}
6       whn: true
        ^ column 7
",
    );
}
