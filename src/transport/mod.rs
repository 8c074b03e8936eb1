//! How rconf reaches a host: the `Transport` trait, its SSH and local implementations, and the
//! connection parameters a host's inventory variables resolve to.

pub mod config;
pub mod keywords;
pub mod known_hosts;
pub mod local;
pub mod privilege;
pub mod prompt;
pub mod resolve;
pub mod ssh;

use std::path::PathBuf;
use std::time::Duration;

use crate::remote::Program;

pub use crate::remote::{script_on_stdin, sh_command};

/// Seconds an abandoned command (a task timeout) has between TERM and KILL: a command that
/// ignores TERM (`trap '' TERM`) must not outlive its task.
pub const KILL_GRACE_SECS: u32 = 2;

/// The command (and the bytes to send first on its stdin: the become password, then the
/// script) that runs `program` as its own exec, escalated by `become_` when given.
pub fn exec_parts(
    program: &Program,
    become_: Option<&privilege::Become>,
) -> Result<(Vec<u8>, Vec<u8>), String> {
    let (command, script_in) = script_on_stdin(&program.whole())?;
    let (command, mut prefix) = match become_ {
        None => (command, Vec::new()),
        Some(b) => {
            let w = b.wrap(&command)?;
            (w.command, w.stdin_prefix)
        }
    };
    prefix.extend(script_in);
    Ok((command, prefix))
}

/// What one remote command produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    /// Exit status; `None` when the command was killed by a signal (see `signal`).
    pub status: Option<u32>,
    pub signal: Option<String>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// What a command reads on its standard input.
#[derive(Debug, Clone, Default)]
pub enum Stdin {
    #[default]
    Empty,
    Bytes(Vec<u8>),
    /// Streamed from a controller-side file in chunks, so large copies never sit in memory.
    File(PathBuf),
}

/// Why a command could not be run to completion. Every variant except `Timeout` and `Local`
/// means the host is unreachable for the rest of the run.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("{0}")]
    Connect(String),
    #[error("host key verification failed: {0}")]
    HostKey(String),
    #[error("authentication failed: {0}")]
    Auth(String),
    #[error("connection lost: {0}")]
    Disconnected(String),
    #[error(
        "command timed out after {0:?}; it and every process it started were ended (TERM, then KILL after {KILL_GRACE_SECS} s)"
    )]
    Timeout(Duration),
    /// A controller-side problem (e.g. a local file to stream could not be read).
    #[error("{0}")]
    Local(String),
    /// The persistent remote shell ended while the connection is fine (a task killed it).
    #[error("{0}")]
    Shell(String),
}

impl TransportError {
    /// True when the host should be marked unreachable.
    pub fn is_unreachable(&self) -> bool {
        !matches!(
            self,
            TransportError::Timeout(_) | TransportError::Local(_) | TransportError::Shell(_)
        )
    }
}

/// `StrictHostKeyChecking` as OpenSSH defines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HostKeyPolicy {
    /// Unknown and changed keys are refused.
    #[default]
    Strict,
    /// Unknown keys are recorded in the user's known_hosts; changed keys are refused.
    AcceptNew,
    /// Every key is accepted (the user said so).
    Off,
}

/// Everything needed to open an SSH connection to one host.
#[derive(Debug, Clone)]
pub struct ConnectSpec {
    /// The inventory name, used in messages.
    pub name: String,
    /// Address to connect to (`ansible_host`, else the inventory name).
    pub address: String,
    pub port: u16,
    pub user: String,
    /// Key files to try after the agent; empty means OpenSSH's defaults in `~/.ssh`.
    pub identity_files: Vec<PathBuf>,
    pub password: Option<String>,
    pub connect_timeout: Duration,
    /// Files checked for the host key, first one is where `accept-new` writes.
    pub known_hosts_files: Vec<PathBuf>,
    pub host_key_policy: HostKeyPolicy,
    /// Passphrase for encrypted key files.
    pub key_passphrase: Option<String>,
    /// Only `identity_files` (and no agent key) are offered (`IdentitiesOnly yes`).
    pub identities_only: bool,
    /// A keepalive goes out after this long without hearing from the host; after
    /// `keepalive_max` unanswered ones the host counts as gone.
    pub keepalive_interval: Duration,
    pub keepalive_max: usize,
    /// `ProxyJump` hops, outermost first; each is verified and authenticated on its own.
    pub proxy_jump: Vec<ConnectSpec>,
}

impl ConnectSpec {
    /// A spec with OpenSSH's defaults for everything but where to connect.
    pub fn new(name: &str, address: &str, port: u16, user: &str) -> ConnectSpec {
        ConnectSpec {
            name: name.to_string(),
            address: address.to_string(),
            port,
            user: user.to_string(),
            identity_files: Vec::new(),
            password: None,
            connect_timeout: Duration::from_secs(10),
            known_hosts_files: Vec::new(),
            host_key_policy: HostKeyPolicy::Strict,
            key_passphrase: None,
            identities_only: false,
            keepalive_interval: Duration::from_secs(15),
            keepalive_max: 3,
            proxy_jump: Vec::new(),
        }
    }
}

/// A live connection to one host, opened once and used for every task of the run.
// One per host, moved rarely: boxing the SSH variant would buy nothing measurable.
#[allow(clippy::large_enum_variant)]
pub enum Connection {
    Ssh(ssh::SshConnection),
    Local(local::LocalConnection),
}

impl Connection {
    /// Runs `command` through the remote user's shell (as sshd does) with `stdin`, bounded by
    /// `timeout` when given.
    pub async fn exec(
        &self,
        command: &[u8],
        stdin: Stdin,
        timeout: Option<Duration>,
    ) -> Result<Output, TransportError> {
        self.exec_with_prefix(command, &[], stdin, timeout).await
    }

    /// Like `exec`, with `prefix` sent on stdin before `stdin` (a become password: it must
    /// reach the remote process without ever being part of a command line).
    pub async fn exec_with_prefix(
        &self,
        command: &[u8],
        prefix: &[u8],
        stdin: Stdin,
        timeout: Option<Duration>,
    ) -> Result<Output, TransportError> {
        match self {
            Connection::Ssh(c) => c.exec_with_prefix(command, prefix, stdin, timeout).await,
            Connection::Local(c) => c.exec_with_prefix(command, prefix, stdin, timeout).await,
        }
    }

    /// Runs a task's POSIX sh script, as `become_` says when given: over SSH on the
    /// connection's persistent shell for that user (one round trip per task), locally as a
    /// process of its own.
    pub async fn run_script(
        &self,
        program: &Program,
        stdin: Stdin,
        timeout: Option<Duration>,
        become_: Option<&privilege::Become>,
    ) -> Result<Output, TransportError> {
        match self {
            Connection::Ssh(c) => c.run_script(program, stdin, timeout, become_).await,
            Connection::Local(c) => {
                let (command, prefix) =
                    exec_parts(program, become_).map_err(TransportError::Local)?;
                c.exec_with_prefix(&command, &prefix, stdin, timeout).await
            }
        }
    }

    /// How long opening the connection took (zero for local).
    pub fn setup_time(&self) -> Duration {
        match self {
            Connection::Ssh(c) => c.setup_time(),
            Connection::Local(_) => Duration::ZERO,
        }
    }

    pub async fn close(self) {
        match self {
            Connection::Ssh(c) => c.close().await,
            Connection::Local(_) => {}
        }
    }
}
