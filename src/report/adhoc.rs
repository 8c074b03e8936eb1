//! Output of ad hoc commands (`rconf exec`, `rconf sh`), in the shape of Ansible's `ansible`
//! command: `host | CHANGED | rc=0 >>` then the command's output, or `host | SUCCESS => {...}`.

use std::io::Write;

use super::human::py_json;
use super::{Event, Reporter, Status, censored};

pub struct Adhoc {
    out: Box<dyn Write + Send>,
    color: bool,
}

impl Adhoc {
    pub fn new(out: Box<dyn Write + Send>, color: bool) -> Self {
        Adhoc { out, color }
    }
}

impl Reporter for Adhoc {
    fn event(&mut self, event: &Event) {
        let Event::HostResult {
            host,
            result,
            status,
            no_log,
            ..
        } = event
        else {
            if let Event::Warning(w) = event {
                eprintln!("[WARNING]: {w}");
            }
            return;
        };
        let (word, code) = match status {
            Status::Ok => ("SUCCESS", "32"),
            Status::Changed => ("CHANGED", "33"),
            Status::Skipped => ("SKIPPED", "36"),
            Status::Failed | Status::Ignored => ("FAILED", "31"),
            Status::Unreachable => ("UNREACHABLE!", "31"),
        };
        let rc = result.data.get("rc").and_then(|v| v.as_i64());
        let text = match (rc, *status, no_log) {
            (Some(rc), Status::Ok | Status::Changed | Status::Failed, false)
                if result.data.contains_key("stdout") =>
            {
                let mut body = String::new();
                for key in ["stdout", "stderr"] {
                    if let Some(s) = result
                        .data
                        .get(key)
                        .and_then(|v| v.as_str())
                        .filter(|s| !s.is_empty())
                    {
                        body.push('\n');
                        body.push_str(s);
                    }
                }
                if let (Status::Failed, true, Some(msg)) = (*status, body.is_empty(), &result.msg) {
                    body = format!("\n{msg}");
                }
                format!("{host} | {word} | rc={rc} >>{body}")
            }
            _ => {
                let shown = if *no_log {
                    censored(result)
                } else {
                    result.to_json()
                };
                let word = if matches!(status, Status::Failed | Status::Ignored) {
                    "FAILED!"
                } else {
                    word
                };
                format!("{host} | {word} => {}", py_json(&shown, Some(4)))
            }
        };
        let text = if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text
        };
        let _ = writeln!(self.out, "{text}");
        let _ = self.out.flush();
    }
}
