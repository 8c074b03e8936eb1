//! `include_tasks` and run-time `include_role`: the module renders the file (or role) name for
//! each host and loop item; the runner then loads it and runs its tasks. Static includes never
//! reach it: they are read when the playbook loads.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec};
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

pub struct IncludeTasks;

static SPEC: ModuleSpec = ModuleSpec {
    name: "include_tasks",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("_raw_params", Kind::Str),
        Arg::new("file", Kind::Str),
        // Keywords for the included tasks; the loader applies them (`playbook/tasks.rs`).
        Arg::new("apply", Kind::Any),
    ],
    any_args: false,
    required_one_of: &[&["_raw_params", "file"]],
    mutually_exclusive: &[&["_raw_params", "file"]],
};

/// The result key holding the rendered file (or role) name, for the runner.
pub const INCLUDE_KEY: &str = "include";

/// `include_role` with a loop or a templated name.
pub struct IncludeRole;

static ROLE_SPEC: ModuleSpec = ModuleSpec {
    name: "include_role",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("name", Kind::Str).aliases(&["role"]).required(),
        Arg::new("tasks_from", Kind::Str),
        // Accepted as Ansible does; rconf reads the role's own vars, defaults and handlers.
        Arg::new("vars_from", Kind::Str),
        Arg::new("defaults_from", Kind::Str),
        Arg::new("handlers_from", Kind::Str),
        Arg::new("public", Kind::Bool),
        Arg::new("allow_duplicates", Kind::Bool),
        Arg::new("rolespec_validate", Kind::Bool),
        Arg::new("apply", Kind::Any),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
};

impl Module for IncludeRole {
    fn control(&self) -> super::Control {
        super::Control::Include { role: true }
    }

    fn spec(&self) -> &'static ModuleSpec {
        &ROLE_SPEC
    }

    fn plan(&self, args: &Args, _ctx: &Ctx) -> Action {
        match args.str("name").map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => Action::Done(TaskResult::ok().with(INCLUDE_KEY, n)),
            None => Action::Done(TaskResult::failed("include_role needs a role name")),
        }
    }
}

impl Module for IncludeTasks {
    fn control(&self) -> super::Control {
        super::Control::Include { role: false }
    }

    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, _ctx: &Ctx) -> Action {
        let file = args.str("file").or_else(|| args.str("_raw_params"));
        match file.map(str::trim).filter(|f| !f.is_empty()) {
            Some(f) => Action::Done(TaskResult::ok().with(INCLUDE_KEY, f)),
            None => Action::Done(TaskResult::failed("include_tasks needs a file name")),
        }
    }
}
