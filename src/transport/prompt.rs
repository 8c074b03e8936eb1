//! Secrets asked on the controlling terminal with echo off: login and become passwords
//! (`-k`, `-K`) and key passphrases (once per key file for the whole run).

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Answers already given, by key file; `None` means the user gave up on that key.
static PASSPHRASES: Mutex<Option<HashMap<PathBuf, Option<String>>>> = Mutex::new(None);

/// Asks `question` on `/dev/tty` without echo. `None` when there is no terminal.
pub fn secret(question: &str) -> Option<String> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    let fd = tty.as_raw_fd();
    // SAFETY: termios is plain data; tcgetattr fills it for a valid fd, else we bail out.
    let mut saved: libc::termios = unsafe { std::mem::zeroed() };
    if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
        return None;
    }
    let mut quiet = saved;
    quiet.c_lflag &= !libc::ECHO;
    quiet.c_lflag |= libc::ECHONL;
    // SAFETY: fd is the open terminal; `quiet` is a valid termios derived from its own.
    unsafe { libc::tcsetattr(fd, libc::TCSAFLUSH, &quiet) };
    let mut out = &tty;
    let _ = write!(out, "{question}");
    let _ = out.flush();
    let mut line = String::new();
    let read = std::io::BufReader::new(&tty).read_line(&mut line);
    // SAFETY: as above; restores the terminal exactly as found.
    unsafe { libc::tcsetattr(fd, libc::TCSAFLUSH, &saved) };
    read.ok()?;
    Some(line.trim_end_matches(['\n', '\r']).to_string())
}

/// The passphrase of the encrypted key `path`, asked once per run and remembered.
pub fn key_passphrase(path: &Path) -> Option<String> {
    let mut cache = PASSPHRASES.lock().unwrap_or_else(|e| e.into_inner());
    let cache = cache.get_or_insert_with(HashMap::new);
    if let Some(answer) = cache.get(path) {
        return answer.clone();
    }
    let answer = secret(&format!("Enter passphrase for key '{}': ", path.display()))
        .filter(|p| !p.is_empty());
    cache.insert(path.to_path_buf(), answer.clone());
    answer
}

/// The first line of `path` (a passphrase or password file), without its line ending.
pub fn first_line_of(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    Ok(text.lines().next().unwrap_or("").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_file_gives_its_first_line_only() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("pass");
        std::fs::write(&f, "s3cret \r\nsecond\n").unwrap();
        assert_eq!(first_line_of(&f).unwrap(), "s3cret ");
        let e = first_line_of(&dir.path().join("nope")).unwrap_err();
        assert!(e.starts_with("cannot read `"), "{e}");
    }
}
