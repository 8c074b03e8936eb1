//! `include_tasks` decided at run time (a loop over it, or a templated file name): the module
//! renders the file name for each host (and each loop item); the runner then loads that file
//! and runs its tasks. Static includes never reach it: they are read when the playbook loads.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec};
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

pub struct IncludeTasks;

static SPEC: ModuleSpec = ModuleSpec {
    name: "include_tasks",
    aliases: &[],
    free_form: FreeForm::Command,
    args: &[
        Arg::new("_raw_params", Kind::Str),
        Arg::new("file", Kind::Str),
    ],
    any_args: false,
    required_one_of: &[&["_raw_params", "file"]],
    mutually_exclusive: &[&["_raw_params", "file"]],
};

/// The result key holding the rendered file name, for the runner.
pub const INCLUDE_KEY: &str = "include";

impl Module for IncludeTasks {
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
