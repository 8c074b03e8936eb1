//! `meta`: instructions to the runner (`flush_handlers`, `end_play`, `end_host`, `noop`,
//! `clear_host_errors`, ...). The module only validates; the runner acts.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec};
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

pub struct Meta;

/// What `meta` may ask for. Those the runner has nothing to do for are accepted as no-ops.
pub const ACTIONS: &[&str] = &[
    "flush_handlers",
    "end_play",
    "end_host",
    "end_batch",
    "noop",
    "clear_host_errors",
    "clear_facts",
    "refresh_inventory",
    "reset_connection",
    "end_role",
];

static SPEC: ModuleSpec = ModuleSpec {
    name: "meta",
    aliases: &[],
    free_form: FreeForm::Command,
    args: &[Arg::new("_raw_params", Kind::Str)
        .required()
        .choices(ACTIONS)],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
};

impl Module for Meta {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, _ctx: &Ctx) -> Action {
        let action = args.str("_raw_params").unwrap_or("noop");
        Action::Done(TaskResult::ok().with("_meta", action))
    }
}
