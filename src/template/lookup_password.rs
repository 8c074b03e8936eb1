//! The `password` lookup: a random password stored in a controller file on first use and
//! read back afterwards, optionally returned as a SHA-crypt hash.

use std::path::PathBuf;

use minijinja::Value;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::crypt::{self, Scheme};
use super::lookups::{Call, split_kv};

const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";
const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

pub fn password(call: &mut Call) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for term in call.str_terms()? {
        let (free, kv) = split_kv(&term)?;
        let get = |k: &str| kv.get(k).cloned().or_else(|| call.opt_str(k));
        let path = free
            .first()
            .ok_or_else(|| format!("expected a file path in `{term}`"))?;
        let length = match get("length") {
            None => 20,
            Some(l) => l
                .parse::<usize>()
                .map_err(|_| format!("`length` must be a number, got `{l}`"))?,
        };
        let alphabet = alphabet(get("chars").as_deref());
        if alphabet.is_empty() {
            return Err("`chars` gives no characters to choose from".into());
        }
        let scheme = match get("encrypt").as_deref() {
            None => None,
            Some("sha512_crypt") => Some(Scheme::Sha512),
            Some("sha256_crypt") => Some(Scheme::Sha256),
            Some(other) => {
                return Err(format!(
                    "unsupported `encrypt` scheme `{other}`, expected sha512_crypt or sha256_crypt"
                ));
            }
        };
        let mut rng = match get("seed") {
            Some(seed) => StdRng::seed_from_u64(seed_of(&seed)),
            None => StdRng::from_os_rng(),
        };
        let mut generate = || -> String {
            (0..length)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                .collect()
        };
        let (pw, salt) = if path == "/dev/null" {
            (generate(), get("salt"))
        } else {
            let file = call.playbook_dir.join(path);
            stored_or_new(&file, scheme.is_some(), get("salt"), &mut generate)?
        };
        out.push(Value::from(match scheme {
            None => pw,
            Some(s) => {
                let salt = salt.unwrap_or_else(crypt::random_salt);
                crypt::hash(s, pw.as_bytes(), &salt, None)
            }
        }));
    }
    Ok(out)
}

/// The stored password (and salt), or a new one written to `file` with mode 0600.
fn stored_or_new(
    file: &PathBuf,
    encrypt: bool,
    salt: Option<String>,
    generate: &mut dyn FnMut() -> String,
) -> Result<(String, Option<String>), String> {
    let shown = file.display();
    if file.exists() {
        let text =
            std::fs::read_to_string(file).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
        let line = text.lines().next().unwrap_or_default();
        return Ok(match line.split_once(" salt=") {
            Some((pw, rest)) => (
                pw.to_string(),
                Some(
                    rest.split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                ),
            ),
            None => (line.to_string(), salt),
        });
    }
    let pw = generate();
    let salt = match salt {
        Some(s) => Some(s),
        None if encrypt => Some(crypt::random_salt()),
        None => None,
    };
    let content = match &salt {
        Some(s) if encrypt => format!("{pw} salt={s}\n"),
        _ => format!("{pw}\n"),
    };
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    }
    write_private(file, &content).map_err(|e| format!("cannot write `{shown}`: {e}"))?;
    Ok((pw, salt))
}

fn write_private(file: &PathBuf, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)?;
    f.write_all(content.as_bytes())
}

/// Ansible's `chars`: comma-separated names of Python's string constants or literal
/// characters (`,,` is a comma); letters, digits and `.,:-_` by default.
fn alphabet(chars: Option<&str>) -> Vec<char> {
    let spec = chars.unwrap_or("ascii_letters,digits,.,,:-_");
    let mut out = String::new();
    let parts: Vec<&str> = spec.split(',').collect();
    let mut i = 0;
    while i < parts.len() {
        match parts[i] {
            "" if parts.get(i + 1) == Some(&"") => {
                out.push(',');
                i += 1;
            }
            "ascii_letters" => out.push_str(LETTERS),
            "ascii_lowercase" => out.push_str(&LETTERS[..26]),
            "ascii_uppercase" => out.push_str(&LETTERS[26..]),
            "digits" => out.push_str(DIGITS),
            "hexdigits" => out.push_str("0123456789abcdefABCDEF"),
            "octdigits" => out.push_str("01234567"),
            "punctuation" => out.push_str(PUNCTUATION),
            other => out.push_str(other),
        }
        i += 1;
    }
    let mut seen = std::collections::HashSet::new();
    out.chars().filter(|c| seen.insert(*c)).collect()
}

fn seed_of(seed: &str) -> u64 {
    seed.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}
