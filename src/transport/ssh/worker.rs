//! A persistent remote shell on one exec channel that runs task scripts one after another.
//! A task then costs one round trip: no new SSH session, no login shell, no `exec` request.
//!
//! Protocol (controller -> shell, on stdin), frames with a header line `KIND N STDIN_LEN`:
//! `D LEN 0` + LEN bytes defines a module body as a shell function, once per shell; `L LINES
//! STDIN_LEN` + that many lines (a task's assignments and the call of its body's function, read
//! by the shell itself, no program started) or `S LEN STDIN_LEN` + LEN bytes (a whole script, or
//! assignments too long for `read`) is a task, followed by its stdin; `I LINES IN_LINES` is an
//! `L` task whose small, newline-terminated stdin follows as lines too (a here-document). The
//! shell runs a task in a subshell whose stdin is exactly those bytes, then prints a done marker
//! with the exit status on stdout and on stderr. The marker carries a random nonce the tasks
//! never see, so no output can forge it. `D` and `S` frames end in a line with that nonce: a
//! frame cut short (the controller killed, the connection lost) lacks it, and the shell exits
//! instead of running a prefix of a script (`rm -rf /srv/app/cache` cut to `rm -rf /srv/app`).
//! `L` and `I` frames are read line by line, and `read` already refuses a partial line.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use russh::client::Handle;
use russh::{ChannelMsg, ChannelReadHalf};
use tokio::io::AsyncReadExt;

use super::channel::{Abandoned, CloseGuard, PID_ANNOUNCE, open, take_pid_line};
use super::handler::ClientHandler;
use crate::remote::Program;
use crate::remote::script::LIB_SH;
use crate::transport::privilege::Become;
use crate::transport::{Output, Stdin, TransportError};

const STDIN_CHUNK: usize = 64 * 1024;

/// Assignments longer than this go through `head -c`: `read` costs a system call per byte.
const LINE_FRAME_MAX: usize = 4096;
/// Stdin up to this size, ending in a newline, travels inside the frame: dash writes a
/// here-document this small straight into a pipe, with no `head` and no pipeline.
const INLINE_STDIN_MAX: usize = 4000;

/// The shell loop, after the modules' shared library (`lib.sh`, only functions and `set -u`),
/// loaded once so that task scripts arrive without it. `head -c` never reads past its count,
/// so frames stay aligned; a task that leaves part of its stdin unread has the rest drained
/// before the marker (by `read` when it is small, which starts no program). A task starts with
/// no positional parameters, as under `sh -c`.
fn bootstrap(nonce: &str) -> String {
    format!(
        r#"{lib}
rc_done='rconf-done-{nonce}'
rc_nl='
'
rc_tail=#$rc_done${{rc_nl}}x
rc_lines() {{
  rc_r=; rc_n=$1
  while [ "$rc_n" -gt 0 ]; do
    IFS= read -r rc_l || exit 3
    rc_r=$rc_r$rc_l$rc_nl
    rc_n=$((rc_n - 1))
  done
}}
while IFS= read -r rc_h; do
  case $rc_h in [DILS]\ *) ;; *) exit 3;; esac
  case $rc_h in *[!0-9DILS\ ]*) exit 3;; esac
  set -- $rc_h
  case $1 in
    D|S) rc_s=$(head -c "$2"; echo x); case $rc_s in *"$rc_tail") ;; *) exit 3;; esac;;
  esac
  case $1 in
    D) eval "${{rc_s%x}}"; continue;;
    S) rc_s=${{rc_s%x}};;
    L) rc_lines "$2"; rc_s=$rc_r;;
    I) rc_lines "$2"; rc_s=$rc_r; rc_lines "$3"; rc_r=${{rc_r%?}};;
  esac
  if [ "$1" = I ]; then
    (set --; eval "$rc_s") <<rc_EOF
$rc_r
rc_EOF
  elif [ "$3" -gt 1024 ]; then
    head -c "$3" | {{ (set --; eval "$rc_s"); rc_st=$?; cat >/dev/null; exit $rc_st; }}
  elif [ "$3" -gt 0 ]; then
    head -c "$3" | {{ (set --; eval "$rc_s"); rc_st=$?; while IFS= read -r rc_l; do :; done; exit $rc_st; }}
  else
    (set --; eval "$rc_s") </dev/null
  fi
  rc_st=$?
  printf '\036%s %s\036' "$rc_done" "$rc_st"
  printf '\036%s %s\036' "$rc_done" "$rc_st" >&2
done
"#,
        lib = LIB_SH
    )
}

/// Turns task scripts into frames, defining each module body once per shell.
struct Frames {
    /// Hashes of the bodies this shell has as functions.
    defined: HashSet<u64>,
    /// How many definition frames were built (for tests).
    definitions: usize,
    /// The line that ends every `D` and `S` frame (see the module's header).
    tail: Vec<u8>,
}

impl Frames {
    fn new(nonce: &str) -> Frames {
        Frames {
            defined: HashSet::new(),
            definitions: 0,
            tail: format!("\n#rconf-done-{nonce}\n").into_bytes(),
        }
    }

    /// The frame for a task, and whether it carries `stdin` (given when small) itself. The
    /// shell has `lib.sh` already: a module's program sends only its assignments and, the first
    /// time, its body; a plain script goes whole.
    fn task(&mut self, program: &Program, stdin_len: u64, stdin: Option<&[u8]>) -> (Vec<u8>, bool) {
        let Some((vars, body)) = program.parts().filter(|(_, body)| !body.is_empty()) else {
            return (self.whole(program.text(), stdin_len), false);
        };
        let id = {
            let mut h = DefaultHasher::new();
            body.hash(&mut h);
            h.finish()
        };
        let mut frame = Vec::new();
        if self.defined.insert(id) {
            let mut def = format!("rc_m_{id:016x}() {{\n").into_bytes();
            def.extend_from_slice(body);
            def.extend_from_slice(b"\n}\n");
            def.extend_from_slice(&self.tail);
            frame.extend(format!("D {} 0\n", def.len()).into_bytes());
            frame.extend(def);
            self.definitions += 1;
        }
        // Bodies run `"$@"` as an argv: the function gets the positional parameters.
        let mut text = vars.to_vec();
        text.extend(format!("rc_m_{id:016x} \"$@\"\n").into_bytes());
        if text.len() > LINE_FRAME_MAX || text.contains(&0) {
            frame.extend(self.whole(&text, stdin_len));
            return (frame, false);
        }
        let lines = |b: &[u8]| b.iter().filter(|&&b| b == b'\n').count();
        let inline =
            stdin.filter(|b| b.len() <= INLINE_STDIN_MAX && b.ends_with(b"\n") && !b.contains(&0));
        match inline {
            Some(data) => {
                frame.extend(format!("I {} {}\n", lines(&text), lines(data)).into_bytes());
                frame.extend(text);
                frame.extend_from_slice(data);
            }
            None => {
                frame.extend(format!("L {} {stdin_len}\n", lines(&text)).into_bytes());
                frame.extend(text);
            }
        }
        (frame, inline.is_some())
    }

    /// A task frame carrying `script` whole.
    fn whole(&self, script: &[u8], stdin_len: u64) -> Vec<u8> {
        let len = script.len() + self.tail.len();
        let mut frame = format!("S {len} {stdin_len}\n").into_bytes();
        frame.extend_from_slice(script);
        frame.extend_from_slice(&self.tail);
        frame
    }
}

pub(super) struct Worker {
    read: ChannelReadHalf,
    guard: CloseGuard,
    done: Vec<u8>,
    pid_seen: bool,
    frames: Frames,
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
        abandoned: &Abandoned,
        become_: Option<&Become>,
        lost: &(dyn Fn(String) -> TransportError + Sync),
    ) -> Result<Worker, TransportError> {
        use rand::Rng;
        let nonce: String = (0..16)
            .map(|_| format!("{:x}", rand::rng().random_range(0..16u8)))
            .collect();
        let channel = open(handle, lost).await?;
        let (read, write) = channel.split();
        let guard = CloseGuard::new(
            write,
            handle.clone(),
            Arc::new(AtomicU32::new(0)),
            abandoned,
        );
        let shell = crate::transport::sh_command(bootstrap(&nonce).as_bytes())
            .map_err(TransportError::Local)?;
        // Under become, the shell runs under sudo/su, which reads the password (when there is
        // one) from the front of the shell's stdin, once for the shell's whole life.
        let (shell, password) = match become_ {
            None => (shell, Vec::new()),
            Some(b) => {
                let w = b
                    .wrap_as(&shell, crate::transport::privilege::Wrapping::Shell)
                    .map_err(TransportError::Local)?;
                (w.command, w.stdin_prefix)
            }
        };
        let mut command = PID_ANNOUNCE.to_vec();
        command.extend(shell);
        guard
            .get()
            .exec(true, command)
            .await
            .map_err(|e| lost(e.to_string()))?;
        if !password.is_empty() {
            guard
                .get()
                .data_bytes(password)
                .await
                .map_err(|e| lost(e.to_string()))?;
        }
        Ok(Worker {
            read,
            guard,
            done: format!("rconf-done-{nonce}").into_bytes(),
            pid_seen: false,
            frames: Frames::new(&nonce),
        })
    }

    /// Runs one script. An error leaves the worker unusable: the caller drops it, which ends
    /// the remote shell.
    pub(super) async fn run(
        &mut self,
        program: &Program,
        stdin: Stdin,
        lost: &(dyn Fn(String) -> TransportError + Sync),
    ) -> Result<Output, TransportError> {
        let (mut stdin_len, mut file) = match &stdin {
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
        let mut stdin = stdin;
        if let Some(f) = file
            .as_mut()
            .filter(|_| stdin_len as usize <= INLINE_STDIN_MAX)
        {
            let mut data = Vec::with_capacity(stdin_len as usize);
            f.read_to_end(&mut data)
                .await
                .map_err(|e| TransportError::Local(format!("cannot read stdin: {e}")))?;
            stdin_len = data.len() as u64;
            (stdin, file) = (Stdin::Bytes(data), None);
        }
        let small = match &stdin {
            Stdin::Bytes(b) => Some(&b[..]),
            _ => None,
        };
        let (frame, inlined) = self.frames.task(program, stdin_len, small);
        if inlined {
            stdin = Stdin::Empty;
        }
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
                        // sshd may send the exit status before the last of stderr (it reaps
                        // the child before draining its pipes): what is still in flight is
                        // read up to the end of the channel, briefly, so the reason is kept.
                        if !matches!(msg, Some(ChannelMsg::Eof | ChannelMsg::Close) | None) {
                            let drain = async {
                                while let Some(msg) = self.read.wait().await {
                                    match msg {
                                        ChannelMsg::Data { data } => out.stdout.extend_from_slice(&data),
                                        ChannelMsg::ExtendedData { data, ext: 1 } => {
                                            out.stderr.extend_from_slice(&data)
                                        }
                                        ChannelMsg::Eof | ChannelMsg::Close => break,
                                        _ => {}
                                    }
                                }
                            };
                            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), drain).await;
                        }
                        // A become shell that never started says why (wrong password, ...).
                        let why = crate::transport::privilege::failure(&out)
                            .unwrap_or_else(|| "the remote shell ended during the task".to_string());
                        return Err(TransportError::Shell(why));
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

    /// What each task printed on stdout, and its exit status.
    type Ran = Vec<(Vec<u8>, u32)>;

    /// Runs `calls` through one local `sh` running the shell loop, and through one `sh -c` per
    /// script; returns both outputs (stdout, status) per call and the definition count.
    fn through_both(calls: &[(Program, Vec<u8>)]) -> (Ran, Ran, usize) {
        use crate::remote::script::run_local;
        use std::io::Write;
        use std::process::{Command, Stdio};
        let mut frames = Frames::new("n0");
        let mut input = Vec::new();
        for (script, stdin) in calls {
            let (frame, inlined) = frames.task(script, stdin.len() as u64, Some(stdin));
            input.extend(frame);
            if !inlined {
                input.extend_from_slice(stdin);
            }
        }
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(bootstrap("n0"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut pipe = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || pipe.write_all(&input).unwrap());
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        let mut framed = Vec::new();
        let mut rest = &out.stdout[..];
        while let Some(end) = rest.iter().skip(1).position(|&b| b == 0x1e).and_then(|p| {
            let p = p + 1;
            rest[p + 1..]
                .iter()
                .position(|&b| b == 0x1e)
                .map(|q| p + 1 + q + 1)
        }) {
            let (at, status) = split_done(&rest[..end], b"rconf-done-n0").unwrap();
            framed.push((rest[..at].to_vec(), status));
            rest = &rest[end..];
        }
        let single = calls
            .iter()
            .map(|(script, stdin)| {
                let o = run_local(script, &Stdin::Bytes(stdin.clone()));
                (o.stdout, o.status.unwrap())
            })
            .collect();
        (framed, single, frames.definitions)
    }

    #[test]
    fn frames_run_like_whole_scripts_and_define_each_body_once() {
        use crate::remote::script::Script;
        let hostile = "it's \"q\" $(echo no) `echo no` \\ \n\nline\n'\n";
        let first = "printf '[%s][%s][%s]' \"$A_x\" \"$#\" \"${1-}\"; head -c 3; exit 7\n";
        let second = "printf 'two:%s' \"$A_x\"\n";
        let script = |body: &str, x: &str, argv: &[&str]| {
            let mut s = Script::with("@M@", false, false).unwrap();
            s.var("A_x", x.as_bytes()).unwrap();
            if !argv.is_empty() {
                s.argv(&argv.iter().map(|a| a.to_string()).collect::<Vec<_>>())
                    .unwrap();
            }
            s.finish(body)
        };
        let long = "y".repeat(LINE_FRAME_MAX + 1);
        let calls = vec![
            (script(first, hostile, &["a b", "$(c)"]), b"abcdef".to_vec()),
            (script(second, hostile, &[]), Vec::new()),
            (
                script(first, "plain", &["1"]),
                "z".repeat(5000).into_bytes(),
            ),
            (script(first, &long, &["'"]), Vec::new()),
            (script(second, "again", &[]), b"unread".to_vec()),
            (Program::plain(b"echo no library\n".to_vec()), Vec::new()),
            (
                script(first, "in", &[]),
                b"a\\b $(no) `no`\nrc_EOF\n\n".to_vec(),
            ),
            (script(first, "in", &[]), b"\n".to_vec()),
            (script(second, "in", &[]), b"no newline at the end".to_vec()),
        ];
        let (framed, single, definitions) = through_both(&calls);
        assert_eq!(framed.len(), single.len());
        for (i, (f, s)) in framed.iter().zip(&single).enumerate() {
            let show =
                |o: &(Vec<u8>, u32)| format!("{} {:.300}", o.1, String::from_utf8_lossy(&o.0));
            assert!(f == s, "task {i}: {} != {}", show(f), show(s));
        }
        assert_eq!(definitions, 2);
        assert_eq!(
            String::from_utf8_lossy(&framed[0].0),
            format!("[{hostile}][2][a b]abc")
        );
        assert_eq!(framed[0].1, 7);
        assert_eq!(framed[6].0, b"[in][0][]a\\b");
        assert!(framed[3].0 == format!("[{long}][1][']").into_bytes());
    }

    /// A frame cut short (the controller died mid-send) runs nothing: not a prefix of the
    /// script, not a part of a definition.
    #[test]
    fn a_frame_cut_short_runs_nothing() {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::create_dir(&victim).unwrap();
        let script = format!("rm -rf {}/keep\n", victim.display());
        std::fs::create_dir(victim.join("keep")).unwrap();
        let mut frames = Frames::new("n0");
        let (frame, _) = frames.task(&Program::plain(script.into_bytes()), 0, None);
        // Cut after the path's parent: the prefix alone would remove `victim` itself.
        let cut = frame.len() - frames.tail.len() - "/keep\n".len();
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(bootstrap("n0"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(&frame[..cut])
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(3));
        assert!(out.stdout.is_empty());
        assert!(victim.join("keep").exists(), "the cut script ran");
    }

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
