//! The `free` strategy: each host walks the play on its own, through the same walk and steps
//! as the linear strategy (`play.rs`), so every keyword means the same under both. What
//! differs is what Ansible's free strategy makes differ: `run_once`, `any_errors_fatal` and
//! `max_fail_percentage` are warned about and do not hold across hosts (each host is its own
//! batch), a module that bypasses the host loop (`add_host`) is refused, and handlers run
//! when each host reaches them.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use indexmap::IndexMap;
use minijinja::value::Value as JValue;
use serde_json::{Map, Value};

use super::{PlayRunner, States, StatsMap};
use crate::modules::Control;
use crate::playbook::Task;
use crate::report::{Event, Reporter};
use crate::run::host;
use crate::template::Templar;

/// What the hosts of a free play share while each walks on its own.
pub struct FreeShared {
    /// Renders the templates among a host's variables when another host reads them.
    templar: Templar,
    /// Every host's variables as the others see them (`hostvars`), as of its last task.
    hostvars: Mutex<IndexMap<String, JValue>>,
    /// Facts `delegate_facts` sends to a host another runner is walking.
    mail: Mutex<Vec<Letter>>,
    /// `meta: end_play` on one host ends the play for every host, as in Ansible.
    ended: AtomicBool,
    /// Warnings already given: each is said once, as Ansible's display does.
    warned: Mutex<HashSet<String>>,
}

/// Facts for `host`, from a task of that kind delegated to it.
struct Letter {
    host: String,
    control: Control,
    facts: Map<String, Value>,
}

/// A lock that a panic elsewhere does not make unusable (the data stays consistent: every
/// writer replaces whole entries).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl FreeShared {
    fn new(states: &States, templar: &Templar) -> Self {
        FreeShared {
            templar: templar.clone(),
            hostvars: Mutex::new(
                states
                    .iter()
                    .map(|(k, s)| (k.clone(), s.public_vars(templar)))
                    .collect(),
            ),
            mail: Mutex::default(),
            ended: AtomicBool::new(false),
            warned: Mutex::default(),
        }
    }

    pub fn play_ended(&self) -> bool {
        self.ended.load(Ordering::Acquire)
    }

    pub fn end_play(&self) {
        self.ended.store(true, Ordering::Release);
    }

    pub fn hostvars(&self) -> IndexMap<String, JValue> {
        lock(&self.hostvars).clone()
    }

    /// Makes the hosts of `states` visible to the others as they are now.
    pub fn publish(&self, states: &States) {
        let mut all = lock(&self.hostvars);
        for (k, s) in states {
            all.insert(k.clone(), s.public_vars(&self.templar));
        }
    }

    pub fn send(&self, host: &str, control: Control, facts: Map<String, Value>) {
        lock(&self.mail).push(Letter {
            host: host.to_string(),
            control,
            facts,
        });
    }

    /// Delivers the facts sent to the hosts of `states`.
    pub fn collect_mail(&self, states: &mut States) {
        let mut mail = lock(&self.mail);
        if mail.is_empty() {
            return;
        }
        mail.retain(|letter| match states.get_mut(&letter.host) {
            Some(s) => {
                host::absorb_facts(s, letter.control, &letter.facts);
                false
            }
            None => true,
        });
    }

    fn warn(&self, reporter: &mut dyn Reporter, text: &str) {
        if lock(&self.warned).insert(text.to_string()) {
            reporter.event(&Event::Warning(text));
        }
    }
}

impl PlayRunner {
    /// Free strategy: every active host walks the play's sections (and handler flushes) on
    /// its own, at most `forks` tasks at once; results are reported as they come.
    pub(super) async fn run_free(
        &mut self,
        states: &mut States,
        stats: &mut StatsMap,
        reporter: &mut dyn Reporter,
    ) {
        let free = Arc::new(FreeShared::new(states, &self.shared.templar));
        let play = self.play();
        if play.max_fail_percentage.is_some() {
            free.warn(
                reporter,
                "Using max_fail_percentage with the free strategy is not supported, as tasks \
                 are executed independently on each host",
            );
        }
        if play.any_errors_fatal {
            free.warn(
                reporter,
                "Using any_errors_fatal with the free strategy is not supported, as tasks are \
                 executed independently on each host",
            );
        }
        let mut walkers = Vec::new();
        for name in self.active(states, None) {
            let Some(state) = states.shift_remove(&name) else {
                continue;
            };
            let mut own = States::new();
            own.insert(name.clone(), state);
            walkers.push((self.for_one_host(name, &free), own, StatsMap::new()));
        }
        let out = Mutex::new(Screen {
            inner: reporter,
            shown: None,
        });
        let mut walking: FuturesUnordered<_> = walkers
            .iter_mut()
            .map(|(runner, own, counts)| {
                let mut screen = HostScreen {
                    screen: &out,
                    task: None,
                };
                async move { runner.run_sections(own, counts, &mut screen).await }
            })
            .collect();
        while walking.next().await.is_some() {}
        drop(walking);
        for (runner, own, counts) in walkers {
            if runner.start_at.is_none() {
                self.start_at = None;
            }
            for h in runner.dynamic_handlers {
                if !self.dynamic_handlers.iter().any(|d| Arc::ptr_eq(d, &h)) {
                    self.dynamic_handlers.push(h);
                }
            }
            for (host, c) in counts {
                stats.entry(host).or_default().add(&c);
            }
            states.extend(own);
        }
        free.collect_mail(states);
        self.refresh_groups(states);
        self.restore_order(states);
    }

    /// A runner that walks `host` alone, sharing the forks and `free` with the others.
    fn for_one_host(&self, host: String, free: &Arc<FreeShared>) -> PlayRunner {
        PlayRunner {
            shared: self.shared.clone(),
            playbook: self.playbook.clone(),
            play_index: self.play_index,
            play_vars: self.play_vars.clone(),
            role_defaults: self.role_defaults.clone(),
            magic: self.magic.clone(),
            hosts: vec![host],
            forks: self.forks,
            force_handlers: self.force_handlers,
            start_at: self.start_at.clone(),
            aborted: false,
            include_vars: self.include_vars.clone(),
            dynamic_handlers: self.dynamic_handlers.clone(),
            limiter: self.limiter.clone(),
            free: Some(free.clone()),
            groups_seen: self.groups_seen,
        }
    }

    /// Under the free strategy: Ansible's warning for `run_once`, and its refusal of a module
    /// that bypasses the host loop (the message the task fails with).
    pub(super) fn free_refuses(&self, task: &Task, reporter: &mut dyn Reporter) -> Option<String> {
        let free = self.free.as_ref()?;
        if task.module.control()
            == (Control::Inventory {
                bypass_host_loop: true,
            })
        {
            return Some(format!(
                "The '{}' module bypasses the host loop, which is currently not supported in \
                 the free strategy and would instead execute for every host in the inventory \
                 list.",
                task.action
            ));
        }
        if task.run_once {
            free.warn(
                reporter,
                "Using run_once with the free strategy is not currently supported. This task \
                 will still be executed for every host in the inventory list.",
            );
        }
        None
    }
}

/// The terminal and reports, shared by the hosts of a free play: the task last announced.
struct Screen<'a> {
    inner: &'a mut dyn Reporter,
    shown: Option<TaskHeader>,
}

/// A task's announcement, kept to repeat it.
#[derive(Clone, PartialEq)]
struct TaskHeader {
    name: String,
    action: String,
    location: crate::error::Location,
    handler: bool,
}

/// One host's view of the shared screen. As Ansible's free strategy shows it, a task is
/// announced when a result of it comes and another task was announced last, so results always
/// sit under their own task's banner, and a task that hosts run one after another is
/// announced once.
struct HostScreen<'a, 'r> {
    screen: &'a Mutex<Screen<'r>>,
    task: Option<TaskHeader>,
}

impl Reporter for HostScreen<'_, '_> {
    fn event(&mut self, event: &Event) {
        if let Event::TaskStart {
            name,
            action,
            location,
            handler,
        } = event
        {
            self.task = Some(TaskHeader {
                name: name.to_string(),
                action: action.to_string(),
                location: location.clone(),
                handler: *handler,
            });
            return;
        }
        let mut screen = lock(self.screen);
        let of_task = matches!(
            event,
            Event::ItemResult { .. } | Event::HostResult { .. } | Event::Retrying { .. }
        );
        if of_task
            && let Some(t) = &self.task
            && screen.shown.as_ref() != Some(t)
        {
            screen.inner.event(&Event::TaskStart {
                name: &t.name,
                action: &t.action,
                location: t.location.clone(),
                handler: t.handler,
            });
            screen.shown = Some(t.clone());
        }
        screen.inner.event(event);
    }
}
