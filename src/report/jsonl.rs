//! `--output jsonl`: one JSON object per line, written as each event happens, so scripts and log
//! shippers can follow a run live. Same schema family as the `--report` document.

use std::io::Write;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Map, Value, json};

use super::json::SCHEMA;
use super::{CENSORED_ITEM, Event, Status, censored, rfc3339};
use crate::result::TaskResult;

pub struct JsonLines {
    out: Box<dyn Write + Send>,
    meta: Map<String, Value>,
    started: Instant,
    play: String,
    task: String,
}

impl JsonLines {
    /// `meta` is merged into the first line (`run_start`): command, playbook, inventory...
    pub fn new(out: Box<dyn Write + Send>, meta: Map<String, Value>) -> Self {
        let mut me = JsonLines {
            out,
            meta,
            started: Instant::now(),
            play: String::new(),
            task: String::new(),
        };
        let mut first = json!({
            "schema": SCHEMA,
            "rconf_version": env!("CARGO_PKG_VERSION"),
        });
        if let Value::Object(m) = &mut first {
            m.extend(std::mem::take(&mut me.meta));
        }
        me.emit("run_start", first);
        me
    }

    fn emit(&mut self, kind: &str, body: Value) {
        let mut line = Map::new();
        line.insert("event".into(), kind.into());
        line.insert("time".into(), rfc3339(SystemTime::now()).into());
        if let Value::Object(m) = body {
            line.extend(m);
        }
        let mut text = serde_json::to_string(&Value::Object(line)).unwrap_or_default();
        text.push('\n');
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }
}

fn seconds(d: Duration) -> Value {
    json!((d.as_secs_f64() * 1000.0).round() / 1000.0)
}

/// A host's result as the report shows it: Ansible's keys, `status`, `duration_seconds`.
pub fn result_object(
    result: &TaskResult,
    status: Option<Status>,
    duration: Option<Duration>,
    no_log: bool,
) -> Value {
    let mut shown = if no_log {
        censored(result)
    } else {
        result.to_json()
    };
    if let Value::Object(m) = &mut shown {
        m.retain(|k, _| !k.starts_with('_'));
        if let Some(s) = status {
            m.insert("status".into(), json!(s));
        }
        if let Some(d) = duration {
            m.insert("duration_seconds".into(), seconds(d));
        }
    }
    shown
}

impl super::Reporter for JsonLines {
    fn event(&mut self, event: &Event) {
        match event {
            Event::PlaybookStart { .. } => {}
            Event::PlayStart { name, hosts } => {
                self.play = name.to_string();
                self.emit("play_start", json!({"play": name, "hosts": hosts}));
            }
            Event::TaskStart {
                name,
                action,
                location,
                handler,
            } => {
                self.task = name.to_string();
                let body = json!({"play": self.play, "task": name, "action": action,
                                  "location": location.to_string(), "handler": handler});
                self.emit("task_start", body);
            }
            Event::ItemResult {
                host,
                label,
                result,
                no_log,
            } => {
                let label = if *no_log { CENSORED_ITEM } else { label };
                let body = json!({"play": self.play, "task": self.task, "host": host,
                                  "item": label,
                                  "result": result_object(result, None, None, *no_log)});
                self.emit("item_result", body);
            }
            Event::HostResult {
                host,
                result,
                status,
                duration,
                no_log,
                ..
            } => {
                let result = result_object(result, Some(*status), Some(*duration), *no_log);
                let body = json!({"play": self.play, "task": self.task, "host": host,
                                  "status": status, "result": result});
                self.emit("host_result", body);
            }
            Event::Warning(w) => self.emit("warning", json!({"message": w})),
            Event::Retrying { host, task, left } => self.emit(
                "retrying",
                json!({"host": host, "task": task, "retries_left": left}),
            ),
            Event::Connected { host, seconds } => self.emit(
                "connected",
                json!({"host": host, "connect_seconds": seconds}),
            ),
            Event::Recap { stats } => {
                let body =
                    json!({"stats": stats, "duration_seconds": seconds(self.started.elapsed())});
                self.emit("recap", body);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Reporter, Stats};
    use indexmap::IndexMap;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn one_parseable_line_per_event_with_context() {
        let buf = Shared::default();
        let mut meta = Map::new();
        meta.insert("command".into(), "exec".into());
        let mut r = JsonLines::new(Box::new(buf.clone()), meta);
        let hosts = vec!["h1".to_string()];
        r.event(&Event::PlayStart {
            name: "p",
            hosts: &hosts,
        });
        r.event(&Event::TaskStart {
            name: "t",
            action: "shell",
            location: crate::error::Location::new("x", 1, 1),
            handler: false,
        });
        let res = TaskResult::changed()
            .with("rc", 0)
            .with("stdout", "hi")
            .with("_internal", 1);
        r.event(&Event::HostResult {
            host: "h1",
            result: &res,
            status: Status::Changed,
            duration: Duration::from_millis(1500),
            no_log: false,
            looped: false,
        });
        let mut stats = IndexMap::new();
        stats.insert("h1".to_string(), Stats::default());
        r.event(&Event::Recap { stats: &stats });
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let kinds: Vec<&str> = lines.iter().map(|l| l["event"].as_str().unwrap()).collect();
        assert_eq!(
            kinds,
            [
                "run_start",
                "play_start",
                "task_start",
                "host_result",
                "recap"
            ]
        );
        assert_eq!(lines[0]["schema"], SCHEMA);
        assert_eq!(lines[0]["command"], "exec");
        let hr = &lines[3];
        assert_eq!(hr["task"], "t");
        assert_eq!(hr["status"], "changed");
        assert_eq!(hr["result"]["stdout"], "hi");
        assert_eq!(hr["result"]["duration_seconds"], 1.5);
        assert!(hr["result"].get("_internal").is_none());
        assert_eq!(lines[4]["stats"]["h1"]["ok"], 0);
    }

    #[test]
    fn no_log_results_are_censored() {
        let res = TaskResult::ok().with("stdout", "secret");
        let v = result_object(&res, Some(Status::Ok), None, true);
        assert!(!v.to_string().contains("secret"));
        assert!(v["censored"].is_string());
    }
}
