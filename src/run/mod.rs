//! The runner: for each play, select hosts, then run every task on every host concurrently
//! (at most `forks` at once), host by host independent, task by task in lockstep (Ansible's
//! `linear` strategy). A failed or unreachable host stops only itself.

mod connect;
mod exec;
mod host;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use indexmap::IndexMap;
use minijinja::value::Value as JValue;
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

pub use connect::ConnectDefaults;
use host::{HostState, Outcome, TaskShared};

use crate::error::Error;
use crate::inventory::Inventory;
use crate::playbook::{self, Play, Playbook, Task};
use crate::report::{Event, Reporter, Stats};
use crate::template::{Templar, to_jinja};
use crate::vars::{Layer, layer_from_json};

/// Exit codes, documented in the README. Ansible's numbers where Ansible has one.
pub mod exit {
    pub const OK: i32 = 0;
    /// An internal error (a bug) or an I/O failure of the controller.
    pub const ERROR: i32 = 1;
    /// At least one host had a failed task.
    pub const FAILED: i32 = 2;
    /// At least one host was unreachable (takes precedence over FAILED, as in Ansible).
    pub const UNREACHABLE: i32 = 4;
    /// Bad input (playbook, inventory, variables) or bad usage: nothing was contacted.
    pub const BAD_INPUT: i32 = 5;
    /// `rconf check` only: every host answered, none failed, and at least one has drifted
    /// (a task would change it). UNREACHABLE and FAILED take precedence over it.
    pub const DRIFT: i32 = 3;
    /// Another rconf run of the same playbook and inventory holds the lock: nothing was done.
    pub const LOCKED: i32 = 6;
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub playbook: PathBuf,
    pub inventory: Vec<String>,
    pub limit: Option<String>,
    pub forks: usize,
    pub extra_vars: IndexMap<String, Value>,
    pub check: bool,
    pub diff: bool,
    pub task_timeout: Option<Duration>,
    pub connect: ConnectDefaults,
}

/// Read-only state shared by every host task of a run.
pub struct Shared {
    pub templar: Templar,
    pub extra_vars: Layer,
    pub check: bool,
    pub diff: bool,
    pub search_dirs: Vec<PathBuf>,
    pub marker: String,
    pub omit: String,
    pub task_timeout: Option<Duration>,
    pub connect: ConnectDefaults,
}

/// The result of a whole run: per-host stats and the exit code they imply.
#[derive(Debug)]
pub struct RunSummary {
    pub stats: IndexMap<String, Stats>,
}

impl RunSummary {
    pub fn exit_code(&self) -> i32 {
        if self.stats.values().any(|s| s.unreachable > 0) {
            exit::UNREACHABLE
        } else if self.stats.values().any(|s| s.failed > 0) {
            exit::FAILED
        } else {
            exit::OK
        }
    }

    /// Hosts on which some task reported `changed`: in check mode, the hosts that drifted.
    pub fn changed_hosts(&self) -> Vec<&str> {
        self.stats
            .iter()
            .filter(|(_, s)| s.changed > 0)
            .map(|(h, _)| h.as_str())
            .collect()
    }

    /// The exit code of a drift check: UNREACHABLE, then FAILED, then DRIFT, then OK.
    pub fn check_exit_code(&self) -> i32 {
        match self.exit_code() {
            exit::OK if !self.changed_hosts().is_empty() => exit::DRIFT,
            code => code,
        }
    }
}

/// Everything statically checkable, before any host is contacted.
pub fn prepare(opts: &RunOptions) -> Result<(Playbook, Inventory), Error> {
    let mut errors = Vec::new();
    let playbook = playbook::load(&opts.playbook)
        .map_err(|e| collect(&mut errors, e))
        .ok();
    let inventory = Inventory::load(&opts.inventory)
        .map_err(|e| collect(&mut errors, e))
        .ok();
    match (playbook, inventory) {
        (Some(p), Some(i)) if errors.is_empty() => Ok((p, i)),
        _ => Err(Error::Input(errors)),
    }
}

fn collect(into: &mut Vec<crate::error::Diagnostic>, e: Error) {
    match e {
        Error::Input(ds) => into.extend(ds),
        Error::Usage(m) => into.push(crate::error::Diagnostic::new(m)),
    }
}

/// Runs a loaded playbook against the inventory, sending every event to `reporter`.
pub async fn run(
    opts: &RunOptions,
    playbook: Playbook,
    inventory: Inventory,
    reporter: &mut dyn Reporter,
) -> RunSummary {
    let marker = random_token();
    let shared = Arc::new(Shared {
        templar: Templar::new(),
        extra_vars: layer_from_json(&opts.extra_vars),
        check: opts.check,
        diff: opts.diff,
        search_dirs: vec![playbook.dir.clone()],
        omit: format!("__omit_place_holder__{marker}"),
        marker: format!("\u{1e}rconf-result-{marker}\u{1e}"),
        task_timeout: opts.task_timeout,
        connect: opts.connect.clone(),
    });
    let limit = match &opts.limit {
        Some(pattern) => match inventory.select(pattern) {
            Ok(hosts) => Some(hosts),
            Err(e) => {
                reporter.event(&Event::Warning(&e.to_string()));
                Some(Vec::new())
            }
        },
        None => None,
    };
    let groups = to_jinja(&serde_json::to_value(inventory.groups_map()).unwrap_or_default());
    let mut states: IndexMap<String, HostState> = IndexMap::new();
    let mut stats: IndexMap<String, Stats> = IndexMap::new();
    let playbook = Arc::new(playbook);
    for (pi, play) in playbook.plays.iter().enumerate() {
        let selected = match inventory.select(&play.hosts) {
            Ok(h) => h,
            Err(e) => {
                reporter.event(&Event::Warning(&e.to_string()));
                Vec::new()
            }
        };
        let hosts: Vec<String> = selected
            .into_iter()
            .filter(|h| limit.as_ref().is_none_or(|l| l.contains(h)))
            .collect();
        reporter.event(&Event::PlayStart {
            name: &play.name,
            hosts: &hosts,
        });
        if hosts.is_empty() {
            reporter.event(&Event::Warning(&format!(
                "no hosts matched for play `{}` (pattern `{}`)",
                play.name, play.hosts
            )));
            continue;
        }
        for h in &hosts {
            states.entry(h.clone()).or_insert_with(|| {
                HostState::new(
                    h.clone(),
                    Arc::new(layer_from_json(&inventory.host_vars(h))),
                )
            });
            stats.entry(h.clone()).or_default();
        }
        let mut magic = Layer::new();
        magic.insert("groups".into(), groups.clone());
        let play_hosts = JValue::from_iter(hosts.iter().map(|h| JValue::from(h.as_str())));
        magic.insert("play_hosts".into(), play_hosts.clone());
        magic.insert("ansible_play_hosts".into(), play_hosts.clone());
        magic.insert("ansible_play_hosts_all".into(), play_hosts.clone());
        magic.insert("ansible_play_batch".into(), play_hosts);
        magic.insert("ansible_play_name".into(), JValue::from(play.name.as_str()));
        magic.insert("ansible_check_mode".into(), JValue::from(opts.check));
        magic.insert("ansible_diff_mode".into(), JValue::from(opts.diff));
        magic.insert("playbook_dir".into(), JValue::from(absolute(&playbook.dir)));
        magic.insert("omit".into(), JValue::from(shared.omit.as_str()));
        let mut runner = PlayRunner {
            shared: shared.clone(),
            playbook: playbook.clone(),
            play_index: pi,
            play_vars: Arc::new(layer_from_json(&play.vars)),
            magic,
            hosts,
            forks: opts.forks.max(1),
        };
        if let (true, Some(setup)) = (play.gather_facts, crate::modules::find("setup")) {
            let gather = Step::Synthetic(Arc::new(gather_task(setup, play)));
            runner
                .run_step(gather, false, &mut states, &mut stats, reporter)
                .await;
        }
        for (section, tasks) in [
            (Section::Pre, &play.pre_tasks),
            (Section::Main, &play.tasks),
            (Section::Post, &play.post_tasks),
        ] {
            for ti in 0..tasks.len() {
                runner
                    .run_step(
                        Step::Task(section, ti),
                        false,
                        &mut states,
                        &mut stats,
                        reporter,
                    )
                    .await;
            }
            runner
                .flush_handlers(&mut states, &mut stats, reporter)
                .await;
        }
    }
    reporter.event(&Event::Recap { stats: &stats });
    for (_, s) in states {
        if let Some(conn) = s.conn.and_then(|c| Arc::try_unwrap(c).ok()) {
            conn.close().await;
        }
    }
    RunSummary { stats }
}

#[derive(Debug, Clone, Copy)]
enum Section {
    Pre,
    Main,
    Post,
    Handlers,
}

/// Which task a step runs: one from the playbook, or one rconf made (fact gathering).
#[derive(Clone)]
enum Step {
    Task(Section, usize),
    Synthetic(Arc<Task>),
}

struct PlayRunner {
    shared: Arc<Shared>,
    playbook: Arc<Playbook>,
    play_index: usize,
    play_vars: Arc<Layer>,
    magic: Layer,
    hosts: Vec<String>,
    forks: usize,
}

fn task_of<'a>(playbook: &'a Playbook, play: usize, step: &'a Step) -> &'a Task {
    match step {
        Step::Synthetic(t) => t,
        Step::Task(section, i) => {
            let p = &playbook.plays[play];
            match section {
                Section::Pre => &p.pre_tasks[*i],
                Section::Main => &p.tasks[*i],
                Section::Post => &p.post_tasks[*i],
                Section::Handlers => &p.handlers[*i],
            }
        }
    }
}

impl PlayRunner {
    /// Runs one task on every active host (or on `only`, for handlers), at most `forks` at once,
    /// reporting each host's result as it finishes.
    async fn run_step(
        &mut self,
        step: Step,
        handler: bool,
        states: &mut IndexMap<String, HostState>,
        stats: &mut IndexMap<String, Stats>,
        reporter: &mut dyn Reporter,
    ) {
        self.run_step_on(step, handler, None, states, stats, reporter)
            .await
    }

    async fn run_step_on(
        &mut self,
        step: Step,
        handler: bool,
        only: Option<&[String]>,
        states: &mut IndexMap<String, HostState>,
        stats: &mut IndexMap<String, Stats>,
        reporter: &mut dyn Reporter,
    ) {
        let active: Vec<String> = self
            .hosts
            .iter()
            .filter(|h| states.get(*h).is_some_and(|s| !s.failed && !s.unreachable))
            .filter(|h| only.is_none_or(|o| o.contains(h)))
            .cloned()
            .collect();
        if active.is_empty() {
            return;
        }
        let task = task_of(&self.playbook, self.play_index, &step);
        let location = task.location.to_string();
        reporter.event(&Event::TaskStart {
            name: task.display_name(),
            action: &task.action,
            location,
            handler,
        });
        let mut magic = self.magic.clone();
        let hostvars: IndexMap<String, JValue> = states
            .iter()
            .map(|(k, s)| (k.clone(), s.public_vars()))
            .collect();
        magic.insert("hostvars".into(), JValue::from_iter(hostvars));
        let cx = Arc::new(TaskShared {
            shared: self.shared.clone(),
            play_vars: self.play_vars.clone(),
            magic: Arc::new(magic),
        });
        let limiter = Arc::new(Semaphore::new(self.forks));
        let mut set = JoinSet::new();
        for name in &active {
            let Some(mut state) = states.shift_remove(name) else {
                continue;
            };
            let (cx, limiter, playbook, step, play) = (
                cx.clone(),
                limiter.clone(),
                self.playbook.clone(),
                step.clone(),
                self.play_index,
            );
            set.spawn(async move {
                let _permit = limiter.acquire_owned().await;
                let task = task_of(&playbook, play, &step);
                let outcome = host::run_task(&mut state, task, &cx).await;
                (state, outcome)
            });
        }
        let mut done = Vec::new();
        while let Some(joined) = set.join_next().await {
            let Ok((state, outcome)) = joined else {
                continue;
            };
            report(reporter, &state.name, task, &outcome);
            if let Some(s) = stats.get_mut(&state.name) {
                s.count(outcome.status, outcome.result.changed);
            }
            done.push(state);
        }
        for s in done {
            states.insert(s.name.clone(), s);
        }
        // Keep inventory order for the next task and for hostvars.
        states.sort_by_cached_key(|k, _| {
            self.hosts.iter().position(|h| h == k).unwrap_or(usize::MAX)
        });
    }

    /// Runs notified handlers in definition order on the hosts that notified them.
    async fn flush_handlers(
        &mut self,
        states: &mut IndexMap<String, HostState>,
        stats: &mut IndexMap<String, Stats>,
        reporter: &mut dyn Reporter,
    ) {
        let handlers = self.playbook.plays[self.play_index].handlers.len();
        for hi in 0..handlers {
            let h = &self.playbook.plays[self.play_index].handlers[hi];
            let names: Vec<&str> = h
                .name
                .iter()
                .map(String::as_str)
                .chain(h.listen.iter().map(String::as_str))
                .collect();
            let hosts: Vec<String> = states
                .values()
                .filter(|s| {
                    !s.failed && !s.unreachable && names.iter().any(|n| s.notified.contains(*n))
                })
                .map(|s| s.name.clone())
                .collect();
            if !hosts.is_empty() {
                self.run_step_on(
                    Step::Task(Section::Handlers, hi),
                    true,
                    Some(&hosts),
                    states,
                    stats,
                    reporter,
                )
                .await;
            }
        }
        for s in states.values_mut() {
            s.notified.clear();
        }
    }
}

fn report(reporter: &mut dyn Reporter, host: &str, task: &Task, outcome: &Outcome) {
    for (label, r) in &outcome.items {
        reporter.event(&Event::ItemResult {
            host,
            label,
            result: r,
            no_log: task.no_log,
        });
    }
    reporter.event(&Event::HostResult {
        host,
        result: &outcome.result,
        status: outcome.status,
        duration: outcome.duration,
        no_log: task.no_log,
        looped: !outcome.items.is_empty(),
    });
}

fn gather_task(setup: &'static dyn crate::modules::Module, play: &Play) -> Task {
    let mut t = Task::synthetic(
        Some("Gathering Facts".into()),
        "gather_facts",
        setup,
        IndexMap::new(),
        play.location.clone(),
    );
    // Facts describe the host as it is, also in check mode.
    t.check_mode = Some(false);
    t
}

fn absolute(p: &std::path::Path) -> String {
    std::fs::canonicalize(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}

/// A random hex token: separates a script's payload from its result, and names `omit`.
fn random_token() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..16)
        .map(|_| format!("{:x}", rng.random_range(0..16u8)))
        .collect()
}
