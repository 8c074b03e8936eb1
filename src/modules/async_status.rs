//! `async_status`: how a job started with `poll: 0` is doing (async_status.sh). A finished
//! job's result is the task's, with `finished: true`; a command's output comes back as
//! `stdout`/`stderr` with their `_lines`, and a non-zero `rc` fails it, as `command` does.

use serde_json::Value;

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::script::ScriptOutput;
use super::simple::{arg_names, remote};
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

const BODY: &str = include_str!("../../modules/async_status.sh");

pub struct AsyncStatus;

static SPEC: ModuleSpec = ModuleSpec {
    name: "async_status",
    summary: "Reports on a job started with `poll: 0`: running, or its result once finished",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("jid", Kind::Str).aliases(&["id"]).required().doc(
            "The job's id, `ansible_job_id` in the registered result of the task that started \
             it.",
        ),
        Arg::new("mode", Kind::Str)
            .choices(&["status", "cleanup"])
            .default("status")
            .doc("`status` reports on the job; `cleanup` removes its files."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new("ansible_job_id", "str", "always", "The job's id."),
        Return::new(
            "finished",
            "bool",
            "status",
            "Whether the job has ended; then the result is the job's.",
        ),
        Return::new("started", "bool", "status", "Whether the job has started."),
        Return::new(
            "stdout",
            "str",
            "a command finished",
            "What the job's command printed.",
        ),
        Return::new(
            "stderr",
            "str",
            "a command finished",
            "What it printed on its standard error.",
        ),
        Return::new("erased", "str", "mode=cleanup", "The job file removed."),
    ],
    notes: "",
    example: concat!(
        "- async_status:\n",
        "    jid: \"{{ job.ansible_job_id }}\"\n",
        "  register: done\n",
        "  until: done.finished\n",
        "  retries: 30\n",
        "  delay: 10"
    ),
};

fn lines(s: &str) -> Value {
    Value::Array(s.lines().map(Value::from).collect())
}

impl Module for AsyncStatus {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        remote(args, ctx, &arg_names(&SPEC), BODY)
    }

    fn finish(&self, _args: &Args, out: ScriptOutput) -> TaskResult {
        let stdout = String::from_utf8_lossy(&out.payload).trim_end().to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).trim_end().to_string();
        let mut status = out.into_result_for("async_status");
        let Some(Value::Object(job)) = status.data.shift_remove("job") else {
            return status;
        };
        let mut r = TaskResult::from_json(job);
        if let Some(rc) = r.data.get("rc").and_then(Value::as_i64) {
            // A command ran (unless `creates`/`removes` skipped it): changed, as `command` says.
            if r.data.shift_remove("skip").is_none() && !r.failed {
                r.changed = true;
            }
            r.data.insert("stdout_lines".into(), lines(&stdout));
            r.data.insert("stdout".into(), stdout.into());
            r.data.insert("stderr_lines".into(), lines(&stderr));
            r.data.insert("stderr".into(), stderr.into());
            if rc != 0 && !r.failed {
                r.failed = true;
                r.msg = Some("non-zero return code".into());
            }
        }
        for key in ["finished", "started", "ansible_job_id"] {
            if let Some(v) = status.data.get(key) {
                r.data.insert(key.into(), v.clone());
            }
        }
        r
    }
}
