//! The transport through the library API against real OpenSSH servers: exec, stdin, concurrency,
//! host key policies, timeouts and failures.

mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Fleet, FleetOptions};
use rconf::{Connection, HostKeyPolicy, LocalConnection, SshConnection, Stdin, TransportError};

async fn connect(fleet: &Fleet, i: usize) -> SshConnection {
    SshConnection::connect(&fleet.spec(i))
        .await
        .unwrap_or_else(|e| {
            panic!(
                "connect to {}: {e}\n{}",
                fleet.hosts[i].name,
                fleet.hosts[i].log_text()
            )
        })
}

fn fingerprint(fleet: &Fleet, i: usize) -> String {
    let pub_file = fleet
        .dir
        .path()
        .join(&fleet.hosts[i].name)
        .join("ssh_host_ed25519_key.pub");
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(pub_file)
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_reports_stdout_stderr_and_exit_code() {
    let fleet = Fleet::start(1);
    let conn = connect(&fleet, 0).await;
    let out = conn
        .exec(b"echo out; echo err >&2; exit 3", Stdin::Empty, None)
        .await
        .unwrap();
    assert_eq!(out.stdout, b"out\n");
    assert_eq!(out.stderr, b"err\n");
    assert_eq!(out.status, Some(3));
    let out = conn
        .exec(b"kill -TERM $$", Stdin::Empty, None)
        .await
        .unwrap();
    assert_eq!((out.status, out.signal.as_deref()), (None, Some("TERM")));
    assert!(conn.setup_time() > Duration::ZERO && conn.setup_time() < Duration::from_secs(10));
    conn.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdin_bytes_round_trip_byte_exact() {
    let fleet = Fleet::start(1);
    let conn = connect(&fleet, 0).await;
    let mut input: Vec<u8> = b"\0\xff\xfe not utf-8 \r\n\0".to_vec();
    input.extend((0..=255u8).cycle().take(3 * 1024 * 1024));
    let out = conn
        .exec(b"cat", Stdin::Bytes(input.clone()), None)
        .await
        .unwrap();
    assert_eq!(out.status, Some(0));
    assert!(
        out.stdout == input,
        "stdout differs from stdin ({} vs {} bytes)",
        out.stdout.len(),
        input.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_execs_on_one_connection() {
    let fleet = Fleet::start(1);
    let conn = Arc::new(connect(&fleet, 0).await);
    let mut tasks = Vec::new();
    for i in 0..200 {
        let conn = conn.clone();
        tasks.push(tokio::spawn(async move {
            let cmd = format!("echo {i}");
            conn.exec(cmd.as_bytes(), Stdin::Empty, Some(Duration::from_secs(60)))
                .await
        }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        let out = task
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("exec {i}: {e}"));
        assert_eq!(out.stdout, format!("{i}\n").as_bytes());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_host_key_is_refused_with_fingerprint_and_advice() {
    let fleet = Fleet::start_with(
        1,
        FleetOptions {
            unknown_host_keys: true,
            ..Default::default()
        },
    );
    let err = SshConnection::connect(&fleet.spec(0))
        .await
        .err()
        .expect("must be refused");
    let TransportError::HostKey(message) = &err else {
        panic!("wrong error: {err}")
    };
    let h = &fleet.hosts[0];
    assert!(message.contains("`h1`"), "{message}");
    assert!(message.contains("ssh-ed25519"), "{message}");
    assert!(message.contains(&fingerprint(&fleet, 0)), "{message}");
    assert!(
        message.contains(&format!("ssh-keyscan -p {} {}", h.port, h.address)),
        "{message}"
    );
    assert!(message.contains("accept-new"), "{message}");
    assert!(err.is_unreachable());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_new_records_the_key_and_strict_then_accepts_it() {
    let fleet = Fleet::start_with(
        1,
        FleetOptions {
            unknown_host_keys: true,
            ..Default::default()
        },
    );
    let mut spec = fleet.spec(0);
    // A missing file (and directory) is created.
    spec.known_hosts_files = vec![fleet.dir.path().join("new/.ssh/known_hosts")];
    spec.host_key_policy = HostKeyPolicy::AcceptNew;
    SshConnection::connect(&spec).await.unwrap().close().await;
    let recorded = std::fs::read_to_string(&spec.known_hosts_files[0]).unwrap();
    assert_eq!(recorded, format!("{}\n", fleet.hosts[0].known_hosts_line()));
    spec.host_key_policy = HostKeyPolicy::Strict;
    // A loaded machine can drop a connection during key exchange; only a host key refusal
    // would be this test's failure, so a transient connect error gets one more try.
    let conn = match SshConnection::connect(&spec).await {
        Err(rconf::TransportError::Connect(first)) => {
            SshConnection::connect(&spec).await.unwrap_or_else(|e| {
                panic!(
                    "strict connect after accept-new: {first}; then {e}\n{}",
                    fleet.hosts[0].log_text()
                )
            })
        }
        other => other.unwrap_or_else(|e| {
            panic!(
                "strict connect after accept-new: {e}\n{}",
                fleet.hosts[0].log_text()
            )
        }),
    };
    assert_eq!(
        conn.exec(b"echo ok", Stdin::Empty, None)
            .await
            .unwrap()
            .stdout,
        b"ok\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_key_is_refused_naming_file_and_line_even_with_accept_new() {
    let fleet = Fleet::start(1);
    let other = common::keygen(&fleet.dir.path().join("other_key"));
    let h = &fleet.hosts[0];
    let text = format!("# managed by hand\n\n[{}]:{} {other}\n", h.address, h.port);
    std::fs::write(fleet.known_hosts(), text).unwrap();
    for policy in [HostKeyPolicy::Strict, HostKeyPolicy::AcceptNew] {
        let mut spec = fleet.spec(0);
        spec.host_key_policy = policy;
        let err = SshConnection::connect(&spec)
            .await
            .err()
            .expect("must be refused");
        let TransportError::HostKey(message) = &err else {
            panic!("wrong error: {err}")
        };
        let location = format!("`{}` line 3", fleet.known_hosts().display());
        assert!(message.contains(&location), "{message}");
        assert!(message.contains(&fingerprint(&fleet, 0)), "{message}");
    }
    let mut spec = fleet.spec(0);
    spec.host_key_policy = HostKeyPolicy::Off;
    SshConnection::connect(&spec).await.unwrap().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_known_hosts_entry_is_accepted() {
    let fleet = Fleet::start(1);
    let status = Command::new("ssh-keygen")
        .arg("-H")
        .arg("-f")
        .arg(fleet.known_hosts())
        .output()
        .unwrap();
    assert!(status.status.success());
    let text = std::fs::read_to_string(fleet.known_hosts()).unwrap();
    assert!(
        text.starts_with("|1|") && !text.contains("127.0.0."),
        "not hashed: {text}"
    );
    connect(&fleet, 0).await.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_timeout_is_bounded_and_the_connection_survives() {
    let fleet = Fleet::start(1);
    let conn = connect(&fleet, 0).await;
    // More timed-out commands than MaxSessions: leaked channels would block the last exec.
    for _ in 0..12 {
        let started = Instant::now();
        let err = conn
            .exec(
                b"sleep 37.25",
                Stdin::Empty,
                Some(Duration::from_millis(200)),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, TransportError::Timeout(_)), "{err}");
        assert!(!err.is_unreachable());
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }
    let out = conn
        .exec(
            b"echo still here",
            Stdin::Empty,
            Some(Duration::from_secs(20)),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", fleet.hosts[0].log_text()));
    assert_eq!(out.stdout, b"still here\n");
    // The abandoned commands were killed, not left running until they finish.
    let deadline = Instant::now() + Duration::from_secs(5);
    while running_sleeps("37.25") > 0 {
        assert!(Instant::now() < deadline, "timed-out commands still run");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn running_sleeps(arg: &str) -> usize {
    let wanted = format!("sleep\0{arg}\0");
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| std::fs::read(e.path().join("cmdline")).is_ok_and(|c| c == wanted.as_bytes()))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_host_is_reported_disconnected_promptly() {
    let mut fleet = Fleet::start(1);
    let conn = Arc::new(connect(&fleet, 0).await);
    let running = {
        let conn = conn.clone();
        tokio::spawn(async move { conn.exec(b"sleep 30", Stdin::Empty, None).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    fleet.kill(0);
    let err = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("not detected")
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, TransportError::Disconnected(_)), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let err = conn.exec(b"true", Stdin::Empty, None).await.unwrap_err();
    assert!(matches!(err, TransportError::Disconnected(_)), "{err}");
    let err = SshConnection::connect(&fleet.spec(0)).await.err().unwrap();
    assert!(matches!(err, TransportError::Connect(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_port_is_a_connect_error_naming_address_and_port() {
    let fleet = Fleet::start(1);
    let mut spec = fleet.spec(0);
    let listener = std::net::TcpListener::bind((spec.address.as_str(), 0)).unwrap();
    spec.port = listener.local_addr().unwrap().port();
    drop(listener);
    let err = SshConnection::connect(&spec).await.err().unwrap();
    let expected = format!("connect to {} port {}: ", spec.address, spec.port);
    assert!(
        matches!(&err, TransportError::Connect(m) if m.starts_with(&expected)),
        "{err}"
    );
    assert!(err.to_string().to_lowercase().contains("refused"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hung_host_times_out_within_connect_timeout() {
    let fleet = Fleet::start(1);
    fleet.pause(0);
    let mut spec = fleet.spec(0);
    spec.connect_timeout = Duration::from_millis(800);
    let started = Instant::now();
    let err = SshConnection::connect(&spec).await.err().unwrap();
    fleet.resume(0);
    assert!(
        matches!(&err, TransportError::Connect(m) if m.contains("timed out")),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_key_fails_auth_listing_what_was_tried() {
    let fleet = Fleet::start(1);
    let wrong = fleet.dir.path().join("wrong_key");
    common::keygen(&wrong);
    let mut spec = fleet.spec(0);
    spec.identity_files = vec![wrong.clone(), fleet.dir.path().join("absent_key")];
    let err = SshConnection::connect(&spec).await.err().unwrap();
    let TransportError::Auth(message) = &err else {
        panic!("wrong error: {err}")
    };
    assert!(
        message.contains(&format!("`{}`", wrong.display())),
        "{message}"
    );
    assert!(message.contains("absent_key` does not exist"), "{message}");
    assert!(
        message.contains("the server accepts: publickey"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_stdin_file_is_streamed() {
    let fleet = Fleet::start(1);
    let conn = connect(&fleet, 0).await;
    let path = fleet.dir.path().join("big");
    let size: u64 = 200 * 1024 * 1024;
    // Sparse: the test measures streaming, not the disk.
    std::fs::File::create(&path).unwrap().set_len(size).unwrap();
    let out = conn
        .exec(b"wc -c", Stdin::File(path), Some(Duration::from_secs(120)))
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        size.to_string()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_jump_through_another_host() {
    let fleet = Fleet::start(2);
    let jump = connect(&fleet, 0).await;
    let target = SshConnection::connect_via(&jump, &fleet.spec(1))
        .await
        .unwrap();
    let out = target
        .exec(b"echo $SSH_CONNECTION", Stdin::Empty, None)
        .await
        .unwrap();
    let seen = String::from_utf8(out.stdout).unwrap();
    assert!(
        seen.trim_end().ends_with(&format!(
            "{} {}",
            fleet.hosts[1].address, fleet.hosts[1].port
        )),
        "{seen}"
    );
}

#[tokio::test]
async fn local_connection_runs_commands() {
    let conn = Connection::Local(LocalConnection::default());
    let out = conn
        .exec(b"cat; exit 4", Stdin::Bytes(b"\0in\xff".to_vec()), None)
        .await
        .unwrap();
    assert_eq!(
        (out.stdout.as_slice(), out.status),
        (&b"\0in\xff"[..], Some(4))
    );
    conn.close().await;
}
