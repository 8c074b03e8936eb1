//! Run-time `include_tasks` and `include_role` in the linear strategy: after the include step,
//! each host's result names the file or role (and loop item) it includes; they are read (a
//! role's handlers join the play's), then the hosts that include the same one and item walk
//! through it together, one after another, as Ansible's linear strategy does. A failure in an
//! included file is the include's.

use std::sync::Arc;

use indexmap::IndexMap;
use minijinja::value::Value as JValue;
use serde_json::Value;

use super::{PlayRunner, Section, States, StatsMap, StepRef, list_of, report};
use crate::playbook::{Playbook, Task, TaskList};
use crate::report::{Reporter, Status};
use crate::run::host::{HostState, Outcome};
use crate::template::to_jinja;
use crate::vars::Layer;

/// The task list a linear walk goes through.
#[derive(Clone)]
pub(super) enum Walk {
    Section(Section),
    /// Loaded by a run-time `include_tasks`: its failures go back to the include.
    Included(Arc<TaskList>),
}

impl Walk {
    pub(super) fn list<'a>(&'a self, playbook: &'a Playbook, play: usize) -> &'a TaskList {
        match self {
            Walk::Section(section) => list_of(&playbook.plays[play], *section),
            Walk::Included(list) => list,
        }
    }

    pub(super) fn step(&self, i: usize) -> StepRef {
        match self {
            Walk::Section(section) => StepRef::Task(*section, i),
            Walk::Included(list) => StepRef::Included(list.clone(), i),
        }
    }
}

/// How a linear walk ended.
pub(super) enum WalkEnd {
    /// Every host is done; in an included list, these hosts failed there (with the result
    /// that failed them) and the include fails for them.
    Done(Vec<(String, crate::result::TaskResult)>),
    /// `meta: end_play`.
    EndPlay,
    /// `any_errors_fatal` or `max_fail_percentage` stopped the play.
    Aborted,
}

/// The loop item an include runs for: its value, index and, under `loop_control: extended`,
/// the `ansible_loop` the include's result carries.
#[derive(PartialEq)]
struct LoopItem {
    /// The loop variable's name, as the host rendered `loop_var`.
    var: String,
    value: Value,
    index: usize,
    extended: Option<Value>,
}

/// One file one loop item names, and the hosts that include it.
struct IncludedFile {
    file: String,
    /// The loop item, when the include loops.
    item: Option<LoopItem>,
    hosts: Vec<String>,
}

impl PlayRunner {
    /// After a run-time include step: loads the file or role each host's result names (one
    /// per loop item) and walks the hosts through it, each distinct file and item in turn,
    /// as Ansible's linear strategy does. A host that fails in an included file fails the
    /// include. Returns true when `meta: end_play` ended the play.
    pub(super) async fn run_includes(
        &mut self,
        task: &Task,
        outcomes: &mut [(String, Outcome)],
        states: &mut States,
        stats: &mut StatsMap,
        reporter: &mut dyn Reporter,
    ) -> bool {
        let Some(include) = task.include.clone() else {
            return false;
        };
        let groups = included_files(outcomes);
        // Every file is read before any runs, so that a file that cannot be read fails its
        // hosts right under the include, as in Ansible.
        let mut loaded: IndexMap<String, Result<Arc<TaskList>, String>> = IndexMap::new();
        let mut failed: IndexMap<String, crate::result::TaskResult> = IndexMap::new();
        for g in &groups {
            let list = loaded.entry(g.file.clone()).or_insert_with(|| {
                include.load(&g.file).map(|l| {
                    // What fails a loaded task only if it runs, said once when it loads.
                    for w in &l.warnings {
                        reporter.event(&crate::report::Event::Warning(w));
                    }
                    self.adopt_handlers(l.handlers.tasks);
                    Arc::new(l.tasks)
                })
            });
            if let Err(e) = list {
                for h in &g.hosts {
                    if !failed.contains_key(h) {
                        let outcome = Outcome::failed(e);
                        report(reporter, h, task, &outcome);
                        failed.insert(h.clone(), outcome.result);
                    }
                }
            }
        }
        for IncludedFile { file, item, hosts } in groups {
            let Some(Ok(list)) = loaded.get(&file).cloned() else {
                continue;
            };
            let hosts: Vec<String> = hosts
                .into_iter()
                .filter(|h| !failed.contains_key(h))
                .filter(|h| states.get(h).is_some_and(HostState::active))
                .collect();
            if hosts.is_empty() {
                continue;
            }
            for h in &hosts {
                stats.entry(h.clone()).or_default().ok += 1;
            }
            let layer = self.include_layer(task, item);
            let outer = self.include_vars.replace(Arc::new(layer));
            let end =
                Box::pin(self.walk(Walk::Included(list), hosts, states, stats, reporter)).await;
            self.include_vars = outer;
            match end {
                WalkEnd::EndPlay => return true,
                WalkEnd::Aborted => {}
                WalkEnd::Done(hosts_failed) => failed.extend(hosts_failed),
            }
        }
        for (host, o) in outcomes.iter_mut() {
            if let Some(result) = failed.shift_remove(host) {
                o.status = Status::Failed;
                o.result = result;
                o.counted = true;
            }
        }
        false
    }

    /// The handlers an included role brings join the play's, once.
    fn adopt_handlers(&mut self, handlers: Vec<Task>) {
        let play = &self.playbook.plays[self.play_index];
        for h in handlers {
            let known = |t: &Task| {
                t.name == h.name
                    && t.role.as_ref().map(|r| &r.name) == h.role.as_ref().map(|r| &r.name)
            };
            if !play.handlers.tasks.iter().any(known)
                && !self.dynamic_handlers.iter().any(|t| known(t))
            {
                let mut h = h;
                h.block = None;
                self.dynamic_handlers.push(Arc::new(h));
            }
        }
    }

    /// The variables an included file's tasks see: the enclosing include's, and the loop
    /// item it was included for, with the loop variables a looped task sees (`ansible_loop_var`,
    /// the `index_var` and `ansible_index_var`, `ansible_loop` when extended).
    fn include_layer(&self, task: &Task, item: Option<LoopItem>) -> Layer {
        let mut layer = self.include_vars.as_deref().cloned().unwrap_or_default();
        if let Some(LoopItem {
            var,
            value,
            index,
            extended,
        }) = item
        {
            layer.insert(var.clone(), to_jinja(&value));
            layer.insert("ansible_loop_var".into(), JValue::from(var));
            if let Some(iv) = &task.loop_control.index_var {
                layer.insert(iv.clone(), JValue::from(index));
                layer.insert("ansible_index_var".into(), JValue::from(iv.as_str()));
            }
            if let Some(info) = extended {
                layer.insert("ansible_loop".into(), to_jinja(&info));
            }
        }
        layer
    }
}

/// The files (and loop items) the hosts' results name, each with the hosts that include it,
/// in the order they first appear. The include's own result is then not counted: each file a
/// host includes counts one `ok`, as Ansible counts.
fn included_files(outcomes: &mut [(String, Outcome)]) -> Vec<IncludedFile> {
    use crate::modules::include_tasks::INCLUDE_KEY;
    let file_of = |r: &crate::result::TaskResult| {
        r.data
            .get(INCLUDE_KEY)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let mut groups: Vec<IncludedFile> = Vec::new();
    for (host, o) in outcomes.iter_mut() {
        if o.status != Status::Ok {
            continue;
        }
        let entries: Vec<(String, Option<LoopItem>)> = if o.items.is_empty() {
            file_of(&o.result).map(|f| (f, None)).into_iter().collect()
        } else {
            o.items
                .iter()
                .enumerate()
                .filter(|(_, (_, r))| !r.skipped && !r.failed)
                .filter_map(|(i, (_, r))| {
                    let var = r
                        .data
                        .get("ansible_loop_var")
                        .and_then(Value::as_str)
                        .unwrap_or("item")
                        .to_string();
                    let item = LoopItem {
                        value: r.data.get(&var).cloned().unwrap_or(Value::Null),
                        var,
                        index: i,
                        extended: r.data.get("ansible_loop").cloned(),
                    };
                    file_of(r).map(|f| (f, Some(item)))
                })
                .collect()
        };
        o.counted = false;
        for (file, item) in entries {
            match groups.iter_mut().find(|g| g.file == file && g.item == item) {
                Some(g) => g.hosts.push(host.clone()),
                None => groups.push(IncludedFile {
                    file,
                    item,
                    hosts: vec![host.clone()],
                }),
            }
        }
    }
    groups
}
