//! `lineinfile`: argument rules and Python-to-POSIX regex translation on the controller; the
//! edit itself is one awk pass in lineinfile.sh.

use serde_json::Value;

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::pyregex::{to_ere, to_ere_for_substitution, to_sed_replacement};
use super::script::{Script, ScriptOutput};
use super::{Action, Ctx, Module, RemoteCall};
use crate::result::TaskResult;
use crate::transport::Stdin;

const BODY: &str = include_str!("../../modules/lineinfile.sh");

pub struct LineInFile;

static SPEC: ModuleSpec = ModuleSpec {
    name: "lineinfile",
    summary: "Ensures a line is in a file, or is not",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("path", Kind::Str)
            .aliases(&["dest", "destfile", "name"])
            .required()
            .doc("The file to edit on the target."),
        Arg::new("line", Kind::Str).aliases(&["value"]).doc(
            "The line that should be in the file (required when present); with `backrefs`, it \
             may use the groups of `regexp`.",
        ),
        Arg::new("regexp", Kind::Str).aliases(&["regex"]).doc(
            "A regular expression (Python syntax): the last matching line is replaced by \
             `line`, or with `state=absent` every matching line is removed.",
        ),
        Arg::new("search_string", Kind::Str).doc(
            "A literal string to look for instead of `regexp`: the last line containing it is \
             replaced, or with `state=absent` every such line is removed.",
        ),
        Arg::new("state", Kind::Str)
            .choices(&["present", "absent"])
            .default("present")
            .doc("Whether the line should be there or not."),
        Arg::new("insertafter", Kind::Str)
            .implied_default("EOF")
            .doc(
                "Where a new line goes when nothing matched: after the last line matching this \
                 expression, or at the end with `EOF`.",
            ),
        Arg::new("insertbefore", Kind::Str).doc(
            "Where a new line goes when nothing matched: before the last line matching this \
             expression, or at the start with `BOF`.",
        ),
        Arg::new("create", Kind::Bool)
            .default("false")
            .doc("Create the file when it is missing (otherwise the task fails)."),
        Arg::new("backup", Kind::Bool).default("false").doc(
            "Keep a copy of the old file beside it, its name stamped with the time, before \
             changing it.",
        ),
        Arg::new("backrefs", Kind::Bool).default("false").doc(
            "Replace the line matching `regexp` with `line` expanded by the groups it \
             captured, and add nothing when no line matches.",
        ),
        Arg::new("firstmatch", Kind::Bool).default("false").doc(
            "Use the first line matching `insertafter` or `insertbefore` instead of the last.",
        ),
        Arg::new("mode", Kind::Mode).doc(
            "The permissions of the file, as an octal string (`'0644'`) or symbolic \
             (`u=rw,g=r`); quote octal numbers in YAML.",
        ),
        Arg::new("owner", Kind::Str)
            .doc("The user that owns the file (a name, or a number taken as a uid)."),
        Arg::new("group", Kind::Str)
            .doc("The group that owns the file (a name, or a number taken as a gid)."),
        Arg::new("unsafe_writes", Kind::Bool)
            .doc("Accepted as Ansible does; rconf always writes through a temp file and a rename."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[
        &["insertbefore", "insertafter"],
        &["regexp", "search_string"],
        &["backrefs", "search_string"],
    ],
    rules: &[],
    returns: &[
        Return::new(
            "msg",
            "str",
            "always",
            "What changed: `line added`, `line replaced`, `N line(s) removed`, or empty.",
        ),
        Return::new(
            "found",
            "int",
            "state=absent",
            "How many lines were removed.",
        ),
        Return::new(
            "backup_file",
            "str",
            "changed and backup=true",
            "The copy of the old file.",
        ),
    ],
    notes: "",
    example: concat!(
        "- lineinfile:\n",
        "    path: /etc/ssh/sshd_config\n",
        "    regexp: '^#?PermitRootLogin'\n",
        "    line: PermitRootLogin no"
    ),
};

/// The task's patterns as EREs for awk, sed and grep, with the variables they travel in; an
/// error when one has no exact POSIX translation.
fn patterns(args: &Args) -> Result<Vec<(&'static str, String)>, String> {
    let backrefs = args.bool("backrefs", false);
    let mut out = Vec::new();
    if let Some(re) = args.str("regexp") {
        let ere = if backrefs && args.str("state").unwrap_or("present") == "present" {
            to_ere_for_substitution(re, true)?
        } else {
            to_ere(re, backrefs)?
        };
        out.push(("A_regexp", ere));
    }
    for (key, var) in [
        ("insertafter", "A_insertafter"),
        ("insertbefore", "A_insertbefore"),
    ] {
        if let Some(v) = args.str(key) {
            let v = if v == "EOF" || v == "BOF" {
                v.to_string()
            } else {
                to_ere(v, false)?
            };
            out.push((var, v));
        }
    }
    Ok(out)
}

/// Checks Ansible's argument rules and builds the script.
fn build(args: &Args, ctx: &Ctx) -> Result<super::script::Program, String> {
    let present = args.str("state").unwrap_or("present") == "present";
    let backrefs = args.bool("backrefs", false);
    if present && !args.has("line") {
        return Err("line is required with state=present".into());
    }
    if !present && !args.has("line") && !args.has("regexp") && !args.has("search_string") {
        return Err("one of line, search_string, or regexp is required with state=absent".into());
    }
    if backrefs && !args.has("regexp") {
        return Err("regexp is required with backrefs=true".into());
    }
    let mut s = Script::new(ctx)?;
    s.args(
        args,
        &[
            "path",
            "search_string",
            "state",
            "create",
            "backup",
            "backrefs",
            "firstmatch",
            "mode",
            "owner",
            "group",
        ],
    )?;
    for (name, ere) in patterns(args)? {
        s.var(name, ere.as_bytes())?;
    }
    if let Some(line) = args.get("line") {
        let line = match line {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let line = if backrefs && present {
            to_sed_replacement(&line)?
        } else {
            line
        };
        s.var("A_line", line.as_bytes())?;
    }
    Ok(s.finish(BODY))
}

impl Module for LineInFile {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn supports(&self, args: &Args) -> Result<(), String> {
        patterns(args).map(drop)
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        match build(args, ctx) {
            Ok(script) => Action::Remote(RemoteCall {
                script,
                stdin: Stdin::Empty,
            }),
            Err(e) => Action::Done(TaskResult::failed(e)),
        }
    }

    fn finish(&self, args: &Args, out: ScriptOutput) -> TaskResult {
        let payload = out.payload.clone();
        let mut r = out.into_result_for("lineinfile");
        if r.data.contains_key("module_stdout") {
            return r;
        }
        if r.msg.is_none() {
            r.msg = Some(String::new());
        }
        // Ansible's module warns of an empty pattern, which matches every line.
        let warnings: Vec<&str> = [
            (args.str("regexp"), EMPTY_REGEXP),
            (args.str("search_string"), EMPTY_SEARCH_STRING),
        ]
        .into_iter()
        .filter(|(v, _)| *v == Some(""))
        .map(|(_, w)| w)
        .collect();
        if !warnings.is_empty() {
            r.data
                .insert("warnings".into(), serde_json::json!(warnings));
        }
        // In diff mode the payload is the old content followed by the new one.
        if let Some(n) = r.data.remove("diff_before_len").and_then(|v| v.as_u64())
            && let Some((before, after)) = payload.split_at_checked(n as usize)
            && !before.contains(&0)
            && !after.contains(&0)
        {
            let header = format!("{} (content)", args.string("path").unwrap_or_default());
            r.data.insert(
                "diff".into(),
                serde_json::json!({
                    "before": String::from_utf8_lossy(before),
                    "after": String::from_utf8_lossy(after),
                    "before_header": header,
                    "after_header": header,
                }),
            );
        }
        r
    }
}

const EMPTY_REGEXP: &str = "The regular expression is an empty string, which will match every \
     line in the file. This may have unintended consequences, such as replacing the last line \
     in the file rather than appending. If this is desired, use '^' to match every line in the \
     file and avoid this warning.";
const EMPTY_SEARCH_STRING: &str = "The search string is an empty string, which will match every \
     line in the file. This may have unintended consequences, such as replacing the last line \
     in the file rather than appending.";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    fn case(initial: Option<&str>, args: Value) -> (TaskResult, Option<String>, TaskResult) {
        let t = TestCtx::new();
        let p = t.path("conf 'x' $(y)");
        if let Some(init) = initial {
            std::fs::write(&p, init).unwrap();
        }
        let mut args = args;
        args["path"] = json!(p);
        let check = run(&LineInFile, args.clone(), &t.ctx(true));
        assert_eq!(
            std::fs::read_to_string(&p).ok().as_deref(),
            initial,
            "check mode changed nothing"
        );
        let r = run(&LineInFile, args.clone(), &t.ctx(false));
        assert_eq!(
            check.changed, r.changed,
            "check mode predicts: {check:?} vs {r:?}"
        );
        let again = run(&LineInFile, args, &t.ctx(false));
        (r, std::fs::read_to_string(&p).ok(), again)
    }

    #[test]
    fn regexp_replaces_the_last_match() {
        let (r, c, again) = case(
            Some("a=1\nb=2\na=3\n"),
            json!({"regexp": "^a=", "line": "a=9"}),
        );
        assert_eq!(c.unwrap(), "a=1\nb=2\na=9\n");
        assert_eq!(r.msg.unwrap(), "line replaced");
        assert!(!again.changed);
    }

    /// As Ansible's lineinfile: an empty pattern matches every line (the last is replaced)
    /// and the result warns of it.
    #[test]
    fn an_empty_pattern_replaces_the_last_line_with_a_warning() {
        let (r, c, _) = case(Some("a\nb\n"), json!({"regexp": "", "line": "z"}));
        assert_eq!(c.unwrap(), "a\nz\n");
        assert_eq!(r.data["warnings"], json!([EMPTY_REGEXP]));
        let (r, c, _) = case(Some("a\nb\n"), json!({"search_string": "", "line": "z"}));
        assert_eq!(c.unwrap(), "a\nz\n");
        assert_eq!(r.data["warnings"], json!([EMPTY_SEARCH_STRING]));
        let (r, _, _) = case(Some("a\n"), json!({"regexp": "^a", "line": "z"}));
        assert!(!r.data.contains_key("warnings"));
    }

    #[test]
    fn firstmatch_replaces_the_first() {
        let (_, c, _) = case(
            Some("a=1\na=3\n"),
            json!({"regexp": r"^a=\d", "line": "a=9", "firstmatch": true}),
        );
        assert_eq!(c.unwrap(), "a=9\na=3\n");
    }

    #[test]
    fn no_match_appends_and_adds_missing_final_newline() {
        let (r, c, again) = case(Some("x\ny"), json!({"regexp": "^z", "line": "z=1"}));
        assert_eq!(c.unwrap(), "x\ny\nz=1\n");
        assert_eq!(r.msg.unwrap(), "line added");
        assert!(!again.changed, "{again:?}");
    }

    #[test]
    fn a_matching_last_line_without_its_newline_gets_one() {
        let (r, c, again) = case(
            Some("a=1\nport=80"),
            json!({"regexp": "^port=", "line": "port=80"}),
        );
        assert_eq!(c.unwrap(), "a=1\nport=80\n");
        assert_eq!(r.msg.unwrap(), "line replaced");
        assert!(!again.changed, "{again:?}");
    }

    #[test]
    fn a_file_with_nul_bytes_keeps_them_and_its_missing_newline_is_still_seen() {
        let (r, c, again) = case(
            Some("bin\0ary\nport=80"),
            json!({"regexp": "^port=", "line": "port=80"}),
        );
        assert!(r.changed, "{r:?}");
        assert_eq!(c.unwrap(), "bin\0ary\nport=80\n");
        assert!(!again.changed, "{again:?}");
    }

    /// Linux caps one environment string at 128 KiB; Ansible writes such lines, so must rconf.
    #[test]
    fn lines_and_patterns_past_the_environment_limit_are_written_and_matched() {
        for long in ["y".repeat(10), "y".repeat(140_000)] {
            let (r, c, again) = case(Some("a=1\n"), json!({"line": long.clone()}));
            assert!(r.changed, "{r:?}");
            let c = c.unwrap();
            assert!(
                c == format!("a=1\n{long}\n"),
                "{} bytes: {:.80?}",
                long.len(),
                c
            );
            assert!(!again.changed, "{again:?}");
        }
        let prefix = "z".repeat(140_000);
        let (r, c, again) = case(
            Some(&format!("{prefix}=old\nb\n")),
            json!({"regexp": format!("^{prefix}="), "line": format!("{prefix}=new")}),
        );
        assert_eq!(r.msg.as_deref(), Some("line replaced"), "{r:?}");
        assert_eq!(c.unwrap(), format!("{prefix}=new\nb\n"));
        assert!(!again.changed, "{again:?}");
    }

    #[test]
    fn existing_identical_line_is_no_change() {
        let (r, c, _) = case(Some("keep\nhello world\n"), json!({"line": "hello world"}));
        assert!(!r.changed);
        assert_eq!(c.unwrap(), "keep\nhello world\n");
    }

    #[test]
    fn insertafter_uses_the_last_match_and_insertbefore_bof() {
        let (_, c, _) = case(
            Some("[a]\nx\n[a]\ny\n"),
            json!({"line": "new", "insertafter": r"^\[a\]"}),
        );
        assert_eq!(c.unwrap(), "[a]\nx\n[a]\nnew\ny\n");
        let (_, c, _) = case(
            Some("x\n"),
            json!({"line": "#!/bin/sh", "insertbefore": "BOF"}),
        );
        assert_eq!(c.unwrap(), "#!/bin/sh\nx\n");
        let (_, c, _) = case(
            Some("a\nListen 80\nb\n"),
            json!({"line": "Listen 8080", "insertbefore": r"^Listen\s"}),
        );
        assert_eq!(c.unwrap(), "a\nListen 8080\nListen 80\nb\n");
    }

    #[test]
    fn absent_removes_every_match_and_counts() {
        let (r, c, again) = case(
            Some("x\n#c1\ny\n#c2\n"),
            json!({"regexp": "^#", "state": "absent"}),
        );
        assert_eq!(c.unwrap(), "x\ny\n");
        assert_eq!(r.msg.unwrap(), "2 line(s) removed");
        assert_eq!(r.data["found"], 2);
        assert!(!again.changed);
    }

    #[test]
    fn search_string_matches_literally() {
        let (_, c, _) = case(
            Some("a.b=1\naxb=2\n"),
            json!({"search_string": "a.b", "line": "a.b=3"}),
        );
        assert_eq!(c.unwrap(), "a.b=3\naxb=2\n");
    }

    #[test]
    fn backrefs_expand_groups_and_do_nothing_without_match() {
        let (r, c, again) = case(
            Some("port = 80\n"),
            json!({"regexp": r"^port\s*=\s*(\d+)$", "line": r"port = \1 # was \1 & more", "backrefs": true}),
        );
        assert_eq!(c.unwrap(), "port = 80 # was 80 & more\n", "{r:?}");
        assert!(!again.changed);
        let (r, c, _) = case(
            Some("x\n"),
            json!({"regexp": "^nomatch(.*)", "line": r"\1", "backrefs": true}),
        );
        assert!(!r.changed);
        assert_eq!(c.unwrap(), "x\n");
    }

    #[test]
    fn missing_file_fails_unless_create() {
        let (r, c, _) = case(None, json!({"line": "x"}));
        assert!(r.failed && r.msg.unwrap().contains("does not exist !"));
        assert_eq!(r.data["rc"], 257);
        assert!(c.is_none());
        let (r, c, again) = case(
            None,
            json!({"line": "hostile 'q' $(x) `y`", "create": true}),
        );
        assert!(r.changed);
        assert_eq!(c.unwrap(), "hostile 'q' $(x) `y`\n");
        assert!(!again.changed);
    }

    #[test]
    fn untranslatable_regex_is_a_clear_error() {
        let t = TestCtx::new();
        let r = run(
            &LineInFile,
            json!({"path": t.path("f"), "regexp": "a(?=b)", "line": "x"}),
            &t.ctx(false),
        );
        assert!(r.failed && r.msg.unwrap().contains("lookaround"));
    }

    #[test]
    fn diff_mode_shows_before_and_after_even_in_check_mode() {
        for check in [true, false] {
            let mut t = TestCtx::new();
            t.diff = true;
            let p = t.path("f");
            std::fs::write(&p, "a\nb\n").unwrap();
            let r = run(
                &LineInFile,
                json!({"path": p, "regexp": "^b", "line": "c"}),
                &t.ctx(check),
            );
            assert_eq!(r.data["diff"]["before"], "a\nb\n", "{r:?}");
            assert_eq!(r.data["diff"]["after"], "a\nc\n");
            assert_eq!(
                std::fs::read_to_string(&p).unwrap(),
                if check { "a\nb\n" } else { "a\nc\n" }
            );
            let names: Vec<String> = std::fs::read_dir(t.dir())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(names, vec!["f".to_string()]);
        }
    }

    #[test]
    fn mode_change_alone_is_reported() {
        let (r, _, _) = case(Some("x\n"), json!({"line": "x", "mode": "0600"}));
        assert!(r.changed);
        assert_eq!(
            r.msg.unwrap(),
            "ownership, perms or SE linux context changed"
        );
    }
}
