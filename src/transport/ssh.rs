//! SSH transport over russh: one authenticated connection per host, many exec channels on it,
//! every wait bounded (connect timeout, per-command timeout, keepalive).

mod auth;
mod channel;
mod handler;
mod keyfix;
mod worker;

/// Persistent shells by the user they run as (`None`: the login user).
type Workers = std::collections::HashMap<Option<Become>, Box<worker::Worker>>;

use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::client::{self, Handle};
use tokio::sync::Semaphore;

use self::handler::{ClientHandler, SessionState};
use super::privilege::Become;
use super::{ConnectSpec, Output, Stdin, TransportError};

/// Below OpenSSH's default `MaxSessions 10`, which also counts channels still closing.
const MAX_CHANNELS: usize = 6;
const CONNECT_ATTEMPTS: u32 = 3;
/// How long a host may take to answer a keepalive after a task timed out.
const PING_BOUND: Duration = Duration::from_secs(3);

pub struct SshConnection {
    handle: Arc<Handle<ClientHandler>>,
    /// The `ProxyJump` hops this connection is tunnelled through, kept open as long as it is.
    jumps: Vec<SshConnection>,
    state: Arc<SessionState>,
    channels: Semaphore,
    /// The persistent remote shell that runs tasks (started on first use).
    /// The persistent remote shells that run tasks, one per user: the login user's (key
    /// `None`) and one per become user and method, each started on first use.
    workers: tokio::sync::Mutex<Workers>,
    /// Abandoned commands being ended (see `channel::Abandoned`).
    abandoned: channel::Abandoned,
    setup_time: Duration,
    label: String,
}

fn config(spec: &ConnectSpec) -> Arc<client::Config> {
    Arc::new(client::Config {
        // Without it Nagle's algorithm adds ~40 ms to every small request.
        nodelay: true,
        keepalive_interval: Some(spec.keepalive_interval),
        keepalive_max: spec.keepalive_max,
        ..Default::default()
    })
}

/// Why one connection attempt failed, and whether another attempt could help.
enum Attempt {
    Retry(String),
    Fatal(TransportError),
}

impl SshConnection {
    /// Connects (through `spec.proxy_jump` hops when given), verifies every host key and
    /// authenticates at every hop, each hop within its `connect_timeout`.
    pub async fn connect(spec: &ConnectSpec) -> Result<SshConnection, TransportError> {
        let Some((first, rest)) = spec.proxy_jump.split_first() else {
            return Self::connect_direct(spec).await;
        };
        let mut jumps = vec![
            Self::connect_direct(first)
                .await
                .map_err(|e| via(first, e))?,
        ];
        for hop in rest {
            let last = jumps.last().expect("at least one hop");
            let next = Self::connect_via(last, hop)
                .await
                .map_err(|e| via(hop, e))?;
            jumps.push(next);
        }
        let last = jumps.last().expect("at least one hop");
        let mut conn = Self::connect_via(last, spec).await?;
        let started = jumps.iter().map(|j| j.setup_time).sum::<Duration>();
        conn.setup_time += started;
        conn.jumps = jumps;
        Ok(conn)
    }

    /// Connects straight to `spec`'s address, ignoring `proxy_jump`.
    pub async fn connect_direct(spec: &ConnectSpec) -> Result<SshConnection, TransportError> {
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + spec.connect_timeout;
        let where_ = format!("connect to {} port {}", spec.address, spec.port);
        let mut last = String::from("timed out");
        for attempt in 1..=CONNECT_ATTEMPTS {
            let state = Arc::new(SessionState::default());
            let once = Self::attempt(spec, state.clone());
            match tokio::time::timeout_at(deadline, once).await {
                Ok(Ok(handle)) => {
                    return Ok(Self::new(handle, state, started.elapsed(), spec));
                }
                Ok(Err(Attempt::Fatal(e))) => return Err(e),
                Ok(Err(Attempt::Retry(reason))) => {
                    last = reason;
                    if attempt < CONNECT_ATTEMPTS {
                        let pause = Duration::from_millis(100 * u64::from(attempt));
                        if tokio::time::Instant::now() + pause >= deadline {
                            break;
                        }
                        tokio::time::sleep(pause).await;
                    }
                }
                Err(_) => {
                    return Err(TransportError::Connect(format!(
                        "{where_}: timed out after {:?}",
                        spec.connect_timeout
                    )));
                }
            }
        }
        Err(TransportError::Connect(format!("{where_}: {last}")))
    }

    /// Connects to `spec`'s host through a direct-tcpip tunnel of `jump` (ProxyJump). `jump`
    /// must stay open for as long as the returned connection is used.
    pub async fn connect_via(
        jump: &SshConnection,
        spec: &ConnectSpec,
    ) -> Result<SshConnection, TransportError> {
        let started = Instant::now();
        let where_ = format!(
            "connect to {} port {} via {}",
            spec.address, spec.port, jump.label
        );
        let state = Arc::new(SessionState::default());
        let once = async {
            let tunnel = jump
                .handle
                .channel_open_direct_tcpip(spec.address.clone(), spec.port.into(), "127.0.0.1", 0)
                .await
                .map_err(|e| TransportError::Connect(format!("{where_}: {e}")))?;
            let handler = ClientHandler::new(spec, state.clone());
            let handle = client::connect_stream(config(spec), tunnel.into_stream(), handler)
                .await
                .map_err(|e| handshake_error(&state, &where_, e))?;
            Self::finish(handle, spec).await
        };
        match tokio::time::timeout(spec.connect_timeout, once).await {
            Ok(Ok(handle)) => Ok(Self::new(handle, state, started.elapsed(), spec)),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(TransportError::Connect(format!(
                "{where_}: timed out after {:?}",
                spec.connect_timeout
            ))),
        }
    }

    fn new(
        handle: Handle<ClientHandler>,
        state: Arc<SessionState>,
        setup_time: Duration,
        spec: &ConnectSpec,
    ) -> SshConnection {
        SshConnection {
            handle: Arc::new(handle),
            jumps: Vec::new(),
            state,
            channels: Semaphore::new(MAX_CHANNELS),
            workers: tokio::sync::Mutex::new(Workers::new()),
            abandoned: channel::Abandoned::default(),
            setup_time,
            label: format!("{}@{}:{}", spec.user, spec.address, spec.port),
        }
    }

    async fn attempt(
        spec: &ConnectSpec,
        state: Arc<SessionState>,
    ) -> Result<Handle<ClientHandler>, Attempt> {
        let where_ = format!("connect to {} port {}", spec.address, spec.port);
        let addrs = tokio::net::lookup_host((spec.address.as_str(), spec.port))
            .await
            .map_err(|e| {
                Attempt::Fatal(TransportError::Connect(format!(
                    "{where_}: cannot resolve `{}`: {e}",
                    spec.address
                )))
            })?;
        let mut socket = None;
        let mut refused = String::from("no address found");
        for addr in addrs {
            match tokio::net::TcpStream::connect(addr).await {
                Ok(s) => {
                    socket = Some(s);
                    break;
                }
                Err(e) => refused = e.to_string(),
            }
        }
        let socket = socket.ok_or_else(|| {
            Attempt::Fatal(TransportError::Connect(format!("{where_}: {refused}")))
        })?;
        let _ = socket.set_nodelay(true);
        let handler = ClientHandler::new(spec, state.clone());
        let handle = match client::connect_stream(config(spec), socket, handler).await {
            Ok(handle) => handle,
            Err(e) => {
                return Err(match handshake_error(&state, &where_, e) {
                    // sshd drops connections over `MaxStartups` during key exchange.
                    TransportError::Connect(reason) => Attempt::Retry(
                        reason
                            .strip_prefix(&format!("{where_}: "))
                            .unwrap_or(&reason)
                            .to_string(),
                    ),
                    other => Attempt::Fatal(other),
                });
            }
        };
        Self::finish(handle, spec).await.map_err(Attempt::Fatal)
    }

    async fn finish(
        mut handle: Handle<ClientHandler>,
        spec: &ConnectSpec,
    ) -> Result<Handle<ClientHandler>, TransportError> {
        auth::authenticate(&mut handle, spec).await?;
        Ok(handle)
    }

    /// How long connecting, key exchange and authentication took.
    pub fn setup_time(&self) -> Duration {
        self.setup_time
    }

    /// Runs `command` on its own channel. Safe to call from many tasks at once: channels beyond
    /// what the server allows wait their turn. `timeout` bounds the whole call, including that
    /// wait; on expiry the command is sent TERM and its channel closed.
    pub async fn exec(
        &self,
        command: &[u8],
        stdin: Stdin,
        timeout: Option<Duration>,
    ) -> Result<Output, TransportError> {
        self.exec_with_prefix(command, &[], stdin, timeout).await
    }

    /// `exec` with `prefix` sent on stdin before `stdin`.
    pub async fn exec_with_prefix(
        &self,
        command: &[u8],
        prefix: &[u8],
        stdin: Stdin,
        timeout: Option<Duration>,
    ) -> Result<Output, TransportError> {
        let lost = |reason: String| {
            TransportError::Disconnected(match self.state.disconnect_reason() {
                Some(why) => format!("{}: {why}", self.label),
                None => format!("{}: {reason}", self.label),
            })
        };
        let work = async {
            let _permit = self
                .channels
                .acquire()
                .await
                .map_err(|_| lost("connection closed".to_string()))?;
            if self.handle.is_closed() {
                return Err(lost("the connection is closed".to_string()));
            }
            channel::run(&self.handle, command, prefix, stdin, &self.abandoned, &lost).await
        };
        let Some(limit) = timeout else {
            return work.await;
        };
        match tokio::time::timeout(limit, work).await {
            Ok(result) => result,
            // A slow command on a healthy host is a failed task; a host that does not even
            // answer a ping is gone, and later tasks should not wait for it again.
            Err(_) => Err(self.timed_out(limit, &lost).await),
        }
    }

    /// Runs a task's POSIX sh `script` on the connection's persistent shell for the task's
    /// user (one round trip, no new session): the login user's, or with `become_` a shell
    /// started once under sudo/su, its password sent once on its stdin. If the shells are busy
    /// (a task delegated here from another host), the script runs on a channel of its own
    /// instead. `timeout` ends the shell; the next task starts a new one.
    pub async fn run_script(
        &self,
        program: &crate::remote::Program,
        stdin: Stdin,
        timeout: Option<Duration>,
        become_: Option<&Become>,
    ) -> Result<Output, TransportError> {
        let Ok(mut workers) = self.workers.try_lock() else {
            let (command, prefix) =
                super::exec_parts(program, become_).map_err(TransportError::Local)?;
            return self
                .exec_with_prefix(&command, &prefix, stdin, timeout)
                .await;
        };
        let key = become_.cloned();
        let lost = |reason: String| {
            TransportError::Disconnected(match self.state.disconnect_reason() {
                Some(why) => format!("{}: {why}", self.label),
                None => format!("{}: {reason}", self.label),
            })
        };
        let work = async {
            if self.handle.is_closed() {
                return Err(lost("the connection is closed".to_string()));
            }
            if !workers.contains_key(&key) {
                let shell =
                    worker::Worker::start(&self.handle, &self.abandoned, become_, &lost).await?;
                workers.insert(key.clone(), Box::new(shell));
            }
            let shell = workers.get_mut(&key).expect("started above");
            let result = shell.run(program, stdin, &lost).await;
            if result.is_err() {
                workers.remove(&key);
            }
            result
        };
        let result = match timeout {
            None => work.await,
            Some(limit) => match tokio::time::timeout(limit, work).await {
                Ok(r) => r,
                Err(_) => Err(self.timed_out(limit, &lost).await),
            },
        };
        if result.is_err() {
            // Dropping the shell ends it (TERM, CLOSE, and its process group is killed).
            workers.remove(&key);
        }
        match result {
            // The shell's channel ended: a host that is gone makes the task unreachable, a
            // healthy one that merely lost its shell makes it failed.
            Err(TransportError::Shell(why)) => {
                let alive = !self.handle.is_closed()
                    && matches!(
                        tokio::time::timeout(PING_BOUND, self.handle.send_ping()).await,
                        Ok(Ok(()))
                    );
                Err(if alive {
                    TransportError::Shell(why)
                } else {
                    lost(why)
                })
            }
            other => other,
        }
    }

    /// A task ran out of time: a healthy host makes it a timeout; a host that does not answer
    /// a keepalive either is gone.
    async fn timed_out(
        &self,
        limit: Duration,
        lost: &(dyn Fn(String) -> TransportError + Sync),
    ) -> TransportError {
        match tokio::time::timeout(PING_BOUND, self.handle.send_ping()).await {
            Ok(Ok(())) => TransportError::Timeout(limit),
            _ => lost(format!(
                "the task timed out after {limit:?} and the host did not answer a keepalive within {PING_BOUND:?}"
            )),
        }
    }

    /// Says goodbye to the server, then to the jump hosts; errors are moot at this point.
    pub async fn close(self) {
        self.abandoned.wait().await;
        let _ = self
            .handle
            .disconnect(russh::Disconnect::ByApplication, "", "en")
            .await;
        for jump in self.jumps.into_iter().rev() {
            Box::pin(jump.close()).await;
        }
    }
}

/// Says which jump host a failure happened at.
fn via(hop: &ConnectSpec, e: TransportError) -> TransportError {
    let at = format!("jump host `{}@{}:{}`", hop.user, hop.address, hop.port);
    match e {
        TransportError::Connect(m) => TransportError::Connect(format!("{at}: {m}")),
        TransportError::HostKey(m) => TransportError::HostKey(format!("{at}: {m}")),
        TransportError::Auth(m) => TransportError::Auth(format!("{at}: {m}")),
        TransportError::Disconnected(m) => TransportError::Disconnected(format!("{at}: {m}")),
        other => other,
    }
}

/// Classifies a failure of the SSH handshake (before authentication).
fn handshake_error(state: &SessionState, where_: &str, e: russh::Error) -> TransportError {
    if let Some(message) = state.host_key_error() {
        return TransportError::HostKey(message);
    }
    let reason = state.disconnect_reason().unwrap_or_else(|| match e {
        russh::Error::HUP | russh::Error::Disconnect => {
            "the connection was closed during key exchange".to_string()
        }
        other => other.to_string(),
    });
    TransportError::Connect(format!("{where_}: {reason}"))
}
