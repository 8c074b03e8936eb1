//! `--quiet`: pass only failures (with their play and task banners) and warnings on to the
//! human reporter, so a cron job mails nothing when all is well.

use crate::report::{Event, Reporter, Status};

pub struct Quiet<R> {
    inner: R,
    play: Option<(String, Vec<String>)>,
    task: Option<(String, String, crate::error::Location, bool)>,
}

impl<R: Reporter> Quiet<R> {
    pub fn new(inner: R) -> Self {
        Quiet {
            inner,
            play: None,
            task: None,
        }
    }

    /// Prints the banners a failure belongs under, once.
    fn banners(&mut self) {
        if let Some((name, hosts)) = self.play.take() {
            self.inner.event(&Event::PlayStart {
                name: &name,
                hosts: &hosts,
            });
        }
        if let Some((name, action, location, handler)) = self.task.take() {
            self.inner.event(&Event::TaskStart {
                name: &name,
                action: &action,
                location,
                handler,
            });
        }
    }
}

impl<R: Reporter> Reporter for Quiet<R> {
    fn event(&mut self, event: &Event) {
        match event {
            Event::PlayStart { name, hosts } => {
                self.play = Some((name.to_string(), hosts.to_vec()));
            }
            Event::TaskStart {
                name,
                action,
                location,
                handler,
            } => {
                self.task = Some((
                    name.to_string(),
                    action.to_string(),
                    location.clone(),
                    *handler,
                ));
            }
            Event::HostResult {
                status: Status::Failed | Status::Unreachable,
                ..
            } => {
                self.banners();
                self.inner.event(event);
            }
            Event::Warning(_) => self.inner.event(event),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::TaskResult;
    use std::time::Duration;

    struct Seen(Vec<String>);
    impl Reporter for Seen {
        fn event(&mut self, e: &Event) {
            let s = match e {
                Event::PlayStart { name, .. } => format!("play {name}"),
                Event::TaskStart { name, .. } => format!("task {name}"),
                Event::HostResult { host, status, .. } => format!("{host} {status:?}"),
                Event::Warning(w) => format!("warning {w}"),
                _ => "other".into(),
            };
            self.0.push(s);
        }
    }

    #[test]
    fn only_failures_with_their_banners_get_through() {
        let mut q = Quiet::new(Seen(Vec::new()));
        let ok = TaskResult::ok();
        let bad = TaskResult::failed("boom");
        let result = |host: &'static str, result: &'static TaskResult, status| Event::HostResult {
            host,
            result,
            status,
            duration: Duration::ZERO,
            no_log: false,
            looped: false,
        };
        let ok: &'static TaskResult = Box::leak(Box::new(ok));
        let bad: &'static TaskResult = Box::leak(Box::new(bad));
        let hosts = vec!["h1".to_string()];
        q.event(&Event::PlayStart {
            name: "p",
            hosts: &hosts,
        });
        for (task, r, s) in [("a", ok, Status::Changed), ("b", bad, Status::Failed)] {
            q.event(&Event::TaskStart {
                name: task,
                action: "copy",
                location: crate::error::Location::new("site.yml", 1, 1),
                handler: false,
            });
            q.event(&result("h1", r, s));
        }
        q.event(&Event::Warning("w"));
        q.event(&Event::Recap {
            stats: &Default::default(),
        });
        assert_eq!(q.inner.0, ["play p", "task b", "h1 Failed", "warning w"]);
    }
}
