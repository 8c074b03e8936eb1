//! Ansible-familiar human output: PLAY and TASK banners, one line per host result, and the
//! PLAY RECAP. Colour only on a terminal and when `NO_COLOR` is unset.

use std::io::Write;

use serde_json::Value;

use super::{Event, Reporter, Status, censored};
use crate::result::TaskResult;

pub struct Human {
    out: Box<dyn Write + Send>,
    color: bool,
    verbosity: u8,
    /// The running task is `debug`, whose results are its output.
    debug_task: bool,
}

const WIDTH: usize = 80;

impl Human {
    pub fn new(out: Box<dyn Write + Send>, color: bool, verbosity: u8) -> Self {
        Human {
            out,
            color,
            verbosity,
            debug_task: false,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn banner(&mut self, title: &str) {
        let stars = "*".repeat(WIDTH.saturating_sub(title.chars().count()).max(3));
        let _ = writeln!(self.out, "\n{title} {stars}");
    }

    fn line(&mut self, code: &str, text: &str) {
        let text = self.paint(code, text);
        let _ = writeln!(self.out, "{text}");
    }

    /// The result shown after `=>`: everything for failures and with `-v`, or `msg`/`var`
    /// output for `debug`.
    fn details(&self, result: &TaskResult, status: Status, no_log: bool) -> Option<String> {
        let shown = if no_log {
            censored(result)
        } else {
            result.to_json()
        };
        let debug_output = self.debug_task && !result.skipped;
        match status {
            Status::Failed | Status::Ignored | Status::Unreachable => {
                Some(py_json(&strip_internal(shown), None))
            }
            _ if debug_output => Some(py_json(&strip_internal(debug_view(result)), Some(4))),
            _ if self.verbosity > 0 => Some(py_json(
                &strip_internal(shown),
                if self.verbosity > 2 { Some(4) } else { None },
            )),
            _ => None,
        }
    }
}

fn color_of(status: Status) -> &'static str {
    match status {
        Status::Ok => "32",
        Status::Changed => "33",
        Status::Skipped => "36",
        Status::Failed | Status::Unreachable => "31",
        Status::Ignored => "36",
    }
}

fn head(status: Status, host: &str) -> String {
    match status {
        Status::Ok => format!("ok: [{host}]"),
        Status::Changed => format!("changed: [{host}]"),
        Status::Skipped => format!("skipping: [{host}]"),
        Status::Failed | Status::Ignored => format!("fatal: [{host}]: FAILED!"),
        Status::Unreachable => format!("fatal: [{host}]: UNREACHABLE!"),
    }
}

/// `debug` shows only what it was asked to show (`msg`, or the variable), as Ansible does.
fn debug_view(result: &TaskResult) -> Value {
    let mut m = serde_json::Map::new();
    for (k, v) in &result.data {
        m.insert(k.clone(), v.clone());
    }
    if let Some(msg) = &result.msg {
        m.insert("msg".into(), msg.clone().into());
    }
    Value::Object(m)
}

fn strip_internal(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            Value::Object(m.into_iter().filter(|(k, _)| !k.starts_with('_')).collect())
        }
        other => other,
    }
}

impl Reporter for Human {
    fn event(&mut self, event: &Event) {
        match event {
            Event::PlayStart { name, .. } => self.banner(&format!("PLAY [{name}]")),
            Event::TaskStart {
                name,
                handler,
                action,
                ..
            } => {
                self.debug_task =
                    crate::modules::find(action).is_some_and(|m| m.spec().name == "debug");
                let kind = if *handler { "RUNNING HANDLER" } else { "TASK" };
                self.banner(&format!("{kind} [{name}]"));
            }
            Event::ItemResult {
                host,
                label,
                result,
                no_log,
            } => {
                let status = Status::of(result, false);
                let label = if *no_log { "None" } else { label };
                let mut text = format!("{} => (item={label})", head(status, host));
                if let Some(d) = self.details(result, status, *no_log) {
                    text = format!("{text} => {d}");
                }
                self.line(color_of(status), &text);
            }
            Event::HostResult {
                host,
                result,
                status,
                no_log,
                looped,
                ..
            } => {
                if *looped {
                    // Items were printed one by one; Ansible adds a line only for failures.
                    if matches!(status, Status::Failed | Status::Ignored) {
                        let d = self.details(result, *status, *no_log).unwrap_or_default();
                        self.line("31", &format!("{} => {d}", head(*status, host)));
                    }
                } else {
                    let mut text = head(*status, host);
                    if let Some(d) = self.details(result, *status, *no_log) {
                        text = format!("{text} => {d}");
                    }
                    self.line(color_of(*status), &text);
                }
                if *status == Status::Ignored {
                    self.line("36", "...ignoring");
                }
            }
            Event::Warning(msg) => {
                let text = self.paint("35", &format!("[WARNING]: {msg}"));
                let _ = writeln!(self.out, "{text}");
            }
            Event::Recap { stats } => {
                self.banner("PLAY RECAP");
                for (host, s) in stats.iter() {
                    let col = |me: &Self, name: &str, n: u32, code: &str| {
                        let cell = format!("{name}={n:<4}");
                        if n > 0 { me.paint(code, &cell) } else { cell }
                    };
                    let host_code = if s.failed > 0 || s.unreachable > 0 {
                        "31"
                    } else if s.changed > 0 {
                        "33"
                    } else {
                        "32"
                    };
                    let line = format!(
                        "{} : {} {} {} {} {} {} {}",
                        self.paint(host_code, &format!("{host:<26}")),
                        col(self, "ok", s.ok, "32"),
                        col(self, "changed", s.changed, "33"),
                        col(self, "unreachable", s.unreachable, "31"),
                        col(self, "failed", s.failed, "31"),
                        col(self, "skipped", s.skipped, "36"),
                        col(self, "rescued", s.rescued, "35"),
                        col(self, "ignored", s.ignored, "36"),
                    );
                    let _ = writeln!(self.out, "{line}");
                }
            }
        }
        let _ = self.out.flush();
    }
}

/// JSON as Python's `json.dumps(sort_keys=True)` writes it, which is what Ansible users read.
pub fn py_json(v: &Value, indent: Option<usize>) -> String {
    let mut out = String::new();
    write_py(v, indent, 0, &mut out);
    out
}

fn write_py(v: &Value, indent: Option<usize>, level: usize, out: &mut String) {
    let (open_sep, item_sep, close_sep) = match indent {
        Some(n) => (
            format!("\n{}", " ".repeat(n * (level + 1))),
            format!(",\n{}", " ".repeat(n * (level + 1))),
            format!("\n{}", " ".repeat(n * level)),
        ),
        None => (String::new(), ", ".to_string(), String::new()),
    };
    match v {
        Value::Object(m) if !m.is_empty() => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            out.push_str(&open_sep);
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push_str(&item_sep);
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push_str(": ");
                write_py(&m[*k], indent, level + 1, out);
            }
            out.push_str(&close_sep);
            out.push('}');
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('[');
            out.push_str(&open_sep);
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(&item_sep);
                }
                write_py(item, indent, level + 1, out);
            }
            out.push_str(&close_sep);
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_style_json() {
        let v = json!({"msg": "x", "changed": false, "list": [1, 2]});
        assert_eq!(
            py_json(&v, None),
            r#"{"changed": false, "list": [1, 2], "msg": "x"}"#
        );
        assert_eq!(
            py_json(&json!({"msg": "hi"}), Some(4)),
            "{\n    \"msg\": \"hi\"\n}"
        );
    }
}
