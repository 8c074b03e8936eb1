//! Output of ad hoc commands (`rconf exec`, `rconf sh`) in the shape of Ansible's `ansible`
//! command (`host | CHANGED | rc=0 >>` then the output, or `host | SUCCESS => {...}`), by
//! default grouped: hosts that said the same thing are printed once under a folded host list.

use std::io::Write;

use serde_json::Value;

use super::hostlist::fold;
use super::human::py_json;
use super::{Event, Reporter, Status, censored};
use crate::result::TaskResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Identical outputs once, under `web[01-05,07] (6)`; printed when all hosts are done.
    Grouped,
    /// One block per host, as each host finishes (Ansible's own output).
    PerHost,
    /// One line per host: `host | STATUS | rc=N | output`, as each host finishes.
    OneLine,
}

pub struct Adhoc {
    out: Box<dyn Write + Send>,
    color: bool,
    layout: Layout,
    /// Inventory order of the play's hosts, so groups list hosts in a stable order.
    order: Vec<String>,
    /// Grouped layout: (host, status, text after the host name) until the recap.
    pending: Vec<(String, Status, String)>,
}

impl Adhoc {
    pub fn new(out: Box<dyn Write + Send>, color: bool) -> Self {
        Adhoc::with_layout(out, color, Layout::PerHost)
    }

    pub fn with_layout(out: Box<dyn Write + Send>, color: bool, layout: Layout) -> Self {
        Adhoc {
            out,
            color,
            layout,
            order: Vec::new(),
            pending: Vec::new(),
        }
    }

    fn print(&mut self, status: Status, text: &str) {
        let text = if self.color {
            format!("\x1b[{}m{text}\x1b[0m", color_of(status))
        } else {
            text.to_string()
        };
        let _ = writeln!(self.out, "{text}");
    }

    fn print_groups(&mut self) {
        let mut groups: Vec<(Status, String, Vec<String>)> = Vec::new();
        let mut pending = std::mem::take(&mut self.pending);
        pending.sort_by_key(|(h, _, _)| self.order.iter().position(|o| o == h));
        for (host, status, tail) in pending {
            match groups
                .iter_mut()
                .find(|(s, t, _)| *s == status && *t == tail)
            {
                Some((_, _, hosts)) => hosts.push(host),
                None => groups.push((status, tail, vec![host])),
            }
        }
        // The common answer first; the odd ones out after it. The sort is stable, so equal
        // sizes keep inventory order.
        groups.sort_by_key(|(_, _, hosts)| std::cmp::Reverse(hosts.len()));
        for (status, tail, hosts) in groups {
            let who = if hosts.len() > 1 {
                format!("{} ({})", fold(&hosts), hosts.len())
            } else {
                hosts[0].clone()
            };
            self.print(status, &format!("{who} {tail}"));
        }
    }
}

fn color_of(status: Status) -> &'static str {
    match status {
        Status::Ok => "32",
        Status::Changed => "33",
        Status::Skipped => "36",
        Status::Failed | Status::Ignored | Status::Unreachable => "31",
    }
}

fn word(status: Status) -> &'static str {
    match status {
        Status::Ok => "SUCCESS",
        Status::Changed => "CHANGED",
        Status::Skipped => "SKIPPED",
        Status::Failed | Status::Ignored => "FAILED",
        Status::Unreachable => "UNREACHABLE!",
    }
}

fn text_of<'a>(result: &'a TaskResult, key: &str) -> Option<&'a str> {
    result
        .data
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Results of command-like modules (`rc` and `stdout`) read as their output, not as JSON.
fn command_like(result: &TaskResult, status: Status, no_log: bool) -> Option<i64> {
    let rc = result.data.get("rc").and_then(Value::as_i64)?;
    let shows = matches!(status, Status::Ok | Status::Changed | Status::Failed);
    // A background job's result (`-B`) is shown as JSON, as Ansible's minimal callback does.
    let job = result.data.contains_key("ansible_job_id");
    (shows && !no_log && !job && result.data.contains_key("stdout")).then_some(rc)
}

fn shown(result: &TaskResult, no_log: bool) -> Value {
    let mut v = if no_log {
        censored(result)
    } else {
        result.to_json()
    };
    if let Value::Object(m) = &mut v {
        m.retain(|k, _| !k.starts_with('_'));
    }
    v
}

/// Everything after the host name in the Ansible layout: `| CHANGED | rc=0 >>\nout`.
pub fn tail(result: &TaskResult, status: Status, no_log: bool) -> String {
    if let Some(rc) = command_like(result, status, no_log) {
        let mut body = String::new();
        for key in ["stdout", "stderr"] {
            if let Some(s) = text_of(result, key) {
                body.push('\n');
                body.push_str(s);
            }
        }
        if let (Status::Failed, true, Some(msg)) = (status, body.is_empty(), &result.msg) {
            body = format!("\n{msg}");
        }
        return format!("| {} | rc={rc} >>{body}", word(status));
    }
    let word = match status {
        Status::Failed | Status::Ignored => "FAILED!",
        other => word(other),
    };
    format!("| {word} => {}", py_json(&shown(result, no_log), Some(4)))
}

/// `| STATUS | rc=N | output` on one line; newlines shown as `\n`.
pub fn one_line(result: &TaskResult, status: Status, no_log: bool) -> String {
    let flat = |s: &str| s.trim_end_matches('\n').replace('\n', "\\n");
    let rc = result
        .data
        .get("rc")
        .and_then(Value::as_i64)
        .map_or("-".to_string(), |rc| rc.to_string());
    let output = if no_log {
        py_json(&censored(result), None)
    } else if command_like(result, status, no_log).is_some() {
        let mut out = text_of(result, "stdout").map(flat).unwrap_or_default();
        if let Some(err) = text_of(result, "stderr") {
            out = format!("{out} (stderr) {}", flat(err))
                .trim_start()
                .to_string();
        }
        if out.is_empty() && status == Status::Failed {
            out = result.msg.as_deref().map(flat).unwrap_or_default();
        }
        out
    } else if let (Status::Failed | Status::Unreachable | Status::Skipped, Some(msg)) =
        (status, &result.msg)
    {
        flat(msg)
    } else {
        py_json(&shown(result, no_log), None)
    };
    format!("| {} | rc={rc} | {output}", word(status))
}

impl Reporter for Adhoc {
    fn event(&mut self, event: &Event) {
        match event {
            Event::PlayStart { hosts, .. } => self.order = hosts.to_vec(),
            Event::HostResult {
                host,
                result,
                status,
                no_log,
                ..
            } => match self.layout {
                Layout::PerHost => {
                    let text = format!("{host} {}", tail(result, *status, *no_log));
                    self.print(*status, &text);
                }
                Layout::OneLine => {
                    let text = format!("{host} {}", one_line(result, *status, *no_log));
                    self.print(*status, &text);
                }
                Layout::Grouped => {
                    self.pending
                        .push((host.to_string(), *status, tail(result, *status, *no_log)))
                }
            },
            Event::Warning(w) => super::progress::eprintln(&format!("[WARNING]: {w}")),
            Event::Recap { .. } => self.print_groups(),
            Event::TaskStart { .. }
            | Event::ItemResult { .. }
            | Event::Connected { .. }
            | Event::Retrying { .. } => {}
        }
        let _ = self.out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

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

    fn cmd(rc: i64, stdout: &str) -> TaskResult {
        let mut r = TaskResult::changed().with("rc", rc).with("stdout", stdout);
        r.failed = rc != 0;
        r
    }

    fn run(layout: Layout, results: &[(&str, TaskResult)]) -> String {
        let buf = Shared::default();
        let mut a = Adhoc::with_layout(Box::new(buf.clone()), false, layout);
        let hosts: Vec<String> = results.iter().map(|(h, _)| h.to_string()).collect();
        a.event(&Event::PlayStart {
            name: "p",
            hosts: &hosts,
        });
        // Results arrive in completion order, not inventory order.
        for (host, r) in results.iter().rev() {
            a.event(&Event::HostResult {
                host,
                result: r,
                status: Status::of(r, false),
                duration: Duration::ZERO,
                no_log: false,
                looped: false,
            });
        }
        a.event(&Event::Recap {
            stats: &Default::default(),
        });
        String::from_utf8(buf.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn identical_outputs_are_printed_once_under_folded_hosts() {
        let mut results: Vec<(&str, TaskResult)> = ["web01", "web02", "web03", "web05"]
            .into_iter()
            .map(|h| (h, cmd(0, "Linux")))
            .collect();
        results.push(("web04", cmd(1, "")));
        let out = run(Layout::Grouped, &results);
        assert_eq!(
            out,
            "web[01-03,05] (4) | CHANGED | rc=0 >>\nLinux\nweb04 | FAILED | rc=1 >>\n"
        );
    }

    #[test]
    fn per_host_and_one_line_layouts() {
        let results = vec![("h1", cmd(0, "a\nb")), ("h2", cmd(0, "a\nb"))];
        let out = run(Layout::PerHost, &results);
        assert_eq!(
            out,
            "h2 | CHANGED | rc=0 >>\na\nb\nh1 | CHANGED | rc=0 >>\na\nb\n"
        );
        let out = run(Layout::OneLine, &results);
        assert_eq!(
            out,
            "h2 | CHANGED | rc=0 | a\\nb\nh1 | CHANGED | rc=0 | a\\nb\n"
        );
    }

    #[test]
    fn non_command_results_and_unreachable_hosts() {
        let unreachable = TaskResult::unreachable("connection refused");
        assert_eq!(
            one_line(&unreachable, Status::Unreachable, false),
            "| UNREACHABLE! | rc=- | connection refused"
        );
        let ping = TaskResult::ok().with("ping", "pong");
        assert_eq!(
            tail(&ping, Status::Ok, false),
            "| SUCCESS => {\n    \"changed\": false,\n    \"failed\": false,\n    \"ping\": \"pong\"\n}"
        );
        let secret = cmd(0, "hunter2");
        assert!(!tail(&secret, Status::Changed, true).contains("hunter2"));
        assert!(!one_line(&secret, Status::Changed, true).contains("hunter2"));
    }
}
