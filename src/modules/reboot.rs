//! `reboot`: reboots the host and waits until it is back: a new boot id and a test command
//! that succeeds, within `reboot_timeout`. The runner does the waiting (`run::reboot`).

use std::time::Duration;

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::quote::quote_str;
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

pub struct Reboot;

static SPEC: ModuleSpec = ModuleSpec {
    name: "reboot",
    summary: "Reboots the host and waits until it is back (a new boot id, then the test command)",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("reboot_timeout", Kind::Int)
            .default("600")
            .doc("Seconds to wait for the host to come back and pass `test_command`."),
        Arg::new("connect_timeout", Kind::Int)
            .implied_default("5")
            .doc("Seconds one connection attempt may take while waiting."),
        Arg::new("pre_reboot_delay", Kind::Int)
            .default("0")
            .doc("Seconds to wait before rebooting (whole minutes go to `shutdown -r +N`)."),
        Arg::new("post_reboot_delay", Kind::Int)
            .default("0")
            .doc("Seconds to wait after the host is back, before the test command."),
        Arg::new("test_command", Kind::Str)
            .default("whoami")
            .doc("A command that must succeed on the rebooted host before the task ends."),
        Arg::new("msg", Kind::Str)
            .default("Reboot initiated by rconf")
            .doc("The message `shutdown` shows to logged-in users."),
        Arg::new("reboot_command", Kind::Str)
            .doc("The command that reboots the host; unset, `shutdown -r +N \"msg\"`."),
        Arg::new("boot_time_command", Kind::Str)
            .default("cat /proc/sys/kernel/random/boot_id")
            .doc("A command whose output changes with every boot."),
        Arg::new("search_paths", Kind::List)
            .doc("Accepted as Ansible does; rconf finds the commands on the host's PATH."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new(
            "rebooted",
            "bool",
            "always",
            "Whether the host rebooted (false in check mode).",
        ),
        Return::new(
            "elapsed",
            "int",
            "not check mode",
            "Seconds from the reboot command to the end of the task.",
        ),
    ],
    notes: "",
    example: concat!(
        "- reboot:\n",
        "    reboot_timeout: 600\n",
        "  when: reboot_required.stat.exists"
    ),
};

/// What the runner needs to reboot a host and wait for it, with Ansible's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub reboot_command: String,
    pub boot_time_command: String,
    pub test_command: String,
    pub pre_delay: Duration,
    pub post_delay: Duration,
    pub timeout: Duration,
    pub connect_timeout: Duration,
}

impl Module for Reboot {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        if ctx.check {
            return Action::Done(TaskResult::changed().with("rebooted", false));
        }
        let secs = |name: &str, default: i64| {
            Duration::from_secs(args.int(name).unwrap_or(default).max(0) as u64)
        };
        let pre_delay = secs("pre_reboot_delay", 0);
        let reboot_command = match args.str("reboot_command") {
            Some(c) => c.to_string(),
            None => {
                let msg = args.str("msg").unwrap_or("Reboot initiated by rconf");
                match quote_str(msg) {
                    // shutdown counts in minutes; the seconds left are waited before it.
                    Ok(q) => format!("shutdown -r +{} {q}", pre_delay.as_secs() / 60),
                    Err(e) => return Action::Done(TaskResult::failed(e)),
                }
            }
        };
        Action::Reboot(Plan {
            reboot_command,
            boot_time_command: args
                .str("boot_time_command")
                .unwrap_or("cat /proc/sys/kernel/random/boot_id")
                .to_string(),
            test_command: args.str("test_command").unwrap_or("whoami").to_string(),
            pre_delay: Duration::from_secs(pre_delay.as_secs() % 60),
            post_delay: secs("post_reboot_delay", 0),
            timeout: secs("reboot_timeout", 600),
            connect_timeout: secs("connect_timeout", 5).max(Duration::from_secs(1)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::TestCtx;
    use serde_json::json;

    fn plan(raw: serde_json::Value, check: bool) -> Action {
        let t = TestCtx::new();
        let args = SPEC.validate(SPEC.normalize(&raw).unwrap()).unwrap();
        Reboot.plan(&args, &t.ctx(check))
    }

    #[test]
    fn the_default_command_counts_minutes_and_quotes_the_message() {
        let Action::Reboot(p) = plan(json!({"msg": "it's time", "pre_reboot_delay": 150}), false)
        else {
            panic!("reboot plans a reboot");
        };
        assert_eq!(p.reboot_command, "shutdown -r +2 'it'\\''s time'");
        assert_eq!(
            p.pre_delay,
            Duration::from_secs(30),
            "the seconds under a minute"
        );
        assert_eq!(p.boot_time_command, "cat /proc/sys/kernel/random/boot_id");
        assert_eq!(
            (p.test_command.as_str(), p.timeout),
            ("whoami", Duration::from_secs(600))
        );
        let Action::Done(r) = plan(json!({}), true) else {
            panic!("check mode reboots nothing");
        };
        assert!(r.changed);
        assert_eq!(r.data["rebooted"], false);
    }
}
