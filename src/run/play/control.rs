//! What the runner does itself rather than on hosts: `meta` actions and handler flushes.

use crate::modules::meta::MetaAction;

use super::{PlayRunner, Section, States, StatsMap, StepRef, count, mark_failed};
use crate::playbook::Task;
use crate::report::{Reporter, Status};

pub(super) enum MetaFlow {
    Continue,
    EndPlay,
}

impl PlayRunner {
    pub(super) async fn meta(
        &mut self,
        task: &Task,
        on: &[String],
        states: &mut States,
        stats: &mut StatsMap,
        reporter: &mut dyn Reporter,
    ) -> MetaFlow {
        match MetaAction::of(&task.args) {
            MetaAction::FlushHandlers => {
                Box::pin(self.flush_handlers(states, stats, reporter)).await;
                MetaFlow::Continue
            }
            MetaAction::EndPlay => MetaFlow::EndPlay,
            MetaAction::EndHost => {
                for h in on {
                    if let Some(s) = states.get_mut(h) {
                        s.ended = true;
                    }
                }
                MetaFlow::Continue
            }
            MetaAction::ClearHostErrors => {
                for h in &self.hosts {
                    if let Some(s) = states.get_mut(h) {
                        s.failed = false;
                    }
                }
                MetaFlow::Continue
            }
            MetaAction::ClearFacts => {
                for h in on {
                    if let Some(s) = states.get_mut(h) {
                        s.facts.clear();
                    }
                }
                MetaFlow::Continue
            }
            MetaAction::Noop => MetaFlow::Continue,
        }
    }

    /// Runs notified handlers in definition order on the hosts that notified them.
    pub(super) async fn flush_handlers(
        &mut self,
        states: &mut States,
        stats: &mut StatsMap,
        reporter: &mut dyn Reporter,
    ) {
        let playbook = self.playbook.clone();
        let steps: Vec<StepRef> = (0..self.play().handlers.tasks.len())
            .map(|hi| StepRef::Task(Section::Handlers, hi))
            .chain(
                self.dynamic_handlers
                    .iter()
                    .cloned()
                    .map(StepRef::Synthetic),
            )
            .collect();
        let handlers: Vec<&crate::playbook::Task> = steps
            .iter()
            .map(|step| super::task_of(&playbook, self.play_index, step))
            .collect();
        let selection = crate::playbook::notify::Selection::new(&handlers);
        for (index, step) in steps.iter().enumerate() {
            let h = handlers[index];
            let hosts: Vec<String> = self
                .hosts
                .iter()
                .filter_map(|n| states.get(n))
                .filter(|s| s.active() || (self.force_handlers && s.failed && !s.unreachable))
                .filter(|s| s.notified.iter().any(|n| selection.selects(n, index)))
                .map(|s| s.name.clone())
                .collect();
            if hosts.is_empty() {
                continue;
            }
            let mut outcomes = self
                .run_step(step.clone(), true, &hosts, states, reporter)
                .await;
            // A handler that includes tasks runs them now, on the hosts that notified it.
            if h.include.is_some() {
                Box::pin(self.run_includes(h, &mut outcomes, states, stats, reporter)).await;
            }
            for (host, o) in outcomes {
                count(stats, &host, &o, false);
                if o.status == Status::Failed {
                    mark_failed(states, &host);
                }
            }
        }
        for h in &self.hosts {
            if let Some(s) = states.get_mut(h) {
                s.notified.clear();
            }
        }
    }
}
