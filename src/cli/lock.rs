//! One run at a time per playbook, inventory and host: two runs of the same playbook and
//! inventory on disjoint `--limit`s (or shards) run side by side, overlapping ones do not, so
//! overlapping cron runs do not pile up.
//!
//! A playbook and its inventories name a directory in the state directory (a hash of their
//! absolute paths). Each live run holds a claim file there, `flock`ed for the whole run (the
//! kernel releases it when the process ends, also on a crash), naming the run's selection
//! (`--limit` and shard) and, once the inventory is read, its hosts. Claims are read and
//! written under a short `flock` on `<hash>.lock` beside the directory, so two runs never
//! claim at once. Two steps, because a dynamic inventory can be slow: the same selection is
//! refused at once, before the inventory is read; another selection is compared host by host
//! after it.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Held until dropped; the claim file goes with it.
#[derive(Debug)]
pub struct RunLock {
    file: File,
    pub path: PathBuf,
    mutex: PathBuf,
    selection: String,
}

#[derive(Debug)]
pub enum LockError {
    /// Another process holds a claim on the same selection or on some of the same hosts; its
    /// pid, and the hosts both want (empty: the same selection, not compared host by host).
    Held {
        path: PathBuf,
        pid: Option<u32>,
        hosts: Vec<String>,
    },
    /// The lock file could not be created or locked.
    Io(String),
}

fn absolute(p: &str) -> String {
    std::fs::canonicalize(p)
        .map(|a| a.display().to_string())
        .unwrap_or_else(|_| p.to_string())
}

/// The lock directory's name for a playbook and its inventories (order matters to neither).
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

fn flock(file: &File, how: libc::c_int) -> std::io::Result<()> {
    // SAFETY: flock on a descriptor the caller owns; no memory is shared with the kernel.
    if unsafe { libc::flock(file.as_raw_fd(), how) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn io(what: String, e: std::io::Error) -> LockError {
    LockError::Io(format!("{what}: {e}"))
}

fn open(path: &Path) -> Result<File, LockError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| io(format!("cannot open `{}`", path.display()), e))
}

/// What a claim file says.
struct Claim {
    path: PathBuf,
    pid: Option<u32>,
    selection: String,
    /// `None` until its run has read the inventory.
    hosts: Option<Vec<String>>,
}

fn parse(path: PathBuf, text: &str) -> Claim {
    let mut claim = Claim {
        path,
        pid: None,
        selection: String::new(),
        hosts: None,
    };
    for line in text.lines() {
        match line.split_once(' ') {
            Some(("pid", p)) => claim.pid = p.parse().ok(),
            Some(("selection", s)) => claim.selection = s.to_string(),
            Some(("hosts", n)) => {
                claim.hosts = Some(Vec::with_capacity(n.parse().unwrap_or(0)));
            }
            Some(("host", h)) => claim.hosts.get_or_insert_default().push(h.to_string()),
            _ => {}
        }
    }
    claim
}

/// The claims of live runs in `dir` other than `mine`; those of ended runs (no one holds
/// their `flock`) are removed on the way. Called under the mutex.
fn live_claims(dir: &Path, mine: Option<&Path>) -> Vec<Claim> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut claims = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if Some(path.as_path()) == mine || path.extension().is_none_or(|e| e != "lock") {
            continue;
        }
        let Ok(file) = File::open(&path) else {
            continue;
        };
        if flock(&file, libc::LOCK_SH | libc::LOCK_NB).is_ok() {
            let _ = std::fs::remove_file(&path);
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        claims.push(parse(path, &text));
    }
    claims
}

/// Holds `<dir>.lock` while claims are read and written.
struct Mutex {
    _file: File,
}

impl Mutex {
    fn take(path: &Path) -> Result<Mutex, LockError> {
        let file = open(path)?;
        flock(&file, libc::LOCK_EX)
            .map_err(|e| io(format!("cannot lock `{}`", path.display()), e))?;
        Ok(Mutex { _file: file })
    }
}

/// Claims `selection` (the `--limit` and shard, as text) of `playbook` + `inventory` in
/// `dir` without waiting; refused when a live run has the same selection.
pub fn acquire(
    dir: &Path,
    playbook: &Path,
    inventory: &[String],
    selection: &str,
) -> Result<RunLock, LockError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| io(format!("cannot create `{}`", dir.display()), e))?;
    let key = key(playbook, inventory);
    let mutex_path = dir.join(format!("{key}.lock"));
    let claims = dir.join(&key);
    std::fs::create_dir_all(&claims)
        .map_err(|e| io(format!("cannot create `{}`", claims.display()), e))?;
    let _mutex = Mutex::take(&mutex_path)?;
    if let Some(c) = live_claims(&claims, None)
        .into_iter()
        .find(|c| c.selection == selection)
    {
        return Err(LockError::Held {
            path: c.path,
            pid: c.pid,
            hosts: Vec::new(),
        });
    }
    // One process may hold several claims (one per playbook of a run; tests).
    static CLAIMS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = CLAIMS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = claims.join(format!("{}-{n}.lock", std::process::id()));
    let mut file = open(&path)?;
    flock(&file, libc::LOCK_EX | libc::LOCK_NB)
        .map_err(|e| io(format!("cannot lock `{}`", path.display()), e))?;
    file.set_len(0)
        .and_then(|()| writeln!(file, "pid {}\nselection {selection}", std::process::id()))
        .map_err(|e| io(format!("cannot write `{}`", path.display()), e))?;
    Ok(RunLock {
        file,
        path,
        mutex: mutex_path,
        selection: selection.to_string(),
    })
}

impl RunLock {
    /// Adds the run's hosts to its claim; refused when a live run has claimed one of them.
    /// A run still reading its inventory has claimed no hosts yet: it compares with these
    /// when it claims its own.
    pub fn claim_hosts(&mut self, hosts: &[String]) -> Result<(), LockError> {
        let _mutex = Mutex::take(&self.mutex)?;
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let mine: HashSet<&str> = hosts.iter().map(String::as_str).collect();
        for c in live_claims(dir, Some(&self.path)) {
            let both: Vec<String> = c
                .hosts
                .iter()
                .flatten()
                .filter(|h| mine.contains(h.as_str()))
                .cloned()
                .collect();
            if !both.is_empty() {
                return Err(LockError::Held {
                    path: c.path,
                    pid: c.pid,
                    hosts: both,
                });
            }
        }
        let mut text = format!(
            "pid {}\nselection {}\nhosts {}\n",
            std::process::id(),
            self.selection,
            hosts.len()
        );
        for h in hosts {
            text.push_str("host ");
            text.push_str(h);
            text.push('\n');
        }
        self.file
            .set_len(0)
            .and_then(|()| {
                use std::io::{Seek, SeekFrom};
                self.file.seek(SeekFrom::Start(0))?;
                self.file.write_all(text.as_bytes())
            })
            .map_err(|e| io(format!("cannot write `{}`", self.path.display()), e))
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Under the mutex, so that no claimer reads a half-removed claim; the flock goes
        // with the file when it is closed, also without this (a crash).
        let _mutex = Mutex::take(&self.mutex);
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The text that tells selections apart: two runs with the same one always overlap.
pub fn selection(limit: Option<&str>, shard: Option<crate::run::shard::Shard>) -> String {
    let limit = limit.unwrap_or("all");
    match shard {
        Some(s) => format!("limit={limit} shard={s}"),
        None => format!("limit={limit}"),
    }
}

/// Reports a lock error: `Err` holds the exit code when another run holds the lock; a lock
/// that cannot be taken at all only warns (`Ok`).
fn refuse(e: LockError) -> Result<(), i32> {
    match e {
        e @ LockError::Held { .. } => {
            eprintln!("error: {e}");
            Err(crate::run::exit::LOCKED)
        }
        e => {
            eprintln!("[WARNING]: {e}: running unlocked");
            Ok(())
        }
    }
}

/// Takes the run lock in the state directory for a command about to run, before its
/// inventory is read. `Err` holds the exit code when another run holds it.
pub fn guard(
    playbook: &Path,
    inventory: &[String],
    selection: &str,
) -> Result<Option<RunLock>, i32> {
    let Some(dir) = crate::history::state_dir() else {
        eprintln!("[WARNING]: no state directory (set HOME or XDG_STATE_HOME): running unlocked");
        return Ok(None);
    };
    match acquire(&dir.join("locks"), playbook, inventory, selection) {
        Ok(lock) => Ok(Some(lock)),
        Err(e) => refuse(e).map(|()| None),
    }
}

/// Claims the hosts of the locks `guard` took, once the inventory is read.
pub fn claim(locks: &mut [Option<RunLock>], hosts: &[String]) -> Result<(), i32> {
    for lock in locks.iter_mut().flatten() {
        if let Err(e) = lock.claim_hosts(hosts) {
            refuse(e)?;
        }
    }
    Ok(())
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Held { path, pid, hosts } => {
                let by = pid.map(|p| format!(" (pid {p})")).unwrap_or_default();
                let on = match hosts.as_slice() {
                    [] => String::new(),
                    some => {
                        let shown: Vec<&str> = some.iter().take(5).map(String::as_str).collect();
                        let more = some.len().saturating_sub(shown.len());
                        let more = if more > 0 {
                            format!(" and {more} more")
                        } else {
                            String::new()
                        };
                        format!(" on {}{more}", shown.join(", "))
                    }
                };
                write!(
                    f,
                    "another rconf run of this playbook and inventory is in progress{by}{on}: \
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

    fn hosts(names: &[&str]) -> Vec<String> {
        names.iter().map(|h| h.to_string()).collect()
    }

    #[test]
    fn the_same_selection_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let inv = vec!["hosts.ini".to_string()];
        let pb = Path::new("site.yml");
        let first = acquire(dir.path(), pb, &inv, "limit=all").unwrap();
        match acquire(dir.path(), pb, &inv, "limit=all") {
            Err(e @ LockError::Held { pid: Some(p), .. }) => {
                assert_eq!(p, std::process::id());
                assert!(e.to_string().contains("in progress (pid"), "{e}");
                assert!(e.to_string().ends_with(".lock` is held"), "{e}");
            }
            other => panic!("expected the lock to be held, got {other:?}"),
        }
        // Another inventory is another lock.
        let other = acquire(dir.path(), pb, &["prod.ini".into()], "limit=all");
        assert!(other.is_ok());
        drop(first);
        assert!(acquire(dir.path(), pb, &inv, "limit=all").is_ok());
    }

    #[test]
    fn disjoint_hosts_run_side_by_side_and_overlapping_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let inv = vec!["hosts.ini".to_string()];
        let pb = Path::new("site.yml");
        let mut web = acquire(dir.path(), pb, &inv, "limit=web").unwrap();
        web.claim_hosts(&hosts(&["h1", "h2"])).unwrap();
        // A run still reading its inventory (no hosts yet) is not in the way.
        let mut db = acquire(dir.path(), pb, &inv, "limit=db").unwrap();
        db.claim_hosts(&hosts(&["h3"])).unwrap();
        let mut both = acquire(dir.path(), pb, &inv, "limit=h2:h3").unwrap();
        match both.claim_hosts(&hosts(&["h2", "h3"])) {
            Err(e @ LockError::Held { .. }) => {
                let text = e.to_string();
                assert!(
                    text.contains(" on h2: lock `") || text.contains(" on h3: lock `"),
                    "{text}"
                );
            }
            other => panic!("expected an overlap, got {other:?}"),
        }
        drop(web);
        drop(db);
        both.claim_hosts(&hosts(&["h2", "h3"])).unwrap();
    }

    #[test]
    fn the_claim_of_an_ended_run_is_no_claim() {
        let dir = tempfile::tempdir().unwrap();
        let pb = Path::new("site.yml");
        let inv = vec!["hosts.ini".to_string()];
        // A claim file nobody holds: what a killed run leaves.
        let claims = dir.path().join(key(pb, &inv));
        std::fs::create_dir_all(&claims).unwrap();
        let stale = claims.join("999999.lock");
        std::fs::write(
            &stale,
            "pid 999999\nselection limit=all\nhosts 1\nhost h1\n",
        )
        .unwrap();
        let mut lock = acquire(dir.path(), pb, &inv, "limit=all").unwrap();
        lock.claim_hosts(&hosts(&["h1"])).unwrap();
        assert!(!stale.exists());
        let path = lock.path.clone();
        drop(lock);
        assert!(!path.exists());
    }

    #[test]
    fn the_key_ignores_inventory_order() {
        let a = key(Path::new("p.yml"), &["a".into(), "b".into()]);
        assert_eq!(a, key(Path::new("p.yml"), &["b".into(), "a".into()]));
        assert_ne!(a, key(Path::new("q.yml"), &["a".into(), "b".into()]));
        assert_eq!(a.len(), 16);
    }
}
