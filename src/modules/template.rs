//! `template`: renders `src` on the controller, then writes it with exactly copy's semantics.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec};
use super::copy::{Content, find_source, finish_write, preserve_mode, write_file};
use super::script::ScriptOutput;
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

pub struct Template;

static SPEC: ModuleSpec = ModuleSpec {
    name: "template",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("src", Kind::Str).required(),
        Arg::new("dest", Kind::Str).required(),
        Arg::new("mode", Kind::Mode),
        Arg::new("owner", Kind::Str),
        Arg::new("group", Kind::Str),
        Arg::new("force", Kind::Bool),
        Arg::new("backup", Kind::Bool),
        Arg::new("follow", Kind::Bool),
        Arg::new("newline_sequence", Kind::Str)
            .choices(&["\n", "\r", "\r\n", "\\n", "\\r", "\\r\\n"]),
        Arg::new("output_encoding", Kind::Str).choices(&["utf-8", "utf8", "UTF-8"]),
        Arg::new("unsafe_writes", Kind::Bool),
        Arg::new("validate", Kind::Str),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
};

impl Module for Template {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        if let Some(v) = args.str("validate")
            && !v.contains("%s")
        {
            return Action::Done(TaskResult::failed(format!(
                "validate must contain %s: `{v}`"
            )));
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
        let mut rendered = match ctx
            .templar
            .render_file(&name, &source, &vars, ctx.search_dirs)
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
        write_file(
            &args,
            ctx,
            &full_dest,
            Some(&base),
            Content::Bytes(rendered.into_bytes()),
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
