//! Reading the history: the list of runs, one host's timeline with the moments drift appeared
//! and was fixed, a stored report, and retention.

use std::collections::HashMap;

use rusqlite::OptionalExtension;

use super::{HistoryError, Store};

/// One logical run: a run, or the shards of one job (the same `--run-id`) taken together.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    /// The newest of its shards' ids.
    pub id: i64,
    /// When its first shard started.
    pub started: String,
    pub command: String,
    pub check_mode: bool,
    pub playbook: String,
    /// The combined exit code (`combine_exit_codes`).
    pub exit_code: i32,
    /// Distinct hosts over all shards.
    pub hosts: i64,
    pub drifted: i64,
    pub failed: i64,
    pub project: String,
    /// The `--run-id` its shards share, if any.
    pub run_key: Option<String>,
    /// How many recorded runs (shards) it has.
    pub shards: i64,
    /// The drifted hosts, by name.
    pub drifted_hosts: Vec<String>,
}

/// The exit code of several shards as one run: the order in which rconf's own codes win
/// (unreachable over failed over drift; errors and a held lock above all).
pub fn combine_exit_codes(codes: impl IntoIterator<Item = i32>) -> i32 {
    const RANK: [i32; 7] = [0, 3, 2, 4, 1, 6, 5];
    let rank = |c: i32| RANK.iter().position(|&r| r == c).unwrap_or(RANK.len());
    codes.into_iter().max_by_key(|&c| rank(c)).unwrap_or(0)
}

/// One run as seen by one host.
#[derive(Debug, Clone, PartialEq)]
pub struct HostRow {
    pub run_id: i64,
    pub started: String,
    pub command: String,
    pub check_mode: bool,
    pub playbook: String,
    pub project: String,
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

/// Marks, for rows in time order, where drift appeared and where it was fixed, per project
/// and playbook (drift is relative to what a playbook wants). Failed and unreachable runs say
/// nothing.
pub fn timeline(rows: &[HostRow]) -> Vec<Option<HostEvent>> {
    let mut drifted: HashMap<(&str, &str), bool> = HashMap::new();
    rows.iter()
        .map(|r| {
            let key = (r.project.as_str(), r.playbook.as_str());
            let was = drifted.get(&key).copied();
            let now = match (r.check_mode, r.state.as_str()) {
                (_, "in_sync") => false,
                (true, "drifted") => true,
                (false, "changed") => false,
                _ => return None,
            };
            drifted.insert(key, now);
            match (was, now) {
                (Some(false) | None, true) => Some(HostEvent::Appeared),
                (Some(true), false) => Some(HostEvent::Fixed),
                _ => None,
            }
        })
        .collect()
}

impl Store {
    /// The newest `limit` logical runs, newest first.
    #[cfg(test)]
    pub fn runs(&self, limit: u64) -> Result<Vec<RunRow>, HistoryError> {
        self.runs_in(limit, None)
    }

    /// The newest `limit` logical runs of `project` (all projects: `None`), newest first.
    pub fn runs_in(&self, limit: u64, project: Option<&str>) -> Result<Vec<RunRow>, HistoryError> {
        // A run without a run id is a logical run of its own.
        let mut stmt = self
            .conn
            .prepare(
                "WITH logical AS (
                     SELECT COALESCE(run_key, '#' || id) AS k, MAX(id) AS newest,
                            MIN(started) AS started, COUNT(*) AS shards,
                            group_concat(exit_code) AS codes
                     FROM runs WHERE ?2 IS NULL OR project = ?2
                     GROUP BY k ORDER BY newest DESC LIMIT ?1)
                 SELECT l.newest, l.started, r.command, r.check_mode, r.playbook, l.codes,
                        (SELECT COUNT(DISTINCT h.host) FROM host_runs h JOIN runs s
                           ON s.id = h.run_id WHERE COALESCE(s.run_key, '#' || s.id) = l.k),
                        (SELECT group_concat(h.host, char(10)) FROM host_runs h JOIN runs s
                           ON s.id = h.run_id
                           WHERE COALESCE(s.run_key, '#' || s.id) = l.k AND h.state = 'drifted'),
                        (SELECT COUNT(DISTINCT h.host) FROM host_runs h JOIN runs s
                           ON s.id = h.run_id WHERE COALESCE(s.run_key, '#' || s.id) = l.k
                           AND h.state IN ('failed', 'unreachable')),
                        r.project, r.run_key, l.shards
                 FROM logical l JOIN runs r ON r.id = l.newest
                 ORDER BY l.newest DESC",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(rusqlite::params![limit as i64, project], |r| {
                let codes: String = r.get(5)?;
                let drifted: Option<String> = r.get(7)?;
                let mut drifted_hosts: Vec<String> = drifted
                    .map(|s| s.lines().map(str::to_string).collect())
                    .unwrap_or_default();
                drifted_hosts.sort();
                drifted_hosts.dedup();
                Ok(RunRow {
                    id: r.get(0)?,
                    started: r.get(1)?,
                    command: r.get(2)?,
                    check_mode: r.get(3)?,
                    playbook: r.get(4)?,
                    exit_code: combine_exit_codes(codes.split(',').filter_map(|c| c.parse().ok())),
                    hosts: r.get(6)?,
                    drifted: drifted_hosts.len() as i64,
                    failed: r.get(8)?,
                    project: r.get(9)?,
                    run_key: r.get(10)?,
                    shards: r.get(11)?,
                    drifted_hosts,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>());
        rows.map_err(|e| self.err(e))
    }

    /// Every recorded run that included `host`, oldest first.
    #[cfg(test)]
    pub fn host_rows(&self, host: &str) -> Result<Vec<HostRow>, HistoryError> {
        self.host_rows_in(host, None)
    }

    /// Every recorded run of `project` (all projects: `None`) that included `host`, oldest
    /// first.
    pub fn host_rows_in(
        &self,
        host: &str,
        project: Option<&str>,
    ) -> Result<Vec<HostRow>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.id, r.started, r.command, r.check_mode, r.playbook, h.state,
                        (SELECT group_concat(COALESCE(t.resource, t.task), char(10))
                         FROM task_results t
                         WHERE t.run_id = r.id AND t.host = h.host AND t.status = 'changed'),
                        r.project
                 FROM host_runs h JOIN runs r ON r.id = h.run_id
                 WHERE h.host = ?1 AND (?2 IS NULL OR r.project = ?2) ORDER BY r.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(rusqlite::params![host, project], |r| {
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
                    project: r.get(7)?,
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
        // Immediate, as `insert`: wait for the write lock rather than fail on its upgrade.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
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

/// A `group_concat`/`string_agg` of lines, as a list (none: empty).
pub(super) fn split_lines(text: Option<String>) -> Vec<String> {
    text.map(|s| s.lines().map(str::to_string).collect())
        .unwrap_or_default()
}
