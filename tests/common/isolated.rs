//! Isolated test hosts: a real `sshd` in its own mount and PID namespace on an overlay of `/`,
//! so package, service and user tests change a copy-on-write root and never the machine.
//! Fixture `.deb` packages and a flat apt repository to install them from: `isolated_debs.rs`.
//!
//! How it works (as root): `unshare --mount --pid --fork` runs `NAMESPACE_SCRIPT`, which makes
//! every mount private, mounts overlayfs `lowerdir=/` on `merged/`, gives it a fresh proc, the
//! host's /dev, a read-only sysfs, and fresh tmpfs on /run and /tmp (so no host pid files or
//! sockets leak in), then `chroot merged sshd -D`. sshd is PID 1 of the namespace, so killing
//! it makes the kernel kill every process started inside. The mounts live only in the
//! namespace and vanish with it.
//!
//! Layouts, tried in order: `disk` keeps `upper/` in the temp dir on the host's filesystem (the
//! test can read changed files there); `tmpfs` puts `upper/` on a tmpfs mounted inside the
//! namespace, for hosts whose filesystem cannot hold an overlay upper layer (e.g. `/` itself is
//! overlayfs, as in many containers). If neither mounts, `start` returns `None` and says why.
//! The lower layer is the root filesystem alone: a machine with /usr or /var on separate
//! mounts would see them empty inside (every test machine so far has one root filesystem).

use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

#[path = "isolated_debs.rs"]
mod debs;
pub use debs::{build_deb, local_repo};

const SSHD: &str = "/usr/sbin/sshd";
/// Where the seed (sshd config, keys) appears inside the isolated root.
const SEED_INSIDE: &str = "/rconf-isolated";
/// Exit status of the namespace script when the overlay mount itself is refused.
const OVERLAY_REFUSED: i32 = 42;
/// Set to `1` (CI) to turn "isolated hosts unavailable" into a test failure instead of a skip.
pub const REQUIRE_ENV: &str = "RCONF_REQUIRE_ISOLATED";
/// Set to `disk` or `tmpfs` to use only that layout.
pub const LAYOUT_ENV: &str = "RCONF_ISOLATED_LAYOUT";

/// Arguments: $1 temp dir, $2 layout (disk|tmpfs), $3 share dir (same path inside and out).
const NAMESPACE_SCRIPT: &str = r#"
set -u
d=$1; layout=$2; share=$3; m=$d/merged
fail() { echo "rconf-isolated: $*" >&2; exit 1; }
mount --make-rprivate / || fail "cannot make mounts private"
if [ "$layout" = tmpfs ]; then
  mount -t tmpfs -o mode=0755 rconf-upper "$d/ovl" || fail "cannot mount a tmpfs for the upper layer"
fi
mkdir -p "$d/ovl/upper" "$d/ovl/work" && chmod 0755 "$d/ovl/upper" || fail "cannot create the upper layer"
if ! mount -t overlay rconf-root -o "lowerdir=/,upperdir=$d/ovl/upper,workdir=$d/ovl/work" "$m"; then
  echo "rconf-isolated: overlay mount of / with layout $layout refused" >&2
  exit 42
fi
mount -t proc proc "$m/proc" || fail "cannot mount proc"
mount --rbind /dev "$m/dev" || fail "cannot bind /dev"
mount -t sysfs -o ro sysfs "$m/sys" 2>/dev/null || echo "rconf-isolated: no sysfs inside (continuing)" >&2
mount -t tmpfs -o mode=0755 rconf-run "$m/run" || fail "cannot mount /run"
mount -t tmpfs -o mode=1777 rconf-tmp "$m/tmp" || fail "cannot mount /tmp"
mkdir -p "$m/run/sshd" "$m/run/lock" "$m$share" || fail "cannot create /run/sshd"
mount --bind "$share" "$m$share" && mount -o remount,bind,ro "$m$share" || fail "cannot bind the share dir"
mkdir -p "$m/rconf-isolated" && cp -a "$d/seed/." "$m/rconf-isolated/" || fail "cannot copy the seed"
exec chroot "$m" /usr/sbin/sshd -D -e -f /rconf-isolated/sshd_config -E /rconf-isolated/sshd.log
"#;

pub struct IsolatedHost {
    pub dir: tempfile::TempDir,
    pub address: String,
    pub port: u16,
    /// `ssh-ed25519 AAAA...` (no comment).
    pub host_key: String,
    /// `disk` or `tmpfs`: which layout mounted (see the module doc).
    pub layout: &'static str,
    /// The `unshare` process.
    child: Option<Child>,
    /// Host PID of the namespace's PID 1 (the chrooted sshd).
    init_pid: u32,
}

static NEXT_ADDRESS: AtomicU32 = AtomicU32::new(0);

fn next_address() -> String {
    // Offset from sshd.rs's scheme so that both kinds of host rarely share an address.
    let n = NEXT_ADDRESS.fetch_add(1, Ordering::Relaxed) + std::process::id() * 11 + 125;
    format!("127.0.0.{}", 2 + n % 250)
}

fn free_port(address: &str) -> u16 {
    std::net::TcpListener::bind((address, 0))
        .and_then(|l| l.local_addr())
        .unwrap_or_else(|e| panic!("cannot bind a probe socket on {address}: {e}"))
        .port()
}

/// Writes a new ed25519 key pair at `path` and returns the public line without comment.
fn keygen(path: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "", "-f"])
        .arg(path)
        .output()
        .expect("cannot run ssh-keygen");
    assert!(out.status.success(), "ssh-keygen failed: {out:?}");
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    public
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Says loudly why isolated tests do not run; panics instead when CI demands them.
fn unavailable(why: &str) -> Option<IsolatedHost> {
    let msg = format!("isolated host unavailable: {why}");
    if std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1") {
        panic!("{msg} ({REQUIRE_ENV}=1 makes this an error)");
    }
    // Straight to fd 2: libtest captures eprintln! of passing tests, and this must be seen.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!!!!!! SKIPPED: {msg}\n!!!!!!!! the package/service/user tests did NOT run; \
         run them as root (set {REQUIRE_ENV}=1 to fail instead of skipping)\n"
    );
    None
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces or parens; fields resume after the last ')'.
    let rest = stat.rsplit_once(')')?.1;
    rest.split_whitespace().nth(1)?.parse().ok()
}

fn all_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.file_name().to_string_lossy().parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn pid_namespace(pid: u32) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/ns/pid")).ok()
}

impl IsolatedHost {
    /// Starts an isolated host, ready for ssh when this returns; `None` (after saying why on
    /// stderr) when not root or when the kernel refuses the namespace or overlay.
    pub fn start() -> Option<IsolatedHost> {
        let layouts = match std::env::var(LAYOUT_ENV).as_deref() {
            Ok("disk") => vec!["disk"],
            Ok("tmpfs") => vec!["tmpfs"],
            _ => vec!["disk", "tmpfs"],
        };
        IsolatedHost::start_layouts(&layouts)
    }

    /// Like `start`, with only the `tmpfs` layout (the fallback), so that tests cover it.
    pub fn start_tmpfs() -> Option<IsolatedHost> {
        IsolatedHost::start_layouts(&["tmpfs"])
    }

    fn start_layouts(layouts: &[&'static str]) -> Option<IsolatedHost> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return unavailable("not running as root (mount namespaces and overlayfs need root)");
        }
        for tool in ["/usr/bin/unshare", "/usr/bin/nsenter", SSHD] {
            if !Path::new(tool).exists() {
                return unavailable(&format!("`{tool}` is missing (util-linux, openssh-server)"));
            }
        }
        let mut refusals = Vec::new();
        for &layout in layouts {
            match IsolatedHost::start_layout(layout) {
                Ok(host) => return Some(host),
                Err(why) => refusals.push(format!("layout `{layout}`: {why}")),
            }
        }
        unavailable(&refusals.join("; "))
    }

    fn start_layout(layout: &'static str) -> Result<IsolatedHost, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temp dir: {e}"))?;
        let d = dir.path();
        // apt fetches file: repositories as the unprivileged `_apt` user: the share dir's
        // ancestors must be searchable.
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        for sub in ["ovl", "merged", "seed", "share", "home/.ssh"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        let seed = d.join("seed");
        let client_key = keygen(&d.join("home/.ssh/id_ed25519"));
        let host_key = keygen(&seed.join("ssh_host_ed25519_key"));
        std::fs::write(seed.join("authorized_keys"), format!("{client_key}\n")).unwrap();
        let address = next_address();
        let log = d.join("unshare.log");
        let mut last_error = String::new();
        // The probed port can be taken between probe and bind: try a few.
        for _ in 0..3 {
            let port = free_port(&address);
            std::fs::write(
                seed.join("sshd_config"),
                format!(
                    "ListenAddress {address}\nPort {port}\n\
                     HostKey {SEED_INSIDE}/ssh_host_ed25519_key\n\
                     AuthorizedKeysFile {SEED_INSIDE}/authorized_keys\nPidFile none\n\
                     StrictModes no\nUsePAM no\nPasswordAuthentication no\n\
                     KbdInteractiveAuthentication no\nPermitRootLogin yes\nMaxStartups 200\n\
                     SetEnv SHLVL=1\nLogLevel DEBUG1\n"
                ),
            )
            .unwrap();
            let log_file = std::fs::File::create(&log).unwrap();
            let mut cmd = Command::new("unshare");
            cmd.args(["--mount", "--pid", "--fork", "--kill-child=SIGKILL", "--"])
                .args(["sh", "-c", NAMESPACE_SCRIPT, "rconf-isolated"])
                .arg(d)
                .arg(layout)
                .arg(d.join("share"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log_file);
            // If the test process dies, unshare dies, and --kill-child takes the namespace.
            // SAFETY: prctl is async-signal-safe and touches no memory of ours.
            unsafe {
                use std::os::unix::process::CommandExt;
                cmd.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    Ok(())
                });
            }
            let mut child = cmd
                .spawn()
                .map_err(|e| format!("cannot run `unshare`: {e}"))?;
            match wait_ready(&mut child, &address, port) {
                Ok(init_pid) => {
                    return Ok(IsolatedHost {
                        dir,
                        address,
                        port,
                        host_key,
                        layout,
                        child: Some(child),
                        init_pid,
                    });
                }
                Err((init_pid, status)) => {
                    kill_namespace(child, init_pid);
                    let text = std::fs::read_to_string(&log).unwrap_or_default();
                    let sshd_log =
                        std::fs::read_to_string(d.join("ovl/upper/rconf-isolated/sshd.log"))
                            .unwrap_or_default();
                    last_error = format!("{} {}", text.trim(), sshd_log.trim());
                    if status == Some(OVERLAY_REFUSED) || !last_error.contains("Address already") {
                        return Err(format!("namespace setup failed: {}", last_error.trim()));
                    }
                }
            }
        }
        Err(format!("sshd would not listen: {last_error}"))
    }

    /// The line that makes this host known: `[addr]:port ssh-ed25519 AAAA...`.
    pub fn known_hosts_line(&self) -> String {
        format!("[{}]:{} {}", self.address, self.port, self.host_key)
    }

    /// A `known_hosts` file holding only this host (written on first use).
    pub fn known_hosts(&self) -> PathBuf {
        let path = self.home().join(".ssh/known_hosts");
        if !path.exists() {
            std::fs::write(&path, self.known_hosts_line() + "\n").unwrap();
        }
        path
    }

    /// `HOME` for an ssh client (or the rconf binary): `.ssh/id_ed25519` and `.ssh/known_hosts`.
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// The client private key that the isolated sshd trusts for root.
    pub fn identity(&self) -> PathBuf {
        self.home().join(".ssh/id_ed25519")
    }

    /// One inventory line for this host, logging in as root.
    pub fn inventory_line(&self, name: &str) -> String {
        format!(
            "{name} ansible_host={} ansible_port={} ansible_user=root",
            self.address, self.port
        )
    }

    /// Writes `[isolated]` with this host as `name` to `dir/isolated.ini` and returns its path.
    pub fn write_inventory(&self, name: &str) -> PathBuf {
        let path = self.dir.path().join("isolated.ini");
        std::fs::write(
            &path,
            format!("[isolated]\n{}\n", self.inventory_line(name)),
        )
        .unwrap();
        path
    }

    /// The real `rconf` binary with `HOME` set to this host's client home (key and known_hosts
    /// in `.ssh/`), no agent, run in the temp dir.
    pub fn rconf(&self) -> Command {
        self.known_hosts();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rconf"));
        cmd.env("HOME", self.home())
            .env_remove("SSH_AUTH_SOCK")
            .current_dir(self.dir.path());
        cmd
    }

    /// The isolated root as seen from the host (`/proc/PID/root` of the namespace's sshd):
    /// reads and writes through it see and change only the isolated host.
    pub fn root_path(&self) -> PathBuf {
        PathBuf::from(format!("/proc/{}/root", self.init_pid))
    }

    /// `path` (absolute, as seen inside) translated to a host path under `root_path()`.
    pub fn path(&self, inside: &str) -> PathBuf {
        self.root_path().join(inside.trim_start_matches('/'))
    }

    /// The overlay's upper layer (files the isolated host created or changed) when it lives on
    /// the host's disk (`disk` layout); `None` for the `tmpfs` layout.
    pub fn upper_path(&self) -> Option<PathBuf> {
        (self.layout == "disk").then(|| self.dir.path().join("ovl/upper"))
    }

    /// A host directory that appears read-only at the same absolute path inside the isolated
    /// host: put fixture packages and repositories here.
    pub fn share_dir(&self) -> PathBuf {
        self.dir.path().join("share")
    }

    /// What sshd logged so far, for assertion messages.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.path("/rconf-isolated/sshd.log")).unwrap_or_default()
    }

    /// Host PID of the namespace's PID 1 (the sshd listener).
    pub fn init_pid(&self) -> u32 {
        self.init_pid
    }

    /// Host PIDs of every process inside the isolated host's PID namespace.
    pub fn host_pids(&self) -> Vec<u32> {
        let Some(ns) = pid_namespace(self.init_pid) else {
            return Vec::new();
        };
        all_pids()
            .into_iter()
            .filter(|&p| pid_namespace(p).as_ref() == Some(&ns))
            .collect()
    }

    /// Runs `tasks` (YAML list items, indented by 4) as one play on this host through the
    /// real binary and returns each task's result for it, from the JSON report.
    pub fn play(&self, tasks: &str, extra: &[&str]) -> Vec<serde_json::Value> {
        let dir = self.dir.path();
        std::fs::write(
            dir.join("play.yml"),
            format!("- hosts: isolated\n  gather_facts: false\n  tasks:\n{tasks}"),
        )
        .unwrap();
        let inventory = self.write_inventory("iso");
        let report = dir.join("report.json");
        let _ = std::fs::remove_file(&report);
        let out = self
            .rconf()
            .arg("run")
            .arg(dir.join("play.yml"))
            .arg("-i")
            .arg(&inventory)
            .arg("--report")
            .arg(&report)
            .args(extra)
            .output()
            .unwrap();
        let text = super::output::text(&out);
        let doc: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(&report).unwrap_or_else(|_| panic!("no report:\n{text}")),
        )
        .unwrap();
        doc["plays"][0]["tasks"]
            .as_array()
            .unwrap_or_else(|| panic!("no tasks in the report:\n{text}"))
            .iter()
            .map(|t| t["hosts"]["iso"].clone())
            .collect()
    }

    /// `sh -c script` inside the host: its stdout, trimmed.
    pub fn stdout(&self, script: &str) -> String {
        String::from_utf8_lossy(&self.exec(script).stdout)
            .trim()
            .to_string()
    }

    /// Runs `script` with `sh -c` inside the isolated host, without ssh (root, cwd `/`).
    pub fn exec(&self, script: &str) -> Output {
        Command::new("nsenter")
            .args(["-t", &self.init_pid.to_string(), "-m", "-p", "-r", "-w"])
            .args(["--", "/bin/sh", "-c", script])
            .env_clear()
            .env(
                "PATH",
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            )
            .env("HOME", "/root")
            .env("LANG", "C")
            .stdin(Stdio::null())
            .output()
            .expect("cannot run nsenter")
    }

    /// A plain OpenSSH client command that runs `remote` as root on the isolated host.
    pub fn ssh(&self, remote: &str) -> Command {
        let mut cmd = Command::new("ssh");
        cmd.arg("-F")
            .arg("/dev/null")
            .arg("-o")
            .arg(format!(
                "UserKnownHostsFile={}",
                self.known_hosts().display()
            ))
            .args(["-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"])
            .args(["-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10"])
            .arg("-i")
            .arg(self.identity())
            .arg("-p")
            .arg(self.port.to_string())
            .arg(format!("root@{}", self.address))
            .arg(remote)
            .env_remove("SSH_AUTH_SOCK")
            .stdin(Stdio::null());
        cmd
    }
}

/// Waits until sshd accepts connections and returns the namespace init's host PID; on failure,
/// that PID (0 if never seen) and the script's exit status if it ended.
fn wait_ready(child: &mut Child, address: &str, port: u16) -> Result<u32, (u32, Option<i32>)> {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut init_pid = 0;
    loop {
        if init_pid == 0 {
            init_pid = all_pids()
                .into_iter()
                .find(|&p| parent_of(p) == Some(child.id()))
                .unwrap_or(0);
        }
        if init_pid != 0 && TcpStream::connect((address, port)).is_ok() {
            return Ok(init_pid);
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err((init_pid, status.code()));
        }
        if Instant::now() > deadline {
            return Err((init_pid, None));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Kills every process in the namespace (by killing its PID 1) and reaps `unshare`.
fn kill_namespace(mut child: Child, init_pid: u32) {
    if init_pid != 0 && parent_of(init_pid) == Some(child.id()) {
        // SAFETY: kill(2) has no memory effects; the PID is the namespace init we started
        // (checked through its parent just above, and unshare is not reaped yet).
        unsafe { libc::kill(init_pid as i32, libc::SIGKILL) };
    }
    // unshare reaps the init and exits by itself; the kernel only lets the init finish dying
    // once every process of its namespace is gone, so after this nothing of ours runs inside.
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    // SAFETY: as above; unshare is our own child, not yet reaped. --kill-child takes the
    // namespace with it.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    let _ = child.wait();
}

impl Drop for IsolatedHost {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            kill_namespace(child, self.init_pid);
        }
        // The mounts went with the namespace; the temp dir (upper layer included) goes now.
    }
}
