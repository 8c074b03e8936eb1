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
use crate::modules::Control;
use crate::modules::include_tasks::INCLUDE_KEY;
use crate::playbook::{LoopSource, Task};
use crate::report::Status;
use crate::result::TaskResult;
use crate::template::{Templar, from_jinja, to_jinja};
use crate::transport::Connection;
use crate::vars::{Layer, Scope, truthy_json};

/// Everything that belongs to one host for the whole run.
pub struct HostState {
    pub name: String,
    pub inventory_vars: Arc<Layer>,
    /// Gathered facts, as `ansible_facts` and as `ansible_<name>`.
    pub facts: Layer,
    /// Variables a task loaded from a file (`include_vars`): templates, rendered when used.
    pub host_scope: Layer,
    /// Values the run produced: registered results, `set_fact` values, `ansible_failed_*`.
    /// Data, never templated again (see `vars::Scope`). A name is in one of the two.
    pub data: Layer,
    /// `set_fact: cacheable: true` values, which the fact cache keeps with the facts.
    pub cacheable: Map<String, Value>,
    /// The connection tasks use, with the login it was opened for (`connect::Login::key`).
    pub conn: Option<(String, Arc<Connection>)>,
    /// Connections opened earlier for other logins (another play's `remote_user`), kept for
    /// when a task asks for that login again.
    pub other_conns: Vec<(String, Arc<Connection>)>,
    /// How long opening the connection took; taken (and reported) once.
    pub connect_time: Option<Duration>,
    /// Failed in this play: no more tasks run on it (handlers neither).
    pub failed: bool,
    /// Unreachable: nothing more runs on it for the rest of the run.
    pub unreachable: bool,
    /// `meta: end_host`: nothing more runs on it in this play.
    pub ended: bool,
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
            data: Layer::new(),
            cacheable: Map::new(),
            conn: None,
            other_conns: Vec::new(),
            connect_time: None,
            failed: false,
            unreachable: false,
            ended: false,
            notified: IndexSet::new(),
        }
    }

    /// What other hosts see as `hostvars[this]`.
    /// Replaces the host's gathered facts (from a fact cache) with `facts`.
    pub fn set_facts(&mut self, facts: &Map<String, Value>) {
        self.facts.clear();
        store_facts(self, facts);
    }

    /// Sets a variable the run produced (see `data`).
    pub fn set_data(&mut self, name: &str, value: JValue) {
        self.host_scope.shift_remove(name);
        self.data.insert(name.to_string(), value);
    }

    /// Sets a variable that is a template (see `host_scope`).
    pub fn set_template(&mut self, name: &str, value: JValue) {
        self.data.shift_remove(name);
        self.host_scope.insert(name.to_string(), value);
    }

    /// Still taking part in the play.
    pub fn active(&self) -> bool {
        !self.failed && !self.unreachable && !self.ended
    }

    /// What other hosts see as `hostvars[this]`: its inventory variables, facts and what its
    /// tasks set, a template among them rendered with this host's own variables when read,
    /// as Ansible's `hostvars` renders them.
    pub fn public_vars(&self, templar: &crate::template::Templar) -> JValue {
        use crate::vars::Kind::{Data, Template};
        let mut own = Layer::new();
        own.insert(
            "inventory_hostname".into(),
            JValue::from(self.name.as_str()),
        );
        let layers = [
            (&*self.inventory_vars, Template),
            (&self.facts, Data),
            (&self.host_scope, Template),
            (&self.data, Data),
            (&own, Data),
        ];
        Scope::marked(templar, &layers).into_value()
    }
}

/// What is shared by every host running the same task.
pub struct TaskShared {
    pub shared: Arc<Shared>,
    pub play_vars: Arc<Layer>,
    /// The defaults of the play's public roles, below the task's own role's.
    pub role_defaults: Arc<Layer>,
    /// Magic variables common to all hosts: `groups`, `hostvars`, `play_hosts`, ...
    pub magic: Arc<Layer>,
    /// The loop variables of the run-time `include_tasks` the task was included by.
    pub include_vars: Option<Arc<Layer>>,
    /// Where a host says that its `until` condition failed and the task runs again, so the
    /// runner can report it while the host waits: the host and the retries left.
    pub retries: Option<tokio::sync::mpsc::UnboundedSender<(String, u32)>>,
}

/// The finished task on one host.
pub struct Outcome {
    pub result: TaskResult,
    pub status: Status,
    /// Per-item results with their labels, when the task looped.
    pub items: Vec<(String, TaskResult)>,
    pub duration: Duration,
    /// Counts in the recap (false for hosts that only received a `run_once` result).
    pub counted: bool,
    /// The task's `no_log` on this host (it may be a template).
    pub no_log: bool,
}

impl Outcome {
    /// The task failed before running (on the controller), with `msg`.
    pub fn failed(msg: &str) -> Outcome {
        Outcome {
            result: TaskResult::failed(msg),
            status: Status::Failed,
            items: Vec::new(),
            duration: Duration::ZERO,
            counted: true,
            no_log: false,
        }
    }

    /// Nothing happened and nothing is counted (a `meta` task, for instance).
    pub fn ok() -> Outcome {
        Outcome {
            result: TaskResult::ok(),
            status: Status::Ok,
            items: Vec::new(),
            duration: Duration::ZERO,
            counted: false,
            no_log: false,
        }
    }
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
        // Where lookups and `src` files are searched, as Ansible's `ansible_search_path`: the
        // role, then the directory of the task's own file.
        let mut search_path: Vec<JValue> = Vec::with_capacity(2);
        if let Some(r) = &task.role {
            search_path.push(JValue::from(r.dir.display().to_string()));
        }
        if let Some(dir) = task
            .location
            .file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            let dir = JValue::from(dir.display().to_string());
            if !search_path.contains(&dir) {
                search_path.push(dir);
            }
        }
        own.insert("ansible_search_path".into(), JValue::from_iter(search_path));
        let (role_defaults, role_vars) = match &task.role {
            Some(r) => {
                own.insert("role_name".into(), JValue::from(r.name.as_str()));
                // Absolute, as Ansible's: tasks join paths to it from anywhere.
                let dir = std::path::absolute(&r.dir).unwrap_or_else(|_| r.dir.clone());
                own.insert("role_path".into(), JValue::from(dir.display().to_string()));
                (vars_layer(&r.defaults), vars_layer(&r.vars))
            }
            None => (Layer::new(), Layer::new()),
        };
        // Below everything: `ansible_host` is the inventory name unless a variable sets it,
        // as Ansible's connection variables are (hostvars do not show it).
        let mut base = Layer::new();
        base.insert("ansible_host".into(), JValue::from(state.name.as_str()));
        // Ansible's precedence: block and task vars below set_fact and registered values
        // (a looped `set_fact: x: "{{ x + [item] }}"` with a task `vars: x` accumulates).
        // Facts, what tasks produced, the loop's item and registered values in `extra`, an
        // include's loop variables, the magic variables: data; the rest: templates (see
        // `vars::Scope`).
        use crate::vars::Kind::{Data, Template};
        let mut layers: Vec<(&Layer, crate::vars::Kind)> = vec![
            (&base, Data),
            (&self.role_defaults, Template),
            (&role_defaults, Template),
            (&state.inventory_vars, Template),
            (&state.facts, Data),
            (&self.play_vars, Template),
            (&role_vars, Template),
            (&task_vars, Template),
            (&state.host_scope, Template),
            (&state.data, Data),
        ];
        // A looped include's item and loop variables: data, as any loop's.
        if let Some(inc) = &self.include_vars {
            layers.push((inc, Data));
        }
        layers.extend(extra.iter().map(|l| (*l, Data)));
        layers.push((&self.shared.extra_vars, Template));
        layers.push((&self.magic, Data));
        layers.push((&own, Data));
        let scope = Scope::marked(&self.shared.templar, &layers).into_value();
        // A delegated task sees the delegate's variables as Ansible shows them:
        // `ansible_delegated_vars[DELEGATE]`, with `inventory_hostname` the task's own host.
        let Some(delegated) = task
            .delegate_to
            .as_ref()
            .and_then(|raw| self.delegated_vars(raw, state, &scope))
        else {
            return (scope, task_vars);
        };
        let mut more = Layer::new();
        more.insert("ansible_delegated_vars".into(), delegated);
        layers.push((&more, Data));
        (
            Scope::marked(&self.shared.templar, &layers).into_value(),
            task_vars,
        )
    }

    /// `ansible_delegated_vars` of a task delegated to `raw` (rendered with `scope`): the
    /// delegate's host variables (none for a host outside the inventory), keyed by its name.
    fn delegated_vars(&self, raw: &str, state: &HostState, scope: &JValue) -> Option<JValue> {
        let target = match self.shared.templar.render_str(raw, scope).ok()? {
            Value::String(s) => s,
            other => other.to_string(),
        };
        if target.is_empty() || target == self.shared.omit {
            return None;
        }
        let mut vars: IndexMap<String, JValue> = IndexMap::new();
        if let Some(host) = self
            .magic
            .get("hostvars")
            .and_then(|h| h.get_item(&JValue::from(target.as_str())).ok())
            .filter(|h| !h.is_undefined())
            && let Ok(keys) = host.try_iter()
        {
            for k in keys {
                if let (Some(name), Ok(v)) = (k.as_str(), host.get_item(&k)) {
                    vars.insert(name.to_string(), v);
                }
            }
        }
        vars.insert(
            "inventory_hostname".into(),
            JValue::from(state.name.as_str()),
        );
        let mut outer = IndexMap::new();
        outer.insert(target, crate::vars::map_value(vars));
        Some(crate::vars::map_value(outer))
    }
}

fn vars_layer(vars: &IndexMap<String, Value>) -> Layer {
    vars.iter().map(|(k, v)| (k.clone(), to_jinja(v))).collect()
}

/// `text` (a task's name) rendered with the host's variables; None when it cannot be.
pub fn render_name(text: &str, state: &HostState, task: &Task, cx: &TaskShared) -> Option<String> {
    let (scope, _) = cx.scope(state, task, &[]);
    match cx.shared.templar.render_str(text, &scope) {
        Ok(Value::String(s)) => Some(s),
        Ok(other) => Some(other.to_string()),
        Err(_) => None,
    }
}

/// Whether the task's `when` holds on this host (for `meta`, which the runner acts on itself).
pub fn conditions_met(state: &HostState, task: &Task, cx: &TaskShared) -> bool {
    let (scope, _) = cx.scope(state, task, &[]);
    task.when
        .iter()
        .all(|c| cx.shared.templar.eval_condition(c, &scope).unwrap_or(false))
}

/// Runs `task` on the host and updates the host's state (registered vars, facts, notified
/// handlers, failed/unreachable).
/// Runs `task` on one host. A panic anywhere in it (a bug in rconf) fails this host's task
/// with a message, as Ansible reports an internal error per host, instead of losing the host's
/// result and recap line.
pub async fn run_task(state: &mut HostState, task: &Task, cx: &TaskShared) -> Outcome {
    let start = Instant::now();
    match super::catch_panic::catch_panic(run_task_unguarded(state, task, cx)).await {
        Ok(outcome) => outcome,
        Err(panic) => {
            let mut outcome = Outcome::failed(&format!(
                "internal error: rconf panicked while running this task on this host ({panic}); \
                 the other hosts go on. Please report this with the task and `-vvv` output"
            ));
            outcome.duration = start.elapsed();
            outcome
        }
    }
}

async fn run_task_unguarded(state: &mut HostState, task: &Task, cx: &TaskShared) -> Outcome {
    let start = Instant::now();
    let ignore_errors = |scope: &JValue| match &task.ignore_errors {
        Value::String(s) => cx.shared.templar.eval_condition(s, scope).unwrap_or(false),
        other => truthy_json(other),
    };
    let (scope, _) = cx.scope(state, task, &[]);
    let (result, items) = match &task.loop_items {
        None => (run_call(state, task, cx, &scope, &[]).await, Vec::new()),
        Some(source) => match loop_items(source, cx, &scope, state, task) {
            Ok(list) => run_loop(state, task, cx, list).await,
            // As Ansible: a loop that cannot be rendered fails the task only if its `when`
            // (evaluated without an item) does not skip it first.
            Err(e) => match false_condition(task, cx, &scope) {
                Some(cond) => (
                    TaskResult::skipped("Conditional result was False")
                        .with("false_condition", cond)
                        .with("skip_reason", "Conditional result was False"),
                    Vec::new(),
                ),
                None => (TaskResult::failed(e), Vec::new()),
            },
        },
    };
    let status = Status::of(&result, !result.unreachable && ignore_errors(&scope));
    if let Some(name) = &task.register {
        state.set_data(name, to_jinja(&result.to_json()));
    }
    if result.changed && !result.failed {
        state.notified.extend(task.notify.iter().cloned());
    }
    if status == Status::Unreachable {
        state.unreachable = true;
    }
    Outcome {
        result,
        status,
        items,
        duration: start.elapsed(),
        counted: true,
        no_log: no_log(task, cx, &scope),
    }
}

/// The first of the task's `when` conditions that is false in `scope` (one that cannot be
/// evaluated, e.g. it uses the loop's item, decides nothing).
fn false_condition(task: &Task, cx: &TaskShared, scope: &JValue) -> Option<String> {
    task.when
        .iter()
        .find(|c| cx.shared.templar.eval_condition(c, scope) == Ok(false))
        .cloned()
}

/// Whether the task's values are hidden on this host: `no_log` as written, or its template
/// rendered for the host. A template that cannot be rendered hides them: a secret is never
/// shown by mistake.
pub fn no_log(task: &Task, cx: &TaskShared, scope: &JValue) -> bool {
    match &task.no_log_template {
        None => task.no_log,
        Some(t) => cx.shared.templar.eval_condition(t, scope).unwrap_or(true),
    }
}

fn loop_items(
    source: &LoopSource,
    cx: &TaskShared,
    scope: &JValue,
    state: &HostState,
    task: &Task,
) -> Result<Vec<Value>, String> {
    let raw = match source {
        LoopSource::List(v)
        | LoopSource::Items(v)
        | LoopSource::Dict(v)
        | LoopSource::Fileglob(v)
        | LoopSource::FirstFound(v)
        | LoopSource::Lookup(_, v) => v,
    };
    let rendered = cx
        .shared
        .templar
        .render_value(raw, scope)
        .map_err(|e| with_var_error(format!("loop: {e}")))?;
    match source {
        LoopSource::List(_) => match rendered {
            Value::Array(items) => Ok(items),
            Value::Null => Ok(Vec::new()),
            other => Err(format!(
                "Invalid data passed to 'loop', it requires a list, got this instead: {other}. Hint: use `dict2items` for a dictionary"
            )),
        },
        LoopSource::Items(_) => Ok(match rendered {
            Value::Array(items) => items
                .into_iter()
                .flat_map(|i| match i {
                    Value::Array(inner) => inner,
                    other => vec![other],
                })
                .collect(),
            Value::Null => Vec::new(),
            other => vec![other],
        }),
        LoopSource::Dict(_) => match rendered {
            Value::Object(m) => Ok(m
                .into_iter()
                .map(|(key, value)| serde_json::json!({"key": key, "value": value}))
                .collect()),
            // Each term of a list is a dictionary of its own, as for the dict lookup.
            Value::Array(terms) if terms.iter().all(Value::is_object) => Ok(terms
                .into_iter()
                .filter_map(|t| match t {
                    Value::Object(m) => Some(m),
                    _ => None,
                })
                .flat_map(|m| {
                    m.into_iter()
                        .map(|(key, value)| serde_json::json!({"key": key, "value": value}))
                })
                .collect()),
            // Ansible 2.19's words (the dict lookup's), naming the first term that is not one.
            Value::Array(terms) => {
                let first = terms
                    .into_iter()
                    .find(|t| !t.is_object())
                    .unwrap_or_default();
                Err(format!(
                    "the 'dict' lookup plugin expects a dictionary, got '{}'",
                    crate::report::human::py_json(&first, None)
                ))
            }
            other => Err(format!(
                "the 'dict' lookup plugin expects a dictionary, got '{}'",
                crate::report::human::py_json(&other, None)
            )),
        },
        // Lookups that search the controller's files (role first, then the playbook).
        LoopSource::Fileglob(_) => lookup_items("fileglob", vec![rendered], cx, state, task),
        LoopSource::FirstFound(_) => lookup_items("first_found", vec![rendered], cx, state, task),
        // `with_<lookup>: [a, b]` calls the lookup with the terms a and b, as Ansible does.
        LoopSource::Lookup(name, _) => {
            let terms = match rendered {
                Value::Array(terms) => terms,
                Value::Null => Vec::new(),
                other => vec![other],
            };
            lookup_items(name, terms, cx, state, task)
        }
    }
}

/// The items of a `with_<lookup>` loop: `query(lookup, *terms)` with the task's variables.
fn lookup_items(
    lookup: &str,
    terms: Vec<Value>,
    cx: &TaskShared,
    state: &HostState,
    task: &Task,
) -> Result<Vec<Value>, String> {
    let mut layer = Layer::new();
    layer.insert("__rconf_loop_terms".into(), to_jinja(&Value::Array(terms)));
    // As Ansible's task executor tells the loop's lookup: an action naming templates, vars
    // or files searches that subdirectory.
    let action = &task.action;
    let subdir = ["template", "var", "file"]
        .into_iter()
        .find(|s| action.contains(s))
        .unwrap_or("file");
    layer.insert(
        crate::template::LOOP_SUBDIR.into(),
        JValue::from(format!("{subdir}s")),
    );
    let (scope, _) = cx.scope(state, task, &[&layer]);
    let expr = format!("{{{{ query('{lookup}', *__rconf_loop_terms) }}}}");
    match cx.shared.templar.render_value(&Value::String(expr), &scope) {
        Ok(Value::Array(items)) => Ok(items),
        Ok(other) => Ok(vec![other]),
        Err(e) => Err(format!("with_{lookup}: {e}")),
    }
}

async fn run_loop(
    state: &mut HostState,
    task: &Task,
    cx: &TaskShared,
    list: Vec<Value>,
) -> (TaskResult, Vec<(String, TaskResult)>) {
    let loop_var = match task.loop_control.loop_var.as_deref() {
        None => "item".to_string(),
        // A templated name (`"{{ role_name }}_item"`), rendered once for the host.
        Some(t) if Templar::is_template(t) => {
            let (scope, _) = cx.scope(state, task, &[]);
            match cx.shared.templar.render_str(t, &scope) {
                Ok(Value::String(name)) if crate::playbook::is_identifier(&name) => name,
                Ok(other) => {
                    return (
                        TaskResult::failed(format!(
                            "`loop_var` must render to a variable name, got `{other}`"
                        )),
                        Vec::new(),
                    );
                }
                Err(e) => return (TaskResult::failed(with_var_error(e)), Vec::new()),
            }
        }
        Some(name) => name.to_string(),
    };
    let mut items = Vec::new();
    let mut results = Vec::new();
    let all = list.clone();
    for (index, item) in list.into_iter().enumerate() {
        let mut lv = Layer::new();
        lv.insert(loop_var.clone(), to_jinja(&item));
        lv.insert("ansible_loop_var".into(), JValue::from(loop_var.as_str()));
        if let Some(iv) = &task.loop_control.index_var {
            lv.insert(iv.clone(), JValue::from(index));
            lv.insert("ansible_index_var".into(), JValue::from(iv.as_str()));
        }
        let extended = task
            .loop_control
            .extended
            .then(|| extended_loop(&all, index, task.loop_control.extended_allitems));
        if let Some(info) = &extended {
            lv.insert("ansible_loop".into(), to_jinja(info));
        }
        let (scope, _) = cx.scope(state, task, &[&lv]);
        let mut r = run_call(state, task, cx, &scope, &[&lv]).await;
        // The label sees the item's own result under the `register` name, and one that
        // cannot be rendered fails its item (even a skipped one), as in Ansible 2.19.
        let label = match &task.loop_control.label {
            Some(l) => {
                let mut reg = Layer::new();
                if let Some(name) = &task.register {
                    reg.insert(name.clone(), to_jinja(&r.to_json()));
                }
                let (scope, _) = cx.scope(state, task, &[&lv, &reg]);
                match cx
                    .shared
                    .templar
                    .render_value(&Value::String(l.clone()), &scope)
                {
                    Ok(v) => text(&v),
                    Err(e) => {
                        r = TaskResult::failed(format!(
                            "Failed to template loop_control.label: {}",
                            with_var_error(e)
                        ));
                        l.clone()
                    }
                }
            }
            None => text(&item),
        };
        r.data.insert(loop_var.clone(), item);
        r.data
            .insert("ansible_loop_var".into(), Value::String(loop_var.clone()));
        if let Some(iv) = &task.loop_control.index_var {
            r.data.insert(iv.clone(), Value::from(index));
            r.data
                .insert("ansible_index_var".into(), Value::String(iv.clone()));
        }
        if let Some(info) = extended {
            r.data.insert("ansible_loop".into(), info);
        }
        let unreachable = r.unreachable;
        if let Some(pause) = task.loop_control.pause.filter(|p| *p > 0.0) {
            tokio::time::sleep(std::time::Duration::from_secs_f64(pause)).await;
        }
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

/// `ansible_loop` for item `i` of `all`, as Ansible's `loop_control: extended` gives it.
fn extended_loop(all: &[Value], i: usize, allitems: bool) -> Value {
    let n = all.len();
    let mut info = serde_json::json!({
        "index": i + 1, "index0": i, "first": i == 0, "last": i + 1 == n, "length": n,
        "revindex": n - i, "revindex0": n - i - 1,
    });
    if allitems {
        info["allitems"] = Value::Array(all.to_vec());
    }
    if let Some(next) = all.get(i + 1) {
        info["nextitem"] = next.clone();
    }
    if i > 0 {
        info["previtem"] = all[i - 1].clone();
    }
    info
}

/// One module call (one loop item, or the task itself; not Ansible's `run_once`) with `when`,
/// `changed_when`, `failed_when` and fact handling.
async fn run_call(
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
            // The message names the condition and what failed in it.
            Err(e) => return TaskResult::failed(with_var_error(e)),
        }
    }
    let (retries, delay) = match &task.retry {
        Some(r) => (
            number(&r.retries, cx, scope)
                .map(|n| n.max(0.0) as u64)
                .unwrap_or(3),
            number(&r.delay, cx, scope)
                .map(|n| n.max(0.0))
                .unwrap_or(5.0),
        ),
        None => (0, 0.0),
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut result = exec::call(state, task, cx, scope).await;
        if result.unreachable {
            return result;
        }
        // With `delegate_facts`, facts go to the delegated host (the play runner does that).
        let elsewhere = task.delegate_facts && result.delegated_to.is_some();
        if let (false, Some(facts)) = (
            elsewhere,
            result.data.get("ansible_facts").and_then(Value::as_object),
        ) {
            absorb_facts(state, task.module.control(), facts);
            // `set_fact: cacheable: true` also makes them facts, kept by the fact cache.
            if result.data.get("_ansible_facts_cacheable") == Some(&Value::Bool(true)) {
                merge_into_ansible_facts(state, facts);
                state
                    .cacheable
                    .extend(facts.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        // An include names its file by its full path, as Ansible prints it.
        if let Some(include) = &task.include
            && let Some(Value::String(name)) = result.data.get(INCLUDE_KEY)
            && let Some(path) = include.resolve(name)
        {
            result.data.insert(INCLUDE_KEY.into(), Value::String(path));
        }
        if let Control::Inventory { .. } = task.module.control() {
            super::inventory_changes::record(&cx.shared, &task.module, &state.name, &result);
        }
        // `retries` counts the attempts after the first, as in Ansible ("N retries left");
        // with none there is no retrying, and no `attempts`. `changed_when` and `failed_when`
        // see `attempts`, and `until` sees what they decided.
        let retry = task.retry.as_ref().filter(|_| retries > 0);
        if retry.is_some() {
            result.data.insert("attempts".into(), Value::from(attempt));
        }
        if task.changed_when.is_some() || task.failed_when.is_some() {
            override_status(&mut result, state, task, cx, extra);
        }
        let Some(retry) = retry else {
            return result;
        };
        let held = if retry.until.is_empty() {
            Ok(!result.failed)
        } else {
            conditions_hold(&retry.until, &result, state, task, cx, extra)
        };
        match held {
            Ok(true) => return result,
            Ok(false) if attempt > retries => {
                // Ansible counts the retries, not the runs, once they are used up.
                result.data.insert("attempts".into(), Value::from(retries));
                result.failed = true;
                if result.msg.is_none() {
                    result.msg = Some(format!(
                        "Retried {retries} times; the `until` condition never held"
                    ));
                }
                return result;
            }
            Ok(false) => {
                if let Some(tx) = &cx.retries {
                    let _ = tx.send((
                        state.name.clone(),
                        (retries + 1).saturating_sub(attempt) as u32,
                    ));
                }
                tokio::time::sleep(std::time::Duration::from_secs_f64(delay)).await
            }
            Err(e) => {
                result.failed = true;
                result.msg = Some(e);
                return result;
            }
        }
    }
}

fn number(v: &Value, cx: &TaskShared, scope: &JValue) -> Option<f64> {
    let v = cx.shared.templar.render_value(v, scope).ok()?;
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Evaluates conditions that may use the task's own result under its `register` name.
fn conditions_hold(
    conds: &[String],
    result: &TaskResult,
    state: &HostState,
    task: &Task,
    cx: &TaskShared,
    extra: &[&Layer],
) -> Result<bool, String> {
    let mut reg = Layer::new();
    if let Some(name) = &task.register {
        reg.insert(name.clone(), to_jinja(&result.to_json()));
    }
    let mut layers: Vec<&Layer> = extra.to_vec();
    layers.push(&reg);
    let (scope, _) = cx.scope(state, task, &layers);
    for c in conds {
        let ok = cx
            .shared
            .templar
            .eval_condition(c, &scope)
            .map_err(with_var_error)?;
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `set_fact` values become host-scoped variables; gathered facts (`setup`) become
/// `ansible_facts` and `ansible_<name>`; facts other modules return (`getent_passwd`,
/// `packages`) become `ansible_facts` and variables of their own name, as in Ansible.
pub fn absorb_facts(state: &mut HostState, control: Control, facts: &Map<String, Value>) {
    match control {
        Control::SetsVars { templates } => {
            for (k, v) in facts {
                if templates {
                    state.set_template(k, to_jinja(v));
                } else {
                    state.set_data(k, to_jinja(v));
                }
            }
        }
        Control::GatherFacts => store_facts(state, facts),
        _ => {
            for (k, v) in facts {
                state.facts.insert(k.clone(), to_jinja(v));
            }
            merge_into_ansible_facts(state, facts);
        }
    }
}

fn merge_into_ansible_facts(state: &mut HostState, facts: &Map<String, Value>) {
    let mut all: Map<String, Value> = match state.facts.get("ansible_facts").map(from_jinja) {
        Some(Ok(Value::Object(m))) => m,
        _ => Map::new(),
    };
    all.extend(facts.iter().map(|(k, v)| (k.clone(), v.clone())));
    state
        .facts
        .insert("ansible_facts".into(), to_jinja(&Value::Object(all)));
}

/// Merges gathered facts into `ansible_facts` and the `ansible_<name>` variables.
fn store_facts(state: &mut HostState, facts: &Map<String, Value>) {
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
    if let Some(conds) = &task.changed_when {
        match conditions_hold(conds, result, state, task, cx, extra) {
            Ok(v) => result.changed = v,
            // As Ansible: the error also under `changed_when_result`.
            Err(e) => {
                result.failed = true;
                result
                    .data
                    .insert("changed_when_result".into(), Value::String(e.clone()));
                result.msg = Some(e);
                return;
            }
        }
    }
    if let Some(conds) = &task.failed_when {
        match conditions_hold(conds, result, state, task, cx, extra) {
            Ok(v) => {
                result.failed = v;
                result
                    .data
                    .insert("failed_when_result".into(), Value::Bool(v));
            }
            Err(e) => {
                result.failed = true;
                result
                    .data
                    .insert("failed_when_result".into(), Value::String(e.clone()));
                result.msg = Some(e);
            }
        }
    }
}

pub use crate::vars::with_var_error;

/// A loop label as Ansible prints it: strings as they are, anything else as Python's repr
/// (`['a', 1]`, `{'name': 'alice'}`).
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => crate::template::py_repr(&to_jinja(other)),
    }
}
