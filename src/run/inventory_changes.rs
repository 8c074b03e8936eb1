//! `group_by` and `add_host` applied to the run's live inventory. A result that describes a
//! change is recorded as it arrives; the runner applies what is waiting after such a step and
//! before each play picks its hosts, then refreshes `groups` and every host's `group_names`.

use indexmap::IndexMap;
use minijinja::value::Value as JValue;
use serde_json::Value;

use super::Shared;
use super::host::HostState;
use crate::result::TaskResult;
use crate::template::to_jinja;

/// A change a task asked for.
pub enum Change {
    Group {
        host: String,
        group: String,
        parents: Vec<String>,
    },
    Host {
        name: String,
        groups: Vec<String>,
        vars: serde_json::Map<String, Value>,
    },
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Records the change a `group_by` or `add_host` result on `host` describes.
pub fn record(shared: &Shared, host: &str, result: &TaskResult) {
    if result.failed || result.skipped {
        return;
    }
    let change = if let Some(group) = result.data.get("add_group").and_then(Value::as_str) {
        Change::Group {
            host: host.to_string(),
            group: group.to_string(),
            parents: strings(result.data.get("parent_groups")),
        }
    } else if let Some(add) = result.data.get("add_host") {
        Change::Host {
            name: add["host_name"].as_str().unwrap_or_default().to_string(),
            groups: strings(add.get("groups")),
            vars: add["host_vars"].as_object().cloned().unwrap_or_default(),
        }
    } else {
        return;
    };
    shared
        .inventory_changes
        .lock()
        .expect("inventory changes lock")
        .push(change);
}

/// Applies the waiting changes to the live inventory; false when nothing was waiting.
pub fn apply(shared: &Shared) -> Result<bool, String> {
    let changes = std::mem::take(
        &mut *shared
            .inventory_changes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    if changes.is_empty() {
        return Ok(false);
    }
    let mut inv = shared
        .live_inventory
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for change in changes {
        match change {
            Change::Group {
                host,
                group,
                parents,
            } => {
                inv.add_host(&host, Some(&group));
                for p in &parents {
                    inv.add_child(p, &group);
                }
            }
            Change::Host { name, groups, vars } => {
                inv.add_host(&name, None);
                for g in &groups {
                    inv.add_host(&name, Some(g));
                }
                if let Some(h) = inv.hosts.get_mut(&name) {
                    h.vars.extend(vars);
                }
            }
        }
    }
    let reconciled = inv.reconcile().map_err(|e| e.to_string());
    shared
        .inventory_generation
        .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    reconciled?;
    Ok(true)
}

/// `groups`, from the live inventory.
pub fn groups(shared: &Shared) -> JValue {
    let inv = shared
        .live_inventory
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    to_jinja(&serde_json::to_value(inv.groups_map()).unwrap_or_default())
}

/// Sets every host's `group_names` from the live inventory.
pub fn refresh_group_names(shared: &Shared, states: &mut IndexMap<String, HostState>) {
    let inv = shared
        .live_inventory
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for (name, state) in states.iter_mut() {
        let names = JValue::from_iter(inv.group_names(name).into_iter().map(JValue::from));
        std::sync::Arc::make_mut(&mut state.inventory_vars).insert("group_names".into(), names);
    }
}
