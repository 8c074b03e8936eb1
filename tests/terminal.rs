//! Terminal behaviour under a real pseudo-terminal (util-linux `script`): the progress line
//! appears on a terminal and never in pipes, `NO_COLOR` removes colour, banners are as wide as
//! the terminal and failures coloured as Ansible colours them.

mod common;

use std::process::{Command, Output, Stdio};

use common::Fleet;

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Runs `rconf ARGS` with its stdout and stderr on a pseudo-terminal; returns what it drew.
fn on_terminal(fleet: &Fleet, args: &[&str], env: &[(&str, &str)]) -> String {
    let line: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_rconf"))
        .chain(args.iter().copied())
        .map(quote)
        .collect();
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &line.join(" "), "/dev/null"])
        .env("HOME", &fleet.home)
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .env_remove("SSH_AUTH_SOCK")
        .current_dir(fleet.dir.path())
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .expect("the terminal tests need `script` from util-linux");
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn text(out: &Output) -> String {
    format!(
        "--- status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// SGR colour sequences such as `ESC[33m` (cursor movement of the progress line is not colour).
fn has_colour(s: &str) -> bool {
    s.split('\x1b').skip(1).any(|seq| {
        seq.strip_prefix('[')
            .and_then(|rest| rest.split_once('m'))
            .is_some_and(|(params, _)| {
                !params.is_empty()
                    && params.chars().all(|c| c.is_ascii_digit() || c == ';')
                    && params != "0"
            })
    })
}

#[test]
fn progress_and_colour_on_a_terminal_only() {
    let fleet = Fleet::start(2);
    let inventory = fleet.write_inventory();
    let inv = inventory.to_str().unwrap();
    let args = ["sh", "-i", inv, "all", "--", "sleep 1; echo done"];

    let drawn = on_terminal(&fleet, &args, &[]);
    assert!(drawn.contains("/2 hosts"), "no progress line:\n{drawn:?}");
    assert!(
        drawn.contains("running: h[1-2]"),
        "no host list:\n{drawn:?}"
    );
    assert!(
        drawn.contains("h[1-2] (2) | CHANGED | rc=0 >>"),
        "{drawn:?}"
    );
    assert!(has_colour(&drawn), "no colour on a terminal:\n{drawn:?}");

    let plain = on_terminal(&fleet, &args, &[("NO_COLOR", "1")]);
    assert!(plain.contains("/2 hosts"), "{plain:?}");
    assert!(!has_colour(&plain), "colour despite NO_COLOR:\n{plain:?}");

    let piped = fleet.rconf().args(args).output().unwrap();
    assert_eq!(piped.status.code(), Some(0), "{}", text(&piped));
    assert_eq!(
        String::from_utf8_lossy(&piped.stdout),
        "h[1-2] (2) | CHANGED | rc=0 >>\ndone\n"
    );
    assert!(
        piped.stderr.is_empty(),
        "progress or escapes in a pipe:\n{}",
        text(&piped)
    );
}

#[test]
fn playbook_runs_show_progress_on_a_terminal_only() {
    let fleet = Fleet::start(1);
    let inventory = fleet.write_inventory();
    let playbook = fleet.dir.path().join("slow.yml");
    std::fs::write(
        &playbook,
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: Wait a little\n      shell: sleep 1\n",
    )
    .unwrap();
    let args = [
        "run",
        playbook.to_str().unwrap(),
        "-i",
        inventory.to_str().unwrap(),
    ];
    let drawn = on_terminal(&fleet, &args, &[]);
    let task_line = drawn.find("TASK [Wait a little]").expect("no task line");
    assert!(drawn[task_line..].contains("0/1 hosts"), "{drawn:?}");
    assert!(drawn.contains("PLAY RECAP"), "{drawn:?}");

    let piped = fleet.rconf().args(args).output().unwrap();
    assert_eq!(piped.status.code(), Some(0), "{}", text(&piped));
    let out = String::from_utf8_lossy(&piped.stdout);
    assert!(!out.contains("hosts [") && !out.contains('\x1b'), "{out}");
    assert!(piped.stderr.is_empty(), "{}", text(&piped));
}

/// `program ARGS` under a pseudo-terminal `cols` wide, with `cmd`'s environment and directory.
fn sized_terminal(cmd: &Command, cols: u16) -> String {
    let line: Vec<String> = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| quote(&a.to_string_lossy()))
        .collect();
    let mut term = Command::new("script");
    term.args([
        "-qec",
        &format!("stty cols {cols} rows 40; {}", line.join(" ")),
        "/dev/null",
    ])
    .env("TERM", "xterm")
    .stdin(Stdio::null());
    if let Some(dir) = cmd.get_current_dir() {
        term.current_dir(dir);
    }
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => term.env(k, v),
            None => term.env_remove(k),
        };
    }
    let out = term.output().expect("the terminal tests need `script`");
    String::from_utf8_lossy(&out.stdout).replace('\r', "")
}

#[test]
fn banners_are_as_wide_as_the_terminal_as_ansibles_are() {
    let lab = common::Lab::new(1);
    lab.write(
        "site.yml",
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: hi\n      debug: msg=hi\n",
    );
    let banners = |drawn: &str| -> Vec<String> {
        drawn
            .lines()
            .filter(|l| l.starts_with("PLAY [") || l.starts_with("TASK ["))
            .map(String::from)
            .collect()
    };
    let mut rconf = lab.fleet.rconf();
    rconf
        .args(["run", "site.yml", "-i"])
        .arg(&lab.inventory)
        .args(["--no-history"])
        .env("NO_COLOR", "1");
    let ours = banners(&sized_terminal(&rconf, 120));
    assert_eq!(
        ours,
        [
            format!("PLAY [all] {}", "*".repeat(109)),
            format!("TASK [hi] {}", "*".repeat(110)),
        ]
    );
    let theirs = banners(&sized_terminal(
        &common::ansible_playbook(&lab, "site.yml"),
        120,
    ));
    assert_eq!(ours, theirs);
    // Narrower than 80 columns: Ansible's 79 still.
    let narrow = banners(&sized_terminal(&rconf, 60));
    assert_eq!(narrow[0], format!("PLAY [all] {}", "*".repeat(69)));
}

#[test]
fn an_ignored_failure_is_red_as_in_ansible_and_only_ignoring_is_not() {
    let lab = common::Lab::new(1);
    lab.write(
        "site.yml",
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: /bin/false\n      ignore_errors: true\n",
    );
    let mut rconf = lab.fleet.rconf();
    rconf
        .args(["run", "site.yml", "-i"])
        .arg(&lab.inventory)
        .arg("--no-history")
        .env_remove("NO_COLOR");
    let drawn = sized_terminal(&rconf, 100);
    assert!(
        drawn.contains("\x1b[31mfatal: [h1]: FAILED! => {"),
        "{drawn:?}"
    );
    assert!(drawn.contains("\x1b[36m...ignoring\x1b[0m"), "{drawn:?}");
    assert!(
        drawn.contains("\x1b[31m[ERROR]: Task failed: Module failed: non-zero return code\x1b[0m"),
        "{drawn:?}"
    );
}
