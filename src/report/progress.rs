//! The live progress line of the running task (hosts done / total, elapsed, who is still
//! running), drawn on stderr only when stderr is a terminal. Every line rconf prints, its own
//! output and tracing logs alike, goes through writers that lift the bar first, so the two never
//! garble each other.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::sync::OnceLock;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tracing_indicatif::writer::{IndicatifWriter, Stderr};

use super::hostlist::fold;
use super::{Event, Reporter, Status};

/// The one set of bars of this process; hidden (draws nothing) when stderr is not a terminal.
pub fn bars() -> &'static MultiProgress {
    static BARS: OnceLock<MultiProgress> = OnceLock::new();
    BARS.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
}

/// Whether progress is shown: stderr is a terminal and `TERM` is not `dumb`.
pub fn wanted() -> bool {
    std::io::stderr().is_terminal() && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

/// The writer for tracing's fmt layer: log lines lift the bar before they print.
pub fn log_writer() -> IndicatifWriter<Stderr> {
    IndicatifWriter::new(bars().clone())
}

/// Stdout that buffers until `flush` and then writes the whole event's text with the bar
/// lifted: one redraw per event instead of one per line.
#[derive(Default)]
pub struct Stdout {
    buf: Vec<u8>,
}

impl Write for Stdout {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let buf = std::mem::take(&mut self.buf);
        bars().suspend(|| {
            let mut out = std::io::stdout().lock();
            out.write_all(&buf)?;
            out.flush()
        })
    }
}

impl Drop for Stdout {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Stdout for reporters: lifts the progress bar around each flush.
pub fn stdout() -> Box<dyn Write + Send> {
    Box::new(Stdout::default())
}

/// Prints one line on stderr with the bar lifted.
pub fn eprintln(line: &str) {
    bars().suspend(|| eprintln!("{line}"));
}

/// Wraps a reporter and keeps the progress bar up to date from the same events.
pub struct Progress {
    inner: Box<dyn Reporter>,
    color: bool,
    bar: Option<ProgressBar>,
    play_hosts: Vec<String>,
    /// Failed or unreachable hosts: the runner gives them no further tasks.
    down: HashSet<String>,
    /// Hosts the running task waits for; `None` for handlers, which run on a subset.
    expected: Option<Vec<String>>,
    done: HashSet<String>,
}

impl Progress {
    /// `enabled` is normally `wanted()`; when false this is a plain pass-through.
    pub fn wrap(inner: Box<dyn Reporter>, enabled: bool, color: bool) -> Box<dyn Reporter> {
        if !enabled {
            return inner;
        }
        Box::new(Progress {
            inner,
            color,
            bar: None,
            play_hosts: Vec::new(),
            down: HashSet::new(),
            expected: None,
            done: HashSet::new(),
        })
    }

    fn start(&mut self, task: &str, handler: bool) {
        self.finish();
        self.done.clear();
        self.expected = (!handler).then(|| {
            self.play_hosts
                .iter()
                .filter(|h| !self.down.contains(*h))
                .cloned()
                .collect()
        });
        let (spinner, name) = if self.color {
            ("{spinner:.cyan}", "{prefix:.bold}")
        } else {
            ("{spinner}", "{prefix}")
        };
        let template = match &self.expected {
            Some(_) => format!("{spinner} {name} {{pos}}/{{len}} hosts [{{elapsed}}] {{msg}}"),
            None => format!("{spinner} {name} {{pos}} hosts done [{{elapsed}}] {{msg}}"),
        };
        let style = ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let len = self.expected.as_ref().map_or(0, |e| e.len() as u64);
        let bar = bars().add(ProgressBar::new(len).with_style(style));
        bar.set_prefix(truncate(task, 40));
        bar.enable_steady_tick(Duration::from_millis(120));
        self.bar = Some(bar);
        self.update();
    }

    fn update(&self) {
        let (Some(bar), Some(expected)) = (&self.bar, &self.expected) else {
            return;
        };
        let waiting: Vec<&String> = expected
            .iter()
            .filter(|h| !self.done.contains(*h))
            .collect();
        let msg = if waiting.is_empty() {
            String::new()
        } else {
            format!("running: {}", truncate(&fold(&waiting), 50))
        };
        bar.set_message(msg);
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
            bars().remove(&bar);
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

impl Reporter for Progress {
    fn event(&mut self, event: &Event) {
        // The bar goes away before the recap, and is drawn after a task's banner.
        if let Event::Recap { .. } = event {
            self.finish();
        }
        self.inner.event(event);
        match event {
            Event::PlaybookStart { .. } => {}
            Event::PlayStart { hosts, .. } => {
                self.finish();
                self.play_hosts = hosts.to_vec();
            }
            Event::TaskStart { name, handler, .. } => self.start(name, *handler),
            Event::HostResult { host, status, .. } => {
                if matches!(status, Status::Failed | Status::Unreachable) {
                    self.down.insert(host.to_string());
                }
                self.done.insert(host.to_string());
                if let Some(bar) = &self.bar {
                    bar.set_position(self.done.len() as u64);
                }
                self.update();
            }
            Event::Recap { .. }
            | Event::ItemResult { .. }
            | Event::Warning(_)
            | Event::Retrying { .. }
            | Event::Connected { .. } => {}
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::TaskResult;
    use std::sync::{Arc, Mutex};

    struct Count(Arc<Mutex<usize>>);
    impl Reporter for Count {
        fn event(&mut self, _: &Event) {
            *self.0.lock().unwrap() += 1;
        }
    }

    #[test]
    fn tracks_hosts_still_running_and_skips_failed_ones_later() {
        let seen = Arc::new(Mutex::new(0));
        let mut p = Progress {
            inner: Box::new(Count(seen.clone())),
            color: false,
            bar: None,
            play_hosts: Vec::new(),
            down: HashSet::new(),
            expected: None,
            done: HashSet::new(),
        };
        let hosts: Vec<String> = ["h1", "h2", "h3"].map(String::from).to_vec();
        p.event(&Event::PlayStart {
            name: "p",
            hosts: &hosts,
        });
        let task = |name: &'static str| Event::TaskStart {
            name,
            action: "ping",
            location: crate::error::Location::new("site.yml", 1, 1),
            handler: false,
        };
        p.event(&task("one"));
        let failed = TaskResult::failed("boom");
        p.event(&Event::HostResult {
            host: "h2",
            result: &failed,
            status: Status::Failed,
            duration: Duration::ZERO,
            no_log: false,
            looped: false,
        });
        assert_eq!(p.bar.as_ref().unwrap().length(), Some(3));
        assert_eq!(p.bar.as_ref().unwrap().position(), 1);
        assert!(p.bar.as_ref().unwrap().message().contains("h[1,3]"));
        p.event(&task("two"));
        assert_eq!(p.expected.as_deref().unwrap(), ["h1", "h3"]);
        assert_eq!(p.bar.as_ref().unwrap().position(), 0);
        assert_eq!(
            *seen.lock().unwrap(),
            4,
            "every event reaches the inner reporter"
        );
    }

    #[test]
    fn disabled_progress_is_the_inner_reporter() {
        let seen = Arc::new(Mutex::new(0));
        let mut r = Progress::wrap(Box::new(Count(seen.clone())), false, false);
        r.event(&Event::Warning("w"));
        assert_eq!(*seen.lock().unwrap(), 1);
    }

    #[test]
    fn long_names_are_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
