//! What to do, as inert data: plays, tasks and handlers read from Ansible-syntax YAML.
//! Nothing here is templated; the runner renders at execution time.

mod keywords;
mod load;
pub mod node;

use std::path::PathBuf;

use indexmap::IndexMap;
use serde_json::Value;

use crate::error::Location;
use crate::modules::Module;
pub use crate::transport::keywords::ConnectionKeywords;

pub use load::load;

#[derive(Debug)]
pub struct Playbook {
    pub path: PathBuf,
    /// The playbook's directory: relative `src` files, `files/` and `templates/` live here.
    pub dir: PathBuf,
    pub plays: Vec<Play>,
}

#[derive(Debug)]
pub struct Play {
    pub name: String,
    /// The host pattern as written (may contain a template).
    pub hosts: String,
    pub vars: IndexMap<String, Value>,
    pub gather_facts: bool,
    pub pre_tasks: Vec<Task>,
    pub tasks: Vec<Task>,
    pub post_tasks: Vec<Task>,
    pub handlers: Vec<Task>,
    pub tags: Vec<String>,
    pub location: Location,
}

#[derive(Debug, Clone, Default)]
pub struct LoopControl {
    pub loop_var: Option<String>,
    pub index_var: Option<String>,
    pub label: Option<String>,
}

pub struct Task {
    pub name: Option<String>,
    /// The module key as written (`ansible.builtin.copy`), shown when the task has no name.
    pub action: String,
    pub module: &'static dyn Module,
    /// Arguments after free-form parsing, before templating.
    pub args: IndexMap<String, Value>,
    /// Conditions, all of which must hold (a list `when` is an `and`).
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
    pub tags: Vec<String>,
    pub vars: IndexMap<String, Value>,
    pub no_log: bool,
    pub check_mode: Option<bool>,
    pub diff: Option<bool>,
    /// `become*`, `timeout`, `remote_user`, the play's filled in where the task sets none.
    pub connection: ConnectionKeywords,
    pub location: Location,
}

/// Where a task's loop items come from.
#[derive(Debug, Clone)]
pub enum LoopSource {
    /// `loop:` and `with_list:`: the items as given.
    List(Value),
    /// `with_items:`: like `loop`, with one level of nested lists flattened.
    Items(Value),
}

impl Task {
    /// A task rconf makes itself (fact gathering, ad hoc commands): no keywords, just a module.
    pub fn synthetic(
        name: Option<String>,
        action: &str,
        module: &'static dyn Module,
        args: IndexMap<String, Value>,
        location: Location,
    ) -> Task {
        Task {
            name,
            action: action.to_string(),
            module,
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
            check_mode: None,
            diff: None,
            connection: ConnectionKeywords::default(),
            location,
        }
    }

    /// The name shown in `TASK [...]` lines: the task's name, else the module as written.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.action)
    }
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task")
            .field("name", &self.name)
            .field("action", &self.action)
            .field("args", &self.args)
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}
