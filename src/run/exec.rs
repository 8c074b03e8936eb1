//! One module invocation on one host: render the arguments, validate them, let the module
//! plan, and make at most one remote call on the host's connection (opened on first use), or
//! on the connection of the host the task is delegated to.

use std::path::PathBuf;
use std::sync::Arc;

use minijinja::value::Value as JValue;
use serde_json::Value;

use super::connect;
use super::host::{HostState, TaskShared, with_var_error};
use crate::modules::{Action, Args, Ctx, ScriptOutput, quote};
use crate::playbook::{ModuleRef, Task};
use crate::result::TaskResult;
use crate::template::from_jinja;
use crate::transport::Connection;

/// What runs a task once its arguments are known.
enum Runner {
    Native(&'static dyn crate::modules::Module),
    Ansible(std::sync::Arc<crate::ansible::Found>),
}

pub async fn call(
    state: &mut HostState,
    task: &Task,
    cx: &TaskShared,
    scope: &JValue,
) -> TaskResult {
    let shared = &cx.shared;
    if let Some(why) = &task.invalid {
        return TaskResult::failed(why.clone());
    }
    let spec = task.module.spec();
    // Conditions a module evaluates itself reach it as written (Ansible does not template
    // them first).
    let unrendered: &[&str] = match &task.module {
        ModuleRef::Native(m, _) => m.unrendered(),
        ModuleRef::Ansible(_) | ModuleRef::Unrunnable => &[],
    };
    let (kept, to_render): (Vec<_>, Vec<_>) = task
        .args
        .clone()
        .into_iter()
        .partition(|(k, _)| unrendered.contains(&k.as_str()));
    let raw = Value::Object(to_render.into_iter().collect());
    let mut rendered = match shared.templar.render_value(&raw, scope) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return TaskResult::failed("module arguments did not render to a mapping"),
        Err(e) => return TaskResult::failed(with_var_error(e)),
    };
    rendered.extend(kept);
    let omit = &shared.omit;
    let args = rendered
        .into_iter()
        .filter(|(_, v)| v.as_str() != Some(omit.as_str()))
        .collect();
    // A native module takes the arguments it implements; for others (a value known only now,
    // or a module rconf does not have) Ansible's own module runs the task.
    let (args, runner) = match &task.module {
        ModuleRef::Ansible(found) => (Args(args), Runner::Ansible(found.clone())),
        ModuleRef::Unrunnable => {
            return TaskResult::failed(format!("`{}` cannot run in rconf", task.action));
        }
        ModuleRef::Native(m, fallback) => match spec
            .validate(args.clone())
            .and_then(|a| m.supports(&a).map(|()| a))
        {
            Ok(a) => (a, Runner::Native(*m)),
            Err(e) => {
                let fallback = fallback.clone().or_else(|| {
                    shared
                        .finder
                        .resolve(&task.action, &[])
                        .ok()
                        .filter(|f| crate::ansible::runs_without_its_action_plugin(f, &args))
                });
                match fallback {
                    Some(found) => (Args(args), Runner::Ansible(found)),
                    None => return TaskResult::failed(e),
                }
            }
        },
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
    // A fault point for the tests of run::catch_panic: debug builds only.
    #[cfg(debug_assertions)]
    if std::env::var("RCONF_TEST_PANIC_HOST").is_ok_and(|h| h == state.name) {
        panic!(
            "RCONF_TEST_PANIC_HOST asked planning `{}` to panic",
            task.action
        );
    }
    let where_ = format!(
        "{}\0{:?}",
        target.as_deref().unwrap_or(&state.name),
        how.become_
    );
    let planned = match &runner {
        Runner::Ansible(found) => {
            let map = args.0.clone().into_iter().collect();
            let call = crate::ansible::Call {
                written: &task.action,
                no_log: super::host::no_log(task, cx, scope),
                verbosity: shared.verbosity,
                target: where_.clone(),
            };
            match crate::ansible::plan(found, &shared.finder, &map, &ctx, &call) {
                Ok(remote) => Action::Remote(remote),
                Err(e) => Action::Done(TaskResult::failed(e)),
            }
        }
        Runner::Native(m) => m.plan(&args, &ctx),
    };
    let mut call = match planned {
        Action::Done(mut result) => {
            // A controller-side task (set_fact, include_vars) delegated elsewhere sets that
            // host's variables when `delegate_facts` asks for it.
            delegated(&mut result, shared, target);
            return result;
        }
        Action::Sleep(duration, result) => {
            tokio::time::sleep(duration).await;
            return result;
        }
        Action::WaitForConnection(wait) => {
            return wait_for_connection(state, scope, shared, &how, wait).await;
        }
        Action::Reboot(plan) => {
            return super::reboot::reboot(state, scope, shared, &how, &plan).await;
        }
        Action::Remote(call) => call,
    };
    let mut env_prefix = Vec::new();
    if let Some(env) = &task.environment {
        match environment_prefix(env, cx, scope) {
            Ok(prefix) => env_prefix = prefix,
            Err(e) => return TaskResult::failed(e),
        };
        call.script.prepend(&env_prefix);
    }
    let conn = match &target {
        Some(t) => match shared.delegates.connection(t, shared).await {
            Ok(c) => c,
            Err(mut result) => {
                delegated(&mut result, shared, Some(t.clone()));
                return result;
            }
        },
        None => match connection(state, scope, shared, &how).await {
            Ok(c) => c,
            Err(result) => return result,
        },
    };
    // -vv: what is sent, as Ansible's EXEC lines (which it shows from -vvv).
    if tracing::enabled!(target: super::command_log::TARGET, tracing::Level::INFO) {
        let spec = matches!(runner, Runner::Native(_)).then_some(spec);
        let line = super::command_log::describe(
            target.as_deref().unwrap_or(&state.name),
            &task.action,
            &args,
            spec,
            super::host::no_log(task, cx, scope),
            how.become_.as_ref(),
            shared.persistent_shell,
        );
        tracing::info!(target: super::command_log::TARGET, "{line}");
    }
    // `async`: the task's time limit; with `poll: 0`, a job left running on the host.
    let job = match async_settings(task, shared, scope) {
        Ok(j) => j,
        Err(e) => return TaskResult::failed(e),
    };
    if let Some((limit, 0)) = job {
        return start_job(&conn, &how, shared, &call, &env_prefix, limit).await;
    }
    // A zero limit (`timeout: 0`, `--task-timeout 0`) is none, as in Ansible.
    let mut timeout = how.timeout.or(shared.task_timeout).filter(|t| !t.is_zero());
    if let Some((limit, _)) = job {
        timeout = Some(timeout.map_or(limit, |t| t.min(limit)));
    }
    let ran = match run_on(&conn, &how, shared, &call.script, call.stdin, timeout).await {
        Ok(ran) => ran,
        Err(e) => return TaskResult::failed(e),
    };
    if let (Err(crate::transport::TransportError::Timeout(_)), Some((limit, _))) = (&ran, job) {
        return TaskResult::failed(format!(
            "async task did not complete within the requested time - {}s",
            limit.as_secs()
        ));
    }
    match ran {
        Ok(out) => match crate::transport::privilege::failure(&out) {
            Some(message) => TaskResult::failed(message),
            None => {
                let out = ScriptOutput::parse(out, &shared.marker);
                let mut result = match &runner {
                    Runner::Ansible(found) => {
                        if out.result.is_ok() {
                            crate::ansible::delivered(found, &where_);
                        }
                        crate::ansible::finish(&task.action, out)
                    }
                    Runner::Native(m) => m.finish(&args, out),
                };
                // Modules may describe a change anyway; Ansible shows it only in diff mode.
                if !diff_mode {
                    result.data.shift_remove("diff");
                }
                // For `delegate_facts`: the facts belong to that host.
                delegated(&mut result, shared, target);
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

/// Runs `script` on `conn` as the task asks: in one round trip on the persistent shell of the
/// task's user (the login user, or the become user), or with `RCONF_PERSISTENT_SHELL=0` as an
/// exec of its own. The outer error: no command could be built for it.
pub(super) async fn run_on(
    conn: &Connection,
    how: &connect::TaskConnection,
    shared: &super::Shared,
    script: &crate::remote::Program,
    stdin: crate::transport::Stdin,
    timeout: Option<std::time::Duration>,
) -> Result<Result<crate::transport::Output, crate::transport::TransportError>, String> {
    let become_ = how.become_.as_ref();
    Ok(if shared.persistent_shell {
        conn.run_script(script, stdin, timeout, become_).await
    } else {
        // The script follows the become password on stdin: never in argv.
        let (command, prefix) = crate::transport::exec_parts(script, become_)?;
        conn.exec_with_prefix(&command, &prefix, stdin, timeout)
            .await
    })
}

/// The task's `async` limit and `poll` interval (Ansible's default poll is 15 s), rendered.
fn async_settings(
    task: &Task,
    shared: &super::Shared,
    scope: &JValue,
) -> Result<Option<(std::time::Duration, u64)>, String> {
    let Some(limit) = &task.async_secs else {
        return Ok(None);
    };
    let number = |v: &Value, what: &str| -> Result<u64, String> {
        let v = shared.templar.render_value(v, scope)?;
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .ok_or_else(|| format!("`{what}` must be a number of seconds, got `{v}`"))
    };
    let limit = number(limit, "async")?;
    let poll = match &task.poll {
        Some(p) => number(p, "poll")?,
        None => 15,
    };
    Ok(Some((std::time::Duration::from_secs(limit), poll)))
}

/// `poll: 0`: writes the task's script beside its result file in `~/.ansible_async` on the
/// host and starts it detached (in a session of its own, within `timeout LIMIT` when the
/// host has it), returning once it has started: closing the connection ends the remote
/// shell's process group. `async_status` reads the result later.
async fn start_job(
    conn: &Connection,
    how: &connect::TaskConnection,
    shared: &super::Shared,
    call: &crate::modules::RemoteCall,
    env_prefix: &[u8],
    limit: std::time::Duration,
) -> TaskResult {
    if !matches!(call.stdin, crate::transport::Stdin::Empty) {
        return TaskResult::failed(
            "`poll: 0` starts the task detached, which cannot carry file content; give `poll` a number of seconds",
        );
    }
    let jid = format!(
        "j{}.{}",
        rand::random::<u32>() % 1_000_000_000,
        std::process::id()
    );
    let delimiter = format!("RCONF_JOB_{:016x}", rand::random::<u64>());
    let started = serde_json::json!({
        "changed": true, "started": true, "finished": false, "ansible_job_id": jid,
        "results_file": format!("~/.ansible_async/{jid}"),
    });
    let (marker, result) = match (
        crate::remote::quote::quote(shared.marker.as_bytes()),
        crate::remote::quote::quote_str(&started.to_string()),
    ) {
        (Ok(m), Ok(r)) => (m, r),
        (Err(e), _) | (_, Err(e)) => return TaskResult::failed(e),
    };
    // The task's `environment` holds for the wrapper too (its HOME places the job's files).
    let mut script = env_prefix.to_vec();
    script.extend(
        format!(
            "d=\"$HOME/.ansible_async\"; f=\"$d/{jid}\"\n\
         mkdir -p \"$d\" && chmod 700 \"$d\" && : > \"$f.tmp\" || exit 1\n\
         cat > \"$f.sh\" <<'{delimiter}'\n"
        )
        .into_bytes(),
    );
    let whole = call.script.whole();
    script.extend_from_slice(&whole);
    if !whole.ends_with(b"\n") {
        script.push(b'\n');
    }
    script.extend(
        format!(
            "{delimiter}\n\
             job='touch \"$1.started\"; T=; command -v timeout >/dev/null 2>&1 && T=\"timeout $2\"\n\
             $T sh \"$1.sh\" > \"$1.tmp\" 2> \"$1.err\" </dev/null; mv -f \"$1.tmp\" \"$1\"; rm -f \"$1.sh\"'\n\
             if command -v setsid >/dev/null 2>&1; then setsid sh -c \"$job\" rconf-job \"$f\" {secs} </dev/null >/dev/null 2>&1 &\n\
             else nohup sh -c \"$job\" rconf-job \"$f\" {secs} </dev/null >/dev/null 2>&1 & fi\n\
             n=0; while [ ! -e \"$f.started\" ] && [ $n -lt 100 ]; do sleep 0.05 2>/dev/null || sleep 1; n=$((n + 1)); done\n\
             rm -f \"$f.started\"\n\
             printf '%s%s\\n' ",
            secs = limit.as_secs().max(1)
        )
        .into_bytes(),
    );
    script.extend(marker);
    script.push(b' ');
    script.extend(result.into_bytes());
    script.push(b'\n');
    match run_on(
        conn,
        how,
        shared,
        &crate::remote::Program::plain(script),
        crate::transport::Stdin::Empty,
        None,
    )
    .await
    {
        Ok(Ok(out)) => ScriptOutput::parse(out, &shared.marker).into_result_for("async"),
        Ok(Err(e)) => TaskResult::failed(format!("cannot start the job: {e}")),
        Err(e) => TaskResult::failed(e),
    }
}

/// Reconnects until a trivial command runs, or `wait.timeout` passes.
async fn wait_for_connection(
    state: &mut HostState,
    scope: &JValue,
    shared: &super::Shared,
    how: &connect::TaskConnection,
    wait: crate::modules::wait_for_connection::Wait,
) -> TaskResult {
    tokio::time::sleep(wait.delay).await;
    let start = std::time::Instant::now();
    let mut last = String::new();
    while start.elapsed() < wait.timeout {
        // A fresh connection each time: the host may have rebooted under the old one.
        state.conn = None;
        let tried = async {
            let conn = connection(state, scope, shared, how)
                .await
                .map_err(|r| r.msg.unwrap_or_default())?;
            conn.run_script(
                &crate::remote::Program::plain(b"true\n".to_vec()),
                crate::transport::Stdin::Empty,
                Some(wait.connect_timeout),
                None,
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

/// Where relative `src` files are found, as Ansible's `ansible_search_path`: the task's role,
/// the directory of the task's own file, then the playbook.
fn search_dirs(task: &Task, shared: &super::Shared) -> Vec<PathBuf> {
    let mut dirs = Vec::with_capacity(3);
    if let Some(role) = &task.role {
        dirs.push(role.dir.clone());
    }
    if let Some(dir) = task
        .location
        .file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        dirs.push(dir.to_path_buf());
    }
    dirs.push(shared.playbook_dir.clone());
    let mut seen = std::collections::HashSet::new();
    dirs.retain(|d| seen.insert(d.clone()));
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

/// The host's connection for the task's login, opened on first use and kept for the rest of
/// the run; a different login (another play's `remote_user`) gets a connection of its own.
pub(super) async fn connection(
    state: &mut HostState,
    scope: &JValue,
    shared: &super::Shared,
    keywords: &connect::TaskConnection,
) -> Result<Arc<Connection>, TaskResult> {
    let get = |key: &str| {
        scope
            .get_attr(key)
            .ok()
            .filter(|v| !v.is_undefined())
            .and_then(|v| from_jinja(&v).ok())
    };
    let login =
        connect::login(&state.name, &get, &shared.connect, keywords).map_err(TaskResult::failed)?;
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

/// Marks `result` as run on the delegate `target` (none: the task's own host), with the
/// delegate's `ansible_host` when that is not its name, as Ansible labels the result.
fn delegated(result: &mut TaskResult, shared: &super::Shared, target: Option<String>) {
    result.delegated_address = target.as_deref().and_then(|t| {
        let vars = shared.inventory().host_vars(t);
        vars.get("ansible_host")
            .and_then(serde_json::Value::as_str)
            .filter(|a| *a != t && !crate::template::Templar::is_template(a))
            .map(str::to_string)
    });
    result.delegated_to = target;
}
