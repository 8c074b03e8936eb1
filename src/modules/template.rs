//! `template`: renders `src` on the controller, then writes it with exactly copy's semantics.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::copy::{Content, find_source, finish_write, preserve_mode, write_file};
use super::script::ScriptOutput;
use super::{Action, Ctx, Module};
use crate::result::TaskResult;
use crate::template::env::FileSyntax;

pub struct Template;

static SPEC: ModuleSpec = ModuleSpec {
    name: "template",
    summary: "Renders a Jinja2 template to the target",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("src", Kind::Str).required().doc(
            "The template, looked up in `templates/` then beside the playbook, rendered on the \
             controller.",
        ),
        Arg::new("dest", Kind::Str)
            .required()
            .doc("Where the rendered file goes on the target."),
        Arg::new("mode", Kind::Mode).doc(
            "The permissions of the file, as an octal string (`'0644'`) or symbolic \
             (`u=rw,g=r`); quote octal numbers in YAML. `preserve` keeps the template's mode.",
        ),
        Arg::new("owner", Kind::Str)
            .doc("The user that owns the file (a name, or a number taken as a uid)."),
        Arg::new("group", Kind::Str)
            .doc("The group that owns the file (a name, or a number taken as a gid)."),
        Arg::new("force", Kind::Bool).default("true").doc(
            "Replace a file whose content differs; when false, only a missing file is written.",
        ),
        Arg::new("backup", Kind::Bool).default("false").doc(
            "Keep a copy of the old file beside it, its name stamped with the time, before \
             changing it.",
        ),
        Arg::new("follow", Kind::Bool)
            .default("false")
            .doc("When `dest` is a symbolic link, write the file it points to."),
        Arg::new("newline_sequence", Kind::Str)
            .choices(&["\n", "\r", "\r\n", "\\n", "\\r", "\\r\\n"])
            .implied_default("\\n")
            .doc("The line ending of the rendered file."),
        Arg::new("output_encoding", Kind::Str)
            .implied_default("utf-8")
            .doc(
                "The encoding of the rendered file: utf-8 (also when empty), utf-16, \
                 utf-16-le/-be, latin-1, windows-1252 or ascii.",
            ),
        Arg::new("unsafe_writes", Kind::Bool)
            .doc("Accepted as Ansible does; rconf always writes through a temp file and a rename."),
        Arg::new("trim_blocks", Kind::Bool)
            .implied_default("true")
            .doc("Drop the first newline after a block tag (`{% ... %}`)."),
        Arg::new("lstrip_blocks", Kind::Bool)
            .implied_default("false")
            .doc("Strip spaces and tabs from the start of a line up to a block tag."),
        Arg::new("block_start_string", Kind::Str)
            .implied_default("{%")
            .doc("The string that opens a block."),
        Arg::new("block_end_string", Kind::Str)
            .implied_default("%}")
            .doc("The string that closes a block."),
        Arg::new("variable_start_string", Kind::Str)
            .implied_default("{{")
            .doc("The string that opens a printed expression."),
        Arg::new("variable_end_string", Kind::Str)
            .implied_default("}}")
            .doc("The string that closes a printed expression."),
        Arg::new("comment_start_string", Kind::Str)
            .implied_default("{#")
            .doc("The string that opens a comment."),
        Arg::new("comment_end_string", Kind::Str)
            .implied_default("#}")
            .doc("The string that closes a comment."),
        Arg::new("validate", Kind::Str).doc(
            "A command that checks the new file before it replaces the old one; `%s` stands \
             for the temp file. A failure leaves the old file untouched.",
        ),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new("dest", "str", "success", "The path written."),
        Return::new(
            "src",
            "str",
            "success",
            "The template the content came from.",
        ),
        Return::new(
            "checksum",
            "str",
            "always",
            "The SHA-1 of the rendered file.",
        ),
        Return::new(
            "mode",
            "str",
            "success",
            "The file's permissions after the task, in octal.",
        ),
        Return::new(
            "owner",
            "str",
            "success",
            "The file's owner after the task.",
        ),
        Return::new(
            "group",
            "str",
            "success",
            "The file's group after the task.",
        ),
        Return::new("uid", "int", "success", "The owner's numeric id."),
        Return::new("gid", "int", "success", "The group's numeric id."),
        Return::new("size", "int", "success", "The file's size in bytes."),
    ],
    notes: "",
    example: concat!(
        "- template:\n",
        "    src: app.conf.j2\n",
        "    dest: /etc/app.conf\n",
        "    mode: '0640'"
    ),
};

/// How the template is read: the task's options, then (winning, as in Ansible) a first line
/// `#jinja2: trim_blocks: False, lstrip_blocks: True`, which is not part of the output.
fn syntax_of<'s>(args: &Args, source: &'s str) -> Result<(FileSyntax, &'s str), String> {
    let mut syntax = FileSyntax {
        trim_blocks: args.bool("trim_blocks", true),
        lstrip_blocks: args.bool("lstrip_blocks", false),
        ..FileSyntax::default()
    };
    let set = |syntax: &mut FileSyntax, key: &str, value: String| {
        let slot = match key {
            "block_start_string" => &mut syntax.block.0,
            "block_end_string" => &mut syntax.block.1,
            "variable_start_string" => &mut syntax.variable.0,
            "variable_end_string" => &mut syntax.variable.1,
            "comment_start_string" => &mut syntax.comment.0,
            "comment_end_string" => &mut syntax.comment.1,
            _ => return false,
        };
        *slot = value;
        true
    };
    for key in [
        "block_start_string",
        "block_end_string",
        "variable_start_string",
        "variable_end_string",
        "comment_start_string",
        "comment_end_string",
    ] {
        if let Some(v) = args.str(key) {
            set(&mut syntax, key, v.to_string());
        }
    }
    let Some(rest) = source.strip_prefix("#jinja2:") else {
        return Ok((syntax, source));
    };
    let (line, body) = rest.split_once('\n').unwrap_or((rest, ""));
    for pair in line.split(',') {
        let Some((key, value)) = pair.split_once(':') else {
            return Err(format!(
                "failed to parse jinja2 override '{}'. Did you use something different from colon as key-value separator?",
                pair.trim()
            ));
        };
        let (key, value) = (key.trim(), value.trim());
        // Python literals, as Ansible reads them: True/False, or a quoted string.
        let text = value
            .strip_prefix(['"', '\''])
            .and_then(|v| v.strip_suffix(['"', '\'']))
            .map(str::to_string);
        match (key, value) {
            ("trim_blocks", "True") => syntax.trim_blocks = true,
            ("trim_blocks", "False") => syntax.trim_blocks = false,
            ("lstrip_blocks", "True") => syntax.lstrip_blocks = true,
            ("lstrip_blocks", "False") => syntax.lstrip_blocks = false,
            ("newline_sequence" | "keep_trailing_newline", _) => {}
            ("line_statement_prefix", _) if text.is_some() => syntax.line_statement = text,
            ("line_comment_prefix", _) if text.is_some() => syntax.line_comment = text,
            _ => match text {
                Some(t) if set(&mut syntax, key, t.clone()) => {}
                _ => return Err(format!("unsupported jinja2 override `{key}: {value}`")),
            },
        }
    }
    Ok((syntax, body))
}

impl Module for Template {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        if let Err(e) = args.check_validate() {
            return Action::Done(TaskResult::failed(e));
        }
        let src = args.str("src").unwrap_or_default();
        let path = match find_source(src, "templates", ctx) {
            Ok(p) => p,
            Err(e) => return Action::Done(TaskResult::failed(e)),
        };
        let source = match std::fs::read(&path) {
            Ok(b) => match String::from_utf8(b) {
                Ok(s) => s,
                Err(_) => {
                    return Action::Done(TaskResult::failed(format!(
                        "template `{}` is not UTF-8 text",
                        path.display()
                    )));
                }
            },
            Err(e) => {
                return Action::Done(TaskResult::failed(format!(
                    "cannot read template `{}`: {e}",
                    path.display()
                )));
            }
        };
        // What Ansible's template action adds for the template alone; these win over the
        // play's variables, as there.
        let fullpath = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        // The absolute path: what the template includes is found beside it.
        let name = fullpath.display().to_string();
        let extra = minijinja::context! {
            ansible_managed => ANSIBLE_MANAGED,
            template_path => src,
            template_fullpath => fullpath.display().to_string(),
            template_destpath => args.str("dest").unwrap_or_default(),
            template_host => controller_host(),
            template_uid => owner_name(&path),
        };
        let vars = minijinja::context! { ..extra, ..ctx.vars.clone() };
        let (syntax, source) = match syntax_of(args, &source) {
            Ok(x) => x,
            Err(e) => return Action::Done(TaskResult::failed(e)),
        };
        let mut rendered =
            match ctx
                .templar
                .render_file_with(&name, source, &vars, ctx.search_dirs, &syntax)
            {
                Ok(r) => r,
                Err(e) => {
                    return Action::Done(TaskResult::failed(format!(
                        "template error while templating `{name}`: {e}"
                    )));
                }
            };
        // YAML users often write the escaped spelling (`'\r\n'`); both mean the same.
        let nl = args
            .str("newline_sequence")
            .map(|s| s.replace("\\r", "\r").replace("\\n", "\n"));
        if let Some(nl) = nl.filter(|nl| nl != "\n") {
            rendered = rendered.replace('\n', &nl);
        }
        let args = match preserve_mode(args, &path) {
            Ok(a) => a,
            Err(e) => return Action::Done(TaskResult::failed(e)),
        };
        let base = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dest = args.str("dest").unwrap_or_default();
        let full_dest = if dest.ends_with('/') {
            format!("{dest}{base}")
        } else {
            dest.to_string()
        };
        // The rendered text in the asked encoding (an empty one is UTF-8, as in Ansible).
        let encoding = args
            .str("output_encoding")
            .filter(|e| !e.is_empty())
            .unwrap_or("utf-8")
            .to_ascii_lowercase()
            .replace('_', "-");
        let bytes = match crate::template::codec::encode_text(&rendered, &encoding) {
            Ok(b) => b,
            Err(e) => return Action::Done(TaskResult::failed(format!("output_encoding: {e}"))),
        };
        write_file(
            &args,
            ctx,
            &full_dest,
            Some(&base),
            Content::Bytes(bytes),
            &name,
        )
    }

    fn finish(&self, args: &Args, out: ScriptOutput) -> TaskResult {
        finish_write("template", args, out, args.string("src"))
    }
}

/// ansible-core 2.19's default `ansible_managed` (the `DEFAULT_MANAGED_STR` setting).
const ANSIBLE_MANAGED: &str = "Ansible managed";

/// The controller's host name, as Ansible's `template_host`.
fn controller_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// The template file's owner, by name when the controller knows it (Ansible's `template_uid`).
fn owner_name(path: &std::path::Path) -> String {
    use std::os::unix::fs::MetadataExt;
    let Ok(uid) = std::fs::metadata(path).map(|m| m.uid()) else {
        return String::new();
    };
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|passwd| {
            passwd.lines().find_map(|l| {
                let mut f = l.split(':');
                let name = f.next()?;
                (f.nth(1)? == uid.to_string()).then(|| name.to_string())
            })
        })
        .unwrap_or_else(|| uid.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn line_statements_and_output_encodings_as_ansible() {
        let t = TestCtx::new();
        let dir = t.tmp.path().join("play/templates");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("ls.j2"),
            "#jinja2: line_statement_prefix:\":\"\n: if true\nfoo\n: endif\n",
        )
        .unwrap();
        std::fs::write(dir.join("enc.j2"), "€ é\n").unwrap();
        let r = run(
            &Template,
            json!({"src": "ls.j2", "dest": t.path("ls")}),
            &t.ctx(false),
        );
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(std::fs::read_to_string(t.path("ls")).unwrap(), "foo\n");
        for (encoding, bytes) in [
            ("", "€ é\n".as_bytes().to_vec()),
            ("windows-1252", vec![0x80, b' ', 0xE9, b'\n']),
            ("latin-1", Vec::new()),
        ] {
            let dest = t.path(&format!("enc-{encoding}"));
            let r = run(
                &Template,
                json!({"src": "enc.j2", "dest": dest, "output_encoding": encoding}),
                &t.ctx(false),
            );
            if bytes.is_empty() {
                // `€` has no Latin-1 byte: the task fails and writes nothing.
                assert!(r.failed && !std::path::Path::new(&dest).exists(), "{r:?}");
            } else {
                assert!(!r.failed, "{r:?}");
                assert_eq!(std::fs::read(&dest).unwrap(), bytes, "{encoding}");
            }
        }
    }

    #[test]
    fn missing_template_fails_naming_the_search_path() {
        let t = TestCtx::new();
        let r = run(
            &Template,
            json!({"src": "x.j2", "dest": t.path("x")}),
            &t.ctx(false),
        );
        assert!(r.failed);
        let msg = r.msg.unwrap();
        assert!(
            msg.contains("Could not find or access `x.j2`") && msg.contains("templates/x.j2"),
            "{msg}"
        );
    }

    #[test]
    fn unknown_argument_is_refused() {
        let m = Template
            .spec()
            .normalize(&json!({"src": "a", "dest": "b", "mdoe": "0644"}))
            .unwrap();
        assert!(
            Template.spec().check(&m)[0]
                .message
                .contains("did you mean `mode`?")
        );
    }

    #[test]
    fn renders_then_writes_like_copy() {
        let t = TestCtx::new();
        let dir = t.search[0].join("templates");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("hello.j2"), "hello {{ who }}\n").unwrap();
        let args = json!({"src": "hello.j2", "dest": t.path("out")});
        assert!(run(&Template, args.clone(), &t.ctx(false)).changed);
        assert_eq!(
            std::fs::read_to_string(t.path("out")).unwrap(),
            "hello world\n"
        );
        assert!(!run(&Template, args, &t.ctx(false)).changed);
    }

    #[test]
    fn validate_refuses_a_bad_render_and_leaves_dest_alone() {
        let t = TestCtx::new();
        let dir = t.search[0].join("templates");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("conf.j2"), "key = {{ who }}\n").unwrap();
        std::fs::write(t.path("conf"), "old\n").unwrap();
        let bad = json!({"src": "conf.j2", "dest": t.path("conf"), "validate": "grep -q nothing-like-this %s"});
        let r = run(&Template, bad, &t.ctx(false));
        assert!(r.failed, "{r:?}");
        assert_eq!(std::fs::read_to_string(t.path("conf")).unwrap(), "old\n");
        let good = json!({"src": "conf.j2", "dest": t.path("conf"), "validate": "grep -q 'key = world' %s"});
        assert!(run(&Template, good, &t.ctx(false)).changed);
        assert_eq!(
            std::fs::read_to_string(t.path("conf")).unwrap(),
            "key = world\n"
        );
    }
}
