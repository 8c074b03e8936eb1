//! One module invocation on one host: render the arguments, validate them, let the module
//! plan, and make at most one remote call on the host's connection (opened on first use), or
//! on the connection of the host the task is delegated to.

use std::path::PathBuf;
use std::sync::Arc;

use minijinja::value::Value as JValue;
use serde_json::Value;

use super::connect;
use super::host::{HostState, TaskShared, with_var_error};
use crate::modules::{Action, Ctx, ScriptOutput, quote};
use crate::playbook::Task;
use crate::result::TaskResult;
use crate::template::from_jinja;
use crate::transport::Connection;

pub async fn call(
    state: &mut HostState,
    task: &Task,
    cx: &TaskShared,
    scope: &JValue,
) -> TaskResult {
    let shared = &cx.shared;
    let spec = task.module.spec();
    let raw = Value::Object(task.args.clone().into_iter().collect());
    let rendered = match shared.templar.render_value(&raw, scope) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return TaskResult::failed("module arguments did not render to a mapping"),
        Err(e) => return TaskResult::failed(with_var_error(e)),
    };
    let omit = &shared.omit;
    let args = rendered
        .into_iter()
        .filter(|(_, v)| v.as_str() != Some(omit.as_str()))
        .collect();
    let args = match spec.validate(args) {
        Ok(a) => a,
        Err(e) => return TaskResult::failed(format!("module `{}`: {e}", spec.name)),
    };
    let search_dirs = search_dirs(task, shared);
    let diff_mode = task.diff.unwrap_or(shared.diff);
    let ctx = Ctx {
        check: task.check_mode.unwrap_or(shared.check),
        diff: diff_mode,
        search_dirs: &search_dirs,
        templar: &shared.templar,
        vars: scope,
        host: &state.name,
        marker: &shared.marker,
    };
    let target = match delegate(task, cx, scope, &state.name) {
        Ok(t) => t,
        Err(e) => return TaskResult::failed(e),
    };
    let get = |key: &str| {
        scope
            .get_attr(key)
            .ok()
            .filter(|v| !v.is_undefined())
            .and_then(|v| from_jinja(&v).ok())
    };
    let render = |v: &Value| shared.templar.render_value(v, scope);
    let how = match connect::task_connection(&task.connection, &get, &render, &shared.connect) {
        Ok(how) => how,
        Err(e) => return TaskResult::failed(e),
    };
    let mut call = match task.module.plan(&args, &ctx) {
        Action::Done(mut result) => {
            // A controller-side task (set_fact, include_vars) delegated elsewhere sets that
            // host's variables when `delegate_facts` asks for it.
            if let Some(t) = target {
                result.data.insert("_delegated_to".into(), Value::String(t));
            }
            return result;
        }
        Action::Sleep(duration, result) => {
            tokio::time::sleep(duration).await;
            return result;
        }
        Action::WaitForConnection(wait) => {
            return wait_for_connection(state, scope, shared, wait).await;
        }
        Action::Reboot(plan) => {
            return super::reboot::reboot(state, scope, shared, &how, &plan).await;
        }
        Action::Remote(call) => call,
    };
    if let Some(env) = &task.environment {
        match environment_prefix(env, cx, scope) {
            Ok(prefix) => call.script.splice(0..0, prefix),
            Err(e) => return TaskResult::failed(e),
        };
    }
    let conn = match &target {
        Some(t) => match delegated_connection(t, shared).await {
            Ok(c) => c,
            Err(result) => return result,
        },
        None => match connection(state, scope, shared, how.remote_user.as_deref()).await {
            Ok(c) => c,
            Err(result) => return result,
        },
    };
    let timeout = how.timeout.or(shared.task_timeout);
    let ran = match run_on(&conn, &how, shared, &call.script, call.stdin, timeout).await {
        Ok(ran) => ran,
        Err(e) => return TaskResult::failed(e),
    };
    match ran {
        Ok(out) => match crate::transport::privilege::failure(&out) {
            Some(message) => TaskResult::failed(message),
            None => {
                let mut result = task
                    .module
                    .finish(&args, ScriptOutput::parse(out, &shared.marker));
                // Modules may describe a change anyway; Ansible shows it only in diff mode.
                if !diff_mode {
                    result.data.shift_remove("diff");
                }
                if let Some(target) = target {
                    // For `delegate_facts`: the facts belong to that host (internal key).
                    result
                        .data
                        .insert("_delegated_to".into(), Value::String(target));
                }
                result
            }
        },
        Err(e) if e.is_unreachable() => {
            state.conn = None;
            TaskResult::unreachable(format!("{e}"))
        }
        Err(e) => TaskResult::failed(e.to_string()),
    }
}

/// Runs `script` on `conn` as the task asks: in one round trip on the persistent shell, or as
/// an exec of its own when it becomes another user. The outer error: no command could be
/// built for it.
pub(super) async fn run_on(
    conn: &Connection,
    how: &connect::TaskConnection,
    shared: &super::Shared,
    script: &[u8],
    stdin: crate::transport::Stdin,
    timeout: Option<std::time::Duration>,
) -> Result<Result<crate::transport::Output, crate::transport::TransportError>, String> {
    Ok(match &how.become_ {
        None if shared.persistent_shell => conn.run_script(script, stdin, timeout).await,
        become_ => {
            let command = crate::transport::sh_command(script)?;
            let (command, prefix) = match become_ {
                None => (command, Vec::new()),
                Some(b) => {
                    let w = b.wrap(&command)?;
                    (w.command, w.stdin_prefix)
                }
            };
            conn.exec_with_prefix(&command, &prefix, stdin, timeout)
                .await
        }
    })
}

/// Reconnects until a trivial command runs, or `wait.timeout` passes.
async fn wait_for_connection(
    state: &mut HostState,
    scope: &JValue,
    shared: &super::Shared,
    wait: crate::modules::wait_for_connection::Wait,
) -> TaskResult {
    tokio::time::sleep(wait.delay).await;
    let start = std::time::Instant::now();
    let mut last = String::new();
    while start.elapsed() < wait.timeout {
        // A fresh connection each time: the host may have rebooted under the old one.
        state.conn = None;
        let tried = async {
            let conn = connection(state, scope, shared, None)
                .await
                .map_err(|r| r.msg.unwrap_or_default())?;
            conn.run_script(
                b"true\n",
                crate::transport::Stdin::Empty,
                Some(wait.connect_timeout),
            )
            .await
            .map_err(|e| e.to_string())
        };
        match tokio::time::timeout(wait.connect_timeout, tried).await {
            Ok(Ok(out)) if out.status == Some(0) => {
                return TaskResult::ok().with("elapsed", start.elapsed().as_secs());
            }
            Ok(Ok(out)) => last = format!("the test command exited with {:?}", out.status),
            Ok(Err(e)) => last = e,
            Err(_) => last = format!("no answer within {:?}", wait.connect_timeout),
        }
        tokio::time::sleep(wait.sleep).await;
    }
    state.conn = None;
    TaskResult::failed(format!("timed out waiting for connection: {last}"))
        .with("elapsed", start.elapsed().as_secs())
}

/// Where relative `src` files are found: the task's role first, then the playbook.
fn search_dirs(task: &Task, shared: &super::Shared) -> Vec<PathBuf> {
    let mut dirs = Vec::with_capacity(2);
    if let Some(role) = &task.role {
        dirs.push(role.dir.clone());
    }
    dirs.push(shared.playbook_dir.clone());
    dirs
}

/// `export NAME='value'` lines for the task's `environment`, every value quoted.
fn environment_prefix(env: &Value, cx: &TaskShared, scope: &JValue) -> Result<Vec<u8>, String> {
    let rendered = cx
        .shared
        .templar
        .render_value(env, scope)
        .map_err(with_var_error)?;
    let Value::Object(vars) = rendered else {
        return Err(format!(
            "`environment` must be a mapping of variable names to values, got {rendered}"
        ));
    };
    let mut out = Vec::new();
    for (k, v) in vars {
        if !crate::playbook::is_identifier(&k) {
            return Err(format!(
                "`environment`: `{k}` is not a valid environment variable name"
            ));
        }
        let text = match v {
            Value::String(s) => s,
            other => other.to_string(),
        };
        out.extend_from_slice(format!("export {k}=").as_bytes());
        out.extend(quote::quote(text.as_bytes())?);
        out.push(b'\n');
    }
    Ok(out)
}

/// The host a task is delegated to, when it is not the host itself.
fn delegate(
    task: &Task,
    cx: &TaskShared,
    scope: &JValue,
    host: &str,
) -> Result<Option<String>, String> {
    let Some(raw) = &task.delegate_to else {
        return Ok(None);
    };
    let target = match cx
        .shared
        .templar
        .render_value(&Value::String(raw.clone()), scope)
        .map_err(with_var_error)?
    {
        Value::String(s) => s,
        other => other.to_string(),
    };
    Ok((target != host).then_some(target))
}

/// A connection to a delegate host, shared by every task delegated to it.
async fn delegated_connection(
    target: &str,
    shared: &super::Shared,
) -> Result<Arc<Connection>, TaskResult> {
    let mut pool = shared.delegates.lock().await;
    if let Some(c) = pool.get(target) {
        return Ok(c.clone());
    }
    // Hosts added by add_host are delegate targets too.
    let (vars, known) = {
        let inventory = shared.live_inventory.lock().expect("live inventory lock");
        let known = inventory.hosts.contains_key(target) || inventory.is_implicit_localhost(target);
        (inventory.host_vars(target), known)
    };
    let plan = if !known && matches!(target, "localhost" | "127.0.0.1" | "::1") {
        connect::Plan::Local
    } else {
        let get = |key: &str| vars.get(key).cloned();
        connect::plan(target, &get, &shared.connect, None).map_err(TaskResult::failed)?
    };
    match connect::open(plan).await {
        Ok((conn, _)) => {
            let conn = Arc::new(conn);
            pool.insert(target.to_string(), conn.clone());
            Ok(conn)
        }
        Err(e) => Err(TaskResult::failed(format!("delegate_to `{target}`: {e}"))),
    }
}

/// The host's connection for the task's login, opened on first use and kept for the rest of
/// the run; a different login (another play's `remote_user`) gets a connection of its own.
pub(super) async fn connection(
    state: &mut HostState,
    scope: &JValue,
    shared: &super::Shared,
    remote_user: Option<&str>,
) -> Result<Arc<Connection>, TaskResult> {
    let get = |key: &str| {
        scope
            .get_attr(key)
            .ok()
            .filter(|v| !v.is_undefined())
            .and_then(|v| from_jinja(&v).ok())
    };
    let login = connect::login(&state.name, &get, &shared.connect, remote_user)
        .map_err(TaskResult::failed)?;
    let key = login.key();
    if let Some((k, c)) = &state.conn
        && *k == key
    {
        return Ok(c.clone());
    }
    if let Some(i) = state.other_conns.iter().position(|(k, _)| *k == key) {
        let (k, c) = state.other_conns.swap_remove(i);
        let conn = c.clone();
        state.other_conns.extend(state.conn.replace((k, c)));
        return Ok(conn);
    }
    match connect::open(login.plan(&shared.connect)).await {
        Ok((conn, took)) => {
            let conn = Arc::new(conn);
            state
                .other_conns
                .extend(state.conn.replace((key, conn.clone())));
            state.connect_time = Some(took);
            Ok(conn)
        }
        Err(e) => Err(TaskResult::unreachable(format!("{e}"))),
    }
}
