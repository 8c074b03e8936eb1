//! Where the history lives (a SQLite file, or a shared PostgreSQL database) and the one
//! interface both stores give the commands: record a run's rows, list logical runs, read a
//! host's rows, show a report, prune.

use std::path::PathBuf;

use super::pg::{self, PgStore};
use super::query::{HostRow, Keep, RunRow};
use super::rows::Rows;
use super::{HistoryError, Store};

/// A history location as the user gives it (`--history`, `RCONF_HISTORY_URL`, ansible.cfg's
/// `[rconf] history`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    /// A `postgresql://` (or `postgres://`) URL, as libpq takes it.
    Postgres(String),
}

impl Location {
    pub fn parse(s: &str) -> Location {
        let t = s.trim();
        if t.starts_with("postgresql://") || t.starts_with("postgres://") {
            Location::Postgres(t.to_string())
        } else {
            Location::Sqlite(PathBuf::from(s))
        }
    }

    /// For messages: the file, or the URL without its password.
    pub fn shown(&self) -> String {
        match self {
            Location::Sqlite(p) => p.display().to_string(),
            Location::Postgres(u) => pg::redact(u),
        }
    }

    /// Opens (creating and migrating) the store.
    pub fn open(&self) -> Result<Box<dyn HistoryStore>, HistoryError> {
        Ok(match self {
            Location::Sqlite(p) => Box::new(Store::open(p)?),
            Location::Postgres(u) => Box::new(PgStore::open(u)?),
        })
    }

    /// Opens a store to read: a SQLite file must exist already.
    pub fn open_existing(&self) -> Result<Box<dyn HistoryStore>, HistoryError> {
        Ok(match self {
            Location::Sqlite(p) => Box::new(Store::open_existing(p)?),
            Location::Postgres(u) => Box::new(PgStore::open(u)?),
        })
    }
}

/// What the commands do with a history, whichever database holds it.
pub trait HistoryStore {
    fn insert(&mut self, rows: &Rows) -> Result<i64, HistoryError>;
    fn runs_in(&self, limit: u64, project: Option<&str>) -> Result<Vec<RunRow>, HistoryError>;
    fn host_rows_in(&self, host: &str, project: Option<&str>)
    -> Result<Vec<HostRow>, HistoryError>;
    fn report(&self, id: i64) -> Result<Option<String>, HistoryError>;
    fn prune(&mut self, keep: Keep) -> Result<usize, HistoryError>;
    /// For messages.
    fn shown(&self) -> String;
}

impl HistoryStore for Store {
    fn insert(&mut self, rows: &Rows) -> Result<i64, HistoryError> {
        Store::insert(self, rows)
    }
    fn runs_in(&self, limit: u64, project: Option<&str>) -> Result<Vec<RunRow>, HistoryError> {
        Store::runs_in(self, limit, project)
    }
    fn host_rows_in(
        &self,
        host: &str,
        project: Option<&str>,
    ) -> Result<Vec<HostRow>, HistoryError> {
        Store::host_rows_in(self, host, project)
    }
    fn report(&self, id: i64) -> Result<Option<String>, HistoryError> {
        Store::report(self, id)
    }
    fn prune(&mut self, keep: Keep) -> Result<usize, HistoryError> {
        Store::prune(self, keep)
    }
    fn shown(&self) -> String {
        self.path().display().to_string()
    }
}

impl HistoryStore for PgStore {
    fn insert(&mut self, rows: &Rows) -> Result<i64, HistoryError> {
        PgStore::insert(self, rows)
    }
    fn runs_in(&self, limit: u64, project: Option<&str>) -> Result<Vec<RunRow>, HistoryError> {
        PgStore::runs_in(self, limit, project)
    }
    fn host_rows_in(
        &self,
        host: &str,
        project: Option<&str>,
    ) -> Result<Vec<HostRow>, HistoryError> {
        PgStore::host_rows_in(self, host, project)
    }
    fn report(&self, id: i64) -> Result<Option<String>, HistoryError> {
        PgStore::report(self, id)
    }
    fn prune(&mut self, keep: Keep) -> Result<usize, HistoryError> {
        PgStore::prune(self, keep)
    }
    fn shown(&self) -> String {
        PgStore::shown(self).to_string()
    }
}
