//! What happened: events from the runner, per-host statistics counted as Ansible counts them,
//! and the reporters that turn events into human output and the JSON report.

pub mod adhoc;
pub mod drift;
pub mod hostlist;
pub mod html;
pub mod human;
pub mod json;
pub mod jsonl;
pub mod junit;
pub mod layout;
pub mod progress;
mod time;

use std::time::Duration;

use indexmap::IndexMap;
use serde::Serialize;

use crate::error::Location;
use crate::result::TaskResult;

pub use time::rfc3339;

/// One thing that happened during a run, in the order it happened.
#[derive(Debug)]
pub enum Event<'a> {
    /// A playbook file's first play is about to start (`-vv` shows it, as Ansible does).
    PlaybookStart {
        path: &'a std::path::Path,
        plays: usize,
    },
    PlayStart {
        name: &'a str,
        hosts: &'a [String],
    },
    TaskStart {
        name: &'a str,
        action: &'a str,
        /// Where the task is written (its mapping's first key), as failures show it.
        location: Location,
        handler: bool,
    },
    /// One loop item's result (printed as it arrives; the task's total follows as `HostResult`).
    ItemResult {
        host: &'a str,
        label: &'a str,
        result: &'a TaskResult,
        no_log: bool,
    },
    /// The task's final result on one host.
    HostResult {
        host: &'a str,
        result: &'a TaskResult,
        /// How the result counts in the recap.
        status: Status,
        duration: Duration,
        no_log: bool,
        /// Whether item lines were already printed for this result.
        looped: bool,
    },
    Warning(&'a str),
    /// An `until` condition did not hold yet on `host`: the task runs again (`left` more times
    /// at most), reported as it happens.
    Retrying {
        host: &'a str,
        task: &'a str,
        left: u32,
    },
    /// A host's connection is open; `seconds` is what connecting and authenticating took.
    Connected {
        host: &'a str,
        seconds: f64,
    },
    /// The run is over.
    Recap {
        stats: &'a IndexMap<String, Stats>,
    },
}

/// How one task's result counts for a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Changed,
    Skipped,
    Failed,
    /// Failed, but `ignore_errors` was set.
    Ignored,
    Unreachable,
}

impl Status {
    pub fn of(result: &TaskResult, ignore_errors: bool) -> Status {
        // As Ansible's TaskResult: a `failed_when` verdict, when there is one, decides (a
        // result marked failed after its retries ran out still passes a false `failed_when`).
        let failed = match result.data.get("failed_when_result") {
            Some(serde_json::Value::Bool(verdict)) => *verdict,
            _ => result.failed,
        };
        if result.unreachable {
            Status::Unreachable
        } else if failed {
            if ignore_errors {
                Status::Ignored
            } else {
                Status::Failed
            }
        } else if result.skipped {
            Status::Skipped
        } else if result.changed {
            Status::Changed
        } else {
            Status::Ok
        }
    }
}

/// A host's counters, with Ansible's meaning: `ok` counts every task that ran without failing
/// (changed ones and ignored failures included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub ok: u32,
    pub changed: u32,
    pub unreachable: u32,
    pub failed: u32,
    pub skipped: u32,
    pub rescued: u32,
    pub ignored: u32,
}

impl Stats {
    /// Adds another tally of the same host (the runners of a free play each keep their own).
    pub fn add(&mut self, other: &Stats) {
        self.ok += other.ok;
        self.changed += other.changed;
        self.unreachable += other.unreachable;
        self.failed += other.failed;
        self.skipped += other.skipped;
        self.rescued += other.rescued;
        self.ignored += other.ignored;
    }

    pub fn count(&mut self, status: Status, changed: bool) {
        match status {
            Status::Ok | Status::Changed => self.ok += 1,
            Status::Skipped => self.skipped += 1,
            Status::Failed => self.failed += 1,
            Status::Ignored => {
                self.ok += 1;
                self.ignored += 1;
            }
            Status::Unreachable => self.unreachable += 1,
        }
        // As Ansible's stats: a failure counts as changed only when it is ignored.
        if changed && !matches!(status, Status::Unreachable | Status::Failed) {
            self.changed += 1;
        }
    }
}

/// Receives every event of a run.
pub trait Reporter: Send {
    fn event(&mut self, event: &Event);
}

/// Sends each event to several reporters.
#[derive(Default)]
pub struct Fanout(pub Vec<Box<dyn Reporter>>);

impl Reporter for Fanout {
    fn event(&mut self, event: &Event) {
        for r in &mut self.0 {
            r.event(event);
        }
    }
}

/// The item label of a `no_log` loop, as Ansible 2.19 prints it.
pub const CENSORED_ITEM: &str = "(censored due to no_log)";

/// What a result looks like in output and reports when the task has `no_log`.
pub fn censored(result: &TaskResult) -> serde_json::Value {
    serde_json::json!({
        "censored": "the output has been hidden due to the fact that 'no_log: true' was specified for this result",
        "changed": result.changed,
    })
}
