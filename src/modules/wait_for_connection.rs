//! `wait_for_connection`: waits until the host answers again (after a reboot or a network
//! change), reconnecting as often as needed within `timeout`. The runner does the waiting.

use std::time::Duration;

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::{Action, Ctx, Module};

pub struct WaitForConnection;

static SPEC: ModuleSpec = ModuleSpec {
    name: "wait_for_connection",
    summary: "Waits until the host answers again, reconnecting as needed",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("timeout", Kind::Int)
            .default("600")
            .doc("Seconds to wait before failing."),
        Arg::new("delay", Kind::Int)
            .default("0")
            .doc("Seconds to wait before the first try."),
        Arg::new("sleep", Kind::Int)
            .default("1")
            .doc("Seconds between two tries."),
        Arg::new("connect_timeout", Kind::Int)
            .default("5")
            .doc("Seconds one connection attempt may take."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[Return::new("elapsed", "int", "always", "Seconds waited.")],
    notes: "",
    example: concat!("- wait_for_connection:\n", "    timeout: 300"),
};

/// How long and how often to try, with Ansible's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub delay: Duration,
    pub sleep: Duration,
    pub timeout: Duration,
    pub connect_timeout: Duration,
}

impl Module for WaitForConnection {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, _ctx: &Ctx) -> Action {
        let secs = |name: &str, default: i64| {
            Duration::from_secs(args.int(name).unwrap_or(default).max(0) as u64)
        };
        Action::WaitForConnection(Wait {
            delay: secs("delay", 0),
            sleep: secs("sleep", 1).max(Duration::from_millis(100)),
            timeout: secs("timeout", 600),
            connect_timeout: secs("connect_timeout", 5).max(Duration::from_secs(1)),
        })
    }
}
