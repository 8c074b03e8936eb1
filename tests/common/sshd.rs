//! Real OpenSSH test hosts: each `sshd` listens on its own 127.0.0.x address with its own host
//! key, trusts one generated client key, and is killed (by PID) when its `Fleet` drops.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use rconf::{ConnectSpec, HostKeyPolicy};

const SSHD: &str = "/usr/sbin/sshd";

pub struct TestHost {
    /// Inventory name: `h1`, `h2`, ...
    pub name: String,
    pub address: String,
    pub port: u16,
    /// `ssh-ed25519 AAAA...` (no comment).
    pub host_key: String,
    pub log: PathBuf,
    child: Option<Child>,
}

impl TestHost {
    /// The sshd listener's PID (its sessions are children of it).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The line that makes this host known: `[addr]:port ssh-ed25519 AAAA...`.
    pub fn known_hosts_line(&self) -> String {
        format!("[{}]:{} {}", self.address, self.port, self.host_key)
    }

    /// What sshd logged so far, for assertion messages.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// Knobs for `Fleet::start_with`.
#[derive(Default, Clone)]
pub struct FleetOptions {
    /// Leave every host's key out of `home/.ssh/known_hosts` (host key tests).
    pub unknown_host_keys: bool,
    /// Extra sshd_config lines for every host (e.g. `MaxSessions 2`).
    pub extra_config: String,
}

pub struct Fleet {
    pub dir: tempfile::TempDir,
    /// `HOME` for the rconf binary: holds `.ssh/id_ed25519` and `.ssh/known_hosts`.
    pub home: PathBuf,
    pub hosts: Vec<TestHost>,
}

static NEXT_ADDRESS: AtomicU32 = AtomicU32::new(0);

/// A 127.0.0.x address; parallel test binaries start at different x (a clash would be harmless
/// anyway, since each host gets a port nobody is bound to).
fn next_address() -> String {
    let n = NEXT_ADDRESS.fetch_add(1, Ordering::Relaxed) + std::process::id() * 7;
    format!("127.0.0.{}", 2 + n % 250)
}

fn free_port(address: &str) -> u16 {
    std::net::TcpListener::bind((address, 0))
        .and_then(|l| l.local_addr())
        .unwrap_or_else(|e| panic!("cannot bind a probe socket on {address}: {e}"))
        .port()
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes a new ed25519 key pair at `path` and returns the public line without comment.
pub fn keygen(path: &Path) -> String {
    run(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "", "-f"])
        .arg(path));
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    public
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_prerequisites() {
    assert!(
        Path::new(SSHD).exists(),
        "integration tests need OpenSSH's server at {SSHD}: install it with \
         `apt-get install openssh-server` (Debian/Ubuntu)"
    );
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { libc::geteuid() };
    assert_eq!(
        euid, 0,
        "integration tests start sshd as root and log in as root: run them as root (e.g. in CI)"
    );
    std::fs::create_dir_all("/run/sshd").expect("cannot create /run/sshd");
}

/// Every descendant of `pid` (found through /proc), deepest last.
fn descendants(pid: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
                continue;
            };
            // The command name may hold spaces or parens; fields resume after the last ')'.
            let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
                continue;
            };
            if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
                parents.push((child, ppid));
            }
        }
    }
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(c, _)| *c),
        );
        i += 1;
    }
    found.remove(0);
    found
}

fn signal(pid: u32, sig: i32) {
    // SAFETY: kill(2) has no memory effects; the PIDs are processes this fleet started.
    unsafe { libc::kill(pid as i32, sig) };
}

impl Fleet {
    /// Starts `n` sshd hosts, ready to accept connections when this returns.
    pub fn start(n: usize) -> Fleet {
        Fleet::start_with(n, FleetOptions::default())
    }

    pub fn start_with(n: usize, options: FleetOptions) -> Fleet {
        check_prerequisites();
        let dir = tempfile::tempdir().expect("cannot create a temp dir");
        let home = dir.path().join("home");
        let ssh_dir = home.join(".ssh");
        std::fs::create_dir_all(&ssh_dir).unwrap();
        let client_key = keygen(&ssh_dir.join("id_ed25519"));
        let authorized = dir.path().join("authorized_keys");
        std::fs::write(&authorized, format!("{client_key}\n")).unwrap();
        let mut fleet = Fleet {
            home,
            hosts: Vec::new(),
            dir,
        };
        for i in 1..=n {
            let host = fleet.spawn_host(&format!("h{i}"), &authorized, &options.extra_config);
            fleet.hosts.push(host);
        }
        let known: String = if options.unknown_host_keys {
            String::new()
        } else {
            fleet
                .hosts
                .iter()
                .map(|h| h.known_hosts_line() + "\n")
                .collect()
        };
        std::fs::write(fleet.known_hosts(), known).unwrap();
        fleet
    }

    fn spawn_host(&self, name: &str, authorized: &Path, extra: &str) -> TestHost {
        let host_dir = self.dir.path().join(name);
        std::fs::create_dir_all(&host_dir).unwrap();
        let key_path = host_dir.join("ssh_host_ed25519_key");
        let host_key = keygen(&key_path);
        let address = next_address();
        let log = host_dir.join("sshd.log");
        // The probed port can be taken between probe and bind: try a few.
        for _ in 0..5 {
            let port = free_port(&address);
            let config = host_dir.join("sshd_config");
            std::fs::write(
                &config,
                format!(
                    "ListenAddress {address}\nPort {port}\nHostKey {key}\n\
                     AuthorizedKeysFile {auth}\nPidFile none\nStrictModes no\nUsePAM no\n\
                     PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                     PermitRootLogin yes\nMaxStartups 200\nSetEnv SHLVL=1\nLogLevel DEBUG1\n\
                     {extra}\n",
                    key = key_path.display(),
                    auth = authorized.display(),
                ),
            )
            .unwrap();
            let mut child = Command::new(SSHD)
                .args(["-D", "-e", "-f"])
                .arg(&config)
                .arg("-E")
                .arg(&log)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {SSHD}: {e}"));
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if TcpStream::connect((address.as_str(), port)).is_ok() {
                    return TestHost {
                        name: name.to_string(),
                        address,
                        port,
                        host_key,
                        log,
                        child: Some(child),
                    };
                }
                if child.try_wait().ok().flatten().is_some() {
                    break; // most likely the port was taken: probe another
                }
                assert!(
                    Instant::now() < deadline,
                    "sshd for {name} did not listen on {address}:{port} within 10 s: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        panic!(
            "sshd for {name} would not start: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    pub fn known_hosts(&self) -> PathBuf {
        self.home.join(".ssh/known_hosts")
    }

    pub fn identity(&self) -> PathBuf {
        self.home.join(".ssh/id_ed25519")
    }

    /// `[all_hosts]` with one line per host, logging in as root.
    pub fn inventory_ini(&self) -> String {
        let mut ini = String::from("[all_hosts]\n");
        for h in &self.hosts {
            ini.push_str(&format!(
                "{} ansible_host={} ansible_port={} ansible_user=root\n",
                h.name, h.address, h.port
            ));
        }
        ini
    }

    /// Writes `inventory_ini()` to `dir/hosts.ini`.
    pub fn write_inventory(&self) -> PathBuf {
        let path = self.dir.path().join("hosts.ini");
        std::fs::write(&path, self.inventory_ini()).unwrap();
        path
    }

    /// Library-level connection parameters for host `i`: the fleet's key and known_hosts,
    /// strict host key checking, a 10 s connect timeout.
    pub fn spec(&self, i: usize) -> ConnectSpec {
        let h = &self.hosts[i];
        let mut spec = ConnectSpec::new(&h.name, &h.address, h.port, "root");
        spec.identity_files = vec![self.identity()];
        spec.known_hosts_files = vec![self.known_hosts()];
        spec.host_key_policy = HostKeyPolicy::Strict;
        spec
    }

    /// SIGKILLs host `i`'s sshd and every session it spawned, as if the machine died.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.hosts[i].child.take() {
            let tree = descendants(child.id());
            signal(child.id(), libc::SIGKILL);
            for pid in tree {
                signal(pid, libc::SIGKILL);
            }
            let _ = child.wait();
        }
    }

    /// SIGKILLs host `i`'s sshd session processes (not the listener, not the commands they
    /// run), as a dropped connection does: the commands see their input end.
    pub fn kill_sessions(&self, i: usize) {
        if let Some(pid) = self.hosts[i].pid() {
            for p in descendants(pid) {
                let comm = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
                if comm.starts_with("sshd") {
                    signal(p, libc::SIGKILL);
                }
            }
        }
    }

    /// SIGSTOPs host `i`'s listener: new connections hang (existing sessions keep running).
    pub fn pause(&self, i: usize) {
        if let Some(pid) = self.hosts[i].pid() {
            signal(pid, libc::SIGSTOP);
        }
    }

    /// SIGSTOPs host `i`'s listener and all its sessions: the host hangs entirely. Returns
    /// the processes stopped, for `thaw` (they stop being descendants if a session dies).
    pub fn freeze(&self, i: usize) -> Vec<u32> {
        let Some(pid) = self.hosts[i].pid() else {
            return Vec::new();
        };
        signal(pid, libc::SIGSTOP);
        let mut stopped = vec![pid];
        for child in descendants(pid) {
            signal(child, libc::SIGSTOP);
            stopped.push(child);
        }
        stopped
    }

    /// SIGCONTs processes `freeze` stopped, whoever their parent is now.
    pub fn thaw(&self, stopped: &[u32]) {
        for &pid in stopped.iter().rev() {
            signal(pid, libc::SIGCONT);
        }
    }

    /// True when a process of host `i` (its sshd's descendants) has `needle` in its command
    /// line: a task is running there.
    pub fn running(&self, i: usize, needle: &str) -> bool {
        let Some(pid) = self.hosts[i].pid() else {
            return false;
        };
        descendants(pid).into_iter().any(|p| {
            std::fs::read(format!("/proc/{p}/cmdline"))
                .map(|c| {
                    String::from_utf8_lossy(&c)
                        .replace('\0', " ")
                        .contains(needle)
                })
                .unwrap_or(false)
        })
    }

    /// Waits (up to 20 s) until `running(i, needle)`.
    pub fn wait_running(&self, i: usize, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.running(i, needle) {
            assert!(
                Instant::now() < deadline,
                "no `{needle}` started on host {i} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Undoes `pause` or `freeze`.
    pub fn resume(&self, i: usize) {
        if let Some(pid) = self.hosts[i].pid() {
            for child in descendants(pid) {
                signal(child, libc::SIGCONT);
            }
            signal(pid, libc::SIGCONT);
        }
    }

    /// The real `rconf` binary with `HOME` set to the fleet's home, no agent, run in `dir`.
    pub fn rconf(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rconf"));
        cmd.env("HOME", &self.home)
            .env_remove("SSH_AUTH_SOCK")
            .current_dir(self.dir.path());
        cmd
    }
}

/// `PLAY RECAP` lines of rconf's human output as host -> {ok: n, changed: n, ...}.
pub fn recap(
    stdout: &str,
) -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, u64>> {
    let body = stdout
        .split("PLAY RECAP")
        .nth(1)
        .unwrap_or_else(|| panic!("no recap in output:\n{stdout}"));
    body.lines()
        .filter_map(|l| l.split_once(" : "))
        .map(|(host, counts)| {
            let counts = counts
                .split_whitespace()
                .filter_map(|c| c.split_once('='))
                .filter_map(|(k, v)| Some((k.to_string(), v.parse().ok()?)))
                .collect();
            (host.trim().to_string(), counts)
        })
        .collect()
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for i in 0..self.hosts.len() {
            self.kill(i);
        }
    }
}
