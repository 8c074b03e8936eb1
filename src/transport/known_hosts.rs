//! known_hosts verification: parses OpenSSH known_hosts files and matches a host's key against
//! them (globs, negation, hashed names, `[host]:port`, `@revoked`), and records new keys.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use hmac::{Hmac, KeyInit, Mac};
use russh::keys::ssh_key::known_hosts::{Entry, HostPatterns, Marker};
use russh::keys::ssh_key::{HashAlg, PublicKey};
use sha1::Sha1;

/// One parsed known_hosts line, with where it came from for messages.
#[derive(Debug, Clone)]
pub struct KnownHostEntry {
    pub file: PathBuf,
    /// 1-based line number in `file`.
    pub line: usize,
    pub marker: Option<Marker>,
    pub patterns: HostPatterns,
    pub key: PublicKey,
}

/// The verdict for one presented host key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyStatus {
    /// A plain entry for this host lists exactly this key; `file:line` is the first such.
    Known { file: PathBuf, line: usize },
    /// No entry names this host.
    Unknown,
    /// Entries name this host, but none lists this key; `file:line` is the first of them.
    Changed { file: PathBuf, line: usize },
    /// The key is listed under `@revoked`: refuse whatever else the files say.
    Revoked { file: PathBuf, line: usize },
    /// Only `@cert-authority` entries name this host, which rconf does not support yet.
    CertAuthorityOnly { file: PathBuf, line: usize },
}

/// Every entry of a set of known_hosts files, in file order.
#[derive(Debug, Clone, Default)]
pub struct KnownHosts {
    pub entries: Vec<KnownHostEntry>,
    /// Lines that could not be parsed (`file:line: reason`); OpenSSH skips them too.
    pub warnings: Vec<String>,
}

/// `~/.ssh/known_hosts` then `/etc/ssh/ssh_known_hosts`, as OpenSSH reads them by default.
pub fn default_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Some(home) = std::env::var_os("HOME") {
        files.push(Path::new(&home).join(".ssh/known_hosts"));
    }
    files.push(PathBuf::from("/etc/ssh/ssh_known_hosts"));
    files
}

/// The name known_hosts stores for a host: `host` on port 22, `[host]:port` otherwise.
pub fn lookup_name(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// `SHA256:...` as `ssh-keygen -l` prints it.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

impl KnownHosts {
    /// Reads every existing file of `files`; a missing file is an empty one.
    pub fn load(files: &[PathBuf]) -> Result<KnownHosts, String> {
        let mut all = KnownHosts::default();
        for file in files {
            match std::fs::read(file) {
                Ok(bytes) => all.parse_into(&String::from_utf8_lossy(&bytes), file),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("cannot read `{}`: {e}", file.display())),
            }
        }
        Ok(all)
    }

    /// Parses the text of one file (named `file` in messages).
    #[cfg(test)]
    pub fn parse(text: &str, file: &Path) -> KnownHosts {
        let mut all = KnownHosts::default();
        all.parse_into(text, file);
        all
    }

    fn parse_into(&mut self, text: &str, file: &Path) {
        for (index, raw) in text.lines().enumerate() {
            let content = raw.split_once('#').map_or(raw, |(before, _)| before);
            // ssh_key splits fields on single spaces only; OpenSSH accepts any blank run.
            let normalized = content.split_whitespace().collect::<Vec<_>>().join(" ");
            if normalized.is_empty() {
                continue;
            }
            match normalized.parse::<Entry>() {
                Ok(entry) => self.entries.push(KnownHostEntry {
                    file: file.to_path_buf(),
                    line: index + 1,
                    marker: entry.marker().copied(),
                    patterns: entry.host_patterns().clone(),
                    key: entry.public_key().clone(),
                }),
                Err(e) => self.warnings.push(format!(
                    "{}:{}: unparsable known_hosts line ({e})",
                    file.display(),
                    index + 1
                )),
            }
        }
    }

    /// Checks `key` as presented by the host known under each of `names` (already in
    /// `lookup_name` form). A match under any name counts; `@revoked` always wins.
    pub fn check(&self, names: &[String], key: &PublicKey) -> HostKeyStatus {
        // A revoked key is refused whatever host pattern it was revoked under.
        if let Some(entry) = self
            .entries
            .iter()
            .find(|e| e.marker == Some(Marker::Revoked) && e.key.key_data() == key.key_data())
        {
            return HostKeyStatus::Revoked {
                file: entry.file.clone(),
                line: entry.line,
            };
        }
        let mut changed = None;
        let mut cert_authority = None;
        let mut known = None;
        for entry in &self.entries {
            if !names.iter().any(|n| entry_matches(&entry.patterns, n)) {
                continue;
            }
            let same_key = entry.key.key_data() == key.key_data();
            match entry.marker {
                Some(Marker::Revoked) => {}
                Some(Marker::CertAuthority) => {
                    cert_authority.get_or_insert((entry.file.clone(), entry.line));
                }
                None if same_key => {
                    known.get_or_insert((entry.file.clone(), entry.line));
                }
                None => {
                    changed.get_or_insert((entry.file.clone(), entry.line));
                }
            }
        }
        if let Some((file, line)) = known {
            HostKeyStatus::Known { file, line }
        } else if let Some((file, line)) = changed {
            HostKeyStatus::Changed { file, line }
        } else if let Some((file, line)) = cert_authority {
            HostKeyStatus::CertAuthorityOnly { file, line }
        } else {
            HostKeyStatus::Unknown
        }
    }
}

/// True when `name` is selected by the entry: for a pattern list, some positive pattern matches
/// and no negated one does.
pub fn entry_matches(patterns: &HostPatterns, name: &str) -> bool {
    match patterns {
        HostPatterns::HashedName { salt, hash } => hashed_matches(salt, hash, name),
        HostPatterns::Patterns(list) => {
            let name = name.to_ascii_lowercase();
            let mut positive = false;
            for pattern in list {
                let pattern = pattern.to_ascii_lowercase();
                if let Some(negated) = pattern.strip_prefix('!') {
                    if glob_matches(negated.as_bytes(), name.as_bytes()) {
                        return false;
                    }
                } else if glob_matches(pattern.as_bytes(), name.as_bytes()) {
                    positive = true;
                }
            }
            positive
        }
    }
}

fn hashed_matches(salt: &[u8], hash: &[u8; 20], name: &str) -> bool {
    let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(salt) else {
        return false;
    };
    mac.update(name.as_bytes());
    mac.verify_slice(hash).is_ok()
}

/// OpenSSH's pattern language: `*` is any run of characters, `?` exactly one.
pub fn glob_matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    // Position to resume from after the last `*`: (pattern index after it, text index).
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p + 1, t));
            p += 1;
        } else if let Some((after_star, matched)) = star {
            p = after_star;
            t = matched + 1;
            star = Some((after_star, matched + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// The line `accept-new` records: plain (unhashed), `[host]:port` for a non-22 port.
pub fn entry_line(host: &str, port: u16, key: &PublicKey) -> Result<String, String> {
    let mut key = key.clone();
    key.set_comment("");
    let encoded = key
        .to_openssh()
        .map_err(|e| format!("cannot encode host key: {e}"))?;
    Ok(format!(
        "{} {}",
        lookup_name(host, port),
        encoded.trim_end()
    ))
}

/// Serialises appends from concurrent connects within this process, so lines never interleave.
static APPEND_LOCK: Mutex<()> = Mutex::new(());

/// Appends a plain entry for `host`/`port` to `file` and syncs it to disk, creating the file
/// (and a missing parent directory, mode 0700 like `~/.ssh`) when needed.
pub fn append(file: &Path, host: &str, port: u16, key: &PublicKey) -> Result<(), String> {
    use std::os::unix::fs::DirBuilderExt;
    let line = entry_line(host, port, key)?;
    let _guard = APPEND_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    }
    let needs_newline = match std::fs::read(file) {
        Ok(bytes) => bytes.last().is_some_and(|&b| b != b'\n'),
        Err(_) => false,
    };
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .map_err(|e| format!("cannot open `{}` for writing: {e}", file.display()))?;
    let text = format!("{}{line}\n", if needs_newline { "\n" } else { "" });
    // One write call keeps the line whole even if another process appends at the same time.
    out.write_all(text.as_bytes())
        .and_then(|_| out.sync_all())
        .map_err(|e| format!("cannot write `{}`: {e}", file.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOg/2v1bI4/rhrcoK9WZ9sUitXxm5UQcYc1neEuml/vj";
    const KEY_B: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHg+JNdjFNY/357r5MIVYRcf9GQw6waII2CyTZdcWM+V";

    fn key(text: &str) -> PublicKey {
        PublicKey::from_openssh(text).unwrap()
    }

    fn check(file: &str, name: &str, port: u16, k: &str) -> HostKeyStatus {
        KnownHosts::parse(file, Path::new("kh")).check(&[lookup_name(name, port)], &key(k))
    }

    #[test]
    fn plain_entry_known_unknown_and_changed() {
        let file = format!("web1 {KEY_A}\n");
        assert!(matches!(
            check(&file, "web1", 22, KEY_A),
            HostKeyStatus::Known { .. }
        ));
        assert_eq!(check(&file, "web2", 22, KEY_A), HostKeyStatus::Unknown);
        assert_eq!(
            check(&file, "web1", 22, KEY_B),
            HostKeyStatus::Changed {
                file: "kh".into(),
                line: 1
            }
        );
    }

    #[test]
    fn line_numbers_count_comments_blank_lines_and_tabs() {
        let file = format!("# comment\n\n  # indented comment\nweb1\t \t{KEY_A} user@box\n");
        assert_eq!(
            check(&file, "web1", 22, KEY_B),
            HostKeyStatus::Changed {
                file: "kh".into(),
                line: 4
            }
        );
        assert!(matches!(
            check(&file, "web1", 22, KEY_A),
            HostKeyStatus::Known { .. }
        ));
    }

    #[test]
    fn non_default_port_needs_bracketed_entry() {
        let file = format!("[10.0.0.5]:2222 {KEY_A}\n");
        assert!(matches!(
            check(&file, "10.0.0.5", 2222, KEY_A),
            HostKeyStatus::Known { .. }
        ));
        assert_eq!(check(&file, "10.0.0.5", 22, KEY_A), HostKeyStatus::Unknown);
        assert_eq!(
            check(&file, "10.0.0.5", 2200, KEY_A),
            HostKeyStatus::Unknown
        );
    }

    #[test]
    fn globs_and_negation() {
        let file = format!("*.example.com,!bad.example.com,db?? {KEY_A}\n");
        assert!(matches!(
            check(&file, "www.example.com", 22, KEY_A),
            HostKeyStatus::Known { .. }
        ));
        assert!(matches!(
            check(&file, "WWW.Example.COM", 22, KEY_A),
            HostKeyStatus::Known { .. }
        ));
        assert_eq!(
            check(&file, "bad.example.com", 22, KEY_A),
            HostKeyStatus::Unknown
        );
        assert!(matches!(
            check(&file, "db01", 22, KEY_A),
            HostKeyStatus::Known { .. }
        ));
        assert_eq!(check(&file, "db1", 22, KEY_A), HostKeyStatus::Unknown);
        assert_eq!(
            check(&file, "example.com", 22, KEY_A),
            HostKeyStatus::Unknown
        );
    }

    #[test]
    fn glob_matcher_edge_cases() {
        assert!(glob_matches(b"*", b""));
        assert!(glob_matches(b"a*b*c", b"axxbyyc"));
        assert!(!glob_matches(b"a*b*c", b"axxbyy"));
        assert!(glob_matches(b"[10.0.0.*]:22?2", b"[10.0.0.7]:2202"));
        assert!(!glob_matches(b"?", b""));
    }

    #[test]
    fn hashed_entry_matches_only_its_name() {
        // The same construction `ssh-keygen -H` uses: HMAC-SHA1 keyed by the salt.
        let salt = [7u8; 20];
        let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(&salt).unwrap();
        mac.update(b"[127.0.0.1]:2222");
        let hash = mac.finalize().into_bytes();
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD;
        let file = format!("|1|{}|{} {KEY_A}\n", b64.encode(salt), b64.encode(hash));
        assert!(matches!(
            check(&file, "127.0.0.1", 2222, KEY_A),
            HostKeyStatus::Known { .. }
        ));
        assert_eq!(check(&file, "127.0.0.1", 22, KEY_A), HostKeyStatus::Unknown);
        assert!(matches!(
            check(&file, "127.0.0.1", 2222, KEY_B),
            HostKeyStatus::Changed { line: 1, .. }
        ));
    }

    #[test]
    fn revoked_key_is_refused_even_when_also_listed() {
        let file = format!("web1 {KEY_A}\n@revoked * {KEY_A}\n");
        assert_eq!(
            check(&file, "web1", 22, KEY_A),
            HostKeyStatus::Revoked {
                file: "kh".into(),
                line: 2
            }
        );
        assert_eq!(
            check(&file, "web1", 22, KEY_B),
            HostKeyStatus::Changed {
                file: "kh".into(),
                line: 1
            }
        );
    }

    #[test]
    fn cert_authority_alone_is_reported() {
        let file = format!("@cert-authority *.example.com {KEY_A}\n");
        assert!(matches!(
            check(&file, "a.example.com", 22, KEY_B),
            HostKeyStatus::CertAuthorityOnly { line: 1, .. }
        ));
    }

    #[test]
    fn any_of_several_names_may_match() {
        let hosts = KnownHosts::parse(&format!("myalias {KEY_A}\n"), Path::new("kh"));
        let names = ["10.1.1.1".to_string(), "myalias".to_string()];
        assert_eq!(
            hosts.check(&names, &key(KEY_A)),
            HostKeyStatus::Known {
                file: "kh".into(),
                line: 1
            }
        );
    }

    #[test]
    fn bad_lines_are_skipped_with_their_line_number() {
        let hosts = KnownHosts::parse(&format!("garbage\nweb1 {KEY_A}\n"), Path::new("kh"));
        assert_eq!(hosts.entries.len(), 1);
        assert_eq!(hosts.entries[0].line, 2);
        assert!(
            hosts.warnings[0].starts_with("kh:1:"),
            "{:?}",
            hosts.warnings
        );
    }

    #[test]
    fn append_creates_dir_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ssh/known_hosts");
        append(&file, "127.0.0.9", 2222, &key(KEY_A)).unwrap();
        append(&file, "web1", 22, &key(KEY_B)).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            text,
            format!("[127.0.0.9]:2222 {KEY_A}\nweb1 {KEY_B}\n"),
            "entries are plain lines"
        );
        let hosts = KnownHosts::load(std::slice::from_ref(&file)).unwrap();
        assert_eq!(
            hosts.check(&[lookup_name("127.0.0.9", 2222)], &key(KEY_A)),
            HostKeyStatus::Known {
                file: file.clone(),
                line: 1
            }
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn missing_files_are_empty() {
        let hosts = KnownHosts::load(&[PathBuf::from("/nonexistent/known_hosts")]).unwrap();
        assert!(hosts.entries.is_empty());
    }
}
