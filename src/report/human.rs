//! Ansible-familiar human output: PLAY and TASK banners, one line per host result, and the
//! PLAY RECAP. Colour only on a terminal and when `NO_COLOR` is unset.

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::layout::{ResultFormat, yaml_block};
use super::{CENSORED_ITEM, Event, Reporter, Status, censored};
use crate::error::Location;
use crate::result::TaskResult;

pub struct Human {
    out: Box<dyn Write + Send>,
    color: bool,
    verbosity: u8,
    /// The running task is `debug`, whose results are its output.
    debug_task: bool,
    /// The running task gathers facts: `-v` does not dump them (Ansible's verbose override).
    facts_task: bool,
    /// How results after `=>` are laid out.
    format: ResultFormat,
    /// Banners' width.
    width: usize,
    /// The running task's action and where it is written, which failures show first.
    task: Option<(String, Location)>,
    started: Instant,
    /// The running task's name, start, and when its last result arrived.
    current: Option<(String, Instant, Instant)>,
    /// Wall time of each finished task, for the slowest-tasks list after the recap.
    timings: Vec<(String, Duration)>,
}

/// How many of the slowest tasks the recap lists (as Ansible's `profile_tasks` does by default
/// it lists 20; a shorter list is read, a long one skipped).
const SLOWEST: usize = 5;

/// Ansible pads banners to 79 columns plus the space, or to one column short of a wider
/// terminal's width.
const WIDTH: usize = 79;

/// The banner width as Ansible computes it: `max(79, columns - 1)` when stdout is a terminal.
fn banner_width() -> usize {
    // SAFETY: TIOCGWINSZ only writes a `winsize` into the struct it is given.
    let columns = unsafe {
        let mut size: libc::winsize = std::mem::zeroed();
        if libc::isatty(libc::STDOUT_FILENO) == 1
            && libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) == 0
        {
            usize::from(size.ws_col)
        } else {
            0
        }
    };
    WIDTH.max(columns.saturating_sub(1))
}

impl Human {
    pub fn new(out: Box<dyn Write + Send>, color: bool, verbosity: u8) -> Self {
        Human {
            out,
            color,
            verbosity,
            debug_task: false,
            facts_task: false,
            task: None,
            format: ResultFormat::Auto,
            width: banner_width(),
            started: Instant::now(),
            current: None,
            timings: Vec::new(),
        }
    }

    /// Results laid out as ansible.cfg's `callback_result_format` asks.
    pub fn with_result_format(mut self, format: ResultFormat) -> Self {
        self.format = format;
        self
    }

    fn close_task(&mut self) {
        if let Some((name, start, last)) = self.current.take() {
            self.timings.push((name, last.duration_since(start)));
        }
    }

    fn slowest_tasks(&mut self) {
        self.close_task();
        if self.timings.is_empty() {
            return;
        }
        let mut timings = std::mem::take(&mut self.timings);
        // Stable: equal times keep playbook order.
        timings.sort_by_key(|t| std::cmp::Reverse(t.1));
        let total = self.started.elapsed();
        self.banner(&format!("SLOWEST TASKS (run took {})", clock(total)));
        for (name, took) in timings.iter().take(SLOWEST) {
            let name: String = name.chars().take(self.width - 12).collect();
            let dashes = "-".repeat((self.width - 10).saturating_sub(name.chars().count() + 1));
            let _ = writeln!(self.out, "{name} {dashes} {:>7.2}s", took.as_secs_f64());
        }
    }

    /// A `diff` result key (one change or a list of them) as a unified diff.
    fn print_diff(&mut self, diff: &Value) {
        for d in diff_items(diff) {
            let rendered = match unified_diff(d) {
                Ok(text) => text,
                Err(Some(note)) => {
                    let _ = writeln!(self.out, "diff skipped: {note}");
                    continue;
                }
                Err(None) => continue,
            };
            for line in rendered.lines() {
                let code = match line.chars().next() {
                    _ if line.starts_with("+++") || line.starts_with("---") => "1",
                    Some('+') => "32",
                    Some('-') => "31",
                    Some('@') => "36",
                    _ => "",
                };
                let line = if code.is_empty() {
                    line.to_string()
                } else {
                    self.paint(code, line)
                };
                let _ = writeln!(self.out, "{line}");
            }
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
        let stars = "*".repeat(self.width.saturating_sub(title.chars().count()).max(3));
        let _ = writeln!(self.out, "\n{title} {stars}");
    }

    /// What ansible-core 2.19 prints before a failed or unreachable result: the failure's
    /// message, then the task's origin with its source lines.
    fn origin(&mut self, result: &TaskResult, status: Status, no_log: bool) {
        let Some((action, location)) = &self.task else {
            return;
        };
        let msg = match (no_log, &result.msg) {
            (true, _) => "(censored due to no_log)",
            (false, Some(m)) => m.as_str(),
            (false, None) => "Unknown error.",
        };
        let text = match status {
            Status::Unreachable => format!("[ERROR]: Task failed: {msg}"),
            _ => format!("[ERROR]: Task failed: {}: {msg}", failure_source(action)),
        };
        // A `no_log` task's source may hold the very values it hides (they are often written
        // in it): its place is shown, its lines are not, in Ansible's words for that.
        let origin = if no_log {
            let file = location.file.strip_prefix(".").unwrap_or(&location.file);
            format!(
                "Origin: {}:{}:{}\n\n(source not shown: content redacted)",
                file.display(),
                location.line,
                location.col
            )
        } else {
            crate::excerpt::render(location)
        };
        let block = format!("{text}\n{origin}\n");
        for line in block.split('\n') {
            self.line("31", line);
        }
    }

    fn line(&mut self, code: &str, text: &str) {
        let text = self.paint(code, text);
        let _ = writeln!(self.out, "{text}");
    }

    /// The result shown after `=>`: everything for failures and with `-v`, or `msg`/`var`
    /// output for `debug`.
    fn details(&self, result: &TaskResult, status: Status, no_log: bool) -> Option<String> {
        let shown = if no_log {
            let mut c = censored(result);
            // Ansible drops `changed: false` from what debug shows, censored or not.
            if self.debug_task && !result.changed {
                c.as_object_mut().map(|m| m.remove("changed"));
            }
            c
        } else {
            let mut all = result.to_json();
            // What a module was called with is shown from -vvv on, as Ansible shows it.
            if self.verbosity < 3 {
                all.as_object_mut().map(|m| m.remove("invocation"));
            }
            all
        };
        let debug_output = self.debug_task && !result.skipped;
        let (value, indent) = match status {
            Status::Failed | Status::Ignored | Status::Unreachable => (strip_internal(shown), None),
            // `debug` under `no_log` shows nothing of its message: with -v only the censored
            // result, as any other module's, and as Ansible does.
            _ if debug_output && !no_log => (strip_internal(debug_view(result)), Some(4)),
            // Gathered facts are not dumped at any verbosity, as Ansible's setup overrides it.
            _ if self.facts_task => return None,
            _ if self.verbosity > 0 => (
                strip_internal(shown),
                if self.verbosity > 2 { Some(4) } else { None },
            ),
            _ => return None,
        };
        Some(if self.format.yaml_for(&value) {
            yaml_block(&value)
        } else {
            py_json(&value, indent)
        })
    }
}

/// The changes of a `diff` result key: one, or a list of them.
pub(super) fn diff_items(diff: &Value) -> Vec<&Value> {
    match diff {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    }
}

/// One change as a unified diff with Ansible's `before:`/`after:` headers; without text on
/// both sides, the reason it is skipped (`dst_binary`, ...) if the change gives one.
pub(super) fn unified_diff(d: &Value) -> Result<String, Option<&'static str>> {
    let text = |k: &str| d.get(k).and_then(Value::as_str);
    // Attribute diffs (file, user, ...) are mappings: shown as sorted JSON, as Ansible does.
    let side = |k: &str| match d.get(k) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(v @ Value::Object(_)) => Some(py_json(v, Some(4)) + "\n"),
        _ => None,
    };
    let (Some(before), Some(after)) = (side("before"), side("after")) else {
        return Err(["dst_binary", "src_binary", "dst_larger"]
            .into_iter()
            .find(|k| d.get(*k).is_some()));
    };
    let diff = similar::TextDiff::from_lines(&before, &after);
    let header = (
        format!("before: {}", text("before_header").unwrap_or("")),
        format!("after: {}", text("after_header").unwrap_or("")),
    );
    Ok(diff
        .unified_diff()
        .context_radius(3)
        .header(&header.0, &header.1)
        .to_string())
}

/// `0:01:02.345`, as Ansible's timer callbacks write durations.
fn clock(d: Duration) -> String {
    let ms = d.as_millis();
    format!(
        "{}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// Ansible's colours: an ignored failure is as red as any other (only `...ignoring` is not).
fn color_of(status: Status) -> &'static str {
    match status {
        Status::Ok => "32",
        Status::Changed => "33",
        Status::Skipped => "36",
        Status::Failed | Status::Ignored | Status::Unreachable => "31",
    }
}

/// Whether a failure is the module's (it ran on the host) or the action's own, as 2.19 tells
/// them apart: Ansible's action plugins that decide a result without running a module on the
/// host say `Action failed`.
fn failure_source(action: &str) -> &'static str {
    const ACTIONS: &[&str] = &[
        "fail",
        "assert",
        "debug",
        "set_fact",
        "include_vars",
        "group_by",
        "add_host",
        "pause",
        "meta",
        "include_tasks",
        "include_role",
        "set_stats",
        "wait_for_connection",
    ];
    let short = action.rsplit('.').next().unwrap_or(action);
    if ACTIONS.contains(&short) {
        "Action failed"
    } else {
        "Module failed"
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

/// As `head`, but a run-time `include_tasks` says which file it included, and a delegated
/// task where it ran (`[web1 -> db1]`), as Ansible does.
fn head_of(result: &TaskResult, status: Status, host: &str) -> String {
    use crate::modules::include_tasks::INCLUDE_KEY;
    match result.data.get(INCLUDE_KEY).and_then(Value::as_str) {
        Some(file) if status == Status::Ok => format!("included: {file} for {host}"),
        _ => head(status, &who(result, host)),
    }
}

/// The host a result is shown for: `host -> delegate` for a delegated task.
fn who(result: &TaskResult, host: &str) -> String {
    match (result.delegated_to.as_deref(), &result.delegated_address) {
        (Some(to), Some(address)) if to != host => format!("{host} -> {to}({address})"),
        (Some(to), None) if to != host => format!("{host} -> {to}"),
        _ => host.to_string(),
    }
}

/// `debug` shows only what it was asked to show (`msg`, or the variable), as Ansible does:
/// beside a `msg`, only warnings and an exception (not the loop variable).
fn debug_view(result: &TaskResult) -> Value {
    let mut m = serde_json::Map::new();
    let with_msg = result.msg.is_some() || result.data.contains_key("msg");
    for (k, v) in &result.data {
        if with_msg
            && !matches!(
                k.as_str(),
                "msg" | "exception" | "warnings" | "deprecations"
            )
        {
            continue;
        }
        m.insert(k.clone(), v.clone());
    }
    // A structured `msg` (a list, a number) is in the data as itself: show that, not its text.
    if let Some(msg) = result.msg.as_ref().filter(|_| !m.contains_key("msg")) {
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
            Event::PlaybookStart { path, plays } if self.verbosity >= 2 => {
                let base = path.file_name().unwrap_or(path.as_os_str());
                self.banner(&format!("PLAYBOOK: {}", base.to_string_lossy()));
                let _ = writeln!(self.out, "{plays} plays in {}", path.display());
            }
            Event::PlaybookStart { .. } => {}
            Event::PlayStart { name, .. } => self.banner(&format!("PLAY [{name}]")),
            Event::TaskStart {
                name,
                handler,
                action,
                location,
            } => {
                self.debug_task = crate::modules::find(action)
                    .is_some_and(|m| m.control() == crate::modules::Control::Debug);
                self.facts_task = crate::modules::find(action)
                    .is_some_and(|m| m.control() == crate::modules::Control::GatherFacts);
                self.task = Some((action.to_string(), location.clone()));
                self.close_task();
                let now = Instant::now();
                self.current = Some((name.to_string(), now, now));
                let kind = if *handler { "RUNNING HANDLER" } else { "TASK" };
                self.banner(&format!("{kind} [{name}]"));
                if self.verbosity >= 2 {
                    // As Ansible's `-vv`: the file and line, without the column.
                    let file = location.file.strip_prefix(".").unwrap_or(&location.file);
                    let _ = writeln!(self.out, "task path: {}:{}", file.display(), location.line);
                }
            }
            Event::ItemResult {
                host,
                label,
                result,
                no_log,
            } => {
                let status = Status::of(result, false);
                if matches!(status, Status::Failed | Status::Unreachable) {
                    self.origin(result, status, *no_log);
                }
                let label = if *no_log { CENSORED_ITEM } else { label };
                if let (false, Some(diff)) = (*no_log, result.data.get("diff")) {
                    self.print_diff(diff);
                }
                let mut text = match status {
                    // As Ansible words a failed item: `failed:`, not `fatal:`.
                    Status::Failed => format!("failed: [{}] (item={label})", who(result, host)),
                    _ => format!("{} => (item={label})", head_of(result, status, host)),
                };
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
                    // Items were printed one by one, failed ones with their origin; 2.19 adds
                    // no line for the loop as a whole.
                } else {
                    if matches!(
                        status,
                        Status::Failed | Status::Ignored | Status::Unreachable
                    ) {
                        self.origin(result, *status, *no_log);
                    }
                    // As Ansible, the diff comes before the host's status line.
                    if let (false, Some(diff)) = (*no_log, result.data.get("diff")) {
                        self.print_diff(diff);
                    }
                    let mut text = head_of(result, *status, host);
                    if let Some(d) = self.details(result, *status, *no_log) {
                        text = format!("{text} => {d}");
                    }
                    self.line(color_of(*status), &text);
                }
                if *status == Status::Ignored {
                    self.line("36", "...ignoring");
                }
                if let Some((_, _, last)) = &mut self.current {
                    *last = Instant::now();
                }
            }
            Event::Connected { host, seconds } => {
                if self.verbosity > 0 {
                    let _ = writeln!(self.out, "<{host}> connected in {seconds:.3}s");
                }
            }
            Event::Retrying { host, task, left } => {
                let text = format!("FAILED - RETRYING: [{host}]: {task} ({left} retries left).");
                self.line("31", &text);
            }
            Event::Warning(msg) => {
                let text = self.paint("35", &format!("[WARNING]: {msg}"));
                let _ = writeln!(self.out, "{text}");
            }
            Event::Recap { stats } => {
                self.banner("PLAY RECAP");
                // Sorted by name, as Ansible prints it.
                let mut hosts: Vec<_> = stats.iter().collect();
                hosts.sort_by(|a, b| a.0.cmp(b.0));
                for (host, s) in hosts {
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
                self.slowest_tasks();
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
    use crate::report::Stats;
    use indexmap::IndexMap;
    use serde_json::json;
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

    fn task(h: &mut Human, name: &'static str, result: &TaskResult, wait: u64) {
        h.event(&Event::TaskStart {
            name,
            action: "copy",
            location: crate::error::Location::new("site.yml", 1, 1),
            handler: false,
        });
        std::thread::sleep(Duration::from_millis(wait));
        h.event(&Event::HostResult {
            host: "h1",
            result,
            status: Status::of(result, false),
            duration: Duration::from_millis(wait),
            no_log: false,
            looped: false,
        });
    }

    #[test]
    fn recap_lists_the_slowest_tasks_first_and_diffs_are_shown() {
        let buf = Shared::default();
        let mut h = Human::new(Box::new(buf.clone()), false, 0);
        let diff = json!({"before": "a\nb\n", "after": "a\nc\n",
                          "before_header": "/etc/x", "after_header": "/etc/x"});
        task(
            &mut h,
            "Quick one",
            &TaskResult::changed().with("diff", diff),
            1,
        );
        task(&mut h, "Slow one", &TaskResult::ok(), 60);
        let mut stats = IndexMap::new();
        stats.insert("h1".to_string(), Stats::default());
        h.event(&Event::Recap { stats: &stats });
        let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(
            out.contains("--- before: /etc/x\n+++ after: /etc/x\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"),
            "{out}"
        );
        let slowest = out.split("SLOWEST TASKS").nth(1).expect("no slowest tasks");
        let slow = slowest.find("Slow one").unwrap();
        let quick = slowest.find("Quick one").unwrap();
        assert!(slow < quick, "{out}");
        assert!(
            slowest
                .lines()
                .any(|l| l.starts_with("Slow one ---") && l.ends_with('s')),
            "{out}"
        );
    }

    #[test]
    fn debug_shows_a_structured_msg_as_itself() {
        let buf = Shared::default();
        let mut h = Human::new(Box::new(buf.clone()), false, 0);
        h.event(&Event::TaskStart {
            name: "debug",
            action: "debug",
            location: crate::error::Location::new("site.yml", 1, 1),
            handler: false,
        });
        let r = TaskResult::ok()
            .with_msg("[1, 2]")
            .with("msg", json!([1, 2]));
        h.event(&Event::HostResult {
            host: "h1",
            result: &r,
            status: Status::Ok,
            duration: Duration::ZERO,
            no_log: false,
            looped: false,
        });
        let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(
            out.contains("ok: [h1] => {\n    \"msg\": [\n        1,\n        2\n    ]\n}"),
            "{out}"
        );
    }

    #[test]
    fn clock_reads_like_ansible_timers() {
        assert_eq!(clock(Duration::from_millis(3_723_045)), "1:02:03.045");
    }

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
