//! Isolated hosts really isolate: files, packages, users and daemons created over ssh inside
//! one exist there and never on the machine running the tests. Skipped (loudly) unless root.

mod common;

use std::path::Path;
use std::process::Output;

use common::{IsolatedHost, build_deb, local_repo};

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `remote` over real ssh on `host` and insists it succeeds.
fn ssh_ok(host: &IsolatedHost, remote: &str) -> String {
    let out = host.ssh(remote).output().expect("cannot run ssh");
    assert!(
        out.status.success(),
        "`{remote}` failed on the isolated host: {}\nsshd log:\n{}",
        text(&out),
        host.log_text()
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// apt-get restricted to one sources file so that it never reaches the network.
fn apt_get(host: &IsolatedHost, repo_line: &str, args: &str) -> String {
    let list = "/etc/apt/sources.list.d/rconf-fixtures.list";
    std::fs::write(host.path(list), format!("{repo_line}\n")).unwrap();
    let options = format!(
        "-o Dir::Etc::sourcelist={list} -o Dir::Etc::sourceparts=- \
         -o APT::Get::List-Cleanup=0 -o Acquire::Languages=none"
    );
    ssh_ok(
        host,
        &format!(
            "export DEBIAN_FRONTEND=noninteractive; apt-get {options} update -q && \
             apt-get {options} {args}"
        ),
    )
}

fn has_apt() -> bool {
    let found = Path::new("/usr/bin/apt-get").exists() && Path::new("/usr/bin/dpkg-deb").exists();
    if !found {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "!!!!!!!! SKIPPED: no apt-get/dpkg-deb on this machine: package tests did NOT run"
        );
    }
    found
}

#[test]
fn a_file_touched_inside_exists_only_inside() {
    let Some(host) = IsolatedHost::start() else {
        return;
    };
    let proof = "/etc/rconf-isolated-proof";
    ssh_ok(&host, &format!("touch {proof}"));
    assert!(host.path(proof).exists(), "not created inside");
    assert!(
        host.exec(&format!("test -e {proof}")).status.success(),
        "nsenter does not see the file"
    );
    assert!(
        !Path::new(proof).exists(),
        "{proof} leaked onto the machine"
    );
    if let Some(upper) = host.upper_path() {
        assert!(upper.join("etc/rconf-isolated-proof").exists());
    }
}

#[test]
fn inside_is_a_full_system_with_private_run_and_tmp() {
    let Some(host) = IsolatedHost::start() else {
        return;
    };
    // The same distribution as the machine, since the lower layer is `/`.
    let os = ssh_ok(&host, "cat /etc/os-release");
    assert_eq!(os, std::fs::read_to_string("/etc/os-release").unwrap());
    // Fresh /run and /tmp: nothing of the machine's leaks in.
    let run = ssh_ok(&host, "ls -A /run");
    assert_eq!(run.split_whitespace().collect::<Vec<_>>(), ["lock", "sshd"]);
    // Only the share dir's mount point is in /tmp (when the temp dir lives under /tmp).
    let share = host.share_dir();
    let expected: Vec<String> = share
        .strip_prefix("/tmp")
        .ok()
        .and_then(|rest| rest.iter().next())
        .map(|first| first.to_string_lossy().into_owned())
        .into_iter()
        .collect();
    let tmp = ssh_ok(&host, "ls -A /tmp");
    assert_eq!(tmp.split_whitespace().collect::<Vec<_>>(), expected);
    // A PID namespace of its own: sshd is PID 1 and only our processes are visible.
    let comm = ssh_ok(&host, "cat /proc/1/comm");
    assert_eq!(comm.trim(), "sshd");
    let line = host.inventory_line("iso1");
    assert!(line.starts_with(&format!("iso1 ansible_host={} ansible_port=", host.address)));
}

#[test]
fn apt_get_installs_a_local_package_only_inside() {
    if !has_apt() {
        return;
    }
    let Some(host) = IsolatedHost::start() else {
        return;
    };
    let build = tempfile::tempdir().unwrap();
    let deb = build_deb(
        build.path(),
        "rconf-fixture-hello",
        "1.0-1",
        &[(
            "/usr/bin/rconf-fixture-hello",
            "#!/bin/sh\necho hello from rconf\n",
        )],
        Some(
            "#!/bin/sh\nset -e\nmkdir -p /var/lib/rconf-fixture-hello\ntouch /var/lib/rconf-fixture-hello/postinst-ran\n",
        ),
    );
    let repo = local_repo(&host.share_dir().join("repo"), &[deb]);
    apt_get(&host, &repo, "install -y -q rconf-fixture-hello");

    let query = ssh_ok(
        &host,
        "dpkg-query -W -f '${Status} ${Version}' rconf-fixture-hello",
    );
    assert_eq!(query, "install ok installed 1.0-1");
    assert_eq!(ssh_ok(&host, "rconf-fixture-hello"), "hello from rconf\n");
    assert!(
        host.path("/var/lib/rconf-fixture-hello/postinst-ran")
            .exists()
    );

    let outside = std::process::Command::new("dpkg-query")
        .args(["-W", "rconf-fixture-hello"])
        .output()
        .unwrap();
    assert!(
        !outside.status.success(),
        "installed on the machine: {}",
        text(&outside)
    );
    assert!(!Path::new("/usr/bin/rconf-fixture-hello").exists());
}

#[test]
fn useradd_adds_the_user_only_inside() {
    let Some(host) = IsolatedHost::start() else {
        return;
    };
    ssh_ok(&host, "useradd --create-home rconftest");
    let passwd = std::fs::read_to_string(host.path("/etc/passwd")).unwrap();
    assert!(passwd.lines().any(|l| l.starts_with("rconftest:")));
    assert!(
        ssh_ok(&host, "id -u rconftest")
            .trim()
            .parse::<u32>()
            .is_ok()
    );
    assert!(host.path("/home/rconftest").is_dir());
    let real = std::fs::read_to_string("/etc/passwd").unwrap();
    assert!(!real.lines().any(|l| l.starts_with("rconftest:")));
    assert!(!Path::new("/home/rconftest").exists());
}

const INIT_SCRIPT: &str = r#"#!/bin/sh
### BEGIN INIT INFO
# Provides:          rconf-fixture-daemon
# Required-Start:    $local_fs
# Required-Stop:     $local_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: rconf test daemon
### END INIT INFO
PIDFILE=/run/rconf-fixture-daemon.pid
DAEMON=/usr/sbin/rconf-fixture-daemon
case "$1" in
  start) start-stop-daemon --start --quiet --oknodo --background --make-pidfile \
           --pidfile "$PIDFILE" --startas "$DAEMON" ;;
  stop) start-stop-daemon --stop --quiet --oknodo --remove-pidfile --pidfile "$PIDFILE" ;;
  status) start-stop-daemon --status --pidfile "$PIDFILE" ;;
  restart) "$0" stop && "$0" start ;;
  *) echo "usage: $0 {start|stop|status|restart}" >&2; exit 3 ;;
esac
"#;

const DAEMON: &str = "#!/bin/sh\nwhile :; do sleep 60; done\n";

#[test]
fn an_init_script_daemon_runs_inside_and_dies_with_the_host() {
    if !has_apt() {
        return;
    }
    let Some(host) = IsolatedHost::start() else {
        return;
    };
    let build = tempfile::tempdir().unwrap();
    let deb = build_deb(
        build.path(),
        "rconf-fixture-daemon",
        "2.0",
        &[
            ("/etc/init.d/rconf-fixture-daemon", INIT_SCRIPT),
            ("/usr/sbin/rconf-fixture-daemon", DAEMON),
        ],
        None,
    );
    let repo = local_repo(&host.share_dir().join("repo"), &[deb]);
    apt_get(&host, &repo, "install -y -q rconf-fixture-daemon");

    let status = host
        .ssh("service rconf-fixture-daemon status")
        .output()
        .unwrap();
    assert_eq!(
        status.status.code(),
        Some(3),
        "not stopped at first: {}",
        text(&status)
    );
    ssh_ok(&host, "service rconf-fixture-daemon start");
    ssh_ok(&host, "service rconf-fixture-daemon status");
    let pid = ssh_ok(&host, "cat /run/rconf-fixture-daemon.pid");
    let cmdline = ssh_ok(
        &host,
        &format!("tr '\\0' ' ' < /proc/{}/cmdline", pid.trim()),
    );
    assert!(
        cmdline.contains("/usr/sbin/rconf-fixture-daemon"),
        "{cmdline}"
    );

    // The machine has no such pidfile; the daemon is one of the namespace's processes.
    assert!(!Path::new("/run/rconf-fixture-daemon.pid").exists());
    let inside: Vec<u32> = host.host_pids();
    let daemon: Vec<u32> = inside
        .iter()
        .copied()
        .filter(|p| {
            std::fs::read(format!("/proc/{p}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains("rconf-fixture-daemon"))
        })
        .collect();
    assert_eq!(daemon.len(), 1, "expected one daemon among {inside:?}");

    drop(host);
    for pid in inside {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists(),
            "process {pid} of the isolated host survived its drop"
        );
    }
}

#[test]
fn the_tmpfs_fallback_layout_isolates_too() {
    let Some(host) = IsolatedHost::start_tmpfs() else {
        return;
    };
    assert_eq!(host.layout, "tmpfs");
    assert_eq!(host.upper_path(), None);
    ssh_ok(&host, "echo changed > /etc/rconf-isolated-tmpfs-proof");
    let inside = std::fs::read_to_string(host.path("/etc/rconf-isolated-tmpfs-proof")).unwrap();
    assert_eq!(inside, "changed\n");
    assert!(!Path::new("/etc/rconf-isolated-tmpfs-proof").exists());
}

#[test]
fn exec_runs_inside_without_ssh() {
    let Some(host) = IsolatedHost::start() else {
        return;
    };
    let out = host.exec("echo $$; mkdir -p /var/lib/rconf-exec && echo ok > /var/lib/rconf-exec/f");
    assert!(out.status.success(), "{}", text(&out));
    // The shell got a PID of the namespace, not of the machine.
    let ns_pid: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert!(ns_pid < 1000, "pid {ns_pid} looks like a host pid");
    assert_eq!(ssh_ok(&host, "cat /var/lib/rconf-exec/f"), "ok\n");
    assert!(!Path::new("/var/lib/rconf-exec").exists());
}

#[test]
fn fixture_debs_and_their_repository_index_are_well_formed() {
    if !has_apt() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let deb = build_deb(
        dir.path(),
        "rconf-fixture-form",
        "0.3",
        &[
            ("/usr/bin/form", "#!/bin/sh\n"),
            ("/etc/form.conf", "x=1\n"),
        ],
        Some("#!/bin/sh\nexit 0\n"),
    );
    let contents = std::process::Command::new("dpkg-deb")
        .arg("--contents")
        .arg(&deb)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&contents.stdout);
    let mode_of = |path: &str| {
        listing
            .lines()
            .find(|l| l.ends_with(path))
            .unwrap_or_else(|| panic!("{path} missing from {listing}"))
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(mode_of("./usr/bin/form"), "-rwxr-xr-x root/root");
    assert_eq!(mode_of("./etc/form.conf"), "-rw-r--r-- root/root");

    let repo_dir = dir.path().join("repo");
    let line = local_repo(&repo_dir, &[deb]);
    assert_eq!(
        line,
        format!("deb [trusted=yes] file:{} ./", repo_dir.display())
    );
    let index = std::fs::read_to_string(repo_dir.join("Packages")).unwrap();
    let sum = std::process::Command::new("sha256sum")
        .arg(repo_dir.join("rconf-fixture-form_0.3_all.deb"))
        .output()
        .unwrap();
    let sum = String::from_utf8_lossy(&sum.stdout);
    let field = |name: &str| {
        index
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name} in {index}"))
            .to_string()
    };
    assert_eq!(field("Package"), "rconf-fixture-form");
    assert_eq!(field("Version"), "0.3");
    assert_eq!(field("Filename"), "./rconf-fixture-form_0.3_all.deb");
    assert_eq!(field("SHA256"), sum.split_whitespace().next().unwrap());
}
