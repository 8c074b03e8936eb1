//! Faults and hostile input through the real binary (issue 16): empty host patterns, a
//! `--limit` that matches nothing, hung inventory scripts and the run lock, closed pipes,
//! report files that cannot be written, huge and explosive YAML, broken ansible.cfg files,
//! non-UTF-8 input and misshapen YAML inventories. Each is refused with its exact message and
//! exit code, and where hosts exist, before any of them is contacted.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Lab, text};

const EMPTY: &str = "Hosts list cannot be empty (name a host, a group, or `all` for every host)";

/// A project directory for runs on this machine only (`ansible_connection=local`), with its
/// own HOME so that the history and locks are the test's.
struct Local {
    dir: tempfile::TempDir,
}

impl Local {
    fn new() -> Local {
        let local = Local {
            dir: tempfile::tempdir().unwrap(),
        };
        local.write("hosts.ini", "[here]\nlocalhost ansible_connection=local\n");
        local.write(
            "site.yml",
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: {msg: hello}\n",
        );
        local
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        std::fs::write(self.path(rel), content).unwrap();
    }

    fn script(&self, rel: &str, content: &str) {
        self.write(rel, content);
        std::fs::set_permissions(self.path(rel), std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rconf"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("HOME", self.path("home"))
            .env_remove("XDG_STATE_HOME")
            .env_remove("ANSIBLE_CONFIG")
            .env_remove("ANSIBLE_INVENTORY")
            .env_remove(INVENTORY_TIMEOUT);
        cmd
    }

    fn rconf(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }
}

const INVENTORY_TIMEOUT: &str = "RCONF_INVENTORY_TIMEOUT";

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Exit code 5 and exactly this one error on stderr: its line, then (for an error with a
/// place in a readable file) the source lines with a caret, which tests/cli_errors.rs pins.
fn assert_bad_input(out: &Output, message: &str) {
    assert_eq!(out.status.code(), Some(5), "{}", text(out));
    let err = stderr(out);
    let (first, excerpt) = err.split_once('\n').unwrap_or((&err, ""));
    assert_eq!(first, format!("error: {message}"), "{}", text(out));
    assert!(
        excerpt.is_empty() || (excerpt.starts_with('\n') && excerpt.contains(" ^ column ")),
        "one error, its excerpt at most: {}",
        text(out)
    );
}

// --- Item 3: empty and blank host patterns -------------------------------------------------

#[test]
fn empty_and_blank_host_patterns_are_refused_before_any_host_is_contacted() {
    let lab = Lab::new(2);
    let inv = lab.inventory.to_str().unwrap();
    for (args, pattern) in [
        (vec!["sh", "", "-i", inv, "--", "touch", "x"], "\"\""),
        (vec!["sh", " ", "-i", inv, "--", "touch", "x"], "\" \""),
        (vec!["exec", "", "-i", inv, "-m", "ping"], "\"\""),
        (vec!["exec", ",", "-i", inv, "-m", "ping"], "\",\""),
    ] {
        let out = lab.fleet.rconf().args(&args).output().unwrap();
        assert_bad_input(&out, &format!("host pattern {pattern} is empty: {EMPTY}"));
    }
    for (hosts, col) in [("\"\"", 10), ("\" \"", 10), ("", 8), ("[]", 10)] {
        let play =
            format!("- hosts: {hosts}\n  gather_facts: false\n  tasks:\n    - command: touch x\n");
        let out = lab.run(&play, &["--no-history"]);
        assert_bad_input(
            &out,
            &format!("site.yml:1:{col}: `hosts` is empty: {EMPTY}"),
        );
    }
    lab.assert_no_host_contacted();
}

// --- Item 4: a --limit that matches no host ------------------------------------------------

#[test]
fn a_limit_that_matches_no_host_is_refused_by_run_check_and_exec() {
    let lab = Lab::new(2);
    lab.write(
        "site.yml",
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: touch x\n",
    );
    let inv = lab.inventory.to_str().unwrap();
    let none =
        "--limit `typo` leaves no hosts to target: it matches none of the inventory's 2 hosts";
    for args in [
        vec!["run", "site.yml", "-i", inv, "-l", "typo"],
        vec!["run", "site.yml", "-i", inv, "-l", "typo", "--check"],
        vec!["check", "site.yml", "-i", inv, "--limit", "typo"],
        vec!["exec", "all", "-i", inv, "-l", "typo", "-m", "ping"],
        vec!["sh", "all", "-i", inv, "-l", "typo", "--", "true"],
    ] {
        let out = lab.fleet.rconf().args(&args).output().unwrap();
        assert_bad_input(&out, none);
    }
    // A pattern and a limit without a host in common leave nothing either.
    let out = lab
        .fleet
        .rconf()
        .args(["exec", "h1", "-i", inv, "-l", "h2", "-m", "ping"])
        .output()
        .unwrap();
    assert_bad_input(
        &out,
        "--limit `h2` leaves no hosts to target: it matches none of the 1 host of pattern `h1`",
    );
    lab.assert_no_host_contacted();
    // Nothing was recorded: nothing ran.
    assert!(
        !lab.fleet
            .home
            .join(".local/state/rconf/history.db")
            .exists()
    );
}

// --- Item 6: hung inventory scripts and the run lock ---------------------------------------

/// Whether a process is gone (or a zombie nobody reaps: it runs no more).
fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

#[test]
fn a_hung_inventory_script_is_killed_with_what_it_started_after_the_timeout() {
    let l = Local::new();
    // The script starts a child of its own and waits: both must go.
    l.script(
        "slow.sh",
        "#!/bin/sh\nsleep 1000 &\necho $! > child.pid\nwait\n",
    );
    let started = Instant::now();
    let out = l
        .cmd(&["check", "site.yml", "-i", "slow.sh"])
        .env(INVENTORY_TIMEOUT, "1")
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_bad_input(
        &out,
        "inventory script `slow.sh --list` did not finish within 1 s and was killed \
         (set RCONF_INVENTORY_TIMEOUT=SECONDS to allow longer)",
    );
    let child: u32 = std::fs::read_to_string(l.path("child.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !gone(child) {
        assert!(
            Instant::now() < deadline,
            "the script's child {child} still runs"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // A value that is no number of seconds is bad input too.
    let out = l
        .cmd(&["inventory", "-i", "slow.sh", "--list"])
        .env(INVENTORY_TIMEOUT, "soon")
        .output()
        .unwrap();
    assert_bad_input(
        &out,
        "RCONF_INVENTORY_TIMEOUT=\"soon\": expected a number of seconds above 0",
    );
}

#[test]
fn an_overlapping_check_is_refused_at_once_while_the_first_reads_its_inventory() {
    let l = Local::new();
    l.script(
        "slow.sh",
        "#!/bin/sh\ntouch reading\nsleep 3\n\
         echo '{\"all\": {\"hosts\": [\"localhost\"]}, \"_meta\": {\"hostvars\": \
         {\"localhost\": {\"ansible_connection\": \"local\"}}}}'\n",
    );
    let mut first = l
        .cmd(&["check", "site.yml", "-i", "slow.sh"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !l.path("reading").exists() {
        assert!(
            Instant::now() < deadline,
            "the first check never ran its inventory script"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let started = Instant::now();
    let second = l.rconf(&["check", "site.yml", "-i", "slow.sh"]);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(second.status.code(), Some(6), "{}", text(&second));
    let err = stderr(&second);
    let head = format!(
        "error: another rconf run of this playbook and inventory is in progress (pid {}): lock `",
        first.id()
    );
    assert!(err.starts_with(&head), "{err}");
    assert!(err.ends_with(".lock` is held\n"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(first.wait().unwrap().code(), Some(0));
}

// --- Item 7: a closed stdout -----------------------------------------------------------------

/// Runs rconf with stdout a pipe whose reading end is already closed.
fn with_closed_stdout(l: &Local, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    l.cmd(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn every_command_that_prints_ends_quietly_on_a_closed_stdout() {
    let l = Local::new();
    // Something in the history to list and show.
    let out = l.rconf(&["run", "site.yml", "-i", "hosts.ini"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Commands that only print end as `cat` does: killed by SIGPIPE, silently.
    for args in [
        vec!["history"],
        vec!["history", "show", "1"],
        vec!["history", "--host", "localhost"],
        vec!["doc"],
        vec!["doc", "copy"],
        vec!["man"],
        vec!["completions", "bash"],
        vec!["inventory", "-i", "hosts.ini", "--list"],
        vec!["inventory", "-i", "hosts.ini", "--graph"],
        vec!["inventory", "-i", "hosts.ini", "--list-hosts", "all"],
        vec!["run", "site.yml", "-i", "hosts.ini", "--list-tasks"],
        vec!["--help"],
    ] {
        let out = with_closed_stdout(&l, &args);
        let err = stderr(&out);
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?}: {err}"
        );
        assert_eq!(err, "", "{args:?}");
        assert_ne!(out.status.code(), Some(101), "{args:?}");
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGPIPE),
            "{args:?}: {:?}",
            out.status
        );
    }
    // Runs finish their work and exit with their own code: the reader going away changes
    // nothing on the hosts.
    for (args, code) in [
        (vec!["run", "site.yml", "-i", "hosts.ini"], 0),
        (vec!["check", "site.yml", "-i", "hosts.ini"], 0),
        (
            vec!["sh", "all", "-i", "hosts.ini", "--", "seq", "1", "1000"],
            0,
        ),
        (
            vec!["exec", "all", "-i", "hosts.ini", "-m", "ping", "--json"],
            0,
        ),
        (
            vec!["run", "site.yml", "-i", "hosts.ini", "--output", "jsonl"],
            0,
        ),
    ] {
        let out = with_closed_stdout(&l, &args);
        let err = stderr(&out);
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?}: {err}"
        );
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    }
}

// --- Item 8: report files that cannot be written ---------------------------------------------

#[test]
fn a_report_that_cannot_be_written_fails_a_passing_run_with_exit_1() {
    let l = Local::new();
    let missing = l.path("no/such/dir/report.json");
    let missing = missing.to_str().unwrap();
    let cannot = format!("cannot write report `{missing}`: No such file or directory (os error 2)");
    let out = l.rconf(&["run", "site.yml", "-i", "hosts.ini", "--report", missing]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(stderr(&out), format!("error: {cannot}\n"));

    let check_cannot = format!("cannot write `{missing}`: No such file or directory (os error 2)");
    for flag in ["--report", "--junit"] {
        let out = l.rconf(&["check", "site.yml", "-i", "hosts.ini", flag, missing]);
        assert_eq!(out.status.code(), Some(1), "{flag}: {}", text(&out));
        assert_eq!(stderr(&out), format!("error: {check_cannot}\n"), "{flag}");
    }

    // Drift keeps its own code: the report's failure is printed, the hosts' state wins.
    l.write(
        "drift.yml",
        format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - copy: {{content: x, dest: {}}}\n",
            l.path("out.txt").display()
        ),
    );
    let out = l.rconf(&["check", "drift.yml", "-i", "hosts.ini", "--report", missing]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_eq!(stderr(&out), format!("error: {check_cannot}\n"));
}

#[test]
fn the_on_drift_report_is_private_and_removed_afterwards() {
    let l = Local::new();
    l.write(
        "drift.yml",
        format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - copy: {{content: x, dest: {}}}\n",
            l.path("out.txt").display()
        ),
    );
    let hook = "stat -c %a \"$RCONF_REPORT\" > mode; stat -c %a \"${RCONF_REPORT%/*}\" > dirmode; \
                echo \"$RCONF_REPORT\" > path; cp \"$RCONF_REPORT\" copy.json";
    let out = l.rconf(&["check", "drift.yml", "-i", "hosts.ini", "--on-drift", hook]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let read = |f: &str| {
        std::fs::read_to_string(l.path(f))
            .unwrap()
            .trim()
            .to_string()
    };
    assert_eq!(read("mode"), "600");
    assert_eq!(read("dirmode"), "700");
    let report = PathBuf::from(read("path"));
    assert!(!report.exists(), "{report:?} was left behind");
    assert!(
        !report.parent().unwrap().exists(),
        "{report:?}'s directory was left behind"
    );
    let doc: serde_json::Value = serde_json::from_str(&read("copy.json")).unwrap();
    assert_eq!(
        doc["drift"]["drifted_hosts"],
        serde_json::json!(["localhost"])
    );
}

// --- Item 9: inventory scripts by path, huge and explosive YAML -------------------------------

#[test]
fn an_inventory_script_named_without_a_slash_is_the_file_not_a_program_in_path() {
    let l = Local::new();
    let print = |host: &str| {
        format!(
            "#!/bin/sh\necho '{{\"all\": {{\"hosts\": [\"{host}\"]}}, \"_meta\": {{\"hostvars\": {{}}}}}}'\n"
        )
    };
    l.script("inv.sh", &print("from-the-file"));
    std::fs::create_dir(l.path("bin")).unwrap();
    l.script("bin/inv.sh", &print("from-path"));
    let path = format!(
        "{}:{}",
        l.path("bin").display(),
        std::env::var("PATH").unwrap()
    );
    let out = l
        .cmd(&["inventory", "-i", "inv.sh", "--list-hosts", "all"])
        .env("PATH", path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(stdout(&out), "from-the-file\n");
}

#[test]
fn a_vars_file_of_260000_items_is_read_and_an_alias_bomb_is_refused_quickly() {
    let l = Local::new();
    let mut big = String::from("big:\n");
    for i in 0..260_000 {
        big.push_str(&format!("  - item-number-{i:07}\n"));
    }
    assert!(big.len() > 4_000_000);
    l.write("big.yml", &big);
    l.write(
        "big_play.yml",
        "- hosts: all\n  gather_facts: false\n  vars_files: [big.yml]\n  tasks:\n    \
         - debug: {msg: \"{{ big | length }} {{ big | last }}\"}\n",
    );
    let out = l.rconf(&["run", "big_play.yml", "-i", "hosts.ini", "--no-history"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stdout(&out).contains("\"msg\": \"260000 item-number-0259999\""),
        "{}",
        text(&out)
    );

    let mut lol = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (prev, name) in "abcdefgh".chars().zip("bcdefghi".chars()) {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        lol.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    l.write("lol.yml", &lol);
    l.write(
        "lol_play.yml",
        "- hosts: all\n  gather_facts: false\n  vars_files: [lol.yml]\n  tasks: []\n",
    );
    let started = Instant::now();
    let out = l.rconf(&["run", "lol_play.yml", "-i", "hosts.ini", "--no-history"]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_bad_input(
        &out,
        "lol.yml:6:16: the YAML document's aliases (`*name`) expand to too much data, as an \
         alias bomb (\"billion laughs\") does; refused",
    );
    // The same file as an inventory.
    let inv: String = std::iter::once("all:\n  vars:\n".to_string())
        .chain(lol.lines().map(|line| format!("    {line}\n")))
        .collect();
    l.write("lol_inv.yml", inv);
    let out = l.rconf(&["inventory", "-i", "lol_inv.yml", "--list"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        stderr(&out).starts_with("error: lol_inv.yml:")
            && stderr(&out).contains("as an alias bomb (\"billion laughs\") does; refused"),
        "{}",
        text(&out)
    );
}

// --- Item 10: an ansible.cfg that is not INI ---------------------------------------------------

#[test]
fn an_ansible_cfg_that_is_not_ini_stops_the_run_with_its_line() {
    let l = Local::new();
    let mut garbage = vec![0x96u8, b'{', 0xee, 0xd5, b'U', b'9', b'\n'];
    garbage.extend_from_slice(b"[defaults]\n");
    for (name, content, message) in [
        (
            "unclosed.cfg",
            b"[defaults\nforks = 3\n".to_vec(),
            "unclosed.cfg:1: error reading config file: `[defaults` is not a section header: it \
             must end with `]`",
        ),
        (
            "headless.cfg",
            b"# no section\nforks = 3\n".to_vec(),
            "headless.cfg:2: error reading config file: `forks = 3` comes before any section \
             header such as `[defaults]`",
        ),
        (
            "novalue.cfg",
            b"[defaults]\nforks\n".to_vec(),
            "novalue.cfg:2: error reading config file: `forks` is not a `key = value` setting",
        ),
        (
            "binary.cfg",
            garbage,
            "binary.cfg:1:1: error reading config file: the file is not valid UTF-8: byte 0x96 \
             at offset 0 is not part of a UTF-8 character (save the file as UTF-8)",
        ),
        (
            "controls.cfg",
            b"\x01\x02\x7f\n".to_vec(),
            "controls.cfg:1: error reading config file: `\\u{1}\\u{2}\\u{7f}` comes before any \
             section header such as `[defaults]`",
        ),
    ] {
        l.write(name, content);
        for args in [
            vec!["run", "site.yml", "-i", "hosts.ini", "--no-history"],
            vec!["inventory", "-i", "hosts.ini", "--list"],
            vec!["sh", "all", "-i", "hosts.ini", "--", "true"],
        ] {
            let out = l.cmd(&args).env("ANSIBLE_CONFIG", name).output().unwrap();
            assert_bad_input(&out, message);
        }
    }
    // ./ansible.cfg is found without being named.
    l.write("ansible.cfg", "[defaults\n");
    let out = l.rconf(&["run", "site.yml", "-i", "hosts.ini", "--no-history"]);
    assert_bad_input(
        &out,
        "ansible.cfg:1: error reading config file: `[defaults` is not a section header: it \
         must end with `]`",
    );
}

// --- Item 11: non-UTF-8 input and misshapen YAML inventories ---------------------------------

#[test]
fn non_utf8_input_is_located_at_its_first_invalid_byte() {
    let l = Local::new();
    let not_utf8 = |at: &str, byte: &str, offset: usize| {
        format!(
            "{at}: the file is not valid UTF-8: byte {byte} at offset {offset} is not part of a \
             UTF-8 character (save the file as UTF-8)"
        )
    };
    l.write(
        "latin1.yml",
        b"- hosts: all\n  vars:\n    city: \"Z\xfcrich\"\n  tasks: []\n",
    );
    let out = l.rconf(&["run", "latin1.yml", "-i", "hosts.ini", "--no-history"]);
    assert_bad_input(&out, &not_utf8("latin1.yml:3:13", "0xfc", 33));

    let mut bad = "greeting: héllo\nname: café".as_bytes().to_vec();
    bad.extend_from_slice(b"\xff\n");
    l.write("vars.yml", &bad);
    l.write(
        "with_vars.yml",
        "- hosts: all\n  gather_facts: false\n  vars_files: [vars.yml]\n  tasks: []\n",
    );
    let out = l.rconf(&["run", "with_vars.yml", "-i", "hosts.ini", "--no-history"]);
    // Columns count characters (`é` is one), offsets bytes.
    assert_bad_input(&out, &not_utf8("vars.yml:2:11", "0xff", 28));
    let out = l.rconf(&[
        "run",
        "site.yml",
        "-i",
        "hosts.ini",
        "-e",
        "@vars.yml",
        "--no-history",
    ]);
    assert_bad_input(&out, &not_utf8("vars.yml:2:11", "0xff", 28));

    l.write("bad.ini", b"[web]\nweb1\nw\xe9b2\n");
    let out = l.rconf(&["inventory", "-i", "bad.ini", "--list"]);
    assert_bad_input(&out, &not_utf8("bad.ini:3:2", "0xe9", 12));
    l.write("bad_inv.yml", b"all:\n  hosts:\n    h\xe91:\n");
    let out = l.rconf(&["run", "site.yml", "-i", "bad_inv.yml", "--no-history"]);
    assert_bad_input(&out, &not_utf8("bad_inv.yml:3:6", "0xe9", 19));
    std::fs::create_dir_all(l.path("group_vars")).unwrap();
    l.write("group_vars/all.yml", b"x: \x80\n");
    let out = l.rconf(&["inventory", "-i", "hosts.ini", "--list"]);
    assert_bad_input(&out, &not_utf8("./group_vars/all.yml:1:4", "0x80", 3));
}

#[test]
fn yaml_inventory_structure_errors_carry_file_line_and_column() {
    let l = Local::new();
    for (content, message) in [
        (
            "- web1\n- web2\n",
            "1:1: expected a mapping of group names at the top of a YAML inventory",
        ),
        (
            "all:\n  children:\n    web: [web1]\n",
            "3:10: group `web` must be a mapping with `hosts`, `vars` or `children`, got \
             `[\"web1\"]`",
        ),
        (
            "all:\n  children:\n    web:\n      hosts: [web1, web2]\n",
            "4:14: `hosts` of group `web` must be a mapping, got `[\"web1\",\"web2\"]`",
        ),
        (
            "web:\n  hosts:\n    web1: 22\n",
            "3:11: host `web1` in group `web` must have a mapping of variables, got `22`",
        ),
        (
            "web:\n  vars: [a]\n",
            "2:9: `vars` of group `web` must be a mapping, got `[\"a\"]`",
        ),
        (
            "web:\n  children: yes\n",
            "2:13: `children` of group `web` must be a mapping, got `true`",
        ),
        (
            "web:\n  hosts:\n    \"web[1:x]\":\n",
            "3:5: host range `[1:x]` expects numbers or single letters, got `x`",
        ),
        (
            "web:\n  children:\n    app:\n      children:\n        web:\n",
            "5:9: group `web` is its own descendant through `children`; groups must form a tree \
             without loops",
        ),
    ] {
        l.write("inv.yml", content);
        let out = l.rconf(&["inventory", "-i", "inv.yml", "--list"]);
        assert_bad_input(&out, &format!("inv.yml:{message}"));
    }
    // The same loop in an INI inventory, at the line that closes it.
    l.write("loop.ini", "[a:children]\nb\n[b:children]\na\n");
    let out = l.rconf(&["inventory", "-i", "loop.ini", "--list"]);
    assert_bad_input(
        &out,
        "loop.ini:4:1: group `a` is its own descendant through `children`; groups must form a \
         tree without loops",
    );
}
