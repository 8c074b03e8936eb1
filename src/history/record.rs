//! Writing one run into the SQLite history: its `Rows` in one transaction.

use serde_json::Value;

use super::rows::Rows;
use super::{HistoryError, Store};

/// One finished run, as the history stores it.
pub struct RunRecord<'a> {
    /// `run` or `check`.
    pub command: &'a str,
    pub check_mode: bool,
    /// Absolute, so that runs from different directories group together.
    pub playbook: String,
    pub inventory: Vec<String>,
    pub exit_code: i32,
    /// The run's JSON report.
    pub report: &'a Value,
    /// What the run belongs to (`--project`, else the playbook's directory): a host's
    /// history is read per project.
    pub project: String,
    /// The id shared by the shards of one job (`--run-id`): one logical run.
    pub run_key: Option<String>,
    /// `K/N` when the run was a shard.
    pub shard: Option<String>,
}

impl Store {
    /// Records a run; returns its id.
    #[cfg(test)]
    pub fn record(&mut self, run: &RunRecord) -> Result<i64, HistoryError> {
        self.insert(&Rows::of(run))
    }

    /// Stores a run's rows; a run already stored (the same `uid`) is not stored again.
    pub fn insert(&mut self, rows: &Rows) -> Result<i64, HistoryError> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| HistoryError {
            path: path.clone(),
            msg: super::describe(&e),
        };
        // Immediate: the write lock is taken (waiting `busy_timeout` for it) before the read,
        // so two rconf processes recording at once (shards of a job) queue instead of one
        // getting SQLITE_BUSY when its read lock cannot become a write lock.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let existing: Option<i64> = tx
            .query_row("SELECT id FROM runs WHERE uid = ?1", [&rows.uid], |r| {
                r.get(0)
            })
            .ok();
        if let Some(id) = existing {
            return Ok(id);
        }
        tx.execute(
            "INSERT INTO runs (started, ended, started_unix, command, check_mode, playbook,
                               inventory, exit_code, report, project, run_key, shard, uid)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            rusqlite::params![
                rows.started,
                rows.ended,
                rows.started_unix,
                rows.command,
                rows.check_mode,
                rows.playbook,
                rows.inventory,
                rows.exit_code,
                rows.report,
                rows.project,
                rows.run_key,
                rows.shard,
                rows.uid,
            ],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        for h in &rows.hosts {
            let [ok, changed, unreachable, failed, skipped, rescued, ignored] = h.stats;
            tx.execute(
                "INSERT INTO host_runs (run_id, host, state, changes, ok, changed, unreachable,
                                        failed, skipped, rescued, ignored)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                rusqlite::params![
                    id,
                    h.host,
                    h.state,
                    h.changes,
                    ok,
                    changed,
                    unreachable,
                    failed,
                    skipped,
                    rescued,
                    ignored,
                ],
            )
            .map_err(err)?;
        }
        for t in &rows.tasks {
            tx.execute(
                "INSERT INTO task_results (run_id, host, seq, task, module, location, status,
                                           resource, msg)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                rusqlite::params![
                    id, t.host, t.seq, t.task, t.module, t.location, t.status, t.resource, t.msg,
                ],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(id)
    }
}
