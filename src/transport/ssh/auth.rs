//! User authentication in OpenSSH's order: agent identities, then key files, then password and
//! keyboard-interactive; a failure lists what was tried and what the server offered.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use russh::MethodSet;
use russh::client::{AuthResult, Handle, KeyboardInteractiveAuthResponse};
use russh::keys::agent::client::AgentClient;
use russh::keys::{HashAlg, PrivateKeyWithHashAlg};

use super::handler::ClientHandler;
use crate::transport::{ConnectSpec, TransportError};

/// Collects what happened so a failure can explain itself.
#[derive(Default)]
struct Attempts {
    tried: Vec<String>,
    notes: Vec<String>,
    offered: Option<MethodSet>,
}

impl Attempts {
    fn failed(&mut self, what: String, result: &AuthResult) {
        self.tried.push(what);
        if let AuthResult::Failure {
            remaining_methods, ..
        } = result
        {
            self.offered = Some(remaining_methods.clone());
        }
    }

    fn server_allows(&self, method: russh::MethodKind) -> bool {
        self.offered.as_ref().is_none_or(|m| m.contains(&method))
    }

    fn into_error(self, user: &str) -> TransportError {
        let offered = match &self.offered {
            Some(methods) => methods
                .iter()
                .map(<&str>::from)
                .collect::<Vec<_>>()
                .join(", "),
            None => "unknown".to_string(),
        };
        let tried = if self.tried.is_empty() {
            "nothing (no agent, no key file, no password)".to_string()
        } else {
            self.tried.join(", ")
        };
        let mut message = format!("user `{user}`: tried {tried}; the server accepts: {offered}");
        for note in self.notes {
            message.push_str("; ");
            message.push_str(&note);
        }
        TransportError::Auth(message)
    }
}

fn default_identity_files() -> Vec<PathBuf> {
    let Some(home) = std::env::var_os("HOME") else {
        return Vec::new();
    };
    ["id_ed25519", "id_ecdsa", "id_rsa"]
        .iter()
        .map(|name| Path::new(&home).join(".ssh").join(name))
        .filter(|p| p.exists())
        .collect()
}

fn protocol(e: russh::Error) -> TransportError {
    TransportError::Disconnected(format!("during authentication: {e}"))
}

/// Authenticates `spec.user`, or says in detail why that was impossible.
pub(super) async fn authenticate(
    handle: &mut Handle<ClientHandler>,
    spec: &ConnectSpec,
) -> Result<(), TransportError> {
    let user = spec.user.as_str();
    // -vvv: who connects where, as Ansible's `ESTABLISH SSH CONNECTION FOR USER`.
    tracing::debug!(
        "<{}> ESTABLISH SSH CONNECTION FOR USER: {user} ({} port {})",
        spec.name,
        spec.address,
        spec.port
    );
    let mut attempts = Attempts::default();
    // Asking costs up to a second when the server sends no EXT_INFO, so only for RSA keys.
    let mut rsa_hash: Option<Option<HashAlg>> = None;

    if !spec.identities_only && std::env::var_os("SSH_AUTH_SOCK").is_some() {
        match AgentClient::connect_env().await {
            Ok(mut agent) => match agent.request_identities().await {
                Ok(identities) => {
                    for id in identities {
                        let key = id.public_key().into_owned();
                        let hash = if key.algorithm().is_rsa() {
                            rsa_hash_for(handle, &mut rsa_hash).await?
                        } else {
                            None
                        };
                        let label = format!("agent key {} `{}`", key.algorithm(), id.comment());
                        match handle
                            .authenticate_publickey_with(user, key, hash, &mut agent)
                            .await
                        {
                            Ok(AuthResult::Success) => {
                                tracing::debug!("<{}> authenticated with {label}", spec.name);
                                return Ok(());
                            }
                            Ok(result) => attempts.failed(label, &result),
                            Err(e) => attempts.notes.push(format!("{label}: {e:?}")),
                        }
                    }
                }
                Err(e) => attempts
                    .notes
                    .push(format!("ssh-agent did not list keys: {e}")),
            },
            Err(e) => attempts.notes.push(format!("cannot reach ssh-agent: {e}")),
        }
    }

    let explicit = !spec.identity_files.is_empty();
    let files = if explicit {
        spec.identity_files.clone()
    } else {
        default_identity_files()
    };
    for path in files {
        if !attempts.server_allows(russh::MethodKind::PublicKey) {
            break;
        }
        let shown = path.display().to_string();
        let key = match load_key(&path, spec.key_passphrase.as_deref()) {
            Ok(key) => key,
            Err(russh::keys::Error::KeyIsEncrypted) => {
                attempts.notes.push(format!(
                    "skipped `{shown}`: it is encrypted and no passphrase was given \
                     (use --key-passphrase-file FILE, or run rconf on a terminal to be asked)"
                ));
                continue;
            }
            Err(russh::keys::Error::IO(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                if explicit {
                    attempts
                        .notes
                        .push(format!("key file `{shown}` does not exist"));
                }
                continue;
            }
            Err(e) => {
                attempts
                    .notes
                    .push(format!("cannot load key file `{shown}`: {e}"));
                continue;
            }
        };
        let hash = if key.algorithm().is_rsa() {
            rsa_hash_for(handle, &mut rsa_hash).await?
        } else {
            None
        };
        let label = format!("key file `{shown}` ({})", key.algorithm());
        let result = handle
            .authenticate_publickey(user, PrivateKeyWithHashAlg::new(Arc::new(key), hash))
            .await
            .map_err(protocol)?;
        if result.success() {
            tracing::debug!("<{}> authenticated with {label}", spec.name);
            return Ok(());
        }
        attempts.failed(label, &result);
    }

    if let Some(password) = &spec.password {
        if attempts.server_allows(russh::MethodKind::Password) {
            let result = handle
                .authenticate_password(user, password.clone())
                .await
                .map_err(protocol)?;
            if result.success() {
                return Ok(());
            }
            attempts.failed("password".to_string(), &result);
        }
        if attempts.server_allows(russh::MethodKind::KeyboardInteractive)
            && keyboard_interactive(handle, user, password, &mut attempts).await?
        {
            return Ok(());
        }
    }

    if attempts.offered.is_none() {
        // Nothing was tried: ask the server what it would accept, for the message.
        let result = handle.authenticate_none(user).await.map_err(protocol)?;
        if result.success() {
            return Ok(());
        }
        if let AuthResult::Failure {
            remaining_methods, ..
        } = result
        {
            attempts.offered = Some(remaining_methods);
        }
    }
    Err(attempts.into_error(user))
}

/// Loads a key file; an encrypted one is opened with `passphrase`, else with one asked on the
/// terminal (once per file for the whole run).
fn load_key(
    path: &Path,
    passphrase: Option<&str>,
) -> Result<russh::keys::PrivateKey, russh::keys::Error> {
    match russh::keys::load_secret_key(path, None) {
        Err(russh::keys::Error::KeyIsEncrypted) => {}
        Err(e @ russh::keys::Error::SshKey(_)) => {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            return match super::keyfix::pad_short_ecdsa_scalar(&text) {
                Some(fixed) => russh::keys::decode_secret_key(&fixed, None),
                None => Err(e),
            };
        }
        other => return other,
    }
    if let Some(p) = passphrase {
        return russh::keys::load_secret_key(path, Some(p));
    }
    match crate::transport::prompt::key_passphrase(path) {
        Some(p) => russh::keys::load_secret_key(path, Some(&p)),
        None => Err(russh::keys::Error::KeyIsEncrypted),
    }
}

async fn rsa_hash_for(
    handle: &Handle<ClientHandler>,
    cached: &mut Option<Option<HashAlg>>,
) -> Result<Option<HashAlg>, TransportError> {
    if let Some(hash) = cached {
        return Ok(*hash);
    }
    let hash = handle
        .best_supported_rsa_hash()
        .await
        .map_err(protocol)?
        .flatten();
    *cached = Some(hash);
    Ok(hash)
}

/// Answers every prompt with the password, as OpenSSH does for PAM's single password prompt.
async fn keyboard_interactive(
    handle: &mut Handle<ClientHandler>,
    user: &str,
    password: &str,
    attempts: &mut Attempts,
) -> Result<bool, TransportError> {
    let mut reply = handle
        .authenticate_keyboard_interactive_start(user, None::<String>)
        .await
        .map_err(protocol)?;
    // A server that keeps asking is not going to accept the password.
    for _ in 0..5 {
        match reply {
            KeyboardInteractiveAuthResponse::Success => return Ok(true),
            KeyboardInteractiveAuthResponse::Failure {
                remaining_methods, ..
            } => {
                attempts.tried.push("keyboard-interactive".to_string());
                attempts.offered = Some(remaining_methods);
                return Ok(false);
            }
            KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. } => {
                let answers = prompts.iter().map(|_| password.to_string()).collect();
                reply = handle
                    .authenticate_keyboard_interactive_respond(answers)
                    .await
                    .map_err(protocol)?;
            }
        }
    }
    attempts.tried.push("keyboard-interactive".to_string());
    Ok(false)
}
