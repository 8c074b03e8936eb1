//! The russh client handler: applies the host key policy during key exchange and remembers why
//! a session ended, so errors can say what happened instead of russh's bare "Disconnected".

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use russh::client::{self, DisconnectReason};
use russh::keys::PublicKeyOrCertificate;
use russh::keys::ssh_key::PublicKey;

use crate::transport::known_hosts::{self, HostKeyStatus, KnownHosts};
use crate::transport::{ConnectSpec, HostKeyPolicy};

/// What the handler learned that the connection's owner needs for its messages.
#[derive(Default)]
pub(super) struct SessionState {
    /// Why the presented host key was refused (a full user-facing sentence).
    pub host_key_error: Mutex<Option<String>>,
    /// Why the session ended, once it has.
    pub disconnect_reason: Mutex<Option<String>>,
}

impl SessionState {
    pub fn host_key_error(&self) -> Option<String> {
        lock(&self.host_key_error).clone()
    }

    pub fn disconnect_reason(&self) -> Option<String> {
        lock(&self.disconnect_reason).clone()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(super) struct ClientHandler {
    name: String,
    address: String,
    port: u16,
    files: Vec<PathBuf>,
    policy: HostKeyPolicy,
    pub state: Arc<SessionState>,
}

impl ClientHandler {
    pub fn new(spec: &ConnectSpec, state: Arc<SessionState>) -> ClientHandler {
        let files = if spec.known_hosts_files.is_empty() {
            known_hosts::default_files()
        } else {
            spec.known_hosts_files.clone()
        };
        ClientHandler {
            name: spec.name.clone(),
            address: spec.address.clone(),
            port: spec.port,
            files,
            policy: spec.host_key_policy,
            state,
        }
    }

    /// Ok(()) when the key may be trusted; Err(sentence) otherwise. Records the key for
    /// `accept-new`.
    fn verify(&self, key: &PublicKey) -> Result<(), String> {
        if self.policy == HostKeyPolicy::Off {
            return Ok(());
        }
        let hosts = KnownHosts::load(&self.files)?;
        let mut names = vec![known_hosts::lookup_name(&self.address, self.port)];
        if self.name != self.address {
            names.push(known_hosts::lookup_name(&self.name, self.port));
        }
        let described = format!(
            "{} key {} of host `{}` ({} port {})",
            key.algorithm(),
            known_hosts::fingerprint(key),
            self.name,
            self.address,
            self.port
        );
        match hosts.check(&names, key) {
            HostKeyStatus::Known { file, line } => {
                // -vvv: which line vouched for the key, as `ssh -v`'s "Host ... found: line N".
                tracing::debug!("the {described} is known: `{}` line {line}", file.display());
                Ok(())
            }
            HostKeyStatus::Revoked { file, line } => Err(format!(
                "the {described} is marked @revoked in `{}` line {line}; refusing to connect",
                file.display()
            )),
            HostKeyStatus::Changed { file, line } => Err(format!(
                "the {described} does not match the key recorded for it in `{}` line {line}: \
                 the host was reinstalled or someone is intercepting the connection; if the \
                 change is expected, remove that line (e.g. `ssh-keygen -R '{}' -f {}`) and \
                 connect again",
                file.display(),
                names[0],
                file.display()
            )),
            HostKeyStatus::CertAuthorityOnly { file, line } => Err(format!(
                "the {described} is only covered by the @cert-authority entry in `{}` line \
                 {line}, and host certificates are not supported yet; add the host's own key",
                file.display()
            )),
            HostKeyStatus::Unknown if self.policy == HostKeyPolicy::AcceptNew => {
                let target = &self.files[0];
                known_hosts::append(target, &self.address, self.port, key)?;
                tracing::info!(
                    "recorded the {described} in `{}` (accept-new)",
                    target.display()
                );
                Ok(())
            }
            HostKeyStatus::Unknown => {
                let scan_port = if self.port == 22 {
                    String::new()
                } else {
                    format!("-p {} ", self.port)
                };
                Err(format!(
                    "the {described} is not in any known_hosts file ({}); after verifying it, \
                     add it with `ssh-keyscan {scan_port}{} >> {}`, or set \
                     host_key_checking=accept-new to record keys of new hosts",
                    self.files
                        .iter()
                        .map(|f| format!("`{}`", f.display()))
                        .collect::<Vec<_>>()
                        .join(", "),
                    self.address,
                    self.files[0].display()
                ))
            }
        }
    }
}

impl client::Handler for ClientHandler {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let key = match key {
            PublicKeyOrCertificate::PublicKey { key, .. } => key.clone(),
            // The certificate's signing CA is not checked; its key is judged like a plain one.
            PublicKeyOrCertificate::Certificate(cert) => {
                PublicKey::new(cert.public_key().clone(), "")
            }
        };
        match self.verify(&key) {
            Ok(()) => Ok(true),
            Err(message) => {
                *lock(&self.state.host_key_error) = Some(message);
                Ok(false)
            }
        }
    }

    async fn disconnected(
        &mut self,
        reason: DisconnectReason<Self::Error>,
    ) -> Result<(), Self::Error> {
        let text = match &reason {
            DisconnectReason::ReceivedDisconnect(info) => {
                format!(
                    "the server closed the connection ({:?}: {})",
                    info.reason_code, info.message
                )
            }
            DisconnectReason::Error(russh::Error::KeepaliveTimeout) => {
                "the host stopped answering keepalives".to_string()
            }
            DisconnectReason::Error(russh::Error::HUP) => {
                "the connection was closed by the host".to_string()
            }
            DisconnectReason::Error(e) => e.to_string(),
        };
        lock(&self.state.disconnect_reason).get_or_insert(text);
        match reason {
            DisconnectReason::ReceivedDisconnect(_) => Ok(()),
            DisconnectReason::Error(e) => Err(e),
        }
    }
}
