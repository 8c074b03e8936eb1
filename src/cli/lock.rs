//! One run at a time per playbook and inventory: an `flock` on a file in the state directory,
//! named by a hash of their absolute paths, so overlapping cron runs do not pile up.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Held until dropped (the kernel releases an `flock` when the file is closed, also on a crash).
#[derive(Debug)]
pub struct RunLock {
    _file: File,
    pub path: PathBuf,
}

#[derive(Debug)]
pub enum LockError {
    /// Another process holds the lock; its pid when it wrote one.
    Held { path: PathBuf, pid: Option<u32> },
    /// The lock file could not be created or locked.
    Io(String),
}

fn absolute(p: &str) -> String {
    std::fs::canonicalize(p)
        .map(|a| a.display().to_string())
        .unwrap_or_else(|_| p.to_string())
}

/// The lock file's name for a playbook and its inventories (order matters to neither).
pub fn key(playbook: &Path, inventory: &[String]) -> String {
    let mut inv: Vec<String> = inventory.iter().map(|i| absolute(i)).collect();
    inv.sort();
    let mut h = Sha256::new();
    h.update(absolute(&playbook.display().to_string()).as_bytes());
    for i in inv {
        h.update([0u8]);
        h.update(i.as_bytes());
    }
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Takes the lock for `playbook` + `inventory` in `dir` without waiting.
pub fn acquire(dir: &Path, playbook: &Path, inventory: &[String]) -> Result<RunLock, LockError> {
    let io = |what: &str, e: std::io::Error| LockError::Io(format!("{what}: {e}"));
    std::fs::create_dir_all(dir)
        .map_err(|e| io(&format!("cannot create `{}`", dir.display()), e))?;
    let path = dir.join(format!("{}.lock", key(playbook, inventory)));
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| io(&format!("cannot open `{}`", path.display()), e))?;
    // SAFETY: flock on a descriptor this function owns; no memory is shared with the kernel.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
            let pid = std::fs::read_to_string(&path)
                .ok()
                .and_then(|s| s.trim().parse().ok());
            return Err(LockError::Held { path, pid });
        }
        return Err(io(&format!("cannot lock `{}`", path.display()), e));
    }
    // The pid is for the message a second run prints; the lock itself is the flock.
    let _ = file.set_len(0);
    let _ = writeln!(file, "{}", std::process::id());
    Ok(RunLock { _file: file, path })
}

/// Takes the run lock in the state directory for a command about to run. `Err` holds the exit
/// code when another run holds it; a lock that cannot be taken at all only warns.
pub fn guard(playbook: &Path, inventory: &[String]) -> Result<Option<RunLock>, i32> {
    let Some(dir) = crate::history::state_dir() else {
        eprintln!("[WARNING]: no state directory (set HOME or XDG_STATE_HOME): running unlocked");
        return Ok(None);
    };
    match acquire(&dir.join("locks"), playbook, inventory) {
        Ok(lock) => Ok(Some(lock)),
        Err(e @ LockError::Held { .. }) => {
            eprintln!("error: {e}");
            Err(crate::run::exit::LOCKED)
        }
        Err(e) => {
            eprintln!("[WARNING]: {e}: running unlocked");
            Ok(None)
        }
    }
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Held { path, pid } => {
                let by = pid.map(|p| format!(" (pid {p})")).unwrap_or_default();
                write!(
                    f,
                    "another rconf run of this playbook and inventory is in progress{by}: \
                     lock `{}` is held",
                    path.display()
                )
            }
            LockError::Io(m) => write!(f, "cannot take the run lock: {m}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_pair_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let inv = vec!["hosts.ini".to_string()];
        let first = acquire(dir.path(), Path::new("site.yml"), &inv).unwrap();
        match acquire(dir.path(), Path::new("site.yml"), &inv) {
            Err(e @ LockError::Held { pid: Some(p), .. }) => {
                assert_eq!(p, std::process::id());
                assert!(e.to_string().contains("in progress (pid"), "{e}");
            }
            other => panic!("expected the lock to be held, got {other:?}"),
        }
        // Another inventory is another lock.
        let other = acquire(dir.path(), Path::new("site.yml"), &["prod.ini".into()]);
        assert!(other.is_ok());
        drop(first);
        assert!(acquire(dir.path(), Path::new("site.yml"), &inv).is_ok());
    }

    #[test]
    fn the_key_ignores_inventory_order() {
        let a = key(Path::new("p.yml"), &["a".into(), "b".into()]);
        assert_eq!(a, key(Path::new("p.yml"), &["b".into(), "a".into()]));
        assert_ne!(a, key(Path::new("q.yml"), &["a".into(), "b".into()]));
        assert_eq!(a.len(), 16);
    }
}
