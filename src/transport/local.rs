//! Local transport: runs commands on the controller through `/bin/sh -c`, with the same stdin
//! and timeout semantics as an SSH exec.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, ChildStdin, Command};

use super::{Output, Stdin, TransportError};

#[derive(Default)]
pub struct LocalConnection {}

/// Signal names as sshd reports them in `exit-signal` (without the `SIG` prefix).
fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGHUP => "HUP",
        libc::SIGINT => "INT",
        libc::SIGQUIT => "QUIT",
        libc::SIGILL => "ILL",
        libc::SIGABRT => "ABRT",
        libc::SIGFPE => "FPE",
        libc::SIGKILL => "KILL",
        libc::SIGSEGV => "SEGV",
        libc::SIGPIPE => "PIPE",
        libc::SIGALRM => "ALRM",
        libc::SIGTERM => "TERM",
        libc::SIGUSR1 => "USR1",
        libc::SIGUSR2 => "USR2",
        other => return other.to_string(),
    };
    name.to_string()
}

async fn feed(mut pipe: ChildStdin, prefix: &[u8], stdin: Stdin) -> Result<(), TransportError> {
    let result = match pipe.write_all(prefix).await {
        Err(e) => Err(e),
        Ok(()) => match stdin {
            Stdin::Empty => Ok(()),
            Stdin::Bytes(bytes) => pipe.write_all(&bytes).await,
            Stdin::File(path) => {
                let mut file = tokio::fs::File::open(&path).await.map_err(|e| {
                    TransportError::Local(format!(
                        "cannot open `{}` for stdin: {e}",
                        path.display()
                    ))
                })?;
                tokio::io::copy(&mut file, &mut pipe).await.map(|_| ())
            }
        },
    };
    match result {
        // The command exited without reading all of its input; its output still counts.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(TransportError::Local(format!("writing stdin: {e}"))),
        Ok(()) => Ok(()),
    }
}

/// How long output may stay quiet after the command exited before the pipes are left: a
/// process it started in the background may hold them open for as long as it runs. Ansible's
/// `run_command` stops reading after one second without data once the command has exited.
const QUIET_AFTER_EXIT: Duration = Duration::from_secs(1);

/// Reads `pipe` to its end into `out`, counting the bytes read in `seen`.
async fn drain(
    pipe: Option<impl AsyncRead + Unpin>,
    out: &std::sync::Mutex<Vec<u8>>,
    seen: &std::sync::atomic::AtomicUsize,
) -> std::io::Result<()> {
    let Some(mut pipe) = pipe else {
        return Ok(());
    };
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = pipe.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        out.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(&buf[..n]);
        seen.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
}

async fn collect(mut child: Child, prefix: &[u8], stdin: Stdin) -> Result<Output, TransportError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let input = child.stdin.take().expect("stdin is piped");
    let (stdout, stderr) = (std::sync::Mutex::default(), std::sync::Mutex::default());
    let seen = AtomicUsize::new(0);
    let (out_pipe, err_pipe) = (child.stdout.take(), child.stderr.take());
    let mut drains = Box::pin(async {
        let (o, e) = tokio::join!(
            drain(out_pipe, &stdout, &seen),
            drain(err_pipe, &stderr, &seen)
        );
        o.and(e)
    });
    let mut drained = None;
    let (fed, status) = tokio::join!(feed(input, prefix, stdin), async {
        tokio::select! {
            status = child.wait() => status,
            done = &mut drains => {
                drained = Some(done);
                child.wait().await
            }
        }
    });
    let status =
        status.map_err(|e| TransportError::Local(format!("waiting for `/bin/sh`: {e}")))?;
    // The command has exited: read on until the pipes close or go quiet.
    while drained.is_none() {
        let before = seen.load(Ordering::Relaxed);
        match tokio::time::timeout(QUIET_AFTER_EXIT, &mut drains).await {
            Ok(done) => drained = Some(done),
            Err(_) if seen.load(Ordering::Relaxed) == before => break,
            Err(_) => {}
        }
    }
    drop(drains);
    fed?;
    if let Some(Err(e)) = drained {
        return Err(TransportError::Local(format!("reading output: {e}")));
    }
    let take = |m: std::sync::Mutex<Vec<u8>>| m.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok(Output {
        status: status.code().map(|c| c as u32),
        signal: status.signal().map(signal_name),
        stdout: take(stdout),
        stderr: take(stderr),
    })
}

impl LocalConnection {
    /// Runs `command` as sshd would hand it to a login shell. On timeout the command's whole
    /// process group is killed, so no background child keeps the pipes open.
    pub async fn exec(
        &self,
        command: &[u8],
        stdin: Stdin,
        timeout: Option<Duration>,
    ) -> Result<Output, TransportError> {
        self.exec_with_prefix(command, &[], stdin, timeout).await
    }

    /// `exec` with `prefix` written to stdin first.
    pub async fn exec_with_prefix(
        &self,
        command: &[u8],
        prefix: &[u8],
        stdin: Stdin,
        timeout: Option<Duration>,
    ) -> Result<Output, TransportError> {
        let child = Command::new("/bin/sh")
            .arg("-c")
            .arg(OsStr::from_bytes(command))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| TransportError::Local(format!("cannot start `/bin/sh`: {e}")))?;
        let group = child.id();
        let run = collect(child, prefix, stdin);
        let Some(limit) = timeout else {
            return run.await;
        };
        match tokio::time::timeout(limit, run).await {
            Ok(result) => result,
            Err(_) => {
                if let Some(pid) = group {
                    // SAFETY: kill(2) has no memory effects; the group is the one we created.
                    unsafe { libc::kill(-(pid as i32), libc::SIGKILL) };
                }
                Err(TransportError::Timeout(limit))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_through_sh_with_status_and_both_streams() {
        let out = LocalConnection::default()
            .exec(b"echo out; echo err >&2; exit 7", Stdin::Empty, None)
            .await
            .unwrap();
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
        assert_eq!(out.status, Some(7));
        assert_eq!(out.signal, None);
    }

    /// As Ansible's run_command: a command that leaves a process running in the background,
    /// holding its output open, is done once it exits and its output goes quiet, with what
    /// it printed; the background process is still running then.
    #[tokio::test]
    async fn a_background_child_holding_the_output_does_not_hold_the_command() {
        let out = LocalConnection::default()
            .exec(b"sleep 30 & echo $!; exit 3", Stdin::Empty, None)
            .await
            .unwrap();
        assert_eq!(out.status, Some(3));
        let pid: i32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        // SAFETY: kill(2) has no memory effects; the process is the one this test started.
        let alive = unsafe { libc::kill(pid, 0) } == 0;
        unsafe { libc::kill(pid, libc::SIGKILL) };
        assert!(alive, "exec waited for the background process to end");
    }

    #[tokio::test]
    async fn stdin_bytes_round_trip_exactly() {
        let input: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
        let out = LocalConnection::default()
            .exec(b"cat", Stdin::Bytes(input.clone()), None)
            .await
            .unwrap();
        assert_eq!(out.stdout, input);
    }

    #[tokio::test]
    async fn stdin_file_is_streamed_and_unread_input_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in");
        std::fs::write(&path, vec![b'x'; 1_000_000]).unwrap();
        let conn = LocalConnection::default();
        let out = conn
            .exec(b"wc -c", Stdin::File(path.clone()), None)
            .await
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1000000");
        let out = conn.exec(b"true", Stdin::File(path), None).await.unwrap();
        assert_eq!(out.status, Some(0));
    }

    #[tokio::test]
    async fn missing_stdin_file_is_a_local_error() {
        let err = LocalConnection::default()
            .exec(b"cat", Stdin::File("/nonexistent/in".into()), None)
            .await
            .unwrap_err();
        assert!(matches!(err, TransportError::Local(ref m) if m.contains("/nonexistent/in")));
        assert!(!err.is_unreachable());
    }

    #[tokio::test]
    async fn timeout_kills_the_command_and_its_children() {
        let started = std::time::Instant::now();
        let err = LocalConnection::default()
            .exec(
                b"sleep 30 & sleep 30; echo never",
                Stdin::Empty,
                Some(Duration::from_millis(300)),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, TransportError::Timeout(_)), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn killed_command_reports_its_signal() {
        let out = LocalConnection::default()
            .exec(b"kill -TERM $$", Stdin::Empty, None)
            .await
            .unwrap();
        assert_eq!(out.status, None);
        assert_eq!(out.signal.as_deref(), Some("TERM"));
    }
}
