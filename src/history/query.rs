//! Reading the history: the list of runs, one host's timeline with the moments drift appeared
//! and was fixed, a stored report, and retention.

use std::collections::HashMap;

use rusqlite::OptionalExtension;

use super::{HistoryError, Store};

#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub id: i64,
    pub started: String,
    pub command: String,
    pub check_mode: bool,
    pub playbook: String,
    pub exit_code: i32,
    pub hosts: i64,
    pub drifted: i64,
    pub failed: i64,
}

/// One run as seen by one host.
#[derive(Debug, Clone, PartialEq)]
pub struct HostRow {
    pub run_id: i64,
    pub started: String,
    pub command: String,
    pub check_mode: bool,
    pub playbook: String,
    /// `in_sync`, `drifted` (a check found changes), `changed` (a run applied changes),
    /// `failed` or `unreachable`.
    pub state: String,
    /// The resources (or task names) that changed or would change.
    pub resources: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostEvent {
    /// A check found drift on a host last known to be in sync (or never seen before).
    Appeared,
    /// A host known to have drifted was found in sync, or a run converged it.
    Fixed,
}

/// How much history to keep: the newest N runs, or the runs of the last N days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    Runs(u64),
    Days(u64),
}

impl std::str::FromStr for Keep {
    type Err = String;

    fn from_str(s: &str) -> Result<Keep, String> {
        let bad = || format!("invalid retention `{s}`: expected runs (`100`) or days (`30d`)");
        match s.strip_suffix('d') {
            Some(days) => days.parse().map(Keep::Days).map_err(|_| bad()),
            None => s.parse().map(Keep::Runs).map_err(|_| bad()),
        }
    }
}

/// Marks, for rows in time order, where drift appeared and where it was fixed, per playbook
/// (drift is relative to what a playbook wants). Failed and unreachable runs say nothing.
pub fn timeline(rows: &[HostRow]) -> Vec<Option<HostEvent>> {
    let mut drifted: HashMap<&str, bool> = HashMap::new();
    rows.iter()
        .map(|r| {
            let was = drifted.get(r.playbook.as_str()).copied();
            let now = match (r.check_mode, r.state.as_str()) {
                (_, "in_sync") => false,
                (true, "drifted") => true,
                (false, "changed") => false,
                _ => return None,
            };
            drifted.insert(&r.playbook, now);
            match (was, now) {
                (Some(false) | None, true) => Some(HostEvent::Appeared),
                (Some(true), false) => Some(HostEvent::Fixed),
                _ => None,
            }
        })
        .collect()
}

impl Store {
    /// The newest `limit` runs, newest first.
    pub fn runs(&self, limit: u64) -> Result<Vec<RunRow>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.id, r.started, r.command, r.check_mode, r.playbook, r.exit_code,
                        COUNT(h.host),
                        COALESCE(SUM(h.state = 'drifted'), 0),
                        COALESCE(SUM(h.state IN ('failed', 'unreachable')), 0)
                 FROM runs r LEFT JOIN host_runs h ON h.run_id = r.id
                 GROUP BY r.id ORDER BY r.id DESC LIMIT ?1",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([limit as i64], |r| {
                Ok(RunRow {
                    id: r.get(0)?,
                    started: r.get(1)?,
                    command: r.get(2)?,
                    check_mode: r.get(3)?,
                    playbook: r.get(4)?,
                    exit_code: r.get(5)?,
                    hosts: r.get(6)?,
                    drifted: r.get(7)?,
                    failed: r.get(8)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>());
        rows.map_err(|e| self.err(e))
    }

    /// Every recorded run that included `host`, oldest first.
    pub fn host_rows(&self, host: &str) -> Result<Vec<HostRow>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.id, r.started, r.command, r.check_mode, r.playbook, h.state,
                        (SELECT group_concat(COALESCE(t.resource, t.task), char(10))
                         FROM task_results t
                         WHERE t.run_id = r.id AND t.host = h.host AND t.status = 'changed')
                 FROM host_runs h JOIN runs r ON r.id = h.run_id
                 WHERE h.host = ?1 ORDER BY r.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([host], |r| {
                let resources: Option<String> = r.get(6)?;
                Ok(HostRow {
                    run_id: r.get(0)?,
                    started: r.get(1)?,
                    command: r.get(2)?,
                    check_mode: r.get(3)?,
                    playbook: r.get(4)?,
                    state: r.get(5)?,
                    resources: resources
                        .map(|s| s.lines().map(str::to_string).collect())
                        .unwrap_or_default(),
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>());
        rows.map_err(|e| self.err(e))
    }

    /// The stored JSON report of run `id`.
    pub fn report(&self, id: i64) -> Result<Option<String>, HistoryError> {
        self.conn
            .query_row("SELECT report FROM runs WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Deletes what `keep` does not keep; returns how many runs went.
    pub fn prune(&mut self, keep: Keep) -> Result<usize, HistoryError> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| HistoryError {
            path: path.clone(),
            msg: super::describe(&e),
        };
        let (cond, arg) = match keep {
            Keep::Runs(n) => (
                "id NOT IN (SELECT id FROM runs ORDER BY id DESC LIMIT ?1)",
                n as i64,
            ),
            Keep::Days(d) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|t| t.as_secs() as i64)
                    .unwrap_or(0);
                ("started_unix < ?1", now - (d as i64) * 86_400)
            }
        };
        let tx = self.conn.transaction().map_err(err)?;
        let sub = format!("SELECT id FROM runs WHERE {cond}");
        for table in ["task_results", "host_runs"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE run_id IN ({sub})"),
                [arg],
            )
            .map_err(err)?;
        }
        let n = tx
            .execute(&format!("DELETE FROM runs WHERE {cond}"), [arg])
            .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(n)
    }
}
