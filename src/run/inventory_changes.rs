//! `group_by` and `add_host` applied to the run's live inventory. A result that describes a
//! change is recorded as it arrives; the runner applies what is waiting after such a step and
//! before each play picks its hosts, then refreshes `groups` and every host's `group_names`.

use indexmap::IndexMap;
use minijinja::value::Value as JValue;

use super::Shared;
use super::host::HostState;
use crate::modules::InventoryChange;
use crate::playbook::ModuleRef;
use crate::result::TaskResult;
use crate::template::to_jinja;

/// Records the change a `group_by` or `add_host` result on `host` asks for.
pub fn record(shared: &Shared, module: &ModuleRef, host: &str, result: &TaskResult) {
    if result.failed || result.skipped {
        return;
    }
    let Some(change) = module.inventory_change(host, result) else {
        return;
    };
    shared
        .inventory_changes
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
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
    let mut inv = shared.inventory();
    for change in changes {
        match change {
            InventoryChange::Group {
                host,
                group,
                parents,
            } => {
                inv.add_host(&host, Some(&group));
                for p in &parents {
                    inv.add_child(p, &group);
                }
            }
            InventoryChange::Host { name, groups, vars } => {
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
    let inv = shared.inventory();
    to_jinja(&serde_json::to_value(inv.groups_map()).unwrap_or_default())
}

/// Sets every host's `group_names` from the live inventory.
pub fn refresh_group_names(shared: &Shared, states: &mut IndexMap<String, HostState>) {
    let inv = shared.inventory();
    for (name, state) in states.iter_mut() {
        let names = JValue::from_iter(inv.group_names(name).into_iter().map(JValue::from));
        std::sync::Arc::make_mut(&mut state.inventory_vars).insert("group_names".into(), names);
    }
}
