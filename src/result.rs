//! `TaskResult`: Ansible's result contract for one task on one host.

use serde_json::{Map, Value};

/// The outcome of one task on one host, with Ansible's keys. Module-specific keys (`rc`,
/// `stdout`, `diff`, `path`, ...) live in `data`; the status flags are typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskResult {
    pub changed: bool,
    pub failed: bool,
    pub skipped: bool,
    pub unreachable: bool,
    pub msg: Option<String>,
    pub data: Map<String, Value>,
    /// The host a delegated task ran for (`delegate_to`), whose facts `delegate_facts` sets.
    /// Not part of the result a task registers.
    pub delegated_to: Option<String>,
    /// The delegate's `ansible_host` when it is not its name: shown as `web1 -> db1(10.0.0.5)`.
    pub delegated_address: Option<String>,
}

impl TaskResult {
    pub fn ok() -> Self {
        TaskResult::default()
    }

    pub fn changed() -> Self {
        TaskResult {
            changed: true,
            ..Default::default()
        }
    }

    pub fn failed(msg: impl Into<String>) -> Self {
        TaskResult {
            failed: true,
            msg: Some(msg.into()),
            ..Default::default()
        }
    }

    pub fn skipped(msg: impl Into<String>) -> Self {
        TaskResult {
            skipped: true,
            msg: Some(msg.into()),
            ..Default::default()
        }
    }

    pub fn unreachable(msg: impl Into<String>) -> Self {
        TaskResult {
            unreachable: true,
            msg: Some(msg.into()),
            ..Default::default()
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.data.insert(key.to_string(), value.into());
        self
    }

    pub fn with_msg(mut self, msg: impl Into<String>) -> Self {
        self.msg = Some(msg.into());
        self
    }

    /// The whole result as one JSON object, as `register` stores it and reports show it.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("changed".into(), self.changed.into());
        if self.failed {
            m.insert("failed".into(), true.into());
        } else {
            m.insert("failed".into(), false.into());
        }
        if self.skipped {
            m.insert("skipped".into(), true.into());
        }
        if self.unreachable {
            m.insert("unreachable".into(), true.into());
        }
        if let Some(msg) = &self.msg {
            m.insert("msg".into(), msg.clone().into());
        }
        for (k, v) in &self.data {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }

    /// Builds a result from a module's JSON object: the status keys become the typed flags.
    pub fn from_json(mut obj: Map<String, Value>) -> Self {
        let flag = |o: &mut Map<String, Value>, k: &str| o.remove(k).is_some_and(|v| truthy(&v));
        let changed = flag(&mut obj, "changed");
        let failed = flag(&mut obj, "failed");
        let skipped = flag(&mut obj, "skipped");
        let unreachable = flag(&mut obj, "unreachable");
        let msg = obj.remove("msg").map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        });
        TaskResult {
            changed,
            failed,
            skipped,
            unreachable,
            msg,
            data: obj,
            delegated_to: None,
            delegated_address: None,
        }
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => matches!(s.to_ascii_lowercase().as_str(), "true" | "yes" | "1"),
        _ => false,
    }
}
