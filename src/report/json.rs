//! The `--report FILE` document: one JSON object per run with a schema version, the run's
//! start and end, every task's result per host, and per-host stats equal to the recap.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use serde_json::{Map, Value, json};

use super::{Event, Reporter, censored, rfc3339};

/// Bumped whenever a key changes meaning or disappears; additions keep the version.
pub const SCHEMA: &str = "rconf.report/1";

pub struct JsonReport {
    path: PathBuf,
    meta: Map<String, Value>,
    started: SystemTime,
    plays: Vec<Value>,
    warnings: Vec<String>,
    /// Seconds each host's connection took to open (connect + authenticate).
    connections: Map<String, Value>,
    /// Set when the file could not be written, for the caller's exit code.
    failed: Arc<AtomicBool>,
}

impl JsonReport {
    /// `meta` holds run-level keys (`playbook`, `inventory`, `check`...).
    pub fn new(path: PathBuf, meta: Map<String, Value>) -> Self {
        JsonReport {
            path,
            meta,
            started: SystemTime::now(),
            plays: Vec::new(),
            warnings: Vec::new(),
            connections: Map::new(),
            failed: Arc::default(),
        }
    }

    /// Becomes true if the file cannot be written (the message is printed then).
    pub fn failed(&self) -> Arc<AtomicBool> {
        self.failed.clone()
    }

    fn current_tasks(&mut self) -> Option<&mut Vec<Value>> {
        self.plays.last_mut()?.get_mut("tasks")?.as_array_mut()
    }

    fn write(&mut self, stats: Value) {
        let mut doc = Map::new();
        doc.insert("schema".into(), SCHEMA.into());
        doc.insert("rconf_version".into(), env!("CARGO_PKG_VERSION").into());
        for (k, v) in &self.meta {
            doc.insert(k.clone(), v.clone());
        }
        doc.insert("start".into(), rfc3339(self.started).into());
        doc.insert("end".into(), rfc3339(SystemTime::now()).into());
        let secs = self.started.elapsed().unwrap_or_default().as_secs_f64();
        doc.insert(
            "duration_seconds".into(),
            json!((secs * 1000.0).round() / 1000.0),
        );
        doc.insert(
            "plays".into(),
            Value::Array(std::mem::take(&mut self.plays)),
        );
        doc.insert("warnings".into(), json!(self.warnings));
        doc.insert(
            "connect_seconds".into(),
            Value::Object(std::mem::take(&mut self.connections)),
        );
        doc.insert("stats".into(), stats);
        let text = serde_json::to_string_pretty(&Value::Object(doc)).unwrap_or_default() + "\n";
        let tmp = self.path.with_extension("rconf-tmp");
        let result = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, &self.path));
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            let msg = format!("cannot write report `{}`: {e}", self.path.display());
            eprintln!("error: {msg}");
            self.failed.store(true, Ordering::Relaxed);
        }
    }
}

impl Reporter for JsonReport {
    fn event(&mut self, event: &Event) {
        match event {
            Event::PlaybookStart { .. } => {}
            Event::PlayStart { name, hosts } => {
                self.plays
                    .push(json!({"name": name, "hosts": hosts, "tasks": []}));
            }
            Event::TaskStart {
                name,
                action,
                location,
                handler,
            } => {
                let task = json!({"name": name, "action": action, "location": location.to_string(),
                                  "handler": handler, "hosts": {}});
                if let Some(tasks) = self.current_tasks() {
                    tasks.push(task);
                }
            }
            Event::HostResult {
                host,
                result,
                status,
                duration,
                no_log,
                ..
            } => {
                let mut shown = if *no_log {
                    censored(result)
                } else {
                    result.to_json()
                };
                if let Value::Object(m) = &mut shown {
                    m.retain(|k, _| !k.starts_with('_'));
                    m.insert("status".into(), json!(status));
                    m.insert(
                        "duration_seconds".into(),
                        json!((duration.as_secs_f64() * 1000.0).round() / 1000.0),
                    );
                }
                let slot = self
                    .current_tasks()
                    .and_then(|t| t.last_mut())
                    .and_then(|t| t.get_mut("hosts"))
                    .and_then(Value::as_object_mut);
                if let Some(hosts) = slot {
                    hosts.insert(host.to_string(), shown);
                }
            }
            Event::ItemResult { .. } | Event::Retrying { .. } => {}
            Event::Warning(w) => self.warnings.push(w.to_string()),
            Event::Connected { host, seconds } => {
                self.connections
                    .insert(host.to_string(), json!((seconds * 1000.0).round() / 1000.0));
            }
            Event::Recap { stats } => {
                let stats = serde_json::to_value(stats).unwrap_or_default();
                self.write(stats);
            }
        }
    }
}
