//! `reboot` on the runner's side: note the boot id, start the reboot command detached (so the
//! call returns before the host goes down), drop the host's connections, then reconnect until
//! the boot id has changed and the test command succeeds, within the timeout.

use std::time::{Duration, Instant};

use minijinja::value::Value as JValue;

use super::connect::TaskConnection;
use super::exec::{connection, run_on};
use super::host::HostState;
use crate::modules::quote::quote_str;
use crate::modules::reboot::Plan;
use crate::result::TaskResult;
use crate::transport::Stdin;

/// Runs `command` (sh text) on the host's current connection; its trimmed stdout when it
/// exits 0.
async fn run(
    state: &mut HostState,
    scope: &JValue,
    shared: &super::Shared,
    how: &TaskConnection,
    command: &str,
    timeout: Duration,
) -> Result<String, String> {
    let conn = connection(state, scope, shared, how)
        .await
        .map_err(|r| r.msg.unwrap_or_default())?;
    let script = format!("{command}\n");
    let out = run_on(
        &conn,
        how,
        shared,
        &crate::remote::Program::plain(script.into_bytes()),
        Stdin::Empty,
        Some(timeout),
    )
    .await?
    .map_err(|e| e.to_string())?;
    match out.status {
        Some(0) => Ok(String::from_utf8_lossy(&out.stdout).trim().to_string()),
        status => Err(format!(
            "`{command}` exited with {status:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
    }
}

/// Starts `sh -c <quoted script>` detached with `$1` the file it touches once started, and
/// waits (5 s at most) for that file.
const DETACH_START: &str = "m=\"${TMPDIR:-/tmp}/.rconf-started.$$\"; rm -f \"$m\"\n\
    if command -v setsid >/dev/null 2>&1; then run=setsid; else run=nohup; fi\n\
    $run sh -c ";
const DETACH_END: &str = " rconf-detached \"$m\" </dev/null >/dev/null 2>&1 &\n\
    n=0; while [ ! -e \"$m\" ] && [ $n -lt 100 ]; do sleep 0.05 2>/dev/null || sleep 1; n=$((n + 1)); done\n\
    rm -f \"$m\"";

pub async fn reboot(
    state: &mut HostState,
    scope: &JValue,
    shared: &super::Shared,
    how: &TaskConnection,
    plan: &Plan,
) -> TaskResult {
    let start = Instant::now();
    let quick = plan.connect_timeout.max(Duration::from_secs(10));
    let before = match run(state, scope, shared, how, &plan.boot_time_command, quick).await {
        Ok(id) => id,
        Err(e) => {
            return TaskResult::failed(format!("cannot read the boot id before rebooting: {e}"));
        }
    };
    tokio::time::sleep(plan.pre_delay).await;
    // In a session of its own, since dropping the connection ends the remote shell's process
    // group; and only once it is there (it says so in a file) does the call return.
    let detached = match quote_str(&format!("touch \"$1\"; sleep 1; {}", plan.reboot_command)) {
        Ok(q) => format!("{DETACH_START}{q}{DETACH_END}"),
        Err(e) => return TaskResult::failed(e),
    };
    if let Err(e) = run(state, scope, shared, how, &detached, quick).await {
        return TaskResult::failed(format!("cannot start the reboot: {e}"));
    }
    // The host is going down: every connection to it is stale.
    state.conn = None;
    state.other_conns.clear();
    let mut last = String::from("the host did not answer");
    while start.elapsed() < plan.timeout {
        tokio::time::sleep(Duration::from_secs(1)).await;
        state.conn = None;
        let probe = async {
            let id = run(
                state,
                scope,
                shared,
                how,
                &plan.boot_time_command,
                plan.connect_timeout,
            )
            .await?;
            if id.is_empty() || id == before {
                return Err("the boot id has not changed yet".to_string());
            }
            run(
                state,
                scope,
                shared,
                how,
                &plan.test_command,
                plan.connect_timeout,
            )
            .await
        };
        match tokio::time::timeout(plan.connect_timeout * 2, probe).await {
            Ok(Ok(_)) => {
                tokio::time::sleep(plan.post_delay).await;
                return TaskResult::changed()
                    .with("rebooted", true)
                    .with("elapsed", start.elapsed().as_secs());
            }
            Ok(Err(e)) => last = e,
            Err(_) => last = format!("no answer within {:?}", plan.connect_timeout * 2),
        }
    }
    state.conn = None;
    TaskResult::failed(format!(
        "timed out waiting for the host to come back after {:?}: {last}",
        plan.timeout
    ))
    .with("rebooted", false)
    .with("elapsed", start.elapsed().as_secs())
}
