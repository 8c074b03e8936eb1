//! Writing one run into the history: the run row, each host's outcome and stats, and each
//! task's result, all taken from the run's `rconf.report/1` document, in one transaction.

use serde_json::Value;

use super::{HistoryError, Store};
use crate::report::drift::{self, HostState, resource_of};

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

/// A host's state after a run: what a check found, or what an applying run left.
fn host_state(check_mode: bool, state: HostState) -> &'static str {
    match (check_mode, state) {
        (false, HostState::Drifted) => "changed",
        (_, s) => s.as_str(),
    }
}

fn int(v: &Value, k: &str) -> i64 {
    v.get(k).and_then(Value::as_i64).unwrap_or(0)
}

impl Store {
    /// Records a run; returns its id.
    pub fn record(&mut self, run: &RunRecord) -> Result<i64, HistoryError> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| HistoryError {
            path: path.clone(),
            msg: super::describe(&e),
        };
        let doc = run.report;
        let text = |k: &str| doc.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let started_unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64 - doc["duration_seconds"].as_f64().unwrap_or(0.0) as i64)
            .unwrap_or(0);
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute(
            "INSERT INTO runs (started, ended, started_unix, command, check_mode, playbook,
                               inventory, exit_code, report, project, run_key, shard)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            rusqlite::params![
                text("start"),
                text("end"),
                started_unix,
                run.command,
                run.check_mode,
                run.playbook,
                serde_json::to_string(&run.inventory).unwrap_or_default(),
                run.exit_code,
                doc.to_string(),
                run.project,
                run.run_key,
                run.shard,
            ],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        let analysis = drift::analyze(doc);
        for h in &analysis.hosts {
            let s = &doc["stats"][&h.host];
            tx.execute(
                "INSERT INTO host_runs (run_id, host, state, changes, ok, changed, unreachable,
                                        failed, skipped, rescued, ignored)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                rusqlite::params![
                    id,
                    h.host,
                    host_state(run.check_mode, h.state),
                    h.changes.len() as i64,
                    int(s, "ok"),
                    int(s, "changed"),
                    int(s, "unreachable"),
                    int(s, "failed"),
                    int(s, "skipped"),
                    int(s, "rescued"),
                    int(s, "ignored"),
                ],
            )
            .map_err(err)?;
        }
        let tasks = doc["plays"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["tasks"].as_array())
            .flatten();
        let mut seq = 0i64;
        for task in tasks {
            let Some(results) = task["hosts"].as_object() else {
                continue;
            };
            seq += 1;
            let module = task["action"].as_str().unwrap_or("");
            let module = crate::modules::find(module).map_or(module, |m| m.spec().name);
            for (host, r) in results {
                tx.execute(
                    "INSERT INTO task_results (run_id, host, seq, task, module, location, status,
                                               resource, msg)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    rusqlite::params![
                        id,
                        host,
                        seq,
                        task["name"].as_str().unwrap_or(""),
                        module,
                        task["location"].as_str().unwrap_or(""),
                        r["status"].as_str().unwrap_or(""),
                        resource_of(r),
                        r["msg"].as_str(),
                    ],
                )
                .map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(id)
    }
}
