//! What one run becomes in the history, whichever database holds it: the run's row, each
//! host's outcome and stats, each task's result, all taken from the run's `rconf.report/1`
//! document. Both stores insert these rows; the local spool keeps them as JSON until the shared
//! store takes them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::RunRecord;
use crate::report::drift::{self, HostState, resource_of};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rows {
    /// Unique per recorded run, so that a spooled run uploaded twice is stored once.
    pub uid: String,
    pub started: String,
    pub ended: String,
    pub started_unix: i64,
    pub command: String,
    pub check_mode: bool,
    pub playbook: String,
    /// The inventories, as a JSON list.
    pub inventory: String,
    pub exit_code: i32,
    /// The JSON report, as text.
    pub report: String,
    pub project: String,
    pub run_key: Option<String>,
    pub shard: Option<String>,
    pub hosts: Vec<HostOutcome>,
    pub tasks: Vec<TaskResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostOutcome {
    pub host: String,
    pub state: String,
    pub changes: i64,
    /// ok, changed, unreachable, failed, skipped, rescued, ignored.
    pub stats: [i64; 7],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    pub host: String,
    pub seq: i64,
    pub task: String,
    pub module: String,
    pub location: String,
    pub status: String,
    pub resource: Option<String>,
    pub msg: Option<String>,
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

impl Rows {
    pub fn of(run: &RunRecord) -> Rows {
        let doc = run.report;
        let text = |k: &str| doc.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let started_unix =
            now.as_secs() as i64 - doc["duration_seconds"].as_f64().unwrap_or(0.0) as i64;
        let uid = format!(
            "{:x}-{}-{:016x}",
            now.as_nanos(),
            std::process::id(),
            rand::random::<u64>()
        );
        let analysis = drift::analyze(doc);
        let hosts = analysis
            .hosts
            .iter()
            .map(|h| {
                let s = &doc["stats"][&h.host];
                HostOutcome {
                    host: h.host.clone(),
                    state: host_state(run.check_mode, h.state).to_string(),
                    changes: h.changes.len() as i64,
                    stats: [
                        "ok",
                        "changed",
                        "unreachable",
                        "failed",
                        "skipped",
                        "rescued",
                        "ignored",
                    ]
                    .map(|k| int(s, k)),
                }
            })
            .collect();
        let mut tasks = Vec::new();
        let mut seq = 0i64;
        let all = doc["plays"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["tasks"].as_array())
            .flatten();
        for task in all {
            let Some(results) = task["hosts"].as_object() else {
                continue;
            };
            seq += 1;
            let module = task["action"].as_str().unwrap_or("");
            let module = crate::modules::find(module).map_or(module, |m| m.spec().name);
            for (host, r) in results {
                tasks.push(TaskResult {
                    host: host.clone(),
                    seq,
                    task: task["name"].as_str().unwrap_or("").to_string(),
                    module: module.to_string(),
                    location: task["location"].as_str().unwrap_or("").to_string(),
                    status: r["status"].as_str().unwrap_or("").to_string(),
                    resource: resource_of(r),
                    msg: r["msg"].as_str().map(str::to_string),
                });
            }
        }
        Rows {
            uid,
            started: text("start"),
            ended: text("end"),
            started_unix,
            command: run.command.to_string(),
            check_mode: run.check_mode,
            playbook: run.playbook.clone(),
            inventory: serde_json::to_string(&run.inventory).unwrap_or_default(),
            exit_code: run.exit_code,
            report: doc.to_string(),
            project: run.project.clone(),
            run_key: run.run_key.clone(),
            shard: run.shard.clone(),
            hosts,
            tasks,
        }
    }
}
