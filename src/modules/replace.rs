//! `replace`: every match of a Python regex in a file (or in the part between `after` and
//! `before`), translated to a POSIX ERE and a sed replacement here; replace.sh does the edit.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::lineinfile::LineInFile;
use super::pyregex::{to_ere, to_ere_for_substitution};
use super::script::ScriptOutput;
use super::simple::remote_with;
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

const BODY: &str = include_str!("../../modules/replace.sh");

pub struct Replace;

static SPEC: ModuleSpec = ModuleSpec {
    name: "replace",
    summary: "Replaces every match of a regular expression in a file",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("path", Kind::Str)
            .aliases(&["dest", "destfile", "name"])
            .required()
            .doc("The file to edit on the target."),
        Arg::new("regexp", Kind::Str).required().doc(
            "The regular expression to replace (Python syntax, each line matched on its own: a \
             match cannot span lines).",
        ),
        Arg::new("replace", Kind::Str).default("").doc(
            "What each match becomes; `\\1` and `\\g<name>` bring back captured groups. Empty \
             removes the matches.",
        ),
        Arg::new("after", Kind::Str)
            .doc("Only replace in the part of the file after the first match of this expression."),
        Arg::new("before", Kind::Str)
            .doc("Only replace in the part of the file before the first match of this expression."),
        Arg::new("backup", Kind::Bool).default("false").doc(
            "Keep a copy of the old file beside it, its name stamped with the time, before \
             changing it.",
        ),
        Arg::new("validate", Kind::Str).doc(
            "A command that checks the new file before it replaces the old one; `%s` stands \
             for the temp file. A failure leaves the old file untouched.",
        ),
        Arg::new("encoding", Kind::Str)
            .implied_default("utf-8")
            .doc("Accepted as Ansible does; rconf edits the file's bytes as they are."),
        Arg::new("mode", Kind::Mode).doc(
            "The permissions of the file, as an octal string (`'0644'`) or symbolic \
             (`u=rw,g=r`); quote octal numbers in YAML.",
        ),
        Arg::new("owner", Kind::Str)
            .doc("The user that owns the file (a name, or a number taken as a uid)."),
        Arg::new("group", Kind::Str)
            .doc("The group that owns the file (a name, or a number taken as a gid)."),
        Arg::new("others", Kind::Str)
            .doc("Accepted as Ansible does (the `file` module's arguments); rconf ignores it."),
        Arg::new("unsafe_writes", Kind::Bool)
            .doc("Accepted as Ansible does; rconf always writes through a temp file and a rename."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new(
            "msg",
            "str",
            "always",
            "How many replacements were made, or empty.",
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
        "- replace:\n",
        "    path: /etc/hosts\n",
        "    regexp: '(\\s+)old\\.example(\\s+.*)?$'\n",
        "    replace: '\\1new.example\\2'"
    ),
};

/// Names of the capturing groups of a Python regex, in number order (`None` for unnamed).
fn group_names(re: &str) -> Vec<Option<String>> {
    let c: Vec<char> = re.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut class) = (0, false);
    while i < c.len() {
        match c[i] {
            '\\' => i += 1,
            '[' if !class => class = true,
            ']' if class => class = false,
            '(' if !class => {
                if c.get(i + 1) != Some(&'?') {
                    out.push(None);
                } else if c.get(i + 2) == Some(&'P') && c.get(i + 3) == Some(&'<') {
                    let name: String = c[i + 4..].iter().take_while(|&&x| x != '>').collect();
                    out.push(Some(name));
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Python `re.sub` template -> sed replacement text (delimiter `delim` never appears in it).
fn sed_replacement(template: &str, groups: &[Option<String>]) -> Result<String, String> {
    let c: Vec<char> = template.chars().collect();
    let mut out = String::new();
    let group = |n: usize, out: &mut String| {
        if n == 0 || n > groups.len() || n > 9 {
            return Err(format!(
                "`replace` refers to group {n}, but the regular expression has {} group(s) (at most 9 can be referred to)",
                groups.len()
            ));
        }
        out.push('\\');
        out.push_str(&n.to_string());
        Ok(())
    };
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        i += 1;
        match ch {
            '\\' => {
                let Some(&n) = c.get(i) else {
                    return Err(format!("`replace` `{template}` ends with a lone backslash"));
                };
                i += 1;
                match n {
                    d if d.is_ascii_digit() => {
                        let mut num = d.to_digit(10).unwrap() as usize;
                        if let Some(d2) = c.get(i).and_then(|x| x.to_digit(10)) {
                            num = num * 10 + d2 as usize;
                            i += 1;
                        }
                        group(num, &mut out)?;
                    }
                    'g' if c.get(i) == Some(&'<') => {
                        let name: String = c[i + 1..].iter().take_while(|&&x| x != '>').collect();
                        if i + 1 + name.len() >= c.len() {
                            return Err(format!("unterminated `\\g<` in `{template}`"));
                        }
                        i += name.len() + 2;
                        let n = match name.parse::<usize>() {
                            Ok(n) => n,
                            Err(_) => groups
                                .iter()
                                .position(|g| g.as_deref() == Some(name.as_str()))
                                .map(|p| p + 1)
                                .ok_or_else(|| {
                                    format!("unknown group name `{name}` in `{template}`")
                                })?,
                        };
                        if n == 0 {
                            out.push('&');
                        } else {
                            group(n, &mut out)?;
                        }
                    }
                    'n' => out.push_str("\\\n"),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '\\' => out.push_str("\\\\"),
                    a if a.is_ascii_alphabetic() => {
                        return Err(format!("bad escape `\\{a}` in `replace` `{template}`"));
                    }
                    '&' => out.push_str("\\\\\\&"),
                    other => {
                        out.push_str("\\\\");
                        out.push(other);
                    }
                }
            }
            '&' => out.push_str("\\&"),
            '\n' => out.push_str("\\\n"),
            other => out.push(other),
        }
    }
    Ok(out)
}

/// A sed delimiter found in neither the pattern nor the replacement.
fn delimiter(parts: &[&str]) -> Result<char, String> {
    ('\u{1}'..='\u{8}')
        .chain(['/', '|', '#', '%', '@', '!', ','])
        .find(|d| parts.iter().all(|p| !p.contains(*d)))
        .ok_or_else(|| "no sed delimiter is free in this pattern and replacement".to_string())
}

fn build(args: &Args) -> Result<Vec<(&'static str, String)>, String> {
    let re = args.str("regexp").unwrap_or_default();
    let ere = to_ere_for_substitution(re, false)?;
    if ere.is_empty() {
        return Err("`regexp` must not be empty".into());
    }
    let repl = sed_replacement(
        &args.string("replace").unwrap_or_default(),
        &group_names(re),
    )?;
    let d = delimiter(&[&ere, &repl])?;
    let mut vars = vec![
        ("A_regexp", ere),
        ("A_replace", repl),
        ("RC_D", d.to_string()),
    ];
    for key in ["after", "before"] {
        if let Some(p) = args.str(key).filter(|p| !p.is_empty()) {
            vars.push((
                if key == "after" {
                    "A_after"
                } else {
                    "A_before"
                },
                to_ere(p, false)?,
            ));
        }
    }
    args.check_validate()?;
    Ok(vars)
}

impl Module for Replace {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn supports(&self, args: &Args) -> Result<(), String> {
        build(args).map(drop)
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        let vars = match build(args) {
            Ok(v) => v,
            Err(e) => return Action::Done(TaskResult::failed(e)),
        };
        remote_with(
            args,
            ctx,
            &["path", "backup", "validate", "mode", "owner", "group"],
            BODY,
            |s| {
                for (k, v) in &vars {
                    s.var(k, v.as_bytes())?;
                }
                Ok(())
            },
        )
    }

    fn finish(&self, args: &Args, out: ScriptOutput) -> TaskResult {
        // The payload protocol (old content, new content, `diff_before_len`) is lineinfile's.
        let mut r = LineInFile.finish(args, out);
        if r.failed {
            r.data.remove("path");
        }
        // Ansible's replace labels both sides with the bare path.
        if let Some(d) = r.data.get_mut("diff").and_then(|d| d.as_object_mut()) {
            let path = serde_json::Value::from(args.string("path").unwrap_or_default());
            d.insert("before_header".into(), path.clone());
            d.insert("after_header".into(), path);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::{Value, json};

    /// Check mode, a real run and a second run on a file holding `initial`.
    fn case(initial: &str, args: Value) -> (TaskResult, String, TaskResult) {
        let t = TestCtx::new();
        let p = t.path("conf 'x' $(y) `z`");
        std::fs::write(&p, initial).unwrap();
        let mut args = args;
        args["path"] = json!(p);
        let check = run(&Replace, args.clone(), &t.ctx(true));
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            initial,
            "check mode wrote"
        );
        let r = run(&Replace, args.clone(), &t.ctx(false));
        assert_eq!(
            check.changed, r.changed,
            "check predicts: {check:?} vs {r:?}"
        );
        let again = run(&Replace, args, &t.ctx(false));
        let names: Vec<String> = std::fs::read_dir(t.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 1, "temp files left: {names:?}");
        (r, std::fs::read_to_string(&p).unwrap(), again)
    }

    #[test]
    fn replaces_every_match_with_groups_and_counts() {
        let (r, c, again) = case(
            "host=old1\nport=80\nhost=old2",
            json!({"regexp": r"^host=old(\d)$", "replace": r"host=new\1 & \g<1>"}),
        );
        assert_eq!(c, "host=new1 & 1\nport=80\nhost=new2 & 2");
        assert_eq!(r.msg.as_deref(), Some("2 replacements made"), "{r:?}");
        assert!(r.changed);
        assert!(
            !again.changed && again.msg.as_deref() == Some(""),
            "{again:?}"
        );
    }

    #[test]
    fn named_groups_and_hostile_text_are_byte_exact() {
        let (_, c, _) = case(
            "k = v\n",
            json!({"regexp": r"^(?P<key>\w+) = (?P<val>\w+)", "replace": r"\g<val> / 'q' $(x) `y` \\ |\n\g<key>"}),
        );
        assert_eq!(c, "v / 'q' $(x) `y` \\ |\nk\n");
    }

    #[test]
    fn after_and_before_bound_the_section() {
        let text = "x=1\n# BEGIN\nx=2\n# END\nx=3\n";
        let (_, c, _) = case(
            text,
            json!({"regexp": "^x=", "replace": "y=", "after": "# BEGIN", "before": "# END"}),
        );
        assert_eq!(c, "x=1\n# BEGIN\ny=2\n# END\nx=3\n");
        let (_, c, _) = case(
            text,
            json!({"regexp": "^x=", "replace": "y=", "after": "# BEGIN"}),
        );
        assert_eq!(c, "x=1\n# BEGIN\ny=2\n# END\ny=3\n");
        let (_, c, _) = case(
            text,
            json!({"regexp": "^x=", "replace": "y=", "before": "# END"}),
        );
        assert_eq!(c, "y=1\n# BEGIN\ny=2\n# END\nx=3\n");
        let (r, c, _) = case(text, json!({"regexp": "x", "after": "NOPE"}));
        assert!(!r.changed && r.msg.unwrap().contains("did not match"));
        assert_eq!(c, text);
    }

    #[test]
    fn no_match_is_unchanged_and_missing_file_fails() {
        let (r, c, _) = case("a\n", json!({"regexp": "zzz", "replace": "q"}));
        assert!(!r.changed && !r.failed);
        assert_eq!(c, "a\n");
        let t = TestCtx::new();
        let r = run(
            &Replace,
            json!({"path": t.path("nope"), "regexp": "a"}),
            &t.ctx(false),
        );
        assert!(
            r.failed && r.msg.as_deref().unwrap().contains("does not exist !"),
            "{r:?}"
        );
    }

    #[test]
    fn diff_backup_and_mode() {
        let mut t = TestCtx::new();
        t.diff = true;
        let p = t.path("f");
        std::fs::write(&p, "a\nb\n").unwrap();
        let r = run(
            &Replace,
            json!({"path": p, "regexp": "b", "replace": "c", "backup": true, "mode": "0600"}),
            &t.ctx(false),
        );
        assert_eq!(r.data["diff"]["before"], "a\nb\n", "{r:?}");
        assert_eq!(r.data["diff"]["after"], "a\nc\n");
        assert_eq!(r.data["diff"]["before_header"], json!(p));
        let bk = r.data["backup_file"].as_str().unwrap();
        assert_eq!(std::fs::read_to_string(bk).unwrap(), "a\nb\n");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(
            r.msg
                .unwrap()
                .ends_with("and ownership, perms or SE linux context changed")
        );
    }

    #[test]
    fn failed_validation_leaves_the_file_alone() {
        let t = TestCtx::new();
        let p = t.path("f");
        std::fs::write(&p, "a\n").unwrap();
        let r = run(
            &Replace,
            json!({"path": p, "regexp": "a", "replace": "b", "validate": "grep -q a %s"}),
            &t.ctx(false),
        );
        assert!(
            r.failed && r.msg.as_deref().unwrap().contains("failed to validate"),
            "{r:?}"
        );
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "a\n");
        let r = run(
            &Replace,
            json!({"path": p, "regexp": "a", "replace": "b", "validate": "grep -q b %s"}),
            &t.ctx(false),
        );
        assert!(r.changed, "{r:?}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "b\n");
    }

    #[test]
    fn bad_group_references_are_refused_before_running() {
        let t = TestCtx::new();
        let r = run(
            &Replace,
            json!({"path": t.path("f"), "regexp": "(a)", "replace": r"\2"}),
            &t.ctx(false),
        );
        assert!(r.failed && r.msg.unwrap().contains("group 2"));
    }
}
