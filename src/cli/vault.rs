//! Vault passwords for this run: `--vault-password-file`, `--vault-id`, `--ask-vault-pass`,
//! then ansible.cfg's `vault_password_file` / `vault_identity_list` (or their `ANSIBLE_*`
//! variables). A password file that is executable is run and its output taken, as Ansible does.

use std::path::Path;

use clap::Args;

use super::ansible_cfg::AnsibleCfg;
use crate::error::Error;
use crate::vault::{self, Secret};

#[derive(Debug, Args, Clone, Default)]
pub struct VaultArgs {
    /// File holding the vault password (an executable file is run and its output taken).
    /// Repeatable.
    #[arg(
        long = "vault-password-file",
        visible_alias = "vault-pass-file",
        value_name = "FILE"
    )]
    pub vault_password_file: Vec<std::path::PathBuf>,
    /// A vault password for one vault id: `LABEL@FILE`, `LABEL@prompt`, or a FILE. Repeatable.
    #[arg(long = "vault-id", value_name = "[LABEL@]SOURCE")]
    pub vault_id: Vec<String>,
    /// Ask for the vault password on the terminal.
    #[arg(
        short = 'J',
        long = "ask-vault-pass",
        visible_alias = "ask-vault-password"
    )]
    pub ask_vault_pass: bool,
}

impl VaultArgs {
    /// Reads every password given and hands them to the vault reader, before anything loads.
    pub fn install(&self, cfg: &AnsibleCfg) -> Result<(), Error> {
        let mut secrets = Vec::new();
        if self.ask_vault_pass {
            secrets.push(Secret {
                label: None,
                password: source("prompt")?,
            });
        }
        let files = self
            .vault_password_file
            .iter()
            .chain(&cfg.vault_password_file);
        for f in files {
            secrets.push(Secret {
                label: None,
                password: source(&f.display().to_string())?,
            });
        }
        for id in self.vault_id.iter().chain(&cfg.vault_identity_list) {
            let (label, src) = match id.split_once('@') {
                Some((l, s)) => (Some(l.to_string()), s),
                None => (None, id.as_str()),
            };
            secrets.push(Secret {
                label,
                password: source(src)?,
            });
        }
        vault::install(secrets);
        Ok(())
    }
}

/// The password from `src`: `prompt` asks on the terminal; an executable file is run; any
/// other file is read, surrounding whitespace removed.
fn source(src: &str) -> Result<Vec<u8>, Error> {
    if src == "prompt" {
        return crate::transport::prompt::secret("Vault password: ")
            .map(String::into_bytes)
            .ok_or_else(|| {
                Error::Usage(
                    "the vault password needs a terminal to ask on; give --vault-password-file"
                        .into(),
                )
            });
    }
    let path = Path::new(src);
    let text = if crate::inventory::dynamic::is_executable(path) {
        // `vault-pass.sh` is the file here, not a program to look up on PATH.
        let program = if path.is_relative() {
            Path::new(".").join(path)
        } else {
            path.to_path_buf()
        };
        let out = std::process::Command::new(program)
            .stdin(std::process::Stdio::inherit())
            .output()
            .map_err(|e| Error::Usage(format!("cannot run vault password script `{src}`: {e}")))?;
        if !out.status.success() {
            return Err(Error::Usage(format!(
                "vault password script `{src}` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        String::from_utf8_lossy(&out.stdout).into_owned()
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| Error::Usage(format!("cannot read vault password file `{src}`: {e}")))?
    };
    let password = text.trim();
    if password.is_empty() {
        return Err(Error::Usage(format!(
            "vault password file `{src}` is empty"
        )));
    }
    Ok(password.as_bytes().to_vec())
}
