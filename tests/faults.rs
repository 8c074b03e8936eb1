//! Faults a user must survive, through the real binary on real sshd hosts: a copy cut short
//! (rconf killed, the host's SSH session killed) leaves the old file whole and no temp file; a
//! task timeout ends a command that ignores TERM; the secrets of a run appear in no output,
//! report, history or process list; hostile values arrive byte-exact and run nothing.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Fleet, IsolatedHost, recap, text};

const BIG: usize = 50 * 1024 * 1024;
const OLD: &[u8] = b"OLD CONTENT\n";

/// A 50 MB file that neither compresses nor is sparse.
fn big_file(path: &Path) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut x: u32 = 0x9e37_79b9;
    let chunk: Vec<u8> = (0..1024 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    for _ in 0..BIG / chunk.len() {
        f.write_all(&chunk).unwrap();
    }
}

/// The `.rconf.*` temp files in `dir`, with their sizes.
fn temp_files(dir: &Path) -> Vec<(PathBuf, u64)> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".rconf."))
        .map(|e| (e.path(), e.metadata().map(|m| m.len()).unwrap_or(0)))
        .collect()
}

fn copy_playbook(fleet: &Fleet, src: &Path, dest: &Path) -> PathBuf {
    let playbook = fleet.dir.path().join("copy.yml");
    std::fs::write(
        &playbook,
        format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: big copy\n      copy:\n        src: {}\n        dest: {}\n",
            src.display(),
            dest.display()
        ),
    )
    .unwrap();
    playbook
}

/// Starts the copy, and once part of the new content has arrived on the host (a temp file
/// that is not yet whole), freezes the host and cuts the transfer with `cut`. Returns false
/// when the copy finished before it could be caught (the caller tries again).
fn cut_mid_copy(
    fleet: &Fleet,
    playbook: &Path,
    dest_dir: &Path,
    env: &[(&str, &str)],
    cut: &dyn Fn(&mut std::process::Child),
) -> bool {
    let mut cmd = fleet.rconf();
    cmd.arg("run")
        .arg(playbook)
        .arg("-i")
        .arg(fleet.write_inventory())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let caught = loop {
        let partial = temp_files(dest_dir)
            .iter()
            .any(|(_, len)| *len > 0 && *len < BIG as u64 / 2);
        if partial {
            let stopped = fleet.freeze(0);
            let still_partial = temp_files(dest_dir)
                .iter()
                .any(|(_, len)| *len < BIG as u64);
            cut(&mut child);
            fleet.thaw(&stopped);
            break still_partial;
        }
        if child.try_wait().unwrap().is_some() || Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let _ = child.kill();
    let _ = child.wait();
    caught
}

/// Waits until the host has finished with the cut copy: its temp file is gone.
fn wait_for_no_temp_file(dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !temp_files(dir).is_empty() {
        assert!(
            Instant::now() < deadline,
            "a temp file is left in {}: {:?}",
            dir.display(),
            temp_files(dir)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn assert_converges(fleet: &Fleet, playbook: &Path, src: &Path, dest: &Path) {
    let again = |_: ()| {
        fleet
            .rconf()
            .arg("run")
            .arg(playbook)
            .arg("-i")
            .arg(fleet.write_inventory())
            .output()
            .unwrap()
    };
    let out = again(());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        std::fs::read(dest).unwrap() == std::fs::read(src).unwrap(),
        "the rerun did not write the new content"
    );
    let out = again(());
    assert_eq!(recap(&out)["h1"]["changed"], 0, "{}", text(&out));
    // The history of the cut run's neighbours opens, and nothing holds the lock.
    let history = fleet.rconf().arg("history").output().unwrap();
    assert_eq!(history.status.code(), Some(0), "{}", text(&history));
}

#[test]
fn rconf_killed_mid_copy_leaves_the_old_file_whole_and_the_next_run_converges() {
    let fleet = Fleet::start(1);
    let src = fleet.dir.path().join("big.bin");
    big_file(&src);
    let dest_dir = fleet.dir.path().join("dest");
    std::fs::create_dir(&dest_dir).unwrap();
    let dest = dest_dir.join("big.bin");
    let playbook = copy_playbook(&fleet, &src, &dest);
    let mut caught = false;
    for _ in 0..3 {
        std::fs::write(&dest, OLD).unwrap();
        if cut_mid_copy(&fleet, &playbook, &dest_dir, &[], &|child| {
            child.kill().unwrap();
        }) {
            caught = true;
            break;
        }
    }
    assert!(caught, "the copy always finished before it could be cut");
    wait_for_no_temp_file(&dest_dir);
    assert!(
        std::fs::read(&dest).unwrap() == OLD,
        "the destination is not its old content after the cut copy ({} bytes)",
        std::fs::metadata(&dest).unwrap().len()
    );
    assert_converges(&fleet, &playbook, &src, &dest);
}

#[test]
fn a_dropped_ssh_session_mid_copy_leaves_the_old_file_whole_in_both_shell_modes() {
    let fleet = Fleet::start(1);
    let src = fleet.dir.path().join("big.bin");
    big_file(&src);
    let dest_dir = fleet.dir.path().join("dest");
    std::fs::create_dir(&dest_dir).unwrap();
    let dest = dest_dir.join("big.bin");
    let playbook = copy_playbook(&fleet, &src, &dest);
    for mode in ["1", "0"] {
        let mut caught = false;
        for _ in 0..3 {
            std::fs::write(&dest, OLD).unwrap();
            let env = [("RCONF_PERSISTENT_SHELL", mode)];
            if cut_mid_copy(&fleet, &playbook, &dest_dir, &env, &|_| {
                fleet.kill_sessions(0)
            }) {
                caught = true;
                break;
            }
        }
        assert!(
            caught,
            "mode {mode}: the copy always finished before it could be cut"
        );
        wait_for_no_temp_file(&dest_dir);
        assert!(
            std::fs::read(&dest).unwrap() == OLD,
            "mode {mode}: the destination is not its old content ({} bytes)",
            std::fs::metadata(&dest).unwrap().len()
        );
    }
    assert_converges(&fleet, &playbook, &src, &dest);
}

#[test]
fn a_task_timeout_ends_a_command_that_ignores_term() {
    let fleet = Fleet::start(1);
    let playbook = fleet.dir.path().join("t.yml");
    // A duration only this test uses, to find its processes.
    std::fs::write(
        &playbook,
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - shell: trap '' TERM HUP INT; sleep 317\n",
    )
    .unwrap();
    let out = fleet
        .rconf()
        .args(["run", "--task-timeout", "2"])
        .arg(&playbook)
        .arg("-i")
        .arg(fleet.write_inventory())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(
            "command timed out after 2s; it and every process it started were ended (TERM, then KILL after 2 s)"
        ),
        "{}",
        text(&out)
    );
    // Anywhere on the machine: a command that outlived its session is re-parented to init.
    let alive = || {
        std::fs::read_dir("/proc").unwrap().flatten().any(|e| {
            std::fs::read(e.path().join("cmdline"))
                .map(|c| c.split(|&b| b == 0).any(|a| a == b"317"))
                .unwrap_or(false)
        })
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while alive() {
        assert!(
            Instant::now() < deadline,
            "`sleep 317` still runs 15 s after its task timed out"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

const BECOME_USER: &str = "rconfsec";
const BECOME_PASSWORD: &str = "PWSECRET7731x";
const NOLOG: &str = "NOLOGSECRET9923x";
/// `db_password` of tests/fixtures/vault/secret.enc.yml, and its password (pw.txt).
const VAULTED: &str = "s3cr3t p@ss";
const VAULT_PASSWORD: &str = "correct horse";

/// Every command line on this machine (controller and isolated host alike) that holds one of
/// `needles`, sampled until `stop`.
fn sample_argv(
    needles: Vec<String>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Vec<String>> {
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            for e in std::fs::read_dir("/proc").unwrap().flatten() {
                let Ok(c) = std::fs::read(e.path().join("cmdline")) else {
                    continue;
                };
                let line = String::from_utf8_lossy(&c).replace('\0', " ");
                if needles.iter().any(|n| line.contains(n.as_str())) {
                    seen.push(line);
                }
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        seen
    })
}

/// Every file below `dir` whose bytes contain `needle`, except the inputs that hold it.
fn files_containing(dir: &Path, needle: &str, inputs: &[&Path]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(meta) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            if meta.is_dir() {
                stack.push(p);
            } else if meta.is_file() && !inputs.contains(&p.as_path()) {
                let bytes = std::fs::read(&p).unwrap_or_default();
                if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    found.push(p);
                }
            }
        }
    }
    found
}

#[test]
fn no_secret_reaches_output_reports_history_logs_or_the_process_list() {
    let Some(host) = IsolatedHost::start() else {
        return;
    };
    let setup = host.exec(&format!(
        "useradd -m -s /bin/sh {BECOME_USER} && printf '%s:%s\\n' {BECOME_USER} {BECOME_PASSWORD} | chpasswd && \
         printf '{BECOME_USER} ALL=(ALL:ALL) ALL\\n' > /etc/sudoers.d/{BECOME_USER} && chmod 440 /etc/sudoers.d/{BECOME_USER}"
    ));
    assert!(setup.status.success(), "{}", text(&setup));
    // A second sshd in the isolated host takes the login by password (ansible_password is a
    // secret of the run too) and logs at DEBUG3, where a leaked argument would show.
    let port = std::net::TcpListener::bind((host.address.as_str(), 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sshd = host.exec(&format!(
        "ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/pw_host_key && \
         printf 'ListenAddress {a}\\nPort {port}\\nHostKey /etc/ssh/pw_host_key\\nPidFile none\\n\
         UsePAM no\\nPasswordAuthentication yes\\nPubkeyAuthentication no\\n\
         KbdInteractiveAuthentication no\\nSetEnv SHLVL=1\\nLogLevel DEBUG3\\n' > /etc/ssh/pw_config && \
         /usr/sbin/sshd -f /etc/ssh/pw_config -E /root/pw_sshd.log",
        a = host.address
    ));
    assert!(sshd.status.success(), "{}", text(&sshd));
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect((host.address.as_str(), port)).is_err() {
        assert!(Instant::now() < deadline, "the password sshd did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let dir = host.dir.path();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vault");
    let secrets = dir.join("secrets.yml");
    std::fs::copy(fixtures.join("secret.enc.yml"), &secrets).unwrap();
    let vault_pw = dir.join("vault-pw");
    std::fs::copy(fixtures.join("pw.txt"), &vault_pw).unwrap();
    let become_pw = dir.join("become-pw");
    std::fs::write(&become_pw, format!("{BECOME_PASSWORD}\n")).unwrap();
    let inventory = dir.join("hosts.ini");
    std::fs::write(
        &inventory,
        format!(
            "[isolated]\nbox ansible_host={} ansible_port={port} ansible_user={BECOME_USER} \
             ansible_password={BECOME_PASSWORD}\n",
            host.address
        ),
    )
    .unwrap();
    let playbook = dir.join("site.yml");
    std::fs::write(
        &playbook,
        format!(
            r#"- hosts: all
  gather_facts: false
  become: true
  vars_files: [secrets.yml]
  tasks:
    - name: debug
      no_log: true
      debug: {{msg: "{NOLOG} {{{{ db_password }}}}"}}
    - name: debug loop
      no_log: true
      debug: {{msg: "{{{{ item }}}}"}}
      loop: ["{NOLOG}", "{{{{ db_password }}}}"]
    - name: line
      no_log: true
      lineinfile: {{path: /root/app.env, line: "DB={{{{ db_password }}}} {NOLOG}", create: true}}
    - name: environment
      no_log: true
      shell: 'printf %s "$APP_TOKEN" > /root/token; sleep 1'
      environment: {{APP_TOKEN: "{{{{ db_password }}}}"}}
    - name: copy
      no_log: true
      copy: {{content: "{NOLOG}\n", dest: /root/secret.txt}}
    - name: replace
      no_log: true
      replace: {{path: /root/app.env, regexp: "DB=.*", replace: "DB={{{{ db_password }}}} {NOLOG}"}}
    - name: failing
      no_log: true
      # Not in the command text: a shell task's command is a process's argv by nature, as
      # under Ansible.
      shell: 'echo "$S"; exit 3'
      environment: {{S: "{NOLOG}"}}
      ignore_errors: true
"#
        ),
    )
    .unwrap();
    let secret_values = [BECOME_PASSWORD, NOLOG, VAULTED, VAULT_PASSWORD];
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = sample_argv(
        secret_values.iter().map(|s| s.to_string()).collect(),
        stop.clone(),
    );
    let run = |command: &str, extra: &[&str]| -> Output {
        host.rconf()
            .arg(command)
            .arg(&playbook)
            .arg("-i")
            .arg(&inventory)
            .arg("--vault-password-file")
            .arg(&vault_pw)
            .arg("--become-password-file")
            .arg(&become_pw)
            .args(["--host-key-checking", "no"])
            .args(extra)
            .output()
            .unwrap()
    };
    let mut outputs = Vec::new();
    for verbosity in ["", "-v", "-vv", "-vvv", "-vvvv"] {
        let extra: Vec<&str> = [verbosity].into_iter().filter(|v| !v.is_empty()).collect();
        let out = run("run", &extra);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        outputs.push((format!("run {verbosity}"), text(&out)));
    }
    let report = dir.join("report.json");
    let out = run(
        "run",
        &["--report", report.to_str().unwrap(), "--output", "jsonl"],
    );
    outputs.push(("run --output jsonl".into(), text(&out)));
    let check_report = dir.join("check.json");
    let junit = dir.join("junit.xml");
    let out = run(
        "check",
        &[
            "-vvv",
            "--report",
            check_report.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ],
    );
    outputs.push(("check -vvv".into(), text(&out)));
    stop.store(true, Ordering::Relaxed);
    let argv = sampler.join().unwrap();

    // The secrets did their job on the host.
    let token = std::fs::read_to_string(host.path("/root/token")).unwrap();
    assert_eq!(token, VAULTED);
    assert!(
        outputs[0]
            .1
            .contains("ok: [box] => (item=(censored due to no_log))"),
        "{}",
        outputs[0].1
    );

    let sshd_log = std::fs::read_to_string(host.path("/root/pw_sshd.log")).unwrap();
    assert!(sshd_log.contains("Accepted password"), "{sshd_log}");
    let mut leaks = Vec::new();
    for secret in secret_values {
        if sshd_log.contains(secret) {
            leaks.push(format!("`{secret}` in the password sshd's DEBUG3 log"));
        }
        for (what, output) in &outputs {
            if output.contains(secret) {
                leaks.push(format!("`{secret}` in the output of {what}"));
            }
        }
        for line in argv.iter().filter(|l| l.contains(secret)) {
            leaks.push(format!("`{secret}` in a process's argv: {line}"));
        }
        // The files the playbook writes on the host hold secrets by design; any other file
        // there (a temp file left, a log) must not.
        let written: Vec<PathBuf> = ["root/token", "root/app.env", "root/secret.txt"]
            .iter()
            .filter_map(|f| host.upper_path().map(|u| u.join(f)))
            .collect();
        let mut inputs = vec![
            playbook.as_path(),
            become_pw.as_path(),
            vault_pw.as_path(),
            inventory.as_path(),
        ];
        inputs.extend(written.iter().map(PathBuf::as_path));
        for file in files_containing(dir, secret, &inputs) {
            leaks.push(format!("`{secret}` in {}", file.display()));
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}

/// Values that break naive quoting, for `hostile_values_arrive_byte_exact_and_run_nothing`.
fn hostile(pwn: &Path) -> Vec<String> {
    let p = pwn.display();
    vec![
        "it's".into(),
        r#""dq" \ back\\slash"#.into(),
        format!("$(touch {p}/dollar)"),
        format!("`touch {p}/backtick`"),
        format!("a; touch {p}/semicolon; b"),
        "line1\nline2\n\nline4".into(),
        "-rf --help".into(),
        "  lead  and trail  ".into(),
        "* ? [a-z] ~ {a,b}".into(),
        "$HOME ${PATH} $1 $@ \\$x".into(),
        "%s %n %d 100%".into(),
        "héllo ☃ 日本".into(),
        // (DEL is left out: YAML forbids it raw, and rconf reads JSON vars files as YAML.)
        "tab\tand\u{1}\u{1b}control".into(),
        "carriage\rreturn".into(),
        "RC_EOF\nrc_EOF\nEOF".into(),
        "'\"'\"'".into(),
    ]
}

#[test]
fn hostile_values_arrive_byte_exact_and_run_nothing() {
    let fleet = Fleet::start(1);
    let dir = fleet.dir.path();
    let pwn = dir.join("pwned");
    std::fs::create_dir(&pwn).unwrap();
    let values = hostile(&pwn);
    let single: Vec<&String> = values
        .iter()
        .filter(|v| !v.contains(['\n', '\r']))
        .collect();
    let plain: Vec<&String> = single
        .iter()
        .copied()
        .filter(|v| !v.chars().any(char::is_control))
        .collect();
    let names: Vec<&String> = values.iter().filter(|v| !v.contains('/')).collect();
    let huge = format!("{}$(touch {}/huge)'\"", "x".repeat(1 << 20), pwn.display());
    let mut binary: Vec<u8> = (0..=255u8).collect();
    binary.extend_from_slice(b"\xff\xfe not UTF-8 \xc3\x28");
    std::fs::write(dir.join("binary.bin"), &binary).unwrap();
    std::fs::write(dir.join("raw.j2"), "{{ item }}").unwrap();
    std::fs::write(
        dir.join("vars.json"),
        serde_json::json!({
            "values": values, "single": single, "plain": plain, "names": names, "huge": huge,
            "out": dir.join("out"),
        })
        .to_string(),
    )
    .unwrap();
    for sub in ["copy", "tpl", "names", "argv", "cmd", "line", "rx", "huge"] {
        std::fs::create_dir_all(dir.join("out").join(sub)).unwrap();
    }
    let playbook = dir.join("hostile.yml");
    std::fs::write(
        &playbook,
        r#"- hosts: all
  gather_facts: false
  vars_files: [vars.json]
  tasks:
    - copy: {content: "{{ item }}", dest: "{{ out }}/copy/{{ i }}"}
      loop: "{{ values }}"
      loop_control: {index_var: i}
    - template: {src: raw.j2, dest: "{{ out }}/tpl/{{ i }}"}
      loop: "{{ values }}"
      loop_control: {index_var: i}
    - copy: {content: "{{ item }}", dest: "{{ out }}/names/{{ item }}"}
      loop: "{{ names }}"
      loop_control: {index_var: i}
    # As in Ansible, command expands $NAME in its arguments unless told not to.
    - command:
        argv: [sh, -c, 'printf %s "$1" > "$2"', sh, "{{ item }}", "{{ out }}/argv/{{ i }}"]
        expand_argument_vars: false
      loop: "{{ values }}"
      loop_control: {index_var: i}
    - command: "sh -c 'printf %s \"$1\" > \"$2\"' sh {{ item | quote }} {{ out }}/cmd/{{ i }}"
      args: {expand_argument_vars: false}
      loop: "{{ values }}"
      loop_control: {index_var: i}
    - lineinfile: {path: "{{ out }}/line/{{ i }}", line: "{{ item }}", create: true}
      loop: "{{ single }}"
      loop_control: {index_var: i}
    - copy: {content: "keep\n{{ item }}\n", dest: "{{ out }}/rx/{{ i }}"}
      loop: "{{ plain }}"
      loop_control: {index_var: i}
    - lineinfile: {path: "{{ out }}/rx/{{ i }}", regexp: "^{{ item | regex_escape }}$", line: replaced}
      loop: "{{ plain }}"
      loop_control: {index_var: i}
    - copy: {content: "{{ huge }}", dest: "{{ out }}/huge/copy"}
    - template: {src: huge.j2, dest: "{{ out }}/huge/tpl"}
    - lineinfile: {path: "{{ out }}/huge/line", line: "{{ huge }}", create: true}
    - copy: {src: binary.bin, dest: "{{ out }}/binary.bin"}
"#,
    )
    .unwrap();
    std::fs::write(dir.join("huge.j2"), "{{ huge }}").unwrap();
    let run = || {
        fleet
            .rconf()
            .arg("run")
            .arg(&playbook)
            .arg("-i")
            .arg(fleet.write_inventory())
            .output()
            .unwrap()
    };
    let out = run();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let read = |rel: String| std::fs::read(dir.join("out").join(&rel)).unwrap_or_default();
    let mut wrong = Vec::new();
    for (i, v) in values.iter().enumerate() {
        for kind in ["copy", "tpl", "argv", "cmd"] {
            if read(format!("{kind}/{i}")) != v.as_bytes() {
                wrong.push(format!("{kind} {v:?}"));
            }
        }
    }
    for v in &names {
        if read(format!("names/{v}")) != v.as_bytes() {
            wrong.push(format!("file name {v:?}"));
        }
    }
    for (i, v) in single.iter().enumerate() {
        if read(format!("line/{i}")) != format!("{v}\n").as_bytes() {
            wrong.push(format!("lineinfile line {v:?}"));
        }
    }
    for (i, v) in plain.iter().enumerate() {
        if read(format!("rx/{i}")) != b"keep\nreplaced\n" {
            wrong.push(format!("lineinfile regexp {v:?}"));
        }
    }
    for kind in ["copy", "tpl"] {
        if read(format!("huge/{kind}")) != huge.as_bytes() {
            wrong.push(format!("1 MiB through {kind}"));
        }
    }
    if read("huge/line".into()) != format!("{huge}\n").as_bytes() {
        wrong.push("1 MiB through lineinfile".into());
    }
    if read("binary.bin".into()) != binary {
        wrong.push("non-UTF-8 bytes through copy src".into());
    }
    assert!(wrong.is_empty(), "not byte-exact:\n{}", wrong.join("\n"));
    let ran: Vec<_> = std::fs::read_dir(&pwn).unwrap().flatten().collect();
    assert!(ran.is_empty(), "a value was run as a command: {ran:?}");
    // A second run changes only what changes by design: the two `command` tasks, and the
    // `rx` files that one task resets and the next edits.
    let again = run();
    assert_eq!(recap(&again)["h1"]["changed"], 4, "{}", text(&again));
}

#[test]
fn a_task_that_panics_fails_its_host_only_under_both_strategies() {
    let fleet = Fleet::start(3);
    for strategy in ["linear", "free"] {
        let playbook = fleet.dir.path().join(format!("{strategy}.yml"));
        std::fs::write(
            &playbook,
            format!(
                "- hosts: all\n  gather_facts: false\n  strategy: {strategy}\n  tasks:\n    - command: echo one\n    - command: echo two\n"
            ),
        )
        .unwrap();
        let out = fleet
            .rconf()
            .arg("run")
            .arg(&playbook)
            .arg("-i")
            .arg(fleet.write_inventory())
            .env("RCONF_TEST_PANIC_HOST", "h2")
            .output()
            .unwrap();
        let all = text(&out);
        assert_eq!(out.status.code(), Some(2), "{strategy}: {all}");
        assert!(
            all.contains("internal error: rconf panicked while running this task on this host (RCONF_TEST_PANIC_HOST asked planning `command` to panic); the other hosts go on"),
            "{strategy}: {all}"
        );
        let recap = recap(&out);
        assert_eq!(recap["h2"]["failed"], 1, "{strategy}: {all}");
        for h in ["h1", "h3"] {
            assert_eq!(recap[h]["changed"], 2, "{strategy} {h}: {all}");
            assert_eq!(recap[h]["failed"], 0, "{strategy} {h}: {all}");
        }
    }
}
