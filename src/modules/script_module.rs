//! `script`: a controller-side script sent on stdin and run once on the target (script.sh);
//! `creates`/`removes` decide on the target, and check mode skips it otherwise.

use serde_json::Value;

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec};
use super::copy::find_source;
use super::script::{Script, ScriptOutput};
use super::{Action, Ctx, Module, RemoteCall};
use crate::result::TaskResult;
use crate::transport::Stdin;

const BODY: &str = include_str!("../../modules/script.sh");

pub struct ScriptModule;

static SPEC: ModuleSpec = ModuleSpec {
    name: "script",
    summary: "Runs a controller-side script on the target",
    aliases: &[],
    free_form: FreeForm::Command,
    args: &[
        Arg::new("_raw_params", Kind::Str).doc(
            "The script's path on the controller (looked up in `files/` first), then its \
             arguments, which the target's sh parses.",
        ),
        Arg::new("cmd", Kind::Str)
            .doc("The script and its arguments, as the free form takes them."),
        Arg::new("creates", Kind::Str).doc(
            "A path or glob on the target: when something matches it, the script does not run.",
        ),
        Arg::new("removes", Kind::Str)
            .doc("A path or glob on the target: when nothing matches it, the script does not run."),
        Arg::new("chdir", Kind::Str).doc("The directory on the target to run the script in."),
        Arg::new("executable", Kind::Str).doc(
            "A program to run the script with (`bash`, `python3`); otherwise its `#!` line, \
             else `sh`.",
        ),
        Arg::new("decrypt", Kind::Bool).doc(
            "Accepted as Ansible does; rconf sends the script as it is on the controller, \
             without decrypting a vaulted one.",
        ),
    ],
    any_args: false,
    required_one_of: &[&["_raw_params", "cmd"]],
    mutually_exclusive: &[&["_raw_params", "cmd"]],
    rules: &[],
    returns: &super::command::OUTPUT,
    notes: "",
    example: concat!(
        "- script: scripts/setup.sh --fast\n",
        "  args:\n",
        "    creates: /etc/app/.done"
    ),
};

/// `path/to/script --flag 'a b'` -> (`path/to/script`, `--flag 'a b'`): the arguments stay as
/// written, for the target's sh to parse.
fn split_command(text: &str) -> Result<(String, String), String> {
    let text = text.trim_start();
    let mut chars = text.char_indices().peekable();
    let mut path = String::new();
    let mut quote: Option<char> = None;
    let mut end = text.len();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '\\') | (Some('"'), '\\') => {
                if let Some((_, n)) = chars.next() {
                    path.push(n);
                }
            }
            (None, c) if c.is_whitespace() => {
                end = i;
                break;
            }
            (_, c) => path.push(c),
        }
    }
    if quote.is_some() {
        return Err(format!("cannot split `{text}`: unbalanced quotes"));
    }
    if path.is_empty() {
        return Err("no script given".into());
    }
    Ok((path, text[end..].trim().to_string()))
}

fn lines(s: &str) -> Value {
    Value::from(s.lines().map(str::to_string).collect::<Vec<_>>())
}

impl Module for ScriptModule {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        let text = args
            .str("_raw_params")
            .or_else(|| args.str("cmd"))
            .unwrap_or_default();
        let built = (|| {
            let (name, rest) = split_command(text)?;
            let path = find_source(&name, "files", ctx)?;
            if !path.is_file() {
                return Err(format!("script `{name}` is not a file on the controller"));
            }
            let mut s = Script::new(ctx)?;
            s.args(args, &["creates", "removes", "chdir", "executable"])?;
            s.var("A_args", rest.as_bytes())?;
            Ok::<_, String>(RemoteCall {
                script: s.finish(BODY),
                stdin: Stdin::File(path),
            })
        })();
        match built {
            Ok(call) => Action::Remote(call),
            Err(e) => Action::Done(TaskResult::failed(e)),
        }
    }

    fn finish(&self, _args: &Args, out: ScriptOutput) -> TaskResult {
        let stdout = out.payload_text();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let mut r = out.into_result_for("script");
        if r.data.contains_key("module_stdout") {
            return r;
        }
        if r.data.remove("skip").is_none() && !r.failed {
            r.data.insert("stdout".into(), Value::from(stdout));
            r.data.insert("stderr".into(), Value::from(stderr));
        }
        for key in ["stdout", "stderr"] {
            let text = r
                .data
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            r.data.insert(format!("{key}_lines"), lines(&text));
            r.data.insert(key.into(), Value::from(text));
        }
        let rc = r.data.get("rc").and_then(Value::as_i64).unwrap_or(0);
        if rc != 0 && !r.failed {
            r.failed = true;
            r.msg = Some("non-zero return code".into());
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    fn setup(body: &str) -> TestCtx {
        let t = TestCtx::new();
        let files = t.tmp.path().join("play/files");
        std::fs::create_dir_all(&files).unwrap();
        std::fs::write(files.join("job.sh"), body).unwrap();
        t
    }

    #[test]
    fn runs_with_arguments_and_cleans_up() {
        let t = setup("#!/bin/sh\nprintf '%s|' \"$@\"; echo err >&2; echo \"$0\" > ./at\n");
        let args = format!("job.sh 'a b' \"$(echo c)\" plain chdir={}", t.dir());
        let r = run(&ScriptModule, json!(args), &t.ctx(false));
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(r.data["stdout"], "a b|c|plain|");
        assert_eq!(r.data["stderr_lines"], json!(["err"]));
        assert_eq!(r.data["rc"], 0);
        let ran_from = std::fs::read_to_string(t.path("at")).unwrap();
        assert!(
            !std::path::Path::new(ran_from.trim()).exists(),
            "temp script left behind"
        );
    }

    #[test]
    fn creates_removes_and_check_mode() {
        let t = setup("touch \"$1\"\nexit 3\n");
        let marker = t.path("made it");
        let args = json!({"cmd": format!("job.sh '{marker}'"), "creates": marker});
        let r = run(&ScriptModule, args.clone(), &t.ctx(true));
        assert!(r.skipped && !r.changed, "{r:?}");
        assert!(!std::path::Path::new(&marker).exists());
        let r = run(&ScriptModule, args.clone(), &t.ctx(false));
        assert!(
            r.failed && r.data["rc"] == 3,
            "no shebang runs with sh: {r:?}"
        );
        assert!(std::path::Path::new(&marker).exists());
        let r = run(&ScriptModule, args.clone(), &t.ctx(true));
        assert!(!r.changed && !r.skipped && !r.failed, "{r:?}");
        let r = run(&ScriptModule, args, &t.ctx(false));
        assert!(
            !r.changed && r.data["stdout"].as_str().unwrap().contains("exists"),
            "{r:?}"
        );
        let r = run(
            &ScriptModule,
            json!({"cmd": "job.sh", "removes": t.path("nope")}),
            &t.ctx(false),
        );
        assert!(!r.changed && !r.failed, "{r:?}");
    }

    #[test]
    fn executable_and_missing_script() {
        let t = setup("print('py' if False else 'via executable')\n");
        let r = run(
            &ScriptModule,
            json!({"cmd": "job.sh", "executable": "cat"}),
            &t.ctx(false),
        );
        assert!(r.changed, "{r:?}");
        assert_eq!(
            r.data["stdout"],
            "print('py' if False else 'via executable')\n"
        );
        let r = run(&ScriptModule, json!("nope.sh"), &t.ctx(false));
        assert!(r.failed && r.msg.as_deref().unwrap().contains("nope.sh"));
    }

    #[test]
    fn split_keeps_arguments_as_written() {
        assert_eq!(
            split_command("'my dir/s.sh' a \"b c\"").unwrap(),
            ("my dir/s.sh".to_string(), "a \"b c\"".to_string())
        );
        assert!(split_command("'x").is_err());
    }
}
