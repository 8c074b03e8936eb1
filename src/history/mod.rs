//! The run history: every run and check recorded in an embedded SQLite database (by default
//! `$XDG_STATE_HOME/rconf/history.db`) or a shared PostgreSQL one (`pg`), with per-host
//! outcomes, per-task results and the report.

mod pg;
mod query;
mod record;
mod rows;
mod schema;
pub mod spool;
mod store;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode};

pub use query::{HostEvent, HostRow, Keep, RunRow, timeline};
pub use record::RunRecord;
pub use rows::Rows;
#[cfg(test)]
pub use schema::VERSION;
pub use store::{HistoryStore, Location};

/// How long a write waits for another rconf process holding the database.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// rconf's state directory: `$XDG_STATE_HOME/rconf`, else `~/.local/state/rconf`.
pub fn state_dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = xdg.or_else(|| {
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".local/state"))
    })?;
    Some(base.join("rconf"))
}

/// The default database file.
pub fn default_path() -> Option<PathBuf> {
    state_dir().map(|d| d.join("history.db"))
}

/// Why the history could not be read or written; says which file and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryError {
    pub path: PathBuf,
    pub msg: String,
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "history database `{}`: {}",
            self.path.display(),
            self.msg
        )
    }
}

impl std::error::Error for HistoryError {}

/// A user-facing reason for an SQLite error.
fn describe(e: &rusqlite::Error) -> String {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => {
            "is not an SQLite database (corrupted?): move it away and rconf starts a new one".into()
        }
        Some(ErrorCode::DatabaseCorrupt) => {
            "is corrupted: move it away and rconf starts a new one".into()
        }
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "is locked by another process: try again later".into()
        }
        Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied | ErrorCode::CannotOpen) => {
            format!("cannot be opened for writing: {e}")
        }
        Some(ErrorCode::DiskFull) => "the disk is full".into(),
        _ => e.to_string(),
    }
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating it and its directory if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Store, HistoryError> {
        Store::open_with_timeout(path, BUSY_TIMEOUT)
    }

    /// `open`, waiting at most `busy` for another process that holds the database.
    pub fn open_with_timeout(path: &Path, busy: Duration) -> Result<Store, HistoryError> {
        let fail = |msg: String| HistoryError {
            path: path.to_path_buf(),
            msg,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| fail(format!("cannot create `{}`: {e}", dir.display())))?;
        }
        if path.is_dir() {
            return Err(fail("is a directory, expected a database file".into()));
        }
        let mut conn = Connection::open(path).map_err(|e| fail(describe(&e)))?;
        conn.busy_timeout(busy).map_err(|e| fail(describe(&e)))?;
        schema::migrate(&mut conn).map_err(fail)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing database for reading; a missing file is an error, not a new database.
    pub fn open_existing(path: &Path) -> Result<Store, HistoryError> {
        if !path.exists() {
            return Err(HistoryError {
                path: path.to_path_buf(),
                msg: "does not exist: no run has been recorded yet".into(),
            });
        }
        Store::open(path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: rusqlite::Error) -> HistoryError {
        HistoryError {
            path: self.path.clone(),
            msg: describe(&e),
        }
    }
}

#[cfg(test)]
mod tests;
