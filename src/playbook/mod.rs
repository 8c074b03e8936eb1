//! What to do, as inert data: plays, blocks, tasks, handlers and roles read from Ansible-syntax
//! YAML. Static composition (roles, `import_*`, static `include_tasks`) is resolved at load
//! time; nothing is templated until the runner renders it for a host.

mod dynamic;
mod keywords;
mod load;
pub mod node;
pub mod notify;
mod roles;
mod tasks;
mod values;

pub use dynamic::DynamicInclude;
/// The closest of some names to a misspelt one (`rconf doc cpy` suggests `copy`).
pub use keywords::did_you_mean;

pub use values::is_identifier;

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;

use crate::ansible::Found;
use crate::error::{Diagnostic, Location};
use crate::modules::{Module, ModuleSpec};

pub use crate::transport::keywords::ConnectionKeywords;
pub use load::{LoadOptions, load};

#[derive(Debug)]
pub struct Playbook {
    pub path: PathBuf,
    /// The playbook's directory: relative `src` files, `files/` and `templates/` live here.
    pub dir: PathBuf,
    pub plays: Vec<Play>,
    /// Problems that fail a task only if it runs (module arguments, files that
    /// `include_tasks` reads later), each with its location; `--strict` makes them errors.
    pub warnings: Vec<Diagnostic>,
    /// Where Ansible's own modules are found for this playbook.
    pub finder: Arc<crate::ansible::Finder>,
    /// The playbook files given on the command line, each with the range of `plays` it holds
    /// (its imported playbooks included), as `-vv` announces them. Empty for ad hoc commands.
    pub files: Vec<PlaybookFile>,
}

/// One playbook file of a run: `plays[first_play..first_play + plays]` came from it.
#[derive(Debug, Clone)]
pub struct PlaybookFile {
    /// As given on the command line.
    pub path: PathBuf,
    pub first_play: usize,
    pub plays: usize,
}

/// The module a task runs.
#[derive(Clone)]
pub enum ModuleRef {
    /// One of rconf's native modules. The second field is Ansible's module of the same name,
    /// for a task whose arguments the native one does not take.
    Native(&'static dyn Module, Option<Arc<Found>>),
    /// One of Ansible's own modules, which rconf has no native answer for.
    Ansible(Arc<Found>),
    /// Something Ansible would run that rconf cannot (an action plugin of the playbook's or
    /// a role's `action_plugins/`): the task carries the reason in `Task::invalid`.
    Unrunnable,
}

impl ModuleRef {
    /// The rules rconf checks arguments with (none of its own for Ansible's modules).
    pub fn spec(&self) -> &'static ModuleSpec {
        match self {
            ModuleRef::Native(m, _) => m.spec(),
            ModuleRef::Ansible(_) | ModuleRef::Unrunnable => &crate::ansible::SPEC,
        }
    }

    /// The inventory change a result of this task asks for (only native `group_by` and
    /// `add_host` have one).
    pub fn inventory_change(
        &self,
        host: &str,
        result: &crate::result::TaskResult,
    ) -> Option<crate::modules::InventoryChange> {
        match self {
            ModuleRef::Native(m, _) => m.inventory_change(host, result),
            ModuleRef::Ansible(_) | ModuleRef::Unrunnable => None,
        }
    }

    /// What the runner does with the task (Ansible's modules are plain tasks).
    pub fn control(&self) -> crate::modules::Control {
        match self {
            ModuleRef::Native(m, _) => m.control(),
            ModuleRef::Ansible(_) | ModuleRef::Unrunnable => crate::modules::Control::Task,
        }
    }
}

/// The play keyword `order`: the order the play's hosts run in (and are batched by `serial`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HostOrder {
    /// As the inventory lists them.
    #[default]
    Inventory,
    ReverseInventory,
    /// By name.
    Sorted,
    ReverseSorted,
    /// A new random order each run.
    Shuffle,
}

impl HostOrder {
    /// Puts `hosts` (in inventory order) in this order.
    pub fn apply(self, hosts: &mut [String]) {
        match self {
            HostOrder::Inventory => {}
            HostOrder::ReverseInventory => hosts.reverse(),
            HostOrder::Sorted => hosts.sort(),
            HostOrder::ReverseSorted => {
                hosts.sort();
                hosts.reverse();
            }
            HostOrder::Shuffle => {
                use rand::seq::SliceRandom;
                hosts.shuffle(&mut rand::rng());
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Every host finishes a task before any host starts the next one.
    #[default]
    Linear,
    /// Each host runs through the tasks as fast as it can.
    Free,
}

#[derive(Debug)]
pub struct Play {
    pub name: String,
    /// The host pattern as written (may contain a template).
    pub hosts: String,
    /// Play `vars`, then each `vars_files` file in order (later wins).
    pub vars: IndexMap<String, Value>,
    pub gather_facts: bool,
    /// The `when` of the `import_playbook` items that brought this play in: fact gathering
    /// is skipped on a host where they are false, as the play's tasks are.
    pub gather_when: Vec<String>,
    /// The defaults and `vars/` of the play's `roles` and `import_role`s (and their
    /// dependencies): every task of the play sees them, the defaults below everything and
    /// the vars over the play's, as Ansible's roles are public unless included.
    pub public_role_defaults: IndexMap<String, Value>,
    pub public_role_vars: IndexMap<String, Value>,
    /// `gather_subset`, `gather_timeout`, `fact_path`: arguments for fact gathering.
    pub gather_args: IndexMap<String, Value>,
    /// The play's own connection keywords (`become`, `remote_user`, ...): fact gathering runs
    /// with them, as in Ansible (its tasks have them merged in already).
    pub connection: ConnectionKeywords,
    pub pre_tasks: TaskList,
    /// The roles' tasks, then the play's own `tasks`.
    pub tasks: TaskList,
    pub post_tasks: TaskList,
    pub handlers: TaskList,
    pub tags: Vec<String>,
    /// Batch sizes (`serial`): numbers or percentages; the last one repeats. Empty: all hosts.
    pub serial: Vec<Value>,
    pub max_fail_percentage: Option<f64>,
    pub any_errors_fatal: bool,
    pub strategy: Strategy,
    pub order: HostOrder,
    /// A templated `strategy` (`"{{ my_strategy }}"`), rendered with the play's variables
    /// when the play starts.
    pub strategy_template: Option<String>,
    /// The play's `force_handlers`: when set, it wins over `--force-handlers` (Ansible's
    /// keyword defaults to the command line's value).
    pub force_handlers: Option<bool>,
    /// `vars_prompt` entries without a default: rconf never prompts, so each needs `-e`.
    pub prompts: Vec<(String, Location)>,
    pub location: Location,
}

impl Play {
    /// A play of one task on `hosts` (ad hoc commands).
    pub fn adhoc(name: String, hosts: &str, task: Task) -> Play {
        let location = task.location.clone();
        Play {
            name,
            hosts: hosts.to_string(),
            vars: IndexMap::new(),
            gather_facts: false,
            gather_when: Vec::new(),
            public_role_defaults: IndexMap::new(),
            public_role_vars: IndexMap::new(),
            gather_args: IndexMap::new(),
            connection: ConnectionKeywords::default(),
            pre_tasks: TaskList::default(),
            tasks: TaskList {
                tasks: vec![task],
                blocks: Vec::new(),
            },
            post_tasks: TaskList::default(),
            handlers: TaskList::default(),
            tags: Vec::new(),
            serial: Vec::new(),
            max_fail_percentage: None,
            any_errors_fatal: false,
            strategy: Strategy::Linear,
            order: HostOrder::Inventory,
            strategy_template: None,
            force_handlers: None,
            prompts: Vec::new(),
            location,
        }
    }
}

/// A list of tasks with blocks flattened: each task knows its innermost block and which part
/// of it (body, rescue, always) it is in; each block knows the ranges of its parts.
#[derive(Debug, Default)]
pub struct TaskList {
    pub tasks: Vec<Task>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Body,
    Rescue,
    Always,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub name: Option<String>,
    /// The enclosing block and the part of it this block sits in.
    pub parent: Option<(usize, Part)>,
    pub body: Range<usize>,
    pub rescue: Range<usize>,
    pub always: Range<usize>,
}

impl Block {
    pub fn part(&self, part: Part) -> &Range<usize> {
        match part {
            Part::Body => &self.body,
            Part::Rescue => &self.rescue,
            Part::Always => &self.always,
        }
    }

    /// The index just after the block's last task.
    pub fn end(&self) -> usize {
        self.body.end.max(self.rescue.end).max(self.always.end)
    }
}

/// A role as used by a play: where it lives and the variables it brings.
#[derive(Debug)]
pub struct Role {
    pub name: String,
    pub dir: PathBuf,
    /// `defaults/main.yml`: the lowest precedence of all variables.
    pub defaults: IndexMap<String, Value>,
    /// `vars/main.yml` and the role's parameters from the play (parameters win).
    pub vars: IndexMap<String, Value>,
}

#[derive(Debug, Clone, Default)]
pub struct LoopControl {
    pub loop_var: Option<String>,
    pub index_var: Option<String>,
    pub label: Option<String>,
    /// Seconds to wait between items.
    pub pause: Option<f64>,
    /// `extended`: each item sees `ansible_loop` (index, first, last, previtem, ...);
    /// `extended_allitems: false` leaves its `allitems` out.
    pub extended: bool,
    pub extended_allitems: bool,
}

/// `until` / `retries` / `delay`.
#[derive(Debug, Clone)]
pub struct Retry {
    /// The conditions that end the retries; none: until the task succeeds.
    pub until: Vec<String>,
    /// A number or a template; Ansible's default is 3.
    pub retries: Value,
    /// Seconds between attempts; Ansible's default is 5.
    pub delay: Value,
}

pub struct Task {
    pub name: Option<String>,
    /// The module key as written (`ansible.builtin.copy`), shown when the task has no name.
    pub action: String,
    pub module: ModuleRef,
    /// Why the arguments cannot run (found at load time, reported then as a warning): the
    /// task fails with this if it runs.
    pub invalid: Option<String>,
    /// Arguments after free-form parsing, before templating.
    pub args: IndexMap<String, Value>,
    /// Conditions, all of which must hold (a list `when` is an `and`); those of enclosing
    /// blocks, imports and roles come first.
    pub when: Vec<String>,
    pub register: Option<String>,
    /// `loop:` / `with_items:` / `with_list:` value, unrendered.
    pub loop_items: Option<LoopSource>,
    pub loop_control: LoopControl,
    pub changed_when: Option<Vec<String>>,
    pub failed_when: Option<Vec<String>>,
    /// A boolean or a template that renders to one.
    pub ignore_errors: Value,
    pub notify: Vec<String>,
    /// Handler topics (`listen:`), for handlers only.
    pub listen: Vec<String>,
    /// The task's tags with those of its blocks, imports, role and play.
    pub tags: Vec<String>,
    /// Block and task `vars` (the task's own win).
    pub vars: IndexMap<String, Value>,
    pub no_log: bool,
    /// A templated `no_log` (`"{{ hide_secrets }}"`), rendered per host by the runner.
    pub no_log_template: Option<String>,
    pub check_mode: Option<bool>,
    pub diff: Option<bool>,
    pub retry: Option<Retry>,
    /// `async:` seconds (a number or a template): the task's time limit, and with `poll: 0`
    /// what the detached job may take.
    pub async_secs: Option<Value>,
    /// `poll:` seconds; 0 starts the task detached (see `async_status`).
    pub poll: Option<Value>,
    /// `environment:`: a mapping (or a template of one) exported for the remote command.
    pub environment: Option<Value>,
    pub run_once: bool,
    /// `delegate_to:` host (may be a template).
    pub delegate_to: Option<String>,
    pub delegate_facts: bool,
    /// `throttle`: at most this many hosts run the task at once (beside `--forks`).
    pub throttle: Option<usize>,
    pub block: Option<(usize, Part)>,
    pub role: Option<Arc<Role>>,
    /// `become*`, `timeout`, `remote_user`, with the enclosing blocks' and play's filled in.
    pub connection: ConnectionKeywords,
    pub location: Location,
    /// For an `include_tasks` resolved at run time: how to load the file it names.
    pub include: Option<Arc<DynamicInclude>>,
}

/// Where a task's loop items come from.
#[derive(Debug, Clone)]
pub enum LoopSource {
    /// `loop:` and `with_list:`: the items as given.
    List(Value),
    /// `with_items:`: like `loop`, with one level of nested lists flattened.
    Items(Value),
    /// `with_dict:`: a mapping turned into `{key, value}` items.
    Dict(Value),
    /// `with_fileglob:`: controller paths matching the patterns.
    Fileglob(Value),
    /// `with_first_found:`: the first file that exists (the `first_found` lookup), one item.
    FirstFound(Value),
    /// Any other `with_<lookup>:` (`with_nested`, `with_subelements`, `with_sequence`, ...):
    /// the lookup's items, with a list value's elements as its terms, as Ansible calls it.
    Lookup(String, Value),
}

impl Task {
    /// A task rconf makes itself (fact gathering, ad hoc commands): no keywords, just a module.
    pub fn synthetic(
        name: Option<String>,
        action: &str,
        module: ModuleRef,
        args: IndexMap<String, Value>,
        location: Location,
    ) -> Task {
        Task {
            name,
            action: action.to_string(),
            module,
            invalid: None,
            args,
            when: Vec::new(),
            register: None,
            loop_items: None,
            loop_control: LoopControl::default(),
            changed_when: None,
            failed_when: None,
            ignore_errors: Value::Bool(false),
            notify: Vec::new(),
            listen: Vec::new(),
            tags: Vec::new(),
            vars: IndexMap::new(),
            no_log: false,
            no_log_template: None,
            check_mode: None,
            diff: None,
            retry: None,
            async_secs: None,
            poll: None,
            environment: None,
            run_once: false,
            delegate_to: None,
            delegate_facts: false,
            throttle: None,
            block: None,
            role: None,
            connection: ConnectionKeywords::default(),
            location,
            include: None,
        }
    }

    /// The name shown in `TASK [...]` lines: the task's name, else the module as written,
    /// prefixed with the role as Ansible does (`common : Install packages`).
    pub fn display_name(&self) -> String {
        // An unnamed `include_role` shows the role it names, as Ansible does.
        if self.name.is_none()
            && self.module.control() == (crate::modules::Control::Include { role: true })
            && let Some(role) = self.args.get("name").and_then(Value::as_str)
        {
            return format!("{} : {role}", self.action);
        }
        let name = self.name.as_deref().unwrap_or(&self.action);
        match &self.role {
            Some(r) => format!("{} : {name}", r.name),
            None => name.to_string(),
        }
    }
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task")
            .field("name", &self.name)
            .field("action", &self.action)
            .field("args", &self.args)
            .field("when", &self.when)
            .field("block", &self.block)
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}
