//! `group_by` and `add_host`: changes to the run's inventory, made on the controller. The
//! modules return Ansible's result keys (`add_group`, `add_host`) and read them back as a typed
//! `InventoryChange` (`Module::inventory_change`); the runner applies it
//! (`run::inventory_changes`), so later plays can target the new group or host and `groups` /
//! `group_names` show it.

use serde_json::{Map, Value};

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec};
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

pub struct GroupBy;
pub struct AddHost;

/// A change to the run's live inventory that a task asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum InventoryChange {
    /// `group_by`: `host` joins `group`, a child of `parents`.
    Group {
        host: String,
        group: String,
        parents: Vec<String>,
    },
    /// `add_host`: a host (new or known) in `groups`, with these variables.
    Host {
        name: String,
        groups: Vec<String>,
        vars: Map<String, Value>,
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

static GROUP_BY: ModuleSpec = ModuleSpec {
    name: "group_by",
    summary: "Puts each host in a group named from its variables, for later plays to target",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("key", Kind::Str).required().doc(
            "The group's name, usually templated from facts; characters other than letters, \
             digits and `_` become `_`.",
        ),
        Arg::new("parents", Kind::List)
            .default("all")
            .doc("The groups the new group is a child of."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[],
    notes: "Nothing of its own: later tasks see the host in `groups` and `group_names`, and later plays \
            can target the group.",
    example: concat!(
        "- group_by:\n",
        "    key: os_{{ ansible_facts.distribution }}"
    ),
};

static ADD_HOST: ModuleSpec = ModuleSpec {
    name: "add_host",
    summary: "Adds a host (and its variables) to the run's inventory, in the given groups",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("name", Kind::Str)
            .aliases(&["host", "hostname"])
            .required()
            .doc("The host's name or address; `host:port` sets `ansible_port` too."),
        Arg::new("groups", Kind::List)
            .aliases(&["group", "groupname"])
            .doc("The groups to put the host in."),
    ],
    // Every other argument becomes a variable of the host (ansible_host, ansible_port, ...).
    any_args: true,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[],
    notes: "Every other argument is a variable of the new host (`ansible_host`, `ansible_user`, ...). \
            Nothing is returned of its own: later plays can target the host, once per play whatever the \
            play's hosts.",
    example: concat!(
        "- add_host:\n",
        "    name: \"{{ new_ip }}\"\n",
        "    groups: fresh\n",
        "    ansible_user: admin"
    ),
};

/// ansible-core 2.19 reports both as changed. In check mode they are not: they change rconf's
/// view of the inventory, not a host, so a drift check must not count them.
fn inventory_change(ctx: &Ctx) -> TaskResult {
    if ctx.check {
        TaskResult::ok()
    } else {
        TaskResult::changed()
    }
}

impl Module for GroupBy {
    fn control(&self) -> super::Control {
        super::Control::Inventory {
            bypass_host_loop: false,
        }
    }

    fn spec(&self) -> &'static ModuleSpec {
        &GROUP_BY
    }

    fn inventory_change(&self, host: &str, result: &TaskResult) -> Option<InventoryChange> {
        Some(InventoryChange::Group {
            host: host.to_string(),
            group: result.data.get("add_group")?.as_str()?.to_string(),
            parents: strings(result.data.get("parent_groups")),
        })
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        // A group name is one word: Ansible turns other characters into `_`.
        let key: String = args
            .str("key")
            .unwrap_or_default()
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let parents = args.list("parents").unwrap_or_else(|| vec!["all".into()]);
        Action::Done(
            inventory_change(ctx)
                .with("add_group", key)
                .with("parent_groups", parents),
        )
    }
}

impl Module for AddHost {
    fn control(&self) -> super::Control {
        super::Control::Inventory {
            bypass_host_loop: true,
        }
    }

    fn spec(&self) -> &'static ModuleSpec {
        &ADD_HOST
    }

    fn inventory_change(&self, _host: &str, result: &TaskResult) -> Option<InventoryChange> {
        let add = result.data.get("add_host")?;
        Some(InventoryChange::Host {
            name: add["host_name"].as_str()?.to_string(),
            groups: strings(add.get("groups")),
            vars: add["host_vars"].as_object().cloned().unwrap_or_default(),
        })
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        let raw = args.str("name").unwrap_or_default();
        let mut vars = Map::new();
        // `name: web9:2222` is the host `web9` on port 2222.
        let name = match raw.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') && port.parse::<u16>().is_ok() => {
                vars.insert(
                    "ansible_port".into(),
                    Value::from(port.parse::<u16>().unwrap_or(22)),
                );
                host
            }
            _ => raw,
        };
        for (k, v) in &args.0 {
            if !matches!(k.as_str(), "name" | "groups") {
                vars.insert(k.clone(), v.clone());
            }
        }
        let groups = args.list("groups").unwrap_or_default();
        let mut r = inventory_change(ctx);
        r.data.insert(
            "add_host".into(),
            serde_json::json!({"host_name": name, "groups": groups, "host_vars": vars}),
        );
        Action::Done(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn the_results_describe_the_change_as_ansible_reports_it() {
        let t = TestCtx::new();
        let r = run(&GroupBy, json!({"key": "os_Debian 12"}), &t.ctx(false));
        assert!(r.changed);
        assert!(
            !run(&GroupBy, json!({"key": "x"}), &t.ctx(true)).changed,
            "not drift"
        );
        assert_eq!(r.data["add_group"], "os_Debian_12");
        assert_eq!(r.data["parent_groups"], json!(["all"]));
        let r = run(
            &AddHost,
            json!({"name": "web9:2222", "groups": "new,web", "ansible_user": "deploy"}),
            &t.ctx(false),
        );
        assert!(r.changed);
        assert_eq!(
            r.data["add_host"],
            json!({"host_name": "web9", "groups": ["new", "web"],
                   "host_vars": {"ansible_port": 2222, "ansible_user": "deploy"}})
        );
    }

    #[test]
    fn each_module_reads_its_own_result_back_as_the_change() {
        let t = TestCtx::new();
        let r = run(&GroupBy, json!({"key": "db", "parents": ["prod"]}), &t.ctx(false));
        assert_eq!(
            GroupBy.inventory_change("h1", &r),
            Some(InventoryChange::Group {
                host: "h1".into(),
                group: "db".into(),
                parents: vec!["prod".into()],
            })
        );
        let r = run(&AddHost, json!({"name": "web9", "x": 1}), &t.ctx(false));
        let Some(InventoryChange::Host { name, groups, vars }) = AddHost.inventory_change("h1", &r)
        else {
            panic!("no change from {r:?}");
        };
        assert_eq!((name.as_str(), groups.len()), ("web9", 0));
        assert_eq!(vars["x"], 1);
        // Another module's keys are not its change.
        assert_eq!(AddHost.inventory_change("h1", &TaskResult::ok()), None);
    }
}
