//! Authentication through the real binary: key files of every type, a passphrase-protected
//! key opened with `--key-passphrase-file`, and the message when nothing works.

mod common;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{Fleet, text};

const PLAYBOOK: &str = "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: 'true'\n";

/// A new key of `kind` with `passphrase`, authorized on every host of `fleet`.
fn authorized_key(fleet: &Fleet, kind: &str, passphrase: &str) -> PathBuf {
    let path = fleet.dir.path().join(format!("key_{kind}"));
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", passphrase, "-C", "", "-f"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "ssh-keygen: {}", text(&out));
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    let authorized = fleet.dir.path().join("authorized_keys");
    let mut all = std::fs::read_to_string(&authorized).unwrap();
    all.push_str(&public);
    std::fs::write(&authorized, all).unwrap();
    path
}

/// The run as a session leader with no controlling terminal, so nothing can be asked.
fn run(fleet: &Fleet, key: &Path, extra: &[&str]) -> Output {
    let playbook = fleet.dir.path().join("site.yml");
    std::fs::write(&playbook, PLAYBOOK).unwrap();
    let mut cmd = fleet.rconf();
    cmd.arg("run")
        .arg(&playbook)
        .arg("-i")
        .arg(fleet.write_inventory())
        .arg("--private-key")
        .arg(key)
        .args(extra);
    // SAFETY: setsid is async-signal-safe and touches no memory of ours.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    cmd.output().unwrap()
}

#[test]
fn rsa_ecdsa_and_ed25519_key_files_log_in() {
    let fleet = Fleet::start(1);
    for kind in ["rsa", "ecdsa", "ed25519"] {
        let key = authorized_key(&fleet, kind, "");
        let out = run(&fleet, &key, &[]);
        assert_eq!(out.status.code(), Some(0), "{kind}: {}", text(&out));
    }
}

#[test]
fn encrypted_key_opens_with_a_passphrase_file_and_is_explained_without_one() {
    let fleet = Fleet::start(1);
    let key = authorized_key(&fleet, "ed25519", "correct horse");
    let pass = fleet.dir.path().join("passphrase");
    std::fs::write(&pass, "correct horse\n").unwrap();
    let out = run(
        &fleet,
        &key,
        &["--key-passphrase-file", pass.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let out = run(&fleet, &key, &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let all = text(&out);
    assert!(
        all.contains("it is encrypted and no passphrase was given"),
        "{all}"
    );
    assert!(all.contains("the server accepts: publickey"), "{all}");
}

/// Password login against a second sshd inside an isolated host (password logins for a user
/// created there, so this machine's accounts are never involved).
#[test]
fn password_login_from_a_variable_or_a_file_and_a_clear_refusal() {
    let Some(host) = common::IsolatedHost::start() else {
        return;
    };
    let port = std::net::TcpListener::bind((host.address.as_str(), 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let setup = host.exec(&format!(
        "useradd -m -s /bin/sh rconfbob && printf 'rconfbob:pw-%s\\n' 42 | chpasswd && \
         ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/pw_host_key && \
         printf 'ListenAddress {a}\\nPort {port}\\nHostKey /etc/ssh/pw_host_key\\nPidFile none\\n\
         UsePAM no\\nPasswordAuthentication yes\\nPubkeyAuthentication no\\n\
         KbdInteractiveAuthentication no\\nSetEnv SHLVL=1\\n' > /etc/ssh/pw_config && \
         /usr/sbin/sshd -f /etc/ssh/pw_config",
        a = host.address
    ));
    assert!(setup.status.success(), "{}", text(&setup));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect((host.address.as_str(), port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "password sshd did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let playbook = host.dir.path().join("site.yml");
    std::fs::write(&playbook, PLAYBOOK).unwrap();
    let run = |vars: &str, extra: &[&str]| {
        let inventory = host.dir.path().join("pw.ini");
        std::fs::write(
            &inventory,
            format!(
                "box ansible_host={} ansible_port={port} ansible_user=rconfbob {vars}\n",
                host.address
            ),
        )
        .unwrap();
        host.rconf()
            .arg("run")
            .arg(&playbook)
            .arg("-i")
            .arg(&inventory)
            .args(["--host-key-checking", "no"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run("ansible_password=pw-42", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let file = host.dir.path().join("login-pass");
    std::fs::write(&file, "pw-42\n").unwrap();
    let out = run("", &["--connection-password-file", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = run("ansible_password=wrong", &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains(", password; the server accepts: password"),
        "{}",
        text(&out)
    );
}

/// An `ssh-agent` of this test's own, ended by PID when dropped.
struct Agent {
    child: std::process::Child,
    socket: PathBuf,
}

impl Agent {
    fn start(dir: &Path) -> Agent {
        let socket = dir.join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("ssh-agent");
        for _ in 0..100 {
            if socket.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Agent { child, socket }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_key_held_only_by_the_agent_logs_in() {
    let fleet = Fleet::start(2);
    let key = authorized_key(&fleet, "ed25519", "");
    let agent = Agent::start(fleet.dir.path());
    let added = Command::new("ssh-add")
        .arg(&key)
        .env("SSH_AUTH_SOCK", &agent.socket)
        .output()
        .unwrap();
    assert!(added.status.success(), "ssh-add: {}", text(&added));
    // The key now exists only in the agent: not on disk, not in the fleet's ~/.ssh.
    std::fs::remove_file(&key).unwrap();
    std::fs::remove_file(fleet.identity()).unwrap();
    let playbook = fleet.dir.path().join("site.yml");
    std::fs::write(&playbook, PLAYBOOK).unwrap();
    let out = fleet
        .rconf()
        .env("SSH_AUTH_SOCK", &agent.socket)
        .arg("run")
        .arg(&playbook)
        .arg("-i")
        .arg(fleet.write_inventory())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    for h in &fleet.hosts {
        assert!(
            h.log_text().contains("Accepted publickey"),
            "{}",
            h.log_text()
        );
    }
    // Without the agent the same run cannot log in, and says what it tried.
    let out = fleet
        .rconf()
        .arg("run")
        .arg(&playbook)
        .arg("-i")
        .arg(fleet.write_inventory())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
}
