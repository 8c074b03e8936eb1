//! Ansible Vault: files and `!vault` values encrypted by `ansible-vault` (format 1.1, and 1.2
//! with a vault id), opened with the passwords the command line gave. Every YAML reader calls
//! `open_text` on a file and `open_value` on each string, so vaulted group_vars, vars_files,
//! include_vars and inline values all read as their plain text.
//!
//! Format: a header line `$ANSIBLE_VAULT;1.1;AES256` (`;1.2;AES256;LABEL`), then the hex of
//! `hex(salt) \n hex(hmac) \n hex(ciphertext)`. PBKDF2-HMAC-SHA256 (10,000 rounds) turns the
//! password and salt into 80 bytes: the AES-256 key, the HMAC-SHA256 key and the CTR counter's
//! start. The HMAC covers the ciphertext; the plaintext carries PKCS#7 padding.

use std::sync::OnceLock;

use aes::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

const HEADER: &str = "$ANSIBLE_VAULT;";

/// A vault password and the vault id it was given for (`--vault-id prod@file`).
#[derive(Clone)]
pub struct Secret {
    pub label: Option<String>,
    pub password: Vec<u8>,
}

static SECRETS: OnceLock<Vec<Secret>> = OnceLock::new();

/// Inventory listings show `!vault` values still encrypted, as ansible-inventory does.
static KEEP_VALUES_ENCRYPTED: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// From now on `!vault` values in inventories stay encrypted (whole vaulted files are still
/// opened): for `rconf inventory`, which prints them.
pub fn keep_values_encrypted() {
    KEEP_VALUES_ENCRYPTED.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Whether `keep_values_encrypted` was asked for.
pub fn values_kept_encrypted() -> bool {
    KEEP_VALUES_ENCRYPTED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Sets this process's vault passwords, once, before anything is read.
pub fn install(secrets: Vec<Secret>) {
    let _ = SECRETS.set(secrets);
}

/// Whether `text` is vault-encrypted.
pub fn is_vaulted(text: &str) -> bool {
    text.trim_start().starts_with(HEADER)
}

/// The plain text of a file's content: decrypted when it is vaulted, else as it is.
pub fn open_text(text: &str) -> Result<std::borrow::Cow<'_, str>, String> {
    if is_vaulted(text) {
        decrypt(text, SECRETS.get().map_or(&[][..], Vec::as_slice)).map(std::borrow::Cow::Owned)
    } else {
        Ok(std::borrow::Cow::Borrowed(text))
    }
}

/// The plain text of a `!vault` value, or `None` for a string that is not vaulted.
pub fn open_value(s: &str) -> Option<Result<String, String>> {
    is_vaulted(s).then(|| decrypt(s, SECRETS.get().map_or(&[][..], Vec::as_slice)))
}

/// Decrypts `text` with the first of `secrets` that opens it (those for its vault id first).
pub fn decrypt(text: &str, secrets: &[Secret]) -> Result<String, String> {
    let text = text.trim();
    let (header, body) = text.split_once('\n').unwrap_or((text, ""));
    let fields: Vec<&str> = header.trim().split(';').collect();
    let label = match fields.as_slice() {
        ["$ANSIBLE_VAULT", "1.1", "AES256"] => None,
        ["$ANSIBLE_VAULT", "1.2", "AES256", label] => Some(*label),
        _ => {
            return Err(format!(
                "unsupported vault header `{}` (rconf reads format 1.1 and 1.2 with AES256)",
                header.trim()
            ));
        }
    };
    if secrets.is_empty() {
        return Err(
            "vault-encrypted, but no vault password was given (--vault-password-file, \
                    --vault-id or --ask-vault-pass)"
                .into(),
        );
    }
    let hex: String = body.split_whitespace().collect();
    let inner = unhex(&hex).ok_or("the vault data is not valid hex")?;
    let inner = String::from_utf8(inner).map_err(|_| "the vault data is damaged")?;
    let mut parts = inner.split('\n');
    let (Some(salt), Some(mac), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("the vault data is damaged (expected salt, HMAC and ciphertext)".into());
    };
    let (salt, mac, data) = match (unhex(salt), unhex(mac), unhex(data)) {
        (Some(s), Some(m), Some(d)) => (s, m, d),
        _ => return Err("the vault data is damaged (not hex)".into()),
    };
    let mut ordered: Vec<&Secret> = secrets
        .iter()
        .filter(|s| label.is_some() && s.label.as_deref() == label)
        .collect();
    ordered.extend(
        secrets
            .iter()
            .filter(|s| !(label.is_some() && s.label.as_deref() == label)),
    );
    for secret in ordered {
        let mut keys = [0u8; 80];
        pbkdf2::pbkdf2_hmac::<Sha256>(&secret.password, &salt, 10_000, &mut keys);
        let (cipher_key, rest) = keys.split_at(32);
        let (mac_key, iv) = rest.split_at(32);
        let mut check =
            <Hmac<Sha256> as KeyInit>::new_from_slice(mac_key).expect("HMAC takes any key length");
        check.update(&data);
        if check.verify_slice(&mac).is_err() {
            continue;
        }
        let mut plain = data.clone();
        let mut ctr = ctr::Ctr128BE::<aes::Aes256>::new_from_slices(cipher_key, iv)
            .map_err(|_| "bad key or counter length")?;
        ctr.apply_keystream(&mut plain);
        let pad = *plain.last().ok_or("the vault holds nothing")? as usize;
        if pad == 0 || pad > 16 || pad > plain.len() {
            return Err("the vault data is damaged (bad padding)".into());
        }
        plain.truncate(plain.len() - pad);
        return String::from_utf8(plain).map_err(|_| "the vault holds binary data".into());
    }
    Err(match label {
        Some(l) => format!("no vault password given opens it (vault id `{l}`)"),
        None => "no vault password given opens it".into(),
    })
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/tests/fixtures/vault/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn secret(label: Option<&str>, pw: &str) -> Secret {
        Secret {
            label: label.map(String::from),
            password: pw.as_bytes().to_vec(),
        }
    }

    #[test]
    fn what_ansible_vault_encrypted_opens_with_its_password() {
        let right = [secret(None, "wrong"), secret(None, "correct horse")];
        assert_eq!(
            decrypt(&fixture("secret.enc.yml"), &right).unwrap(),
            fixture("secret.yml")
        );
        let inline = fixture("inline-value.txt");
        assert_eq!(decrypt(&inline, &right).unwrap(), "inline \"value\"");
        // Format 1.2: the password for its vault id is tried first.
        let labelled = fixture("labelled-value.txt");
        let ids = [
            secret(Some("dev"), "nope"),
            secret(Some("prod"), "correct horse"),
        ];
        assert_eq!(decrypt(&labelled, &ids).unwrap(), "labelled");
    }

    #[test]
    fn a_wrong_or_missing_password_or_damaged_data_is_a_clear_error() {
        let wrong = [secret(None, "Correct horse")];
        assert_eq!(
            decrypt(&fixture("secret.enc.yml"), &wrong).unwrap_err(),
            "no vault password given opens it"
        );
        assert!(
            decrypt(&fixture("secret.enc.yml"), &[])
                .unwrap_err()
                .contains("no vault password was given")
        );
        let mut damaged = fixture("secret.enc.yml");
        damaged.replace_range(40..41, if &damaged[40..41] == "3" { "4" } else { "3" });
        assert!(decrypt(&damaged, &[secret(None, "correct horse")]).is_err());
        assert!(
            decrypt("$ANSIBLE_VAULT;2.0;AES\n00", &wrong)
                .unwrap_err()
                .starts_with("unsupported vault header")
        );
    }
}
