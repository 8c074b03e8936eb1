//! One batch of one play: fact gathering, then `pre_tasks`, roles and `tasks`, `post_tasks`,
//! each followed by a handler flush, with the linear strategy (every host finishes a task before
//! any starts the next). The free strategy, `meta` and handler flushes, and run-time includes
//! are in `play/`.

use std::sync::Arc;

use indexmap::IndexMap;
use minijinja::value::Value as JValue;
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

mod control;
mod free;
mod include;

use control::MetaFlow;
use include::{Walk, WalkEnd};

use super::flow::{self, Next, Pending};
use super::host::{self, HostState, Outcome, TaskShared};
use super::{Shared, TagFilter};
use crate::modules::Control;
use crate::playbook::{Play, Playbook, Strategy, Task, TaskList};
use crate::report::{Event, Reporter, Stats, Status};
use crate::template::to_jinja;
use crate::vars::Layer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Pre,
    Main,
    Post,
    Handlers,
}

/// Which task a step runs: one from the play, one from a file an `include_tasks` loaded
/// while the play runs, or one rconf made (fact gathering).
#[derive(Clone)]
enum StepRef {
    Task(Section, usize),
    Included(Arc<TaskList>, usize),
    Synthetic(Arc<Task>),
}

type States = IndexMap<String, HostState>;
type StatsMap = IndexMap<String, Stats>;

pub struct PlayRunner {
    pub shared: Arc<Shared>,
    pub playbook: Arc<Playbook>,
    pub play_index: usize,
    /// The play's vars, then its public roles' `vars/` (see `Play::public_role_vars`).
    pub play_vars: Arc<Layer>,
    /// The play's public roles' defaults, below every other variable.
    pub role_defaults: Arc<Layer>,
    pub magic: Layer,
    /// The hosts of this batch, in inventory order.
    pub hosts: Vec<String>,
    pub forks: usize,
    pub force_handlers: bool,
    /// `--start-at-task` not reached yet.
    pub start_at: Option<String>,
    /// `any_errors_fatal` or `max_fail_percentage` stopped the play.
    pub aborted: bool,
    /// The loop variables of the run-time `include_tasks` whose tasks are running.
    pub include_vars: Option<Arc<Layer>>,
    /// Handlers of roles `include_role` loaded while the play runs.
    pub dynamic_handlers: Vec<Arc<Task>>,
    /// At most `forks` hosts run a task at once: shared by every step (and, under the free
    /// strategy, by every host walking on its own).
    pub limiter: Arc<Semaphore>,
    /// Under the free strategy, what this runner (walking one host) shares with the others.
    pub free: Option<Arc<free::FreeShared>>,
    /// The live inventory's generation `groups` was last read at (`Shared::inventory_generation`).
    pub groups_seen: u64,
}

impl PlayRunner {
    /// A runner for one batch of play `play_index`: `magic` is the play's, to which the
    /// batch's own host lists are added.
    pub fn new(
        shared: &Arc<Shared>,
        playbook: &Arc<Playbook>,
        play_index: usize,
        magic: &Layer,
        batch: Vec<String>,
        opts: &super::RunOptions,
    ) -> Self {
        let play = &playbook.plays[play_index];
        let mut magic = magic.clone();
        let batch_hosts = JValue::from_iter(batch.iter().map(|h| JValue::from(h.as_str())));
        for key in ["play_hosts", "ansible_play_hosts", "ansible_play_batch"] {
            magic.insert(key.into(), batch_hosts.clone());
        }
        PlayRunner {
            shared: shared.clone(),
            playbook: playbook.clone(),
            play_index,
            play_vars: Arc::new(super::layer_from_json(
                play.vars.iter().chain(&play.public_role_vars),
            )),
            role_defaults: Arc::new(super::layer_from_json(&play.public_role_defaults)),
            magic,
            hosts: batch,
            forks: opts.forks.max(1),
            force_handlers: play.force_handlers.unwrap_or(opts.force_handlers),
            start_at: None,
            aborted: false,
            include_vars: None,
            dynamic_handlers: Vec::new(),
            limiter: Arc::new(Semaphore::new(opts.forks.max(1))),
            free: None,
            groups_seen: shared
                .inventory_generation
                .load(std::sync::atomic::Ordering::Acquire),
        }
    }
}

/// Where each host of a walk is: its next task and what its blocks still owe; and, in an
/// included list, the hosts that failed there (the include fails for them).
struct Positions {
    hosts: IndexMap<String, (Next, Pending)>,
    nested: bool,
    failed_here: Vec<(String, crate::result::TaskResult)>,
}

impl Positions {
    /// Moves each host past task `pc` of `list` by its outcome (into rescue, always, or on),
    /// counting it; whether a host failed for good here.
    fn advance(
        &mut self,
        list: &TaskList,
        pc: usize,
        tags: &TagFilter,
        outcomes: Vec<(String, Outcome)>,
        states: &mut States,
        stats: &mut StatsMap,
    ) -> bool {
        let task = &list.tasks[pc];
        let mut any_failed = false;
        for (host, outcome) in outcomes {
            let Some((next, pending)) = self.hosts.get_mut(&host) else {
                continue;
            };
            let failed = outcome.status == Status::Failed;
            let a = flow::advance(list, pc, failed, pending);
            *next = flow::skip_unselected(
                list,
                a.next,
                &|i| selected(&list.tasks[i], tags, None),
                pending,
            );
            // In an included list, a failure nothing here rescues is the include's: the
            // list it sits in counts it (or rescues it).
            let handed_up = self.nested && *next == Next::Failed;
            count(
                stats,
                &host,
                &outcome,
                failed && (a.entered_rescue || handed_up),
            );
            if a.rescued {
                stats.entry(host.clone()).or_default().rescued += 1;
            }
            if a.entered_rescue {
                remember_failure(states, &host, task, &outcome);
            }
            if handed_up {
                self.failed_here.push((host, outcome.result));
            } else if *next == Next::Failed {
                mark_failed(states, &host);
                any_failed = true;
            }
        }
        any_failed
    }
}

fn list_of(play: &Play, section: Section) -> &TaskList {
    match section {
        Section::Pre => &play.pre_tasks,
        Section::Main => &play.tasks,
        Section::Post => &play.post_tasks,
        Section::Handlers => &play.handlers,
    }
}

fn task_of<'a>(playbook: &'a Playbook, play: usize, step: &'a StepRef) -> &'a Task {
    match step {
        StepRef::Synthetic(t) => t,
        StepRef::Task(section, i) => &list_of(&playbook.plays[play], *section).tasks[*i],
        StepRef::Included(list, i) => &list.tasks[*i],
    }
}

/// Tags, and `--start-at-task` until that task is reached.
fn selected(task: &Task, tags: &TagFilter, start_at: Option<&str>) -> bool {
    tags.selects(&task.tags) && start_at.is_none_or(|name| task.name.as_deref() == Some(name))
}

impl PlayRunner {
    fn play(&self) -> &Play {
        &self.playbook.plays[self.play_index]
    }

    /// The play's strategy; a templated one rendered with the play's and extra variables.
    fn strategy(&self, reporter: &mut dyn Reporter) -> Strategy {
        let play = self.play();
        let Some(template) = &play.strategy_template else {
            return play.strategy;
        };
        let mut vars = (*self.play_vars).clone();
        vars.extend(self.shared.extra_vars.clone());
        let scope = JValue::from(
            vars.into_iter()
                .collect::<std::collections::BTreeMap<String, JValue>>(),
        );
        match self.shared.templar.render_str(template, &scope) {
            Ok(Value::String(s)) if matches!(s.as_str(), "free" | "ansible.builtin.free") => {
                Strategy::Free
            }
            Ok(Value::String(s)) if matches!(s.as_str(), "linear" | "ansible.builtin.linear") => {
                Strategy::Linear
            }
            other => {
                let got = match other {
                    Ok(v) => v.to_string(),
                    Err(e) => e,
                };
                reporter.event(&Event::Warning(&format!(
                    "`strategy: {template}` must render to `linear` or `free`, got {got}; the play runs with `linear`"
                )));
                Strategy::Linear
            }
        }
    }

    pub async fn run_batch(
        &mut self,
        states: &mut States,
        stats: &mut StatsMap,
        reporter: &mut dyn Reporter,
    ) {
        for h in &self.hosts {
            if let Some(s) = states.get_mut(h) {
                s.ended = false;
            }
        }
        let play = &self.playbook.plays[self.play_index];
        // Ansible's fact-gathering task is tagged `always` and the play's tags: `--tags`
        // keeps it, `--skip-tags` of the play's (or `always`) drops it.
        let gather_tags: Vec<String> = std::iter::once("always".to_string())
            .chain(play.tags.iter().cloned())
            .collect();
        let gather = play.gather_facts && self.shared.tags.selects(&gather_tags);
        if let (true, Some(setup)) = (gather, crate::modules::find("setup")) {
            let mut t = Task::synthetic(
                Some("Gathering Facts".into()),
                "gather_facts",
                crate::playbook::ModuleRef::Native(setup, None),
                play.gather_args.clone(),
                play.location.clone(),
            );
            // Facts describe the host as it is, also in check mode, and as the play's
            // become user sees it.
            t.check_mode = Some(false);
            t.connection = play.connection.clone();
            t.when = play.gather_when.clone();
            let hosts = self.active(states, None);
            let outcomes = self
                .run_step(
                    StepRef::Synthetic(Arc::new(t)),
                    false,
                    &hosts,
                    states,
                    reporter,
                )
                .await;
            for (host, o) in outcomes {
                count(stats, &host, &o, false);
                if o.status == Status::Failed {
                    mark_failed(states, &host);
                }
            }
        }
        match self.strategy(reporter) {
            Strategy::Linear => {
                self.run_sections(states, stats, reporter).await;
            }
            Strategy::Free => self.run_free(states, stats, reporter).await,
        }
    }

    /// `pre_tasks`, the roles and `tasks`, `post_tasks`, each followed by a handler flush,
    /// for the hosts of this runner. Returns true when `meta: end_play` ended the play.
    async fn run_sections(
        &mut self,
        states: &mut States,
        stats: &mut StatsMap,
        reporter: &mut dyn Reporter,
    ) -> bool {
        for section in [Section::Pre, Section::Main, Section::Post] {
            let ended = self.run_linear(section, states, stats, reporter).await;
            if ended {
                return true;
            }
            if self.aborted {
                return false;
            }
            self.flush_handlers(states, stats, reporter).await;
        }
        false
    }

    fn active(&self, states: &States, only: Option<&[String]>) -> Vec<String> {
        self.hosts
            .iter()
            .filter(|h| states.get(*h).is_some_and(HostState::active))
            .filter(|h| only.is_none_or(|o| o.contains(h)))
            .cloned()
            .collect()
    }

    /// Linear strategy: the lowest task any host is at runs next, on every host at it.
    /// Returns true when `meta: end_play` ended the play.
    async fn run_linear(
        &mut self,
        section: Section,
        states: &mut States,
        stats: &mut StatsMap,
        reporter: &mut dyn Reporter,
    ) -> bool {
        let hosts = self.active(states, None);
        match self
            .walk(Walk::Section(section), hosts, states, stats, reporter)
            .await
        {
            WalkEnd::EndPlay => true,
            WalkEnd::Aborted => {
                self.aborted = true;
                false
            }
            WalkEnd::Done(_) => false,
        }
    }

    /// Walks `hosts` through a task list with the linear strategy.
    async fn walk(
        &mut self,
        walk: Walk,
        hosts: Vec<String>,
        states: &mut States,
        stats: &mut StatsMap,
        reporter: &mut dyn Reporter,
    ) -> WalkEnd {
        let playbook = self.playbook.clone();
        let list = walk.list(&playbook, self.play_index);
        let nested = matches!(walk, Walk::Included(_));
        let tags = self.shared.tags.clone();
        let start = if nested { None } else { self.start_at.clone() };
        let mut pos = Positions {
            hosts: hosts
                .into_iter()
                .map(|h| {
                    let mut pending = Pending::default();
                    let select = |i: usize| selected(&list.tasks[i], &tags, start.as_deref());
                    let next = flow::first(list, &select, &mut pending);
                    (h, (next, pending))
                })
                .collect(),
            nested,
            failed_here: Vec::new(),
        };
        loop {
            if let Some(free) = &self.free {
                if free.play_ended() {
                    return WalkEnd::EndPlay;
                }
                free.collect_mail(states);
            }
            self.refresh_groups(states);
            let live: Vec<(String, usize)> = pos
                .hosts
                .iter()
                .filter(|(h, _)| states.get(*h).is_some_and(HostState::active))
                .filter_map(|(h, (n, _))| match n {
                    Next::At(i) => Some((h.clone(), *i)),
                    _ => None,
                })
                .collect();
            let Some(pc) = live.iter().map(|(_, i)| *i).min() else {
                return WalkEnd::Done(pos.failed_here);
            };
            let on: Vec<String> = live
                .into_iter()
                .filter(|(_, i)| *i == pc)
                .map(|(h, _)| h)
                .collect();
            let task = &list.tasks[pc];
            if self
                .start_at
                .as_deref()
                .is_some_and(|n| task.name.as_deref() == Some(n))
            {
                self.start_at = None;
            }
            let mut outcomes = if task.module.control() == Control::Meta {
                match self
                    .meta_step(task, &on, &mut pos, states, stats, reporter)
                    .await
                {
                    Some(outcomes) => outcomes,
                    None => return WalkEnd::EndPlay,
                }
            } else if !self.confirm(task).await {
                on.iter().map(|h| (h.clone(), Outcome::ok())).collect()
            } else if let Some(refused) = self.free_refuses(task, reporter) {
                self.announce(task, walk_is_handlers(&walk), &on, states, reporter);
                let failed: Vec<(String, Outcome)> = on
                    .iter()
                    .map(|h| (h.clone(), Outcome::failed(&refused)))
                    .collect();
                for (h, o) in &failed {
                    report(reporter, h, task, o);
                }
                failed
            } else {
                self.run_step(
                    walk.step(pc),
                    walk_is_handlers(&walk),
                    &on,
                    states,
                    reporter,
                )
                .await
            };
            if task.include.is_some()
                && self
                    .run_includes(task, &mut outcomes, states, stats, reporter)
                    .await
            {
                return WalkEnd::EndPlay;
            }
            let any_failed = pos.advance(list, pc, &tags, outcomes, states, stats);
            if any_failed && self.failure_stops_play(states) {
                return WalkEnd::Aborted;
            }
        }
    }

    /// A `meta` task on the hosts at it: acts for those whose `when` holds. `None` when it
    /// ends the play.
    async fn meta_step(
        &mut self,
        task: &Task,
        on: &[String],
        pos: &mut Positions,
        states: &mut States,
        stats: &mut StatsMap,
        reporter: &mut dyn Reporter,
    ) -> Option<Vec<(String, Outcome)>> {
        let cx = self.task_shared(states);
        let acting: Vec<String> = on
            .iter()
            .filter(|h| {
                states
                    .get(*h)
                    .is_some_and(|s| host::conditions_met(s, task, &cx))
            })
            .cloned()
            .collect();
        let flow = if acting.is_empty() {
            MetaFlow::Continue
        } else {
            self.meta(task, &acting, states, stats, reporter).await
        };
        match flow {
            MetaFlow::EndPlay => {
                if let Some(free) = &self.free {
                    free.end_play();
                }
                None
            }
            MetaFlow::Continue => {
                // Cleared errors no longer fail their hosts when an `always` ends.
                if !acting.is_empty()
                    && crate::modules::meta::MetaAction::of(&task.args)
                        == crate::modules::meta::MetaAction::ClearHostErrors
                {
                    for (_, pending) in pos.hosts.values_mut() {
                        *pending = Pending::default();
                    }
                }
                Some(on.iter().map(|h| (h.clone(), Outcome::ok())).collect())
            }
        }
    }

    /// `--step`: asks on the terminal whether to run `task`; `c` stops asking.
    async fn confirm(&self, task: &Task) -> bool {
        use std::sync::atomic::Ordering;
        if !self.shared.step.load(Ordering::Relaxed) {
            return true;
        }
        let name = task.display_name();
        let answer = tokio::task::spawn_blocking(move || {
            ask(&format!(
                "Perform task: TASK: {name} (N)o/(y)es/(c)ontinue: "
            ))
        })
        .await
        .unwrap_or_default();
        match answer.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" => true,
            "c" | "continue" => {
                self.shared.step.store(false, Ordering::Relaxed);
                true
            }
            _ => false,
        }
    }

    /// `any_errors_fatal`, or more failed hosts in the batch than `max_fail_percentage`.
    fn failure_stops_play(&self, states: &States) -> bool {
        let play = self.play();
        // Under the free strategy hosts go on independently: Ansible warns and ignores both.
        if self.free.is_some() {
            return false;
        }
        if play.any_errors_fatal {
            return true;
        }
        let Some(pct) = play.max_fail_percentage else {
            return false;
        };
        let failed = self
            .hosts
            .iter()
            .filter(|h| states.get(*h).is_some_and(|s| s.failed || s.unreachable))
            .count();
        failed as f64 * 100.0 / self.hosts.len().max(1) as f64 > pct
    }

    fn task_shared(&self, states: &States) -> Arc<TaskShared> {
        self.task_shared_with(states, None)
    }

    fn task_shared_with(
        &self,
        states: &States,
        retries: Option<tokio::sync::mpsc::UnboundedSender<(String, u32)>>,
    ) -> Arc<TaskShared> {
        let mut magic = self.magic.clone();
        let mut hostvars: IndexMap<String, JValue> = match &self.free {
            Some(free) => free.hostvars(),
            None => IndexMap::new(),
        };
        for (k, s) in states {
            hostvars.insert(k.clone(), s.public_vars(&self.shared.templar));
        }
        magic.insert("hostvars".into(), crate::vars::map_value(hostvars));
        Arc::new(TaskShared {
            shared: self.shared.clone(),
            play_vars: self.play_vars.clone(),
            role_defaults: self.role_defaults.clone(),
            magic: Arc::new(magic),
            include_vars: self.include_vars.clone(),
            retries,
        })
    }

    /// Runs one task on `on` (at most `forks` at once), reporting each host's result as it
    /// finishes. A `run_once` task runs on the first host only; the others get its result.
    async fn run_step(
        &mut self,
        step: StepRef,
        handler: bool,
        on: &[String],
        states: &mut States,
        reporter: &mut dyn Reporter,
    ) -> Vec<(String, Outcome)> {
        if on.is_empty() {
            return Vec::new();
        }
        let task = task_of(&self.playbook, self.play_index, &step);
        self.announce(task, handler, on, states, reporter);
        let (retry_tx, mut retry_rx) = tokio::sync::mpsc::unbounded_channel();
        let cx = self.task_shared_with(states, Some(retry_tx));
        let runners: &[String] = if task.run_once { &on[..1] } else { on };
        let limiter = self.limiter.clone();
        // `throttle` caps this task's hosts beside the forks (Ansible ignores it with run_once).
        let throttle = task
            .throttle
            .filter(|_| !task.run_once)
            .map(|n| self.shared.throttle(task, n));
        let mut set = JoinSet::new();
        for name in runners {
            let Some(mut state) = states.shift_remove(name) else {
                continue;
            };
            let (cx, limiter, throttle, playbook, step, play) = (
                cx.clone(),
                limiter.clone(),
                throttle.clone(),
                self.playbook.clone(),
                step.clone(),
                self.play_index,
            );
            set.spawn(async move {
                // The throttle first, so a host waiting for it holds no fork.
                let _throttled = match throttle {
                    Some(t) => t.acquire_owned().await.ok(),
                    None => None,
                };
                let _permit = limiter.acquire_owned().await;
                let task = task_of(&playbook, play, &step);
                let outcome = host::run_task(&mut state, task, &cx).await;
                (state, outcome)
            });
        }
        let mut outcomes = Vec::new();
        let name = task.display_name();
        loop {
            let joined = tokio::select! {
                // Retries first: a host's retry lines come before its result.
                biased;
                Some((host, left)) = retry_rx.recv() => {
                    reporter.event(&Event::Retrying { host: &host, task: &name, left });
                    continue;
                }
                joined = set.join_next() => joined,
            };
            let Some(joined) = joined else {
                break;
            };
            let Ok((mut state, outcome)) = joined else {
                continue;
            };
            report_connection(reporter, &mut state);
            report(reporter, &state.name, task, &outcome);
            outcomes.push((state.name.clone(), outcome));
            states.insert(state.name.clone(), state);
        }
        if task.run_once {
            self.share_run_once(task, on, &mut outcomes, states);
        }
        if task.delegate_facts {
            self.deliver_facts(task, &outcomes, states);
        }
        if let Control::Inventory { .. } = task.module.control() {
            // The new groups and hosts count for the rest of this play too.
            if let Err(e) = super::inventory_changes::apply(&self.shared) {
                reporter.event(&Event::Warning(&e));
            }
            self.refresh_groups(states);
        }
        if let Some(free) = &self.free {
            free.publish(states);
        }
        self.restore_order(states);
        outcomes
    }

    /// After `group_by` or `add_host` changed the live inventory (on any host): `groups` and
    /// every host's `group_names` as they are now.
    fn refresh_groups(&mut self, states: &mut States) {
        let now = self
            .shared
            .inventory_generation
            .load(std::sync::atomic::Ordering::Acquire);
        if now == self.groups_seen {
            return;
        }
        self.groups_seen = now;
        self.magic.insert(
            "groups".into(),
            super::inventory_changes::groups(&self.shared),
        );
        super::inventory_changes::refresh_group_names(&self.shared, states);
    }

    /// `delegate_facts`: facts a delegated task gathered or set go to the host it ran for
    /// (under the free strategy, through the mail of the runner walking that host).
    fn deliver_facts(&self, task: &Task, outcomes: &[(String, Outcome)], states: &mut States) {
        for (_, o) in outcomes {
            let (Some(target), Some(Value::Object(facts))) =
                (&o.result.delegated_to, o.result.data.get("ansible_facts"))
            else {
                continue;
            };
            match (states.get_mut(target), &self.free) {
                (Some(s), _) => host::absorb_facts(s, task.module.control(), facts),
                (None, Some(free)) => free.send(target, task.module.control(), facts.clone()),
                (None, None) => {}
            }
        }
    }

    /// The task's banner. A templated name is rendered with the first host's variables, as
    /// Ansible shows it (`included 1` for `included {{ item }}`), or shown as written when it
    /// cannot be rendered.
    fn announce(
        &self,
        task: &Task,
        handler: bool,
        on: &[String],
        states: &States,
        reporter: &mut dyn Reporter,
    ) {
        let mut name = task.display_name();
        if crate::template::Templar::is_template(&name)
            && let Some(state) = on.first().and_then(|h| states.get(h))
        {
            let cx = self.task_shared(states);
            if let Some(rendered) = host::render_name(&name, state, task, &cx) {
                name = rendered;
            }
        }
        reporter.event(&Event::TaskStart {
            name: &name,
            action: &task.action,
            location: task.location.clone(),
            handler,
        });
    }

    /// Gives every host of a `run_once` task the first host's registered result and facts.
    fn share_run_once(
        &self,
        task: &Task,
        on: &[String],
        outcomes: &mut Vec<(String, Outcome)>,
        states: &mut States,
    ) {
        let Some((_, first)) = outcomes.first() else {
            return;
        };
        let result = first.result.clone();
        let status = first.status;
        for h in &on[1..] {
            if let Some(s) = states.get_mut(h) {
                if let Some(name) = &task.register {
                    s.set_data(name, to_jinja(&result.to_json()));
                }
                if let Some(Value::Object(facts)) = result.data.get("ansible_facts")
                    && let Control::SetsVars { templates } = task.module.control()
                {
                    for (k, v) in facts {
                        if templates {
                            s.set_template(k, to_jinja(v));
                        } else {
                            s.set_data(k, to_jinja(v));
                        }
                    }
                }
                if result.changed && !result.failed {
                    s.notified.extend(task.notify.iter().cloned());
                }
            }
            // Only the host that ran it counts it; the others follow its outcome.
            let mut o = Outcome::ok();
            o.status = if status == Status::Failed {
                Status::Failed
            } else {
                Status::Skipped
            };
            o.counted = false;
            outcomes.push((h.clone(), o));
        }
    }

    fn restore_order(&self, states: &mut States) {
        let order: IndexMap<&String, usize> =
            self.hosts.iter().enumerate().map(|(i, h)| (h, i)).collect();
        states.sort_by_cached_key(|k, _| order.get(k).copied().unwrap_or(usize::MAX));
    }
}

fn count(stats: &mut StatsMap, host: &str, o: &Outcome, rescued_failure: bool) {
    if !o.counted || rescued_failure {
        return;
    }
    stats
        .entry(host.to_string())
        .or_default()
        .count(o.status, o.result.changed);
}

fn mark_failed(states: &mut States, host: &str) {
    if let Some(s) = states.get_mut(host) {
        s.failed = true;
    }
}

/// `ansible_failed_task` and `ansible_failed_result`, for the `rescue` section.
fn remember_failure(states: &mut States, host: &str, task: &Task, outcome: &Outcome) {
    if let Some(s) = states.get_mut(host) {
        remember_failure_in(s, task, outcome);
    }
}

fn remember_failure_in(s: &mut HostState, task: &Task, outcome: &Outcome) {
    let failed_task = serde_json::json!({"name": task.display_name(), "action": task.action});
    s.set_data("ansible_failed_task", to_jinja(&failed_task));
    s.set_data("ansible_failed_result", to_jinja(&outcome.result.to_json()));
}

/// One line typed on the terminal after `prompt` (empty when there is no terminal).
fn ask(prompt: &str) -> String {
    use std::io::{BufRead, Write};
    let Ok(tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    else {
        return String::new();
    };
    let mut out = &tty;
    let _ = write!(out, "{prompt}");
    let _ = out.flush();
    let mut line = String::new();
    let _ = std::io::BufReader::new(&tty).read_line(&mut line);
    line
}

/// Reports a host's connection setup time once, after the task that opened it.
fn report_connection(reporter: &mut dyn Reporter, state: &mut HostState) {
    if let Some(took) = state.connect_time.take() {
        reporter.event(&Event::Connected {
            host: &state.name,
            seconds: took.as_secs_f64(),
        });
    }
}

fn report(reporter: &mut dyn Reporter, host: &str, task: &Task, outcome: &Outcome) {
    for (label, r) in &outcome.items {
        reporter.event(&Event::ItemResult {
            host,
            label,
            result: r,
            no_log: task.no_log || outcome.no_log,
        });
    }
    reporter.event(&Event::HostResult {
        host,
        result: &outcome.result,
        status: outcome.status,
        duration: outcome.duration,
        no_log: task.no_log || outcome.no_log,
        looped: !outcome.items.is_empty(),
    });
}

fn walk_is_handlers(walk: &Walk) -> bool {
    matches!(walk, Walk::Section(Section::Handlers))
}
