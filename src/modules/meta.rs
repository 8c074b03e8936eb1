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
    summary: "Tells the runner what to do next (flush_handlers, end_play, end_host, ...)",
    aliases: &[],
    free_form: FreeForm::Command,
    args: &[Arg::new("_raw_params", Kind::Str)
        .required()
        .choices(ACTIONS)
        .doc(
            "What to do: `flush_handlers` (run the handlers notified so far), `end_play`, \
             `end_batch`, `end_host`, `clear_facts` or `clear_host_errors`; `noop`, \
             `refresh_inventory`, `reset_connection` and `end_role` are accepted and do \
             nothing.",
        )],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[],
    notes: "Nothing of its own: the runner acts on it.",
    example: "- meta: flush_handlers",
};

impl Module for Meta {
    fn control(&self) -> super::Control {
        super::Control::Meta
    }

    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    /// Never called: `Control::Meta` tasks are acted on by the runner (`MetaAction`).
    fn plan(&self, _args: &Args, _ctx: &Ctx) -> Action {
        Action::Done(TaskResult::ok())
    }
}

/// What a `meta` task asks the runner for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaAction {
    FlushHandlers,
    /// `end_play`, and `end_batch` (which ends the play for this `serial` batch).
    EndPlay,
    EndHost,
    ClearHostErrors,
    ClearFacts,
    /// Accepted, nothing for the runner to do (`noop`, `refresh_inventory`, ...).
    Noop,
}

impl MetaAction {
    /// The action a `meta` task's (validated) arguments name.
    pub fn of(args: &indexmap::IndexMap<String, serde_json::Value>) -> MetaAction {
        match args.get("_raw_params").and_then(serde_json::Value::as_str) {
            Some("flush_handlers") => MetaAction::FlushHandlers,
            Some("end_play" | "end_batch") => MetaAction::EndPlay,
            Some("end_host") => MetaAction::EndHost,
            Some("clear_host_errors") => MetaAction::ClearHostErrors,
            Some("clear_facts") => MetaAction::ClearFacts,
            _ => MetaAction::Noop,
        }
    }
}
