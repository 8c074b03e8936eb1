//! Connections to the hosts tasks are delegated to, one per delegate host for the whole run,
//! shared by every host that delegates to it. Hosts that ask while a connect is under way wait
//! for that one attempt and share its outcome: a delegate that does not answer costs one
//! connect timeout for the step, not one per host in turn. A later task tries again.

use std::collections::HashMap;
use std::sync::Arc;

use super::connect;
use crate::result::TaskResult;
use crate::transport::Connection;

/// The delegate hosts of a run (`Shared::delegates`).
#[derive(Default)]
pub struct Delegates {
    slots: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<Slot>>>>,
}

/// One delegate host: its open connection, or how its last attempt ended.
#[derive(Default)]
struct Slot {
    conn: Option<Arc<Connection>>,
    /// Counts finished attempts, so a waiter can tell an attempt that ended while it waited
    /// (share its failure) from one that ended before it asked (try again).
    attempts: u64,
    failure: Option<TaskResult>,
}

impl Delegates {
    /// The connection to `target`, opened on first use. The map's lock is held only to find
    /// the host's slot, never across a connect.
    pub async fn connection(
        &self,
        target: &str,
        shared: &super::Shared,
    ) -> Result<Arc<Connection>, TaskResult> {
        let slot = self
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(target.to_string())
            .or_default()
            .clone();
        let seen = slot.try_lock().map(|s| s.attempts).ok();
        let mut slot = slot.lock().await;
        if let Some(conn) = &slot.conn {
            return Ok(conn.clone());
        }
        // An attempt ended while this host was asking (the slot was busy, or its count moved):
        // it failed, so this host fails with it rather than waiting a timeout of its own.
        if seen.is_none_or(|n| slot.attempts > n)
            && let Some(failure) = &slot.failure
        {
            return Err(failure.clone());
        }
        let outcome = open(target, shared).await;
        slot.attempts += 1;
        match outcome {
            Ok(conn) => {
                slot.conn = Some(conn.clone());
                slot.failure = None;
                Ok(conn)
            }
            Err(failure) => {
                slot.failure = Some(failure.clone());
                Err(failure)
            }
        }
    }

    /// Every open delegate connection, for closing at the end of the run.
    pub fn take_all(&self) -> Vec<Arc<Connection>> {
        let slots = std::mem::take(
            &mut *self
                .slots
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        slots
            .into_values()
            .filter_map(|s| s.try_lock().ok().and_then(|mut s| s.conn.take()))
            .collect()
    }
}

async fn open(target: &str, shared: &super::Shared) -> Result<Arc<Connection>, TaskResult> {
    // Hosts added by add_host are delegate targets too.
    let (vars, known) = {
        let inventory = shared.inventory();
        let known = inventory.hosts.contains_key(target) || inventory.is_implicit_localhost(target);
        (inventory.host_vars(target), known)
    };
    let plan = if !known && matches!(target, "localhost" | "127.0.0.1" | "::1") {
        connect::Plan::Local
    } else {
        let get = |key: &str| vars.get(key).cloned();
        connect::plan(
            target,
            &get,
            &shared.connect,
            &connect::TaskConnection::default(),
        )
        .map_err(TaskResult::failed)?
    };
    match connect::open(plan).await {
        Ok((conn, _)) => Ok(Arc::new(conn)),
        // As in Ansible, a delegate that cannot be reached makes the task unreachable for the
        // host that delegated it (`fatal: [h -> d]: UNREACHABLE!`), which `ignore_errors`
        // does not ignore.
        Err(e) => Err(TaskResult::unreachable(format!(
            "delegate_to `{target}`: {e}"
        ))),
    }
}
