//! A persistent remote shell on one exec channel that runs task scripts one after another.
//! A task then costs one round trip: no new SSH session, no login shell, no `exec` request.
//!
//! Protocol (controller -> shell, on stdin): a header line `SCRIPT_LEN STDIN_LEN`, the script,
//! then the task's stdin. The shell runs the script in a subshell whose stdin is exactly those
//! bytes, then prints a done marker with the exit status on stdout and on stderr. The marker
//! carries a random nonce the tasks never see, so no output can forge it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use russh::client::Handle;
use russh::{ChannelMsg, ChannelReadHalf};
use tokio::io::AsyncReadExt;

use super::channel::{CloseGuard, PID_ANNOUNCE, open, take_pid_line};
use super::handler::ClientHandler;
use crate::modules::script::LIB_SH;
use crate::transport::{Output, Stdin, TransportError};

const STDIN_CHUNK: usize = 64 * 1024;

/// The shell loop, after the modules' shared library (`lib.sh`, only functions and `set -u`),
/// loaded once so that task scripts arrive without it. `head -c` never reads past its count,
/// so frames stay aligned; a task that leaves part of its stdin unread has the rest drained
/// before the marker.
fn bootstrap(nonce: &str) -> String {
    format!(
        r#"{lib}
rc_done='rconf-done-{nonce}'
while IFS= read -r rc_h; do
  case $rc_h in ''|*[!0-9\ ]*) exit 3;; esac
  set -- $rc_h
  rc_s=$(head -c "$1"; echo x)
  rc_s=${{rc_s%x}}
  if [ "$2" -gt 0 ]; then
    head -c "$2" | {{ (eval "$rc_s"); rc_st=$?; cat >/dev/null; exit $rc_st; }}
  else
    (eval "$rc_s") </dev/null
  fi
  rc_st=$?
  printf '\036%s %s\036' "$rc_done" "$rc_st"
  printf '\036%s %s\036' "$rc_done" "$rc_st" >&2
done
"#,
        lib = LIB_SH
    )
}

pub(super) struct Worker {
    read: ChannelReadHalf,
    guard: CloseGuard,
    done: Vec<u8>,
    pid_seen: bool,
}

/// Where a stream's done marker ends it: the stream without the marker, and the status.
fn split_done(buf: &[u8], done: &[u8]) -> Option<(usize, u32)> {
    if buf.last() != Some(&0x1e) {
        return None;
    }
    let body = &buf[..buf.len() - 1];
    let start = body.iter().rposition(|&b| b == 0x1e)?;
    let rest = body[start + 1..].strip_prefix(done)?.strip_prefix(b" ")?;
    let status = std::str::from_utf8(rest).ok()?.parse().ok()?;
    Some((start, status))
}

impl Worker {
    pub(super) async fn start(
        handle: &Arc<Handle<ClientHandler>>,
        lost: &(dyn Fn(String) -> TransportError + Sync),
    ) -> Result<Worker, TransportError> {
        use rand::Rng;
        let nonce: String = (0..16)
            .map(|_| format!("{:x}", rand::rng().random_range(0..16u8)))
            .collect();
        let channel = open(handle, lost).await?;
        let (read, write) = channel.split();
        let guard = CloseGuard::new(write, handle.clone(), Arc::new(AtomicU32::new(0)));
        let mut command = PID_ANNOUNCE.to_vec();
        command.extend(
            crate::transport::sh_command(bootstrap(&nonce).as_bytes())
                .map_err(TransportError::Local)?,
        );
        guard
            .get()
            .exec(true, command)
            .await
            .map_err(|e| lost(e.to_string()))?;
        Ok(Worker {
            read,
            guard,
            done: format!("rconf-done-{nonce}").into_bytes(),
            pid_seen: false,
        })
    }

    /// Runs one script. An error leaves the worker unusable: the caller drops it, which ends
    /// the remote shell.
    pub(super) async fn run(
        &mut self,
        script: &[u8],
        stdin: Stdin,
        lost: &(dyn Fn(String) -> TransportError + Sync),
    ) -> Result<Output, TransportError> {
        let (stdin_len, file) = match &stdin {
            Stdin::Empty => (0, None),
            Stdin::Bytes(b) => (b.len() as u64, None),
            Stdin::File(path) => {
                let f = tokio::fs::File::open(path).await.map_err(|e| {
                    TransportError::Local(format!(
                        "cannot open `{}` for stdin: {e}",
                        path.display()
                    ))
                })?;
                let len = f
                    .metadata()
                    .await
                    .map_err(|e| TransportError::Local(e.to_string()))?
                    .len();
                (len, Some(f))
            }
        };
        // The shell already has lib.sh.
        let script = script.strip_prefix(LIB_SH.as_bytes()).unwrap_or(script);
        let mut frame = format!("{} {}\n", script.len(), stdin_len).into_bytes();
        frame.extend_from_slice(script);
        let write = self.guard.get();
        let send = async {
            let remote =
                |e: russh::Error| TransportError::Disconnected(format!("sending a task: {e}"));
            write.data_bytes(frame).await.map_err(remote)?;
            match (stdin, file) {
                (Stdin::Bytes(b), _) if !b.is_empty() => {
                    write.data_bytes(b).await.map_err(remote)?
                }
                (Stdin::File(path), Some(mut f)) => {
                    let mut buf = vec![0u8; STDIN_CHUNK];
                    let mut left = stdin_len;
                    while left > 0 {
                        let n = f.read(&mut buf).await.map_err(|e| {
                            TransportError::Local(format!("cannot read `{}`: {e}", path.display()))
                        })?;
                        if n == 0 {
                            return Err(TransportError::Local(format!(
                                "`{}` shrank while it was sent",
                                path.display()
                            )));
                        }
                        let n = n.min(left as usize);
                        write.data_bytes(buf[..n].to_vec()).await.map_err(remote)?;
                        left -= n as u64;
                    }
                }
                _ => {}
            }
            Ok::<(), TransportError>(())
        };
        let mut send = Box::pin(send);
        let mut sent = false;
        let mut out = Output::default();
        let (mut out_done, mut err_done) = (None, None);
        while out_done.is_none() || err_done.is_none() {
            tokio::select! {
                r = &mut send, if !sent => {
                    sent = true;
                    r?;
                }
                msg = self.read.wait() => match msg {
                    Some(ChannelMsg::Data { data }) => {
                        out.stdout.extend_from_slice(&data);
                        out_done = out_done.or_else(|| split_done(&out.stdout, &self.done));
                    }
                    Some(ChannelMsg::ExtendedData { data, ext: 1 }) => {
                        out.stderr.extend_from_slice(&data);
                        if !self.pid_seen && let Some(pid) = take_pid_line(&mut out.stderr) {
                            self.pid_seen = true;
                            self.guard.pid.store(pid, Ordering::Release);
                        }
                        err_done = err_done.or_else(|| split_done(&out.stderr, &self.done));
                    }
                    Some(ChannelMsg::Failure) => return Err(lost("the host refused to start a shell".to_string())),
                    Some(ChannelMsg::ExitStatus { .. } | ChannelMsg::ExitSignal { .. } | ChannelMsg::Eof | ChannelMsg::Close) | None => {
                        return Err(TransportError::Shell("the remote shell ended during the task".to_string()));
                    }
                    Some(_) => {}
                },
            }
        }
        let ((out_at, status), (err_at, _)) =
            (out_done.unwrap_or_default(), err_done.unwrap_or_default());
        out.stdout.truncate(out_at);
        out.stderr.truncate(err_at);
        out.status = Some(status);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn done_markers_are_found_only_whole_and_at_the_end() {
        let done = b"rconf-done-ab";
        assert_eq!(
            split_done(b"hello\x1erconf-done-ab 0\x1e", done),
            Some((5, 0))
        );
        assert_eq!(split_done(b"\x1erconf-done-ab 17\x1e", done), Some((0, 17)));
        assert_eq!(split_done(b"hello\x1erconf-done-ab 0", done), None);
        assert_eq!(split_done(b"x\x1erconf-done-zz 0\x1e", done), None);
        assert_eq!(split_done(b"x\x1erconf-done-ab \x1e", done), None);
        // Output that merely contains the marker's shape with another nonce stays output.
        assert_eq!(
            split_done(b"\x1erconf-done-ab 1\x1eend\x1erconf-done-ab 2\x1e", done),
            Some((20, 2))
        );
    }
}
