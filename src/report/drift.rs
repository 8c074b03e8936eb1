//! Drift: what a check-mode run would change, read from the run's `rconf.report/1` document
//! (a host drifted when one of its tasks reports `changed` in check mode), and its human text.

use std::fmt::Write as _;

use serde_json::{Value, json};

/// The `drift` section's schema, inside a `rconf.report/1` document.
pub const SCHEMA: &str = "rconf.drift/1";

/// Where a host stands after a check. Worse states win: a host that failed may also have drifted,
/// but its state is unknown past the failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostState {
    InSync,
    Drifted,
    Failed,
    Unreachable,
}

impl HostState {
    pub fn as_str(self) -> &'static str {
        match self {
            HostState::InSync => "in_sync",
            HostState::Drifted => "drifted",
            HostState::Failed => "failed",
            HostState::Unreachable => "unreachable",
        }
    }
}

/// One task that would change one host.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub task: String,
    pub location: String,
    /// The module's short name (`copy`, not `ansible.builtin.copy`).
    pub module: String,
    /// The managed thing: the result's `path`, `dest` or `name`.
    pub resource: Option<String>,
    /// The task's diffs as the module returned them (one per changed loop item).
    pub diffs: Vec<Value>,
    pub handler: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub task: String,
    pub msg: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HostDrift {
    pub host: String,
    pub state: HostState,
    pub changes: Vec<Change>,
    pub failures: Vec<Failure>,
}

/// Every host of a run with what would change on it, in inventory order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Drift {
    pub hosts: Vec<HostDrift>,
}

fn short_module(action: &str) -> String {
    crate::modules::find(action)
        .map(|m| m.spec().name.to_string())
        .unwrap_or_else(|| action.rsplit('.').next().unwrap_or(action).to_string())
}

/// The managed resource a result names, if any: its `path`, `dest` or `name`, else the file a
/// content diff is about (`lineinfile` returns no path, but labels its diff `PATH (content)`).
pub fn resource_of(result: &Value) -> Option<String> {
    named(result).or_else(|| {
        let header = result.get("diff")?.get("before_header")?.as_str()?;
        Some(
            header
                .strip_suffix(" (content)")
                .unwrap_or(header)
                .to_string(),
        )
    })
}

fn named(result: &Value) -> Option<String> {
    ["path", "dest", "name"]
        .iter()
        .find_map(|k| match result.get(*k)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Array(a) if !a.is_empty() => Some(
                a.iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            _ => None,
        })
}

fn diffs_of(result: &Value) -> Vec<Value> {
    match result.get("diff") {
        Some(Value::Array(a)) => a.clone(),
        Some(d @ Value::Object(_)) => vec![d.clone()],
        _ => Vec::new(),
    }
}

/// The changes one task's result stands for: one per changed loop item, or the task itself.
fn changes_of(task: &Value, result: &Value) -> Vec<Change> {
    let base = Change {
        task: str_of(task, "name"),
        location: str_of(task, "location"),
        module: short_module(task.get("action").and_then(Value::as_str).unwrap_or("")),
        resource: resource_of(result),
        diffs: diffs_of(result),
        handler: task.get("handler").and_then(Value::as_bool) == Some(true),
    };
    let items: Vec<&Value> = result
        .get("results")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|r| r.get("changed").and_then(Value::as_bool) == Some(true))
                .collect()
        })
        .unwrap_or_default();
    if items.is_empty() {
        return vec![base];
    }
    items
        .into_iter()
        .map(|r| Change {
            resource: resource_of(r).or_else(|| r.get("item").map(label)),
            diffs: diffs_of(r),
            ..base.clone()
        })
        .collect()
}

fn label(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

fn str_of(v: &Value, key: &str) -> String {
    v.get(key).map(label).unwrap_or_default()
}

/// Reads the drift out of a `rconf.report/1` document of a check-mode run.
pub fn analyze(doc: &Value) -> Drift {
    let empty = serde_json::Map::new();
    let stats = doc
        .get("stats")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut hosts: Vec<HostDrift> = stats
        .keys()
        .map(|h| HostDrift {
            host: h.clone(),
            state: HostState::InSync,
            changes: Vec::new(),
            failures: Vec::new(),
        })
        .collect();
    let tasks = doc
        .get("plays")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("tasks").and_then(Value::as_array))
        .flatten();
    for task in tasks {
        let Some(results) = task.get("hosts").and_then(Value::as_object) else {
            continue;
        };
        for (host, result) in results {
            let Some(h) = hosts.iter_mut().find(|h| &h.host == host) else {
                continue;
            };
            match result.get("status").and_then(Value::as_str) {
                Some("changed") => h.changes.extend(changes_of(task, result)),
                Some(s @ ("failed" | "unreachable")) => {
                    h.failures.push(Failure {
                        task: str_of(task, "name"),
                        msg: str_of(result, "msg"),
                    });
                    let state = if s == "failed" {
                        HostState::Failed
                    } else {
                        HostState::Unreachable
                    };
                    h.state = h.state.max_with(state);
                }
                _ => {}
            }
        }
    }
    for h in &mut hosts {
        if !h.changes.is_empty() {
            h.state = h.state.max_with(HostState::Drifted);
        }
    }
    Drift { hosts }
}

impl HostState {
    fn rank(self) -> u8 {
        match self {
            HostState::InSync => 0,
            HostState::Drifted => 1,
            HostState::Failed => 2,
            HostState::Unreachable => 3,
        }
    }

    fn max_with(self, other: HostState) -> HostState {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }
}

impl Drift {
    /// Hosts with at least one pending change (whatever else happened to them).
    pub fn drifted(&self) -> Vec<&str> {
        self.hosts
            .iter()
            .filter(|h| !h.changes.is_empty())
            .map(|h| h.host.as_str())
            .collect()
    }

    fn in_state(&self, state: HostState) -> Vec<&str> {
        self.hosts
            .iter()
            .filter(|h| h.state == state)
            .map(|h| h.host.as_str())
            .collect()
    }

    /// The `drift` section of the JSON report (schema `rconf.drift/1`).
    pub fn to_json(&self) -> Value {
        let hosts: serde_json::Map<String, Value> = self
            .hosts
            .iter()
            .map(|h| {
                let changes: Vec<Value> = h
                    .changes
                    .iter()
                    .map(|c| {
                        json!({
                            "task": c.task, "location": c.location, "module": c.module,
                            "resource": c.resource, "handler": c.handler, "diff": c.diffs,
                            "unified_diff": c.diffs.iter().map(unified).collect::<String>(),
                        })
                    })
                    .collect();
                let failures: Vec<Value> = h
                    .failures
                    .iter()
                    .map(|f| json!({"task": f.task, "msg": f.msg}))
                    .collect();
                let v =
                    json!({"state": h.state.as_str(), "changes": changes, "failures": failures});
                (h.host.clone(), v)
            })
            .collect();
        json!({
            "schema": SCHEMA,
            "in_sync": self.drifted().is_empty(),
            "drifted_hosts": self.drifted(),
            "failed_hosts": self.in_state(HostState::Failed),
            "unreachable_hosts": self.in_state(HostState::Unreachable),
            "hosts": hosts,
        })
    }

    /// The human drift report. `quiet` leaves out hosts that are in sync.
    pub fn text(&self, quiet: bool, color: bool) -> String {
        let paint = |code: &str, s: &str| {
            if color {
                format!("\x1b[{code}m{s}\x1b[0m")
            } else {
                s.to_string()
            }
        };
        let mut out = String::new();
        let title = "DRIFT REPORT";
        let _ = writeln!(out, "\n{title} {}", "*".repeat(80 - title.len()));
        for h in &self.hosts {
            let summary = match h.state {
                HostState::InSync if quiet => continue,
                HostState::InSync => paint("32", "in sync"),
                _ if h.changes.is_empty() => paint("31", h.state.as_str()),
                state => {
                    let n = h.changes.len();
                    let s = format!(
                        "{} ({n} change{})",
                        state.as_str(),
                        if n == 1 { "" } else { "s" }
                    );
                    paint(
                        if state == HostState::Drifted {
                            "33"
                        } else {
                            "31"
                        },
                        &s,
                    )
                }
            };
            let _ = writeln!(out, "{}: {summary}", h.host);
            for c in &h.changes {
                let resource = c.resource.as_deref().unwrap_or("-");
                let _ = writeln!(
                    out,
                    "  ~ {} [{}] {resource}  ({})",
                    c.task, c.module, c.location
                );
                for d in &c.diffs {
                    for line in unified(d).lines() {
                        let code = match line.as_bytes().first() {
                            Some(b'+') => "32",
                            Some(b'-') => "31",
                            Some(b'@') => "36",
                            _ => "0",
                        };
                        let _ = writeln!(out, "    {}", paint(code, line));
                    }
                }
            }
            for f in &h.failures {
                let _ = writeln!(out, "  ! {}: {}", f.task, f.msg);
            }
        }
        let drifted = self.drifted();
        let (failed, unreachable) = (
            self.in_state(HostState::Failed),
            self.in_state(HostState::Unreachable),
        );
        let list = |v: &[&str]| {
            if v.is_empty() {
                String::new()
            } else {
                format!(" ({})", v.join(", "))
            }
        };
        let _ = writeln!(
            out,
            "{} of {} hosts drifted{}; {} failed{}; {} unreachable{}",
            drifted.len(),
            self.hosts.len(),
            list(&drifted),
            failed.len(),
            list(&failed),
            unreachable.len(),
            list(&unreachable),
        );
        out
    }
}

/// One module diff as unified-diff text: text before/after as a line diff, other values (the
/// `file` module's `{path, state}`) as `key: value` lines, `prepared` text as given.
pub fn unified(diff: &Value) -> String {
    if let Some(p) = diff.get("prepared").and_then(Value::as_str) {
        return ensure_newline(p.to_string());
    }
    let side = |k: &str| match diff.get(k) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| format!("{k}: {}\n", label(v)))
            .collect(),
        Some(other) => format!("{other}\n"),
    };
    let (before, after) = (side("before"), side("after"));
    if before == after {
        return String::new();
    }
    let header = |k: &str, dflt: &str| {
        diff.get(k)
            .and_then(Value::as_str)
            .unwrap_or(dflt)
            .to_string()
    };
    let text = similar::TextDiff::from_lines(&before, &after)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("before: {}", header("before_header", "")),
            &format!("after: {}", header("after_header", "")),
        )
        .to_string();
    ensure_newline(text)
}

fn ensure_newline(mut s: String) -> String {
    if !s.is_empty() && !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "schema": "rconf.report/1",
            "plays": [{"name": "p", "tasks": [
                {"name": "motd", "action": "ansible.builtin.copy", "location": "site.yml:3:7",
                 "handler": false, "hosts": {
                    "h1": {"status": "changed", "changed": true, "dest": "/etc/motd",
                           "diff": {"before": "hacked\n", "after": "hello\n",
                                    "before_header": "/etc/motd", "after_header": "motd.txt"}},
                    "h2": {"status": "ok", "changed": false, "dest": "/etc/motd"},
                    "h3": {"status": "failed", "failed": true, "msg": "permission denied"}}},
                {"name": "users", "action": "user", "location": "site.yml:9:7",
                 "handler": false, "hosts": {
                    "h2": {"status": "changed", "changed": true, "results": [
                        {"changed": false, "name": "alice", "item": "alice"},
                        {"changed": true, "name": "bob", "item": "bob"}]}}}
            ]}],
            "stats": {"h1": {}, "h2": {}, "h3": {}, "h4": {}}
        })
    }

    #[test]
    fn names_drifted_hosts_tasks_resources_and_diffs() {
        let d = analyze(&doc());
        assert_eq!(d.drifted(), ["h1", "h2"]);
        let h1 = &d.hosts[0];
        assert_eq!(h1.state, HostState::Drifted);
        assert_eq!(h1.changes.len(), 1);
        assert_eq!(h1.changes[0].module, "copy");
        assert_eq!(h1.changes[0].resource.as_deref(), Some("/etc/motd"));
        assert_eq!(
            unified(&h1.changes[0].diffs[0]),
            "--- before: /etc/motd\n+++ after: motd.txt\n@@ -1 +1 @@\n-hacked\n+hello\n"
        );
        // Only the changed loop item is drift, and it names its own resource.
        let h2 = &d.hosts[1];
        assert_eq!(h2.changes.len(), 1);
        assert_eq!(h2.changes[0].resource.as_deref(), Some("bob"));
        assert_eq!(d.hosts[2].state, HostState::Failed);
        assert_eq!(d.hosts[2].failures[0].msg, "permission denied");
        assert_eq!(d.hosts[3].state, HostState::InSync);
    }

    #[test]
    fn json_section_lists_hosts_by_state() {
        let j = analyze(&doc()).to_json();
        assert_eq!(j["schema"], SCHEMA);
        assert_eq!(j["in_sync"], false);
        assert_eq!(j["drifted_hosts"], json!(["h1", "h2"]));
        assert_eq!(j["failed_hosts"], json!(["h3"]));
        assert_eq!(j["hosts"]["h4"]["state"], "in_sync");
        assert_eq!(j["hosts"]["h1"]["changes"][0]["resource"], "/etc/motd");
        assert!(
            j["hosts"]["h1"]["changes"][0]["unified_diff"]
                .as_str()
                .unwrap()
                .contains("+hello")
        );
    }

    #[test]
    fn text_report_quiet_leaves_out_hosts_in_sync() {
        let d = analyze(&doc());
        let loud = d.text(false, false);
        assert!(loud.contains("h4: in sync"), "{loud}");
        assert!(
            loud.contains("  ~ motd [copy] /etc/motd  (site.yml:3:7)"),
            "{loud}"
        );
        assert!(loud.contains("    -hacked\n    +hello\n"), "{loud}");
        assert!(loud.contains("2 of 4 hosts drifted (h1, h2); 1 failed (h3); 0 unreachable"));
        let quiet = d.text(true, false);
        assert!(!quiet.contains("h4"), "{quiet}");
        assert!(quiet.contains("h3: failed"), "{quiet}");
        assert!(!quiet.contains('\x1b'));
    }

    #[test]
    fn file_state_diffs_render_as_key_value_lines() {
        let d = json!({"before": {"path": "/x", "state": "absent"},
                       "after": {"path": "/x", "state": "directory"}});
        let u = unified(&d);
        assert!(u.contains("-state: absent\n+state: directory\n"), "{u}");
        assert_eq!(unified(&json!({"before": "a", "after": "a"})), "");
        let lineinfile = json!({"diff": {"before_header": "/e/s (content)", "before": ""}});
        assert_eq!(resource_of(&lineinfile).as_deref(), Some("/e/s"));
    }
}
