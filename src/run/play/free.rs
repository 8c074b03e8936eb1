//! The `free` strategy: each host runs through the task list on its own, results are
//! reported as they come.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use super::{
    PlayRunner, Section, States, StatsMap, count, list_of, remember_failure_in, report,
    report_connection, selected,
};
use crate::report::{Event, Reporter, Status};
use crate::run::flow::{self, Next, Pending};
use crate::run::host::{self, Outcome};

impl PlayRunner {
    /// Free strategy: each host runs through the list on its own; results are reported as
    /// they come.
    pub(super) async fn run_free(
        &mut self,
        section: Section,
        states: &mut States,
        stats: &mut StatsMap,
        reporter: &mut dyn Reporter,
    ) -> bool {
        let hosts = self.active(states, None);
        let cx = self.task_shared(states);
        let limiter = Arc::new(Semaphore::new(self.forks));
        let (tx, mut rx) = mpsc::unbounded_channel::<(String, usize, Outcome, flow::Advance)>();
        let mut set = JoinSet::new();
        for name in hosts {
            let Some(mut state) = states.shift_remove(&name) else {
                continue;
            };
            let (cx, limiter, playbook, tx, pi, tags) = (
                cx.clone(),
                limiter.clone(),
                self.playbook.clone(),
                tx.clone(),
                self.play_index,
                self.shared.tags.clone(),
            );
            set.spawn(async move {
                let list = list_of(&playbook.plays[pi], section);
                let mut pending = Pending::default();
                let sel = |i: usize| selected(&list.tasks[i], &tags, None);
                let mut next = flow::first(list, &sel, &mut pending);
                while let Next::At(pc) = next {
                    let task = &list.tasks[pc];
                    let outcome = if task.module.spec().name == "meta" {
                        if matches!(
                            task.args.get("_raw_params").and_then(Value::as_str),
                            Some("end_host" | "end_play")
                        ) {
                            state.ended = true;
                            break;
                        }
                        Outcome::ok()
                    } else if task.include.is_some() {
                        Outcome::failed(
                            "`include_tasks` with a loop or a templated file name needs the \
                             linear strategy in rconf (this play has `strategy: free`)",
                        )
                    } else {
                        let _permit = limiter.acquire().await;
                        host::run_task(&mut state, task, &cx).await
                    };
                    let failed = outcome.status == Status::Failed;
                    let a = flow::advance(list, pc, failed, &mut pending);
                    next = flow::skip_unselected(list, a.next, &sel, &mut pending);
                    if a.entered_rescue {
                        remember_failure_in(&mut state, task, &outcome);
                    }
                    let unreachable = outcome.status == Status::Unreachable;
                    let _ = tx.send((state.name.clone(), pc, outcome, a));
                    if unreachable {
                        break;
                    }
                }
                if next == Next::Failed {
                    state.failed = true;
                }
                state
            });
        }
        drop(tx);
        let list = list_of(&self.playbook.plays[self.play_index], section);
        let mut shown: Option<usize> = None;
        while let Some((host, pc, outcome, a)) = rx.recv().await {
            let task = &list.tasks[pc];
            if shown != Some(pc) && task.module.spec().name != "meta" {
                let location = task.location.to_string();
                reporter.event(&Event::TaskStart {
                    name: &task.display_name(),
                    action: &task.action,
                    location,
                    handler: false,
                });
                shown = Some(pc);
            }
            if task.module.spec().name != "meta" {
                report(reporter, &host, task, &outcome);
            }
            count(
                stats,
                &host,
                &outcome,
                outcome.status == Status::Failed && a.entered_rescue,
            );
            if a.rescued {
                stats.entry(host.clone()).or_default().rescued += 1;
            }
        }
        while let Some(joined) = set.join_next().await {
            if let Ok(mut state) = joined {
                report_connection(reporter, &mut state);
                states.insert(state.name.clone(), state);
            }
        }
        self.restore_order(states);
        false
    }
}
