//! The local copy of runs the shared history could not take (the database down, unreachable,
//! timing out): one JSON file of `Rows` per run under `STATE/spool/<hash of the URL>/`,
//! uploaded, oldest first, the next time that history is opened, and removed only once stored.
//! A run uploaded twice (a crash between storing and removing) is stored once: its `uid`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::rows::Rows;
use super::store::HistoryStore;

/// The spool directory for the history at `url`.
pub fn dir(url: &str) -> Option<PathBuf> {
    let hash: String = Sha256::digest(url.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    super::state_dir().map(|d| d.join("spool").join(hash))
}

/// Keeps `rows` in `dir`; returns the file.
pub fn save(dir: &Path, rows: &Rows) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{}.json", rows.uid));
    let tmp = dir.join(format!(".{}.tmp", rows.uid));
    let text = serde_json::to_vec(rows).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

/// Uploads what `dir` holds into `store`, oldest first; returns how many runs went up. The
/// first failure stops it (the rest waits for next time); a file that is not a run is left
/// with a warning.
pub fn upload(dir: &Path, store: &mut dyn HistoryStore) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    // The uid starts with the time in hex nanoseconds, of one width for centuries: name order
    // is time order.
    files.sort();
    let mut sent = 0;
    for path in files {
        let rows: Rows = match std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_slice(&t).map_err(|e| e.to_string()))
        {
            Ok(r) => r,
            Err(e) => {
                eprintln!(
                    "[WARNING]: spooled run `{}` is unreadable, left there: {e}",
                    path.display()
                );
                continue;
            }
        };
        match store.insert(&rows) {
            Ok(_) => {
                let _ = std::fs::remove_file(&path);
                sent += 1;
            }
            Err(e) => {
                eprintln!("[WARNING]: spooled runs stay in `{}`: {e}", dir.display());
                break;
            }
        }
    }
    sent
}
