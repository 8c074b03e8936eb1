//! `command` (an argv, no shell) and `shell` (a string through `/bin/sh -c`): controller halves.

use serde_json::Value;

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::script::{Script, ScriptOutput};
use super::{Action, Ctx, Module, RemoteCall};
use crate::result::TaskResult;
use crate::transport::Stdin;

const BODY: &str = include_str!("../../modules/command.sh");

pub struct Command;
pub struct Shell;

/// The keys of a command's output, which `command`, `shell`, `raw` and `script` return alike.
pub const OUTPUT: [Return; 5] = [
    Return::new(
        "rc",
        "int",
        "always",
        "The command's exit status; anything but 0 fails the task.",
    ),
    Return::new(
        "stdout",
        "str",
        "always",
        "What the command wrote on its standard output.",
    ),
    Return::new(
        "stderr",
        "str",
        "always",
        "What the command wrote on its standard error.",
    ),
    Return::new(
        "stdout_lines",
        "list",
        "always",
        "`stdout` split into lines.",
    ),
    Return::new(
        "stderr_lines",
        "list",
        "always",
        "`stderr` split into lines.",
    ),
];

static COMMAND_SPEC: ModuleSpec = ModuleSpec {
    name: "command",
    summary: "Runs a command without a shell",
    aliases: &[],
    free_form: FreeForm::Command,
    args: &[
        Arg::new("_raw_params", Kind::Str).doc(
            "The command line, split into words as a shell would split it; no pipes, \
             redirections or variables (use `shell` for those).",
        ),
        Arg::new("cmd", Kind::Str).doc("The command line, as the free form takes it."),
        Arg::new("argv", Kind::List)
            .doc("The command as a list of words, each passed as it is: nothing to quote."),
        Arg::new("chdir", Kind::Str).doc("The directory to run the command in."),
        Arg::new("creates", Kind::Str).doc(
            "A path or glob on the target: when something matches it, the command does not \
             run.",
        ),
        Arg::new("removes", Kind::Str).doc(
            "A path or glob on the target: when nothing matches it, the command does not run.",
        ),
        Arg::new("stdin", Kind::Str).doc("Text given to the command on its standard input."),
        Arg::new("stdin_add_newline", Kind::Bool)
            .default("true")
            .doc("Whether a newline is added after `stdin`."),
        Arg::new("strip_empty_ends", Kind::Bool)
            .default("true")
            .doc("Whether trailing newlines are cut from `stdout` and `stderr` in the result."),
        Arg::new("expand_argument_vars", Kind::Bool)
            .default("true")
            .doc(
                "Replace `$NAME` and `${NAME}` of variables set on the target, and a leading `~`, \
             in each argument, as Python's expandvars and expanduser do (no shell runs).",
            ),
        Arg::new("executable", Kind::Str).doc(
            "Not used by `command` (as in Ansible since 2.4, with a warning); `shell` takes it.",
        ),
    ],
    any_args: false,
    required_one_of: &[&["_raw_params", "cmd", "argv"]],
    mutually_exclusive: &[&["_raw_params", "cmd", "argv"]],
    rules: &[],
    returns: &[
        Return::new(
            "cmd",
            "list",
            "always",
            "The command that ran, as its list of words.",
        ),
        OUTPUT[0],
        OUTPUT[1],
        OUTPUT[2],
        OUTPUT[3],
        OUTPUT[4],
    ],
    notes: "",
    example: concat!("- command: uname -a\n", "  register: kernel"),
};

static SHELL_SPEC: ModuleSpec = ModuleSpec {
    name: "shell",
    summary: "Runs a command through the target's sh",
    aliases: &[],
    free_form: FreeForm::Command,
    args: &[
        Arg::new("_raw_params", Kind::Str)
            .doc("The command line, run by `/bin/sh -c`: pipes, redirections and variables work."),
        Arg::new("cmd", Kind::Str).doc("The command line, as the free form takes it."),
        Arg::new("chdir", Kind::Str).doc("The directory to run the command in."),
        Arg::new("creates", Kind::Str).doc(
            "A path or glob on the target: when something matches it, the command does not \
             run.",
        ),
        Arg::new("removes", Kind::Str).doc(
            "A path or glob on the target: when nothing matches it, the command does not run.",
        ),
        Arg::new("executable", Kind::Str).doc(
            "The shell to run the command with instead of `/bin/sh` (an absolute path, such as \
             `/bin/bash`).",
        ),
        Arg::new("stdin", Kind::Str).doc("Text given to the command on its standard input."),
        Arg::new("stdin_add_newline", Kind::Bool)
            .default("true")
            .doc("Whether a newline is added after `stdin`."),
        Arg::new("strip_empty_ends", Kind::Bool)
            .default("true")
            .doc("Whether trailing newlines are cut from `stdout` and `stderr` in the result."),
    ],
    any_args: false,
    required_one_of: &[&["_raw_params", "cmd"]],
    mutually_exclusive: &[&["_raw_params", "cmd"]],
    rules: &[],
    returns: &[
        Return::new("cmd", "str", "always", "The command line that ran."),
        OUTPUT[0],
        OUTPUT[1],
        OUTPUT[2],
        OUTPUT[3],
        OUTPUT[4],
    ],
    notes: "",
    example: concat!("- shell: ls /etc | wc -l\n", "  register: count"),
};

/// What the command is: an argv for `command`, a string for `shell`.
fn command_line(args: &Args, shell: bool) -> Result<Value, String> {
    if let Some(argv) = args.list("argv") {
        return Ok(Value::from(argv));
    }
    let text = args
        .str("_raw_params")
        .or_else(|| args.str("cmd"))
        .unwrap_or_default();
    if text.trim().is_empty() {
        return Err("no command given".into());
    }
    if shell {
        return Ok(Value::from(text));
    }
    let argv = shlex::split(text).ok_or_else(|| {
        format!("cannot split command `{text}`: unbalanced quotes or a trailing backslash")
    })?;
    Ok(Value::from(argv))
}

fn plan(args: &Args, ctx: &Ctx, shell: bool) -> Action {
    let cmd = match command_line(args, shell) {
        Ok(c) => c,
        Err(e) => return Action::Done(TaskResult::failed(e).with("rc", 256)),
    };
    if ctx.check && !args.has("creates") && !args.has("removes") {
        // What Ansible registers, so that `when: r.rc == 0` or `r.stdout` after a command
        // skipped in check mode evaluate instead of failing every host of a drift check.
        return Action::Done(
            TaskResult::skipped("Command would have run if not in check mode")
                .with("cmd", cmd)
                .with("rc", 0)
                .with("stdout", "")
                .with("stderr", "")
                .with("stdout_lines", Value::Array(Vec::new()))
                .with("stderr_lines", Value::Array(Vec::new()))
                .with("start", Value::Null)
                .with("end", Value::Null)
                .with("delta", Value::Null),
        );
    }
    let built = (|| {
        let mut s = Script::new(ctx)?;
        s.args(args, &["chdir", "creates", "removes"])?;
        if shell {
            s.args(args, &["executable"])?;
        }
        match &cmd {
            Value::String(text) => {
                s.var("A_shell", b"1")?.var("A_cmd", text.as_bytes())?;
            }
            Value::Array(items) => {
                let items: Vec<String> = items
                    .iter()
                    .map(|v| v.as_str().unwrap_or_default().to_string())
                    .collect();
                if args.bool("expand_argument_vars", true)
                    && items.iter().any(|a| a.contains('$') || a.starts_with('~'))
                {
                    s.var("A_expand", b"1")?;
                }
                s.argv(&items)?;
            }
            _ => unreachable!("command_line returns a string or a list"),
        }
        Ok::<_, String>(s.finish(BODY))
    })();
    let script = match built {
        Ok(s) => s,
        Err(e) => return Action::Done(TaskResult::failed(e)),
    };
    let stdin = match args.str("stdin") {
        Some(data) => {
            let mut bytes = data.as_bytes().to_vec();
            if args.bool("stdin_add_newline", true) {
                bytes.push(b'\n');
            }
            Stdin::Bytes(bytes)
        }
        None => Stdin::Empty,
    };
    Action::Remote(RemoteCall { script, stdin })
}

fn strip_ends(b: &[u8], strip: bool) -> String {
    let text = String::from_utf8_lossy(b);
    if strip {
        text.trim_end_matches(['\r', '\n']).to_string()
    } else {
        text.into_owned()
    }
}

fn lines(s: &str) -> Value {
    Value::from(s.lines().map(str::to_string).collect::<Vec<_>>())
}

fn finish(args: &Args, out: ScriptOutput, name: &str, shell: bool) -> TaskResult {
    let strip = args.bool("strip_empty_ends", true);
    let payload = strip_ends(&out.payload, strip);
    let stderr = strip_ends(&out.stderr, strip);
    let mut r = out.into_result_for(name);
    if r.failed && r.data.contains_key("module_stdout") {
        return r;
    }
    if let (false, Some(exe)) = (shell, args.str("executable")) {
        r.data.insert(
            "warnings".into(),
            serde_json::json!([format!(
                "As of Ansible 2.4, the parameter 'executable' is no longer supported with the \
                 'command' module. Not using '{exe}'."
            )]),
        );
    }
    let skip = r.data.remove("skip").is_some();
    if !skip && !r.failed {
        r.changed = true;
        r.data.insert("stdout".into(), payload.into());
    }
    let stdout = r
        .data
        .get("stdout")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    r.data.insert("stdout".into(), Value::from(stdout.as_str()));
    r.data.insert("stdout_lines".into(), lines(&stdout));
    r.data.insert("stderr".into(), Value::from(stderr.as_str()));
    r.data.insert("stderr_lines".into(), lines(&stderr));
    if let Ok(cmd) = command_line(args, shell) {
        r.data.insert("cmd".into(), cmd);
    }
    let rc = r.data.get("rc").and_then(Value::as_i64).unwrap_or(0);
    if rc != 0 && !r.failed {
        r.failed = true;
        r.msg = Some("non-zero return code".into());
    }
    if r.msg.is_none() {
        r.msg = Some(String::new());
    }
    r
}

impl Module for Command {
    fn spec(&self) -> &'static ModuleSpec {
        &COMMAND_SPEC
    }
    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        plan(args, ctx, false)
    }
    fn finish(&self, args: &Args, out: ScriptOutput) -> TaskResult {
        finish(args, out, "command", false)
    }
}

impl Module for Shell {
    fn spec(&self) -> &'static ModuleSpec {
        &SHELL_SPEC
    }
    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        plan(args, ctx, true)
    }
    fn finish(&self, args: &Args, out: ScriptOutput) -> TaskResult {
        finish(args, out, "shell", true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn command_runs_argv_without_a_shell_and_reports_output() {
        let t = TestCtx::new();
        let r = run(
            &Command,
            json!("printf '%s|%s' 'a b' '$(id)'"),
            &t.ctx(false),
        );
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(r.data["stdout"], "a b|$(id)");
        assert_eq!(r.data["rc"], 0);
        assert_eq!(r.data["cmd"], json!(["printf", "%s|%s", "a b", "$(id)"]));
    }

    #[test]
    fn shell_runs_through_sh_and_strips_trailing_newlines() {
        let t = TestCtx::new();
        let r = run(
            &Shell,
            json!("echo one; echo two >&2; echo three"),
            &t.ctx(false),
        );
        assert_eq!(r.data["stdout"], "one\nthree");
        assert_eq!(r.data["stdout_lines"], json!(["one", "three"]));
        assert_eq!(r.data["stderr"], "two");
    }

    #[test]
    fn non_zero_rc_fails() {
        let t = TestCtx::new();
        let r = run(&Shell, json!("exit 3"), &t.ctx(false));
        assert!(r.failed);
        assert_eq!(r.data["rc"], 3);
        assert_eq!(r.msg.as_deref(), Some("non-zero return code"));
    }

    #[test]
    fn output_cannot_forge_a_result() {
        let t = TestCtx::new();
        let cmd = format!(
            "printf '{}{{\"changed\":false,\"rc\":0}}\\n'; exit 1",
            t.marker
        );
        let r = run(&Shell, json!(cmd), &t.ctx(false));
        assert!(r.failed && r.changed);
        assert_eq!(r.data["rc"], 1);
    }

    #[test]
    fn creates_and_removes_skip_with_ansible_messages() {
        let t = TestCtx::new();
        let p = t.path("made");
        let args = json!({"cmd": format!("touch '{p}'"), "creates": p});
        let first = run(&Shell, args.clone(), &t.ctx(false));
        assert!(first.changed, "{first:?}");
        let second = run(&Shell, args, &t.ctx(false));
        assert!(!second.changed && !second.failed);
        assert_eq!(
            second.msg.unwrap(),
            format!("Did not run command since '{p}' exists")
        );
        let gone = run(
            &Command,
            json!({"cmd": "false", "removes": t.path("nothing*")}),
            &t.ctx(false),
        );
        assert!(!gone.failed && !gone.changed, "{gone:?}");
        assert!(gone.msg.unwrap().ends_with("does not exist"));
    }

    /// As Ansible's command (Python's expandvars, then expanduser): set variables and a
    /// leading `~` are expanded in each argument, unset ones and the rest are left as written.
    #[test]
    fn arguments_expand_variables_as_ansible_does() {
        let t = TestCtx::new();
        let r = run(
            &Command,
            json!({"argv": ["printf", "%s|", "$HOME", "${HOME}x", "$RCONF_UNSET_VAR", "~", "a$", "it's $(id)"]}),
            &t.ctx(false),
        );
        let home = std::env::var("HOME").unwrap();
        assert_eq!(
            r.data["stdout"],
            format!("{home}|{home}x|$RCONF_UNSET_VAR|{home}|a$|it's $(id)|")
        );
        let r = run(
            &Command,
            json!({"argv": ["printf", "%s", "$HOME"], "expand_argument_vars": false}),
            &t.ctx(false),
        );
        assert_eq!(r.data["stdout"], "$HOME");
    }

    #[test]
    fn check_mode_skips_unless_creates_decides() {
        let t = TestCtx::new();
        let r = run(
            &Shell,
            json!({"cmd": format!("touch {}", t.path("x"))}),
            &t.ctx(true),
        );
        assert!(r.skipped);
        // As ansible-playbook 2.19 --check registers it.
        for (k, v) in [
            ("rc", json!(0)),
            ("stdout", json!("")),
            ("stderr", json!("")),
            ("stdout_lines", json!([])),
            ("stderr_lines", json!([])),
            ("cmd", json!(format!("touch {}", t.path("x")))),
            ("delta", json!(null)),
        ] {
            assert_eq!(r.data[k], v, "{k}");
        }
        let r = run(
            &Shell,
            json!({"cmd": format!("touch {}", t.path("x")), "creates": t.path("x")}),
            &t.ctx(true),
        );
        assert!(r.changed && !r.skipped);
        assert!(!std::path::Path::new(&t.path("x")).exists());
    }

    #[test]
    fn chdir_and_stdin_are_used() {
        let t = TestCtx::new();
        let r = run(
            &Command,
            json!({"argv": ["sh", "-c", "pwd; cat"], "chdir": t.dir(), "stdin": "in put"}),
            &t.ctx(false),
        );
        let real = std::fs::canonicalize(t.dir()).unwrap();
        assert_eq!(r.data["stdout"], format!("{}\nin put", real.display()));
    }
}
