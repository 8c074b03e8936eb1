//! `raw`: a command through the target's sh with none of command's options (raw.sh).

use serde_json::Value;

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec};
use super::script::ScriptOutput;
use super::simple::remote_with;
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

const BODY: &str = include_str!("../../modules/raw.sh");

pub struct Raw;

static SPEC: ModuleSpec = ModuleSpec {
    name: "raw",
    summary: "Runs a command through sh with no module machinery",
    aliases: &[],
    free_form: FreeForm::Command,
    args: &[
        Arg::new("_raw_params", Kind::Str)
            .doc("The command line, given to the target's shell as it is written."),
        Arg::new("executable", Kind::Str)
            .doc("The shell to run the command with instead of `/bin/sh` (an absolute path)."),
    ],
    any_args: false,
    required_one_of: &[&["_raw_params"]],
    mutually_exclusive: &[],
    rules: &[],
    returns: &super::command::OUTPUT,
    notes: "Check mode skips the task.",
    example: "- raw: uptime",
};

fn lines(s: &str) -> Value {
    Value::from(s.lines().map(str::to_string).collect::<Vec<_>>())
}

impl Module for Raw {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        let cmd = args.string("_raw_params").unwrap_or_default();
        remote_with(args, ctx, &["executable"], BODY, |s| {
            s.var("A_cmd", cmd.as_bytes())?;
            Ok(())
        })
    }

    fn finish(&self, _args: &Args, out: ScriptOutput) -> TaskResult {
        let stdout = out.payload_text();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let mut r = out.into_result_for("raw");
        if r.skipped || r.data.contains_key("module_stdout") || r.data.contains_key("skipped") {
            return r;
        }
        let rc = r.data.get("rc").and_then(Value::as_i64).unwrap_or(-1);
        r.changed = true;
        if rc != 0 {
            r.failed = true;
            r.msg = Some("non-zero return code".into());
        }
        r.data.insert("stdout_lines".into(), lines(&stdout));
        r.data.insert("stdout".into(), Value::from(stdout));
        r.data.insert("stderr_lines".into(), lines(&stderr));
        r.data.insert("stderr".into(), Value::from(stderr));
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn raw_runs_through_sh_and_reports_output_and_rc() {
        let t = TestCtx::new();
        let r = run(
            &Raw,
            json!("echo out; echo err >&2; echo $((1+2))"),
            &t.ctx(false),
        );
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(r.data["stdout_lines"], json!(["out", "3"]));
        assert_eq!(r.data["stderr"], "err\n");
        assert_eq!(r.data["rc"], 0);
        let r = run(&Raw, json!("exit 3"), &t.ctx(false));
        assert!(r.failed && r.data["rc"] == 3);
        let r = run(&Raw, json!(format!("touch {}", t.path("x"))), &t.ctx(true));
        assert!(!r.changed && !t.tmp.path().join("x").exists(), "{r:?}");
    }
}
