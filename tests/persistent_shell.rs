//! Tasks run on one persistent remote shell per host (one round trip per task, no new SSH
//! session or login shell): results equal those of one exec per task, one `exec` request
//! serves the whole run, and a timed-out or misbehaving task never corrupts the next one.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{Fleet, text};

fn recap(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let body = stdout
        .split("PLAY RECAP")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    body.lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn run(fleet: &Fleet, playbook: &Path, persistent: bool, extra: &[&str]) -> Output {
    fleet
        .rconf()
        .env("RCONF_PERSISTENT_SHELL", if persistent { "1" } else { "0" })
        .arg("run")
        .arg(playbook)
        .arg("-i")
        .arg(fleet.write_inventory())
        .args(extra)
        .output()
        .unwrap()
}

/// Every file under `dir` with its content and mode, paths relative to `dir`.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>, u32)> {
    use std::os::unix::fs::PermissionsExt;
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>, u32)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(base).unwrap().display().to_string();
            let content = if meta.is_file() {
                std::fs::read(&p).unwrap()
            } else {
                Vec::new()
            };
            out.push((rel, content, meta.permissions().mode()));
            if meta.is_dir() {
                walk(base, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn exec_requests(fleet: &Fleet, i: usize) -> usize {
    fleet.hosts[i].log_text().matches("request exec").count()
}

#[test]
fn results_equal_one_exec_per_task_and_one_exec_serves_the_run() {
    both_modes_agree(&[]);
}

/// The same under `become` (sudo from root to root): the tasks run on one shell started under
/// sudo, with the results of one `sudo` exec per task.
#[test]
fn under_become_results_equal_one_exec_per_task_and_one_exec_serves_the_run() {
    both_modes_agree(&["--become"]);
}

/// Runs the acceptance playbook twice with one persistent shell per run and twice with one
/// exec per task (`RCONF_PERSISTENT_SHELL=0`), `extra` given to each run: equal recaps and
/// files, and the exec requests each mode takes.
fn both_modes_agree(extra: &[&str]) {
    let fleet = Fleet::start(3);
    let playbook =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/acceptance/site.yml");
    let roots = [
        fleet.dir.path().join("fused"),
        fleet.dir.path().join("unfused"),
    ];
    let mut recaps = Vec::new();
    for (root, persistent) in roots.iter().zip([true, false]) {
        let before: Vec<usize> = (0..3).map(|i| exec_requests(&fleet, i)).collect();
        let arg = format!("test_root={}", root.display());
        let args: Vec<&str> = ["-e", &arg]
            .iter()
            .copied()
            .chain(extra.iter().copied())
            .collect();
        let first = run(&fleet, &playbook, persistent, &args);
        assert_eq!(first.status.code(), Some(0), "{}", text(&first));
        let second = run(&fleet, &playbook, persistent, &args);
        assert_eq!(second.status.code(), Some(0), "{}", text(&second));
        recaps.push((recap(&first), recap(&second)));
        let used: Vec<usize> = (0..3)
            .map(|i| exec_requests(&fleet, i) - before[i])
            .collect();
        if persistent {
            // Two runs, one persistent shell each: 10 tasks per run, 2 exec requests in all.
            assert_eq!(used, [2, 2, 2], "{}", fleet.hosts[0].log_text());
        } else {
            assert_eq!(used, [20, 20, 20]);
        }
    }
    assert_eq!(recaps[0], recaps[1]);
    assert!(recaps[0].1.contains("changed=0"), "{:?}", recaps[0]);
    // The `current` link's target names its root, so it is compared by the manifest test.
    let files = |root: &Path| -> Vec<(String, Vec<u8>, u32)> {
        snapshot(root)
            .into_iter()
            .filter(|(p, _, _)| !p.ends_with("current"))
            .collect()
    };
    assert_eq!(files(&roots[0]), files(&roots[1]));
}

#[test]
fn a_timed_out_task_ends_the_shell_and_the_next_task_gets_a_new_one() {
    let fleet = Fleet::start(1);
    let out_dir = fleet.dir.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let playbook = fleet.dir.path().join("timeout.yml");
    // A duration no other process on the machine uses, so that the check below finds this
    // test's command even when killing its shell left it orphaned, and nothing else.
    let nap = format!("sleep 29.{:03}", std::process::id() % 1000);
    std::fs::write(
        &playbook,
        format!(
            "- hosts: all_hosts\n  gather_facts: no\n  tasks:\n    - command: {nap}\n      timeout: 1\n      ignore_errors: true\n    - copy: {{content: \"after\\n\", dest: {}/after}}\n    - command: echo still fine\n      register: fine\n    - copy: {{content: \"{{{{ fine.stdout }}}}\\n\", dest: {}/fine}}\n",
            out_dir.display(),
            out_dir.display()
        ),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let out = run(&fleet, &playbook, true, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        started.elapsed().as_secs() < 15,
        "took {:?}",
        started.elapsed()
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("timed out"),
        "{}",
        text(&out)
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("after")).unwrap(),
        "after\n"
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("fine")).unwrap(),
        "still fine\n"
    );
    // The sleeping command was killed with its shell, not left running.
    let ps = std::process::Command::new("pgrep")
        .args(["-f", &format!("^{nap}$")])
        .output()
        .unwrap();
    assert!(
        ps.stdout.is_empty(),
        "{nap} still runs: {}",
        String::from_utf8_lossy(&ps.stdout)
    );
}

#[test]
fn unread_stdin_and_odd_output_never_reach_the_next_task() {
    let fleet = Fleet::start(1);
    let out_dir = fleet.dir.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    std::fs::write(out_dir.join("kept"), "original\n").unwrap();
    let big = "x".repeat(300_000);
    let playbook = fleet.dir.path().join("stdin.yml");
    std::fs::write(
        &playbook,
        format!(
            "- hosts: all_hosts\n  gather_facts: no\n  vars:\n    big: {big}\n  tasks:\n\
             \x20   - copy: {{content: \"{{{{ big }}}}\", dest: {d}/kept, force: no}}\n\
             \x20   - shell: printf 'no newline at the end'; printf 'err without newline' >&2\n      register: odd\n\
             \x20   - copy: {{content: \"[{{{{ odd.stdout }}}}][{{{{ odd.stderr }}}}]\\n\", dest: {d}/odd}}\n\
             \x20   - shell: head -c 10\n      args: {{stdin: \"0123456789abcdef\"}}\n      register: partial\n\
             \x20   - copy: {{content: \"{{{{ partial.stdout }}}}\\n\", dest: {d}/partial}}\n",
            d = out_dir.display()
        ),
    )
    .unwrap();
    let out = run(&fleet, &playbook, true, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(out_dir.join("kept")).unwrap(),
        "original\n"
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("odd")).unwrap(),
        "[no newline at the end][err without newline]\n"
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("partial")).unwrap(),
        "0123456789\n"
    );
}

/// The body functions `sent` defines (`rc_m_<hex>() {`) and calls (`rc_m_<hex> "$@"`).
fn body_functions(sent: &[u8]) -> (Vec<&[u8]>, Vec<&[u8]>) {
    let (mut defined, mut called) = (Vec::new(), Vec::new());
    for (i, _) in sent.windows(5).enumerate().filter(|(_, w)| *w == b"rc_m_") {
        let name = &sent[i..(i + 21).min(sent.len())];
        let rest = &sent[i + name.len()..];
        if rest.starts_with(b"() {\n") {
            defined.push(name);
        } else if rest.starts_with(b" \"$@\"\n") {
            called.push(name);
        }
    }
    (defined, called)
}

#[test]
fn a_module_body_is_sent_once_per_shell_and_hostile_values_arrive_byte_exact() {
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("stdin");
    let recorder = dir.path().join("record.sh");
    // The shell's stdin as sshd hands it over, appended to `recording`.
    std::fs::write(
        &recorder,
        format!(
            "#!/bin/sh\ntee -a '{}' | /bin/sh -c \"$SSH_ORIGINAL_COMMAND\"\n",
            recording.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &recorder,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let fleet = common::Fleet::start_with(
        1,
        common::FleetOptions {
            extra_config: format!("ForceCommand {}", recorder.display()),
            ..Default::default()
        },
    );
    let out_dir = fleet.dir.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let hostile = "it's \"q\"\n\n  $(touch pwned) `touch pwned2` \\ \\n '' x='y'\nset -- 'z' ;";
    let quoted = serde_json::to_string(hostile).unwrap();
    let playbook = fleet.dir.path().join("hostile.yml");
    std::fs::write(
        &playbook,
        format!(
            "- hosts: all_hosts\n  gather_facts: no\n  tasks:\n\
             \x20   - command: {{argv: [printf, '%s', {quoted}], chdir: {d}}}\n      register: a\n\
             \x20   - file: {{path: {d}/one, state: directory}}\n\
             \x20   - file: {{path: {d}/two, state: directory}}\n\
             \x20   - file: {{path: {d}/three, state: directory}}\n\
             \x20   - copy: {{content: \"{{{{ a.stdout }}}}\", dest: {d}/a}}\n\
             \x20   - copy: {{content: {quoted}, dest: {d}/b}}\n\
             \x20   - copy: {{content: \"x\", dest: \"{d}/it's $(touch pwned3) \\\"q\\\"\"}}\n",
            d = out_dir.display()
        ),
    )
    .unwrap();
    let out = run(&fleet, &playbook, true, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(out_dir.join("a")).unwrap(), hostile);
    assert_eq!(std::fs::read_to_string(out_dir.join("b")).unwrap(), hostile);
    assert_eq!(
        std::fs::read_to_string(out_dir.join("it's $(touch pwned3) \"q\"")).unwrap(),
        "x"
    );
    for name in ["pwned", "pwned2", "pwned3"] {
        assert!(!out_dir.join(name).exists(), "{name} was created");
    }
    // Three modules, seven tasks: each body is defined once, every task only calls it.
    let sent = std::fs::read(&recording).unwrap();
    let (mut defined, called) = body_functions(&sent);
    assert_eq!(
        (defined.len(), called.len()),
        (3, 7),
        "{}",
        String::from_utf8_lossy(&sent)
    );
    defined.sort();
    defined.dedup();
    assert_eq!(defined.len(), 3);
    assert!(called.iter().all(|c| defined.contains(c)));
}
