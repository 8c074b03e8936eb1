//! `pause`: waits a number of seconds or minutes. rconf runs without prompting, so a pause
//! that would wait for a keypress is an error rather than a hang.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

pub struct Pause;

static SPEC: ModuleSpec = ModuleSpec {
    name: "pause",
    summary: "Waits a number of seconds or minutes (never for a keypress)",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("seconds", Kind::Int).doc("How many seconds to wait."),
        Arg::new("minutes", Kind::Int).doc("How many minutes to wait."),
        Arg::new("prompt", Kind::Str).doc(
            "Accepted as Ansible does; rconf never waits for input, so a task needs `seconds` \
             or `minutes`.",
        ),
        Arg::new("echo", Kind::Bool)
            .default("true")
            .doc("Accepted as Ansible does (it concerns typed input); returned as `echo`."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[&["seconds", "minutes"]],
    rules: &[],
    returns: &[
        Return::new("delta", "int", "always", "Seconds waited."),
        Return::new("stdout", "str", "always", "`Paused for N seconds`."),
        Return::new("echo", "bool", "always", "The value of `echo`."),
    ],
    notes: "",
    example: concat!("- pause:\n", "    seconds: 10"),
};

impl Module for Pause {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, _ctx: &Ctx) -> Action {
        let seconds = args.int("seconds").or(args.int("minutes").map(|m| m * 60));
        let Some(seconds) = seconds else {
            return Action::Done(TaskResult::failed(
                "pause without `seconds` or `minutes` waits for a keypress, which rconf does not do: give a duration",
            ));
        };
        let seconds = seconds.max(0) as u64;
        let result = TaskResult::ok()
            .with("delta", seconds)
            .with("echo", args.bool("echo", true))
            .with("stdout", format!("Paused for {seconds} seconds"));
        Action::Sleep(std::time::Duration::from_secs(seconds), result)
    }
}
