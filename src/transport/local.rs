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

async fn drain(pipe: Option<impl AsyncRead + Unpin>) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    if let Some(mut pipe) = pipe {
        pipe.read_to_end(&mut out).await?;
    }
    Ok(out)
}

async fn collect(mut child: Child, prefix: &[u8], stdin: Stdin) -> Result<Output, TransportError> {
    let input = child.stdin.take().expect("stdin is piped");
    let (fed, stdout, stderr) = tokio::join!(
        feed(input, prefix, stdin),
        drain(child.stdout.take()),
        drain(child.stderr.take())
    );
    let status = child
        .wait()
        .await
        .map_err(|e| TransportError::Local(format!("waiting for `/bin/sh`: {e}")))?;
    fed?;
    let read = |e: std::io::Error| TransportError::Local(format!("reading output: {e}"));
    Ok(Output {
        status: status.code().map(|c| c as u32),
        signal: status.signal().map(signal_name),
        stdout: stdout.map_err(read)?,
        stderr: stderr.map_err(read)?,
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
