//! How rconf reaches a host: the `Transport` trait, its SSH and local implementations, and the
//! connection parameters a host's inventory variables resolve to.

pub mod known_hosts;
pub mod local;
pub mod ssh;

use std::path::PathBuf;
use std::time::Duration;

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
    #[error("command timed out after {0:?}")]
    Timeout(Duration),
    /// A controller-side problem (e.g. a local file to stream could not be read).
    #[error("{0}")]
    Local(String),
}

impl TransportError {
    /// True when the host should be marked unreachable.
    pub fn is_unreachable(&self) -> bool {
        !matches!(self, TransportError::Timeout(_) | TransportError::Local(_))
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
}

/// A live connection to one host, opened once and used for every task of the run.
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
        match self {
            Connection::Ssh(c) => c.exec(command, stdin, timeout).await,
            Connection::Local(c) => c.exec(command, stdin, timeout).await,
        }
    }

    pub async fn close(self) {
        match self {
            Connection::Ssh(c) => c.close().await,
            Connection::Local(_) => {}
        }
    }
}
