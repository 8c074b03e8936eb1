//! `include_tasks` and run-time `include_role`: the module renders the file (or role) name for
//! each host and loop item; the runner then loads it and runs its tasks. Static includes never
//! reach it: they are read when the playbook loads.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec};
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

pub struct IncludeTasks;

static SPEC: ModuleSpec = ModuleSpec {
    name: "include_tasks",
    summary: "Runs the tasks of a file while the play runs: per host, with loops and templated names",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("_raw_params", Kind::Str).doc("The task file, as `file` takes it."),
        Arg::new("file", Kind::Str)
            .doc("The task file to run, relative to the including file (or a role's `tasks/`)."),
        // Keywords for the included tasks; the loader applies them (`playbook/tasks.rs`).
        Arg::new("apply", Kind::Any)
            .doc("Task keywords (`tags`, `become`, `when`, ...) the included tasks get."),
    ],
    any_args: false,
    required_one_of: &[&["_raw_params", "file"]],
    mutually_exclusive: &[&["_raw_params", "file"]],
    rules: &[],
    returns: &[],
    notes: "Nothing of its own: the tasks it includes report their own results.",
    example: concat!(
        "- include_tasks: \"{{ item }}.yml\"\n",
        "  loop: [users, packages]"
    ),
};

/// The result key holding the rendered file (or role) name, for the runner.
pub const INCLUDE_KEY: &str = "include";

/// `include_role` with a loop or a templated name.
pub struct IncludeRole;

static ROLE_SPEC: ModuleSpec = ModuleSpec {
    name: "include_role",
    summary: "Runs a role's tasks: read at load time, or at run time with a loop or a templated name",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("name", Kind::Str)
            .aliases(&["role"])
            .required()
            .doc("The role to run."),
        Arg::new("tasks_from", Kind::Str)
            .implied_default("main")
            .doc("The file of the role's `tasks/` to run."),
        Arg::new("vars_from", Kind::Str)
            .doc("Accepted as Ansible does; rconf reads the role's `vars/main.yml`."),
        Arg::new("defaults_from", Kind::Str)
            .doc("Accepted as Ansible does; rconf reads the role's `defaults/main.yml`."),
        Arg::new("handlers_from", Kind::Str)
            .doc("Accepted as Ansible does; rconf reads the role's `handlers/main.yml`."),
        Arg::new("public", Kind::Bool).doc("Accepted as Ansible does; rconf does not use it."),
        Arg::new("allow_duplicates", Kind::Bool)
            .doc("Accepted as Ansible does; an included role runs each time it is included."),
        Arg::new("rolespec_validate", Kind::Bool).doc(
            "Accepted as Ansible does; rconf checks a role's `meta/argument_specs.yml` first \
             whatever its value.",
        ),
        Arg::new("apply", Kind::Any)
            .doc("Task keywords (`tags`, `become`, `when`, ...) the role's tasks get."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[],
    notes: "Nothing of its own: the tasks it includes report their own results.",
    example: concat!(
        "- include_role:\n",
        "    name: \"{{ item }}\"\n",
        "  loop: [common, web]"
    ),
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
