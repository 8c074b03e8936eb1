//! One task on one host: loop items, `when`, argument rendering, the module call, then
//! `changed_when`/`failed_when`, `register`, `set_fact` and `notify`. Everything a host owns
//! (its variables, registered results, connection) lives in `HostState`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use indexmap::{IndexMap, IndexSet};
use minijinja::value::Value as JValue;
use serde_json::{Map, Value};

use super::Shared;
use super::exec;
use crate::playbook::{LoopSource, Task};
use crate::report::Status;
use crate::result::TaskResult;
use crate::template::{from_jinja, to_jinja};
use crate::transport::Connection;
use crate::vars::{Layer, Scope, truthy_json};

/// Everything that belongs to one host for the whole run.
pub struct HostState {
    pub name: String,
    pub inventory_vars: Arc<Layer>,
    /// Gathered facts, as `ansible_facts` and as `ansible_<name>`.
    pub facts: Layer,
    /// `set_fact` values and registered results.
    pub host_scope: Layer,
    pub conn: Option<Arc<Connection>>,
    pub connect_time: Option<Duration>,
    /// Failed in this play: no more tasks run on it (handlers neither).
    pub failed: bool,
    /// Unreachable: nothing more runs on it for the rest of the run.
    pub unreachable: bool,
    /// Handler names and topics notified since the last flush.
    pub notified: IndexSet<String>,
}

impl HostState {
    pub fn new(name: String, inventory_vars: Arc<Layer>) -> Self {
        HostState {
            name,
            inventory_vars,
            facts: Layer::new(),
            host_scope: Layer::new(),
            conn: None,
            connect_time: None,
            failed: false,
            unreachable: false,
            notified: IndexSet::new(),
        }
    }

    /// What other hosts see as `hostvars[this]`.
    pub fn public_vars(&self) -> JValue {
        let mut m: IndexMap<String, JValue> = IndexMap::new();
        for layer in [&*self.inventory_vars, &self.facts, &self.host_scope] {
            for (k, v) in layer {
                m.insert(k.clone(), v.clone());
            }
        }
        m.insert(
            "inventory_hostname".into(),
            JValue::from(self.name.as_str()),
        );
        JValue::from_iter(m)
    }
}

/// What is shared by every host running the same task.
pub struct TaskShared {
    pub shared: Arc<Shared>,
    pub play_vars: Arc<Layer>,
    /// Magic variables common to all hosts: `groups`, `hostvars`, `play_hosts`, ...
    pub magic: Arc<Layer>,
}

/// The finished task on one host.
pub struct Outcome {
    pub result: TaskResult,
    pub status: Status,
    /// Per-item results with their labels, when the task looped.
    pub items: Vec<(String, TaskResult)>,
    pub duration: Duration,
}

impl TaskShared {
    fn scope(&self, state: &HostState, task: &Task, extra: &[&Layer]) -> (JValue, Layer) {
        let task_vars = vars_layer(&task.vars);
        let mut own = Layer::new();
        own.insert(
            "inventory_hostname".into(),
            JValue::from(state.name.as_str()),
        );
        let short = state.name.split('.').next().unwrap_or(&state.name);
        own.insert("inventory_hostname_short".into(), JValue::from(short));
        let mut layers: Vec<&Layer> = vec![
            &state.inventory_vars,
            &state.facts,
            &self.play_vars,
            &state.host_scope,
            &task_vars,
        ];
        layers.extend_from_slice(extra);
        layers.push(&self.shared.extra_vars);
        layers.push(&self.magic);
        layers.push(&own);
        (
            Scope::new(&self.shared.templar, &layers).into_value(),
            task_vars,
        )
    }
}

fn vars_layer(vars: &IndexMap<String, Value>) -> Layer {
    vars.iter().map(|(k, v)| (k.clone(), to_jinja(v))).collect()
}

/// Runs `task` on the host and updates the host's state (registered vars, facts, notified
/// handlers, failed/unreachable).
pub async fn run_task(state: &mut HostState, task: &Task, cx: &TaskShared) -> Outcome {
    let start = Instant::now();
    let ignore_errors = |scope: &JValue| match &task.ignore_errors {
        Value::String(s) => cx.shared.templar.eval_condition(s, scope).unwrap_or(false),
        other => truthy_json(other),
    };
    let (scope, _) = cx.scope(state, task, &[]);
    let (result, items) = match &task.loop_items {
        None => (run_once(state, task, cx, &scope, &[]).await, Vec::new()),
        Some(source) => match loop_items(source, cx, &scope) {
            Ok(list) => run_loop(state, task, cx, list).await,
            Err(e) => (TaskResult::failed(e), Vec::new()),
        },
    };
    let status = Status::of(&result, !result.unreachable && ignore_errors(&scope));
    if let Some(name) = &task.register {
        state
            .host_scope
            .insert(name.clone(), to_jinja(&result.to_json()));
    }
    if result.changed && !result.failed {
        state.notified.extend(task.notify.iter().cloned());
    }
    match status {
        Status::Failed => state.failed = true,
        Status::Unreachable => state.unreachable = true,
        _ => {}
    }
    Outcome {
        result,
        status,
        items,
        duration: start.elapsed(),
    }
}

fn loop_items(source: &LoopSource, cx: &TaskShared, scope: &JValue) -> Result<Vec<Value>, String> {
    let (raw, flatten) = match source {
        LoopSource::List(v) => (v, false),
        LoopSource::Items(v) => (v, true),
    };
    let rendered = cx
        .shared
        .templar
        .render_value(raw, scope)
        .map_err(|e| with_var_error(format!("loop: {e}")))?;
    let list = match rendered {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        Value::String(s) if flatten => vec![Value::String(s)],
        other => {
            return Err(format!(
                "Invalid data passed to 'loop', it requires a list, got this instead: {other}. Hint: use `dict2items` for a dictionary"
            ));
        }
    };
    if !flatten {
        return Ok(list);
    }
    Ok(list
        .into_iter()
        .flat_map(|i| match i {
            Value::Array(inner) => inner,
            other => vec![other],
        })
        .collect())
}

async fn run_loop(
    state: &mut HostState,
    task: &Task,
    cx: &TaskShared,
    list: Vec<Value>,
) -> (TaskResult, Vec<(String, TaskResult)>) {
    let loop_var = task
        .loop_control
        .loop_var
        .clone()
        .unwrap_or_else(|| "item".into());
    let mut items = Vec::new();
    let mut results = Vec::new();
    for (index, item) in list.into_iter().enumerate() {
        let mut lv = Layer::new();
        lv.insert(loop_var.clone(), to_jinja(&item));
        lv.insert("ansible_loop_var".into(), JValue::from(loop_var.as_str()));
        if let Some(iv) = &task.loop_control.index_var {
            lv.insert(iv.clone(), JValue::from(index));
        }
        let (scope, _) = cx.scope(state, task, &[&lv]);
        let mut r = run_once(state, task, cx, &scope, &[&lv]).await;
        let label = match &task.loop_control.label {
            Some(l) => cx
                .shared
                .templar
                .render_value(&Value::String(l.clone()), &scope)
                .map(|v| text(&v))
                .unwrap_or_else(|_| l.clone()),
            None => text(&item),
        };
        r.data.insert(loop_var.clone(), item);
        r.data
            .insert("ansible_loop_var".into(), Value::String(loop_var.clone()));
        let unreachable = r.unreachable;
        results.push(r.to_json());
        items.push((label, r));
        if unreachable {
            break;
        }
    }
    let mut total = TaskResult::ok();
    total.changed = items.iter().any(|(_, r)| r.changed);
    total.failed = items.iter().any(|(_, r)| r.failed);
    total.unreachable = items.iter().any(|(_, r)| r.unreachable);
    total.skipped = !items.is_empty() && items.iter().all(|(_, r)| r.skipped);
    total.msg = Some(
        if total.failed {
            "One or more items failed"
        } else {
            "All items completed"
        }
        .into(),
    );
    if items.is_empty() {
        total.skipped = true;
        total.msg = Some("No items in the list".into());
    }
    total.data.insert("results".into(), Value::Array(results));
    (total, items)
}

/// One module call (one loop item, or the task itself) with `when`, `changed_when`,
/// `failed_when` and fact handling.
async fn run_once(
    state: &mut HostState,
    task: &Task,
    cx: &TaskShared,
    scope: &JValue,
    extra: &[&Layer],
) -> TaskResult {
    let templar = &cx.shared.templar;
    for cond in &task.when {
        match templar.eval_condition(cond, scope) {
            Ok(true) => {}
            Ok(false) => {
                return TaskResult::skipped("Conditional result was False")
                    .with("false_condition", cond.clone())
                    .with("skip_reason", "Conditional result was False");
            }
            Err(e) => {
                let e = with_var_error(e);
                return TaskResult::failed(format!(
                    "The conditional check '{cond}' failed. The error was: {e}"
                ));
            }
        }
    }
    let mut result = exec::call(state, task, cx, scope).await;
    if result.unreachable {
        return result;
    }
    if let Some(facts) = result.data.get("ansible_facts").and_then(Value::as_object) {
        absorb_facts(state, task, facts);
    }
    if task.changed_when.is_some() || task.failed_when.is_some() {
        override_status(&mut result, state, task, cx, extra);
    }
    result
}

/// `set_fact` values become host-scoped variables; gathered facts (`setup`) become
/// `ansible_facts` and `ansible_<name>`.
fn absorb_facts(state: &mut HostState, task: &Task, facts: &Map<String, Value>) {
    if task.module.spec().name == "set_fact" {
        for (k, v) in facts {
            state.host_scope.insert(k.clone(), to_jinja(v));
        }
        return;
    }
    let mut all: Map<String, Value> = match state.facts.get("ansible_facts").map(from_jinja) {
        Some(Ok(Value::Object(m))) => m,
        _ => Map::new(),
    };
    for (k, v) in facts {
        all.insert(k.clone(), v.clone());
        let name = if k.starts_with("ansible_") {
            k.clone()
        } else {
            format!("ansible_{k}")
        };
        state.facts.insert(name, to_jinja(v));
    }
    state
        .facts
        .insert("ansible_facts".into(), to_jinja(&Value::Object(all)));
}

fn override_status(
    result: &mut TaskResult,
    state: &HostState,
    task: &Task,
    cx: &TaskShared,
    extra: &[&Layer],
) {
    let mut reg = Layer::new();
    if let Some(name) = &task.register {
        reg.insert(name.clone(), to_jinja(&result.to_json()));
    }
    let mut layers: Vec<&Layer> = extra.to_vec();
    layers.push(&reg);
    let (scope, _) = cx.scope(state, task, &layers);
    let eval_all = |conds: &Vec<String>| -> Result<bool, String> {
        for c in conds {
            if !cx.shared.templar.eval_condition(c, &scope).map_err(|e| {
                format!(
                    "The conditional check '{c}' failed. The error was: {}",
                    with_var_error(e)
                )
            })? {
                return Ok(false);
            }
        }
        Ok(true)
    };
    if let Some(conds) = &task.changed_when {
        match eval_all(conds) {
            Ok(v) => result.changed = v,
            Err(e) => {
                result.failed = true;
                result.msg = Some(e);
                return;
            }
        }
    }
    if let Some(conds) = &task.failed_when {
        match eval_all(conds) {
            Ok(v) => {
                result.failed = v;
                result
                    .data
                    .insert("failed_when_result".into(), Value::Bool(v));
            }
            Err(e) => {
                result.failed = true;
                result.msg = Some(e);
            }
        }
    }
}

/// Adds the error met while templating a variable, which the engine reports as undefined.
pub fn with_var_error(e: String) -> String {
    match Scope::take_error() {
        Some(inner) => format!("{e} ({inner})"),
        None => e,
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
