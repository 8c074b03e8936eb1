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
    /// One line per host in Ansible's `-o` layout, as each host finishes.
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
            let (diff, tail) = tail.split_once('\0').unwrap_or(("", &tail));
            let _ = write!(self.out, "{diff}");
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
        // As Ansible's result dump: no internal keys, and the diff is printed apart (-D).
        m.retain(|k, _| !k.starts_with('_') && k != "diff");
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

/// A host's result on one line as Ansible's oneline callback (`ansible -o`) prints it:
/// `host | CHANGED | rc=0 | (stdout) out (stderr) err` for a command, `host | SUCCESS => {...}`
/// (compact JSON) for other modules, and for a failure first the command's line or Ansible's
/// exception line, then `host | FAILED! => {...}`.
pub fn one_line(host: &str, result: &TaskResult, status: Status, no_log: bool) -> String {
    let flat = |s: &str| s.replace('\n', "\\n").replace('\r', "\\r");
    let compact = |v: &Value| py_json(v, Some(0)).replace('\n', "");
    let command = |caption: &str| {
        let rc = result.data.get("rc").and_then(Value::as_i64).unwrap_or(-1);
        let stdout = flat(text_of(result, "stdout").unwrap_or(""));
        match text_of(result, "stderr") {
            Some(err) => format!(
                "{host} | {caption} | rc={rc} | (stdout) {stdout} (stderr) {}",
                flat(err)
            ),
            None => format!("{host} | {caption} | rc={rc} | (stdout) {stdout}"),
        }
    };
    match status {
        Status::Skipped => format!("{host} | SKIPPED"),
        Status::Unreachable => format!(
            "{host} | UNREACHABLE!: {}",
            result.msg.as_deref().unwrap_or("")
        ),
        Status::Failed | Status::Ignored => {
            let first = if !no_log && result.data.contains_key("rc") {
                command("FAILED")
            } else {
                "An exception occurred during task execution. To see the full traceback, use \
                 -vvv. The error was: (traceback unavailable)"
                    .to_string()
            };
            format!(
                "{first}\n{host} | FAILED! => {}",
                compact(&shown(result, no_log))
            )
        }
        Status::Ok | Status::Changed => {
            if command_like(result, status, no_log).is_some() {
                command(word(status))
            } else {
                format!(
                    "{host} | {} => {}",
                    word(status),
                    compact(&shown(result, no_log))
                )
            }
        }
    }
}

/// `-D`: each diff of a result as the unified diff Ansible prints before the result.
fn diff_text(result: &TaskResult) -> String {
    let Some(diff) = result.data.get("diff") else {
        return String::new();
    };
    let items: Vec<&Value> = match diff {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let text: String = items.into_iter().map(super::drift::unified).collect();
    // Ansible leaves an empty line after a diff.
    if text.is_empty() { text } else { text + "\n" }
}

impl Reporter for Adhoc {
    fn event(&mut self, event: &Event) {
        match event {
            Event::PlaybookStart { .. } => {}
            Event::PlayStart { hosts, .. } => self.order = hosts.to_vec(),
            Event::HostResult {
                host,
                result,
                status,
                no_log,
                ..
            } => {
                // A diff comes before the result, as Ansible prints it.
                let diff = if *no_log {
                    String::new()
                } else {
                    diff_text(result)
                };
                match self.layout {
                    Layout::PerHost => {
                        let _ = write!(self.out, "{diff}");
                        let text = format!("{host} {}", tail(result, *status, *no_log));
                        self.print(*status, &text);
                    }
                    Layout::OneLine => {
                        let _ = write!(self.out, "{diff}");
                        let text = one_line(host, result, *status, *no_log);
                        self.print(*status, &text);
                    }
                    Layout::Grouped => {
                        let text = tail(result, *status, *no_log);
                        self.pending
                            .push((host.to_string(), *status, diff + "\0" + &text))
                    }
                }
            }
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
            "h2 | CHANGED | rc=0 | (stdout) a\\nb\nh1 | CHANGED | rc=0 | (stdout) a\\nb\n"
        );
    }

    #[test]
    fn non_command_results_and_unreachable_hosts() {
        let unreachable = TaskResult::unreachable("connection refused");
        assert_eq!(
            one_line("h", &unreachable, Status::Unreachable, false),
            "h | UNREACHABLE!: connection refused"
        );
        let failed = cmd(2, "").with("stderr", "no\nsuch");
        assert_eq!(
            one_line("h", &failed, Status::Failed, false),
            "h | FAILED | rc=2 | (stdout)  (stderr) no\\nsuch\nh | FAILED! => {\"changed\": true,\"failed\": true,\"rc\": 2,\"stderr\": \"no\\nsuch\",\"stdout\": \"\"}"
        );
        let ping = TaskResult::ok().with("ping", "pong");
        assert_eq!(
            tail(&ping, Status::Ok, false),
            "| SUCCESS => {\n    \"changed\": false,\n    \"failed\": false,\n    \"ping\": \"pong\"\n}"
        );
        let secret = cmd(0, "hunter2");
        assert!(!tail(&secret, Status::Changed, true).contains("hunter2"));
        assert!(!one_line("h", &secret, Status::Changed, true).contains("hunter2"));
        let pinged = TaskResult::ok().with("ping", "pong");
        assert_eq!(
            one_line("h", &pinged, Status::Ok, false),
            "h | SUCCESS => {\"changed\": false,\"failed\": false,\"ping\": \"pong\"}"
        );
    }
}
