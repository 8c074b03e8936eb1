//! One command on one exec channel: open (with retry against `MaxSessions`), feed stdin while
//! reading output, and always close the channel, even when the command is abandoned.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use russh::client::{Handle, Msg};
use russh::{ChannelMsg, ChannelOpenFailure, ChannelWriteHalf, Sig};
use tokio::io::AsyncReadExt;

use super::handler::ClientHandler;
use crate::transport::{Output, Stdin, TransportError};

const STDIN_CHUNK: usize = 64 * 1024;

/// The remote shell announces its PID (which sshd made a process group leader) as the first
/// line of stderr; the transport strips it. OpenSSH refuses `signal` requests for sessions
/// without privilege separation (root logins), and a session whose command still runs keeps its
/// `MaxSessions` slot after CLOSE, so an abandoned command is killed through its PID instead.
const PID_PREFIX: &[u8] = b"rconf-pid:";
pub(super) const PID_ANNOUNCE: &[u8] = b"printf 'rconf-pid:%d\\n' $$ >&2; ";

/// Ends the remote command if dropped while armed (timeout, caller gave up, error): sends TERM,
/// CLOSE (russh's `Channel` sends nothing on drop) and ends the command's process group: TERM,
/// then KILL after `KILL_GRACE_SECS` for what ignored it.
pub(super) struct CloseGuard {
    write: Option<ChannelWriteHalf<Msg>>,
    handle: Arc<Handle<ClientHandler>>,
    pub(super) pid: Arc<AtomicU32>,
    abandoned: Abandoned,
}

/// The endings of abandoned commands still under way on one connection. Closing the
/// connection waits for them: a run that ends right after a task timed out must still end
/// that task's command, which a closed connection could no longer reach.
#[derive(Default, Clone)]
pub(super) struct Abandoned(Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>);

impl Abandoned {
    fn push(&self, ending: tokio::task::JoinHandle<()>) {
        let mut list = self.0.lock().unwrap_or_else(|e| e.into_inner());
        list.retain(|h| !h.is_finished());
        list.push(ending);
    }

    /// Waits for every ending started so far.
    pub(super) async fn wait(&self) {
        let endings = std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()));
        for ending in endings {
            let _ = ending.await;
        }
    }
}

impl CloseGuard {
    pub(super) fn new(
        write: ChannelWriteHalf<Msg>,
        handle: Arc<Handle<ClientHandler>>,
        pid: Arc<AtomicU32>,
        abandoned: &Abandoned,
    ) -> Self {
        CloseGuard {
            write: Some(write),
            handle,
            pid,
            abandoned: abandoned.clone(),
        }
    }

    pub(super) fn get(&self) -> &ChannelWriteHalf<Msg> {
        self.write
            .as_ref()
            .expect("channel guard used after disarm")
    }
}

impl Drop for CloseGuard {
    fn drop(&mut self) {
        let Some(write) = self.write.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let handle = self.handle.clone();
        let pid = self.pid.load(Ordering::Acquire);
        let ending = runtime.spawn(async move {
            let _ = write.signal(Sig::TERM).await;
            let _ = write.close().await;
            if pid > 1 {
                // TERM first, so the command can clean up; whatever of its process group
                // is still there after the grace is killed. The wait runs detached on the
                // host: the run may end (and close the connection) before the grace is over.
                let checks = crate::transport::KILL_GRACE_SECS * 5;
                let kill = format!(
                    "kill -s TERM -- -{pid} 2>/dev/null || kill -s TERM {pid}; \
                     (trap '' HUP; i=0; \
                     while [ $i -lt {checks} ] && kill -s 0 -- -{pid} 2>/dev/null; do \
                     sleep 0.2 2>/dev/null || sleep 1; i=$((i + 1)); done; \
                     kill -s KILL -- -{pid} 2>/dev/null || kill -s KILL {pid} 2>/dev/null) \
                     </dev/null >/dev/null 2>&1 &"
                );
                let _ = tokio::time::timeout(Duration::from_secs(10), async {
                    let mut channel = open(&handle, &|r| TransportError::Disconnected(r)).await?;
                    let _ = channel.exec(false, kill).await;
                    let _ = channel.eof().await;
                    while channel.wait().await.is_some() {}
                    Ok::<(), TransportError>(())
                })
                .await;
            }
        });
        self.abandoned.push(ending);
    }
}

/// Takes the PID line off the front of stderr once it is complete.
pub(super) fn take_pid_line(stderr: &mut Vec<u8>) -> Option<u32> {
    let newline = stderr.iter().position(|&b| b == b'\n')?;
    let pid = stderr[..newline]
        .strip_prefix(PID_PREFIX)
        .and_then(|digits| std::str::from_utf8(digits).ok())
        .and_then(|digits| digits.parse().ok());
    if pid.is_some() {
        stderr.drain(..=newline);
    }
    Some(pid.unwrap_or(0))
}

/// Opens a session channel, retrying while the server refuses because too many are open.
pub(super) async fn open(
    handle: &Handle<ClientHandler>,
    lost: &(dyn Fn(String) -> TransportError + Sync),
) -> Result<russh::Channel<Msg>, TransportError> {
    let mut delay = Duration::from_millis(2);
    loop {
        match handle.channel_open_session().await {
            Ok(channel) => return Ok(channel),
            // sshd frees a session slot a little after CLOSE; the caller's timeout bounds this.
            Err(russh::Error::ChannelOpenFailure(ChannelOpenFailure::ConnectFailed)) => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_millis(100));
            }
            Err(russh::Error::ChannelOpenFailure(reason)) => {
                return Err(lost(format!(
                    "the host refused a session channel ({reason:?})"
                )));
            }
            Err(e) => return Err(lost(e.to_string())),
        }
    }
}

async fn send_stdin(
    write: &ChannelWriteHalf<Msg>,
    prefix: Vec<u8>,
    stdin: Stdin,
    file: Option<tokio::fs::File>,
) -> Result<(), TransportError> {
    let remote = |e: russh::Error| TransportError::Disconnected(format!("sending stdin: {e}"));
    if !prefix.is_empty() {
        write.data_bytes(prefix).await.map_err(remote)?;
    }
    match stdin {
        Stdin::Empty => {}
        Stdin::Bytes(bytes) => write.data_bytes(bytes).await.map_err(remote)?,
        Stdin::File(path) => {
            let mut file = file.expect("stdin file opened before the channel");
            let mut buf = vec![0u8; STDIN_CHUNK];
            loop {
                let n = file.read(&mut buf).await.map_err(|e| {
                    TransportError::Local(format!("cannot read `{}`: {e}", path.display()))
                })?;
                if n == 0 {
                    break;
                }
                write.data_bytes(buf[..n].to_vec()).await.map_err(remote)?;
            }
        }
    }
    write.eof().await.map_err(remote)
}

fn signal_name(sig: &Sig) -> String {
    match sig {
        Sig::Custom(name) => name.clone(),
        other => format!("{other:?}"),
    }
}

/// Runs `command` on a fresh channel of `handle`. `lost` turns a reason into the error for a
/// connection that is gone (it knows the session's recorded disconnect reason).
pub(super) async fn run(
    handle: &Arc<Handle<ClientHandler>>,
    command: &[u8],
    prefix: &[u8],
    stdin: Stdin,
    abandoned: &Abandoned,
    lost: &(dyn Fn(String) -> TransportError + Sync),
) -> Result<Output, TransportError> {
    // Open the file first: a missing file is the controller's problem, not the host's.
    let file = match &stdin {
        Stdin::File(path) => Some(tokio::fs::File::open(path).await.map_err(|e| {
            TransportError::Local(format!("cannot open `{}` for stdin: {e}", path.display()))
        })?),
        _ => None,
    };
    let channel = open(handle, lost).await?;
    let (mut read, write) = channel.split();
    let pid = Arc::new(AtomicU32::new(0));
    let guard = CloseGuard::new(write, handle.clone(), pid.clone(), abandoned);
    let mut full = PID_ANNOUNCE.to_vec();
    full.extend_from_slice(command);
    guard
        .get()
        .exec(true, full)
        .await
        .map_err(|e| lost(e.to_string()))?;

    let mut output = Output::default();
    let mut closed = false;
    let mut stdin_done = false;
    let mut pid_seen = false;
    let mut writer = Box::pin(send_stdin(guard.get(), prefix.to_vec(), stdin, file));
    loop {
        tokio::select! {
            // Output is read while stdin is still being sent: an unread channel stalls the
            // whole connection, and a command may answer before it has read all its input.
            result = &mut writer, if !stdin_done => {
                stdin_done = true;
                match result {
                    Ok(()) => {}
                    Err(e @ TransportError::Local(_)) => return Err(e),
                    // The command exited without reading all of stdin: its output still counts.
                    Err(_) => {}
                }
            }
            msg = read.wait() => match msg {
                Some(ChannelMsg::Data { data }) => output.stdout.extend_from_slice(&data),
                Some(ChannelMsg::ExtendedData { data, ext: 1 }) => {
                    output.stderr.extend_from_slice(&data);
                    if !pid_seen && let Some(n) = take_pid_line(&mut output.stderr) {
                        pid_seen = true;
                        pid.store(n, Ordering::Release);
                    }
                }
                Some(ChannelMsg::ExitStatus { exit_status }) => output.status = Some(exit_status),
                Some(ChannelMsg::ExitSignal { signal_name: sig, .. }) => {
                    output.signal = Some(signal_name(&sig))
                }
                Some(ChannelMsg::Failure) => {
                    return Err(lost("the host refused to run the command".to_string()));
                }
                Some(ChannelMsg::Close) => closed = true,
                Some(_) => {}
                None => break,
            },
        }
    }
    drop(writer);
    if !closed && handle.is_closed() {
        return Err(lost(
            "the connection closed while the command ran".to_string(),
        ));
    }
    if !closed && output.status.is_none() && output.signal.is_none() {
        return Err(lost("the channel ended without an exit status".to_string()));
    }
    // The server already closed it; our CLOSE reply was sent by russh.
    let mut guard = guard;
    guard.write = None;
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_line_is_stripped_only_when_complete_and_ours() {
        let mut stderr = b"rconf-pid:4".to_vec();
        assert_eq!(take_pid_line(&mut stderr), None);
        stderr.extend_from_slice(b"21\nreal error\n");
        assert_eq!(take_pid_line(&mut stderr), Some(421));
        assert_eq!(stderr, b"real error\n");
        let mut other = b"bash: warning\n".to_vec();
        assert_eq!(take_pid_line(&mut other), Some(0));
        assert_eq!(other, b"bash: warning\n");
    }
}
