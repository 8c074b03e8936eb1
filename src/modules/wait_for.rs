//! `wait_for`: polls a TCP port or a path on the target (wait_for.sh); `search_regex` is
//! translated from Python to POSIX ERE on the controller.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::pyregex::to_ere;
use super::simple::remote_with;
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

const BODY: &str = include_str!("../../modules/wait_for.sh");

pub struct WaitFor;

static SPEC: ModuleSpec = ModuleSpec {
    name: "wait_for",
    summary: "Waits for a port or a path",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("host", Kind::Str)
            .default("127.0.0.1")
            .doc("The host whose `port` is polled."),
        Arg::new("port", Kind::Int).doc("A TCP port to poll (with nc, bash or /proc/net/tcp)."),
        Arg::new("path", Kind::Str)
            .doc("A path to wait for (or, with `absent`, to wait to go away)."),
        Arg::new("state", Kind::Str)
            .choices(&["absent", "drained", "present", "started", "stopped"])
            .default("started")
            .doc(
                "For a port: `started` (accepts connections), `stopped` or `drained` (closed). For \
                 a path: `present`/`started` (exists), `absent`/`stopped` (gone).",
            ),
        Arg::new("timeout", Kind::Int)
            .default("300")
            .doc("Seconds to wait before failing."),
        Arg::new("connect_timeout", Kind::Int)
            .default("5")
            .doc("Seconds one connection attempt may take."),
        Arg::new("delay", Kind::Int)
            .default("0")
            .doc("Seconds to wait before the first check."),
        Arg::new("sleep", Kind::Int)
            .default("1")
            .doc("Seconds between two checks."),
        Arg::new("search_regex", Kind::Str)
            .doc("With `path`, wait until the file's content matches this regular expression."),
        Arg::new("msg", Kind::Str).doc("The message to fail with instead of the default one."),
        Arg::new("exclude_hosts", Kind::List)
            .doc("Accepted as Ansible does; rconf does not use it."),
        Arg::new("active_connection_states", Kind::List)
            .doc("Accepted as Ansible does; rconf's `drained` waits for the port to be closed."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[&["path", "port"]],
    rules: &[],
    returns: &[
        Return::new("elapsed", "int", "always", "Seconds waited."),
        Return::new("state", "str", "success", "The state waited for."),
        Return::new("path", "str", "path given", "The path."),
        Return::new("port", "int", "port given", "The port."),
    ],
    notes: "",
    example: concat!("- wait_for:\n", "    port: 8080\n", "    timeout: 30"),
};

impl Module for WaitFor {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        let regex = match args
            .str("search_regex")
            .map(|r| to_ere(r, false))
            .transpose()
        {
            Ok(r) => r,
            Err(e) => return Action::Done(TaskResult::failed(e)),
        };
        if regex.is_some() && args.has("port") {
            return Action::Done(TaskResult::failed(
                "search_regex on a port is not supported; use it with `path`",
            ));
        }
        remote_with(
            args,
            ctx,
            &[
                "host",
                "port",
                "path",
                "state",
                "timeout",
                "connect_timeout",
                "delay",
                "sleep",
                "msg",
            ],
            BODY,
            |s| {
                if let Some(r) = regex {
                    s.var("A_search_regex", r.as_bytes())?;
                }
                Ok(())
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn waits_for_a_path_and_its_content_and_times_out_with_a_message() {
        let t = TestCtx::new();
        let f = t.path("ready");
        std::fs::write(&f, "state: READY\n").unwrap();
        let r = run(
            &WaitFor,
            json!({"path": f, "search_regex": "state: +READY$", "timeout": 2}),
            &t.ctx(false),
        );
        assert!(!r.failed && !r.changed, "{r:?}");
        let r = run(
            &WaitFor,
            json!({"path": t.path("never"), "timeout": 1}),
            &t.ctx(false),
        );
        assert!(r.failed, "{r:?}");
        assert_eq!(
            r.msg.unwrap(),
            format!("Timeout when waiting for file {}", t.path("never"))
        );
        let r = run(
            &WaitFor,
            json!({"path": t.path("never"), "state": "absent", "timeout": 1}),
            &t.ctx(false),
        );
        assert!(!r.failed, "{r:?}");
    }

    #[test]
    fn waits_for_a_listening_port_and_for_it_to_close() {
        let t = TestCtx::new();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let r = run(&WaitFor, json!({"port": port, "timeout": 5}), &t.ctx(false));
        assert!(!r.failed, "{r:?}");
        drop(listener);
        let r = run(
            &WaitFor,
            json!({"port": port, "state": "stopped", "timeout": 5}),
            &t.ctx(false),
        );
        assert!(!r.failed, "{r:?}");
        let r = run(&WaitFor, json!({"port": port, "timeout": 1}), &t.ctx(false));
        assert!(r.failed && r.msg.unwrap().contains(&format!("127.0.0.1:{port}")));
    }
}
