//! `blockinfile`: a marked block of lines in a file (blockinfile.sh does the edit in one awk
//! pass; `insertafter`/`insertbefore` are translated from Python regex to POSIX ERE here).

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::pyregex::to_ere;
use super::simple::remote_with;
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

const BODY: &str = include_str!("../../modules/blockinfile.sh");

pub struct BlockInFile;

static SPEC: ModuleSpec = ModuleSpec {
    name: "blockinfile",
    summary: "Ensures a marked block of lines is in a file",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("path", Kind::Str)
            .aliases(&["dest", "destfile", "name"])
            .required()
            .doc("The file to edit on the target."),
        Arg::new("block", Kind::Str)
            .aliases(&["content"])
            .default("")
            .doc(
                "The lines to put between the markers; empty removes the block, as `state=absent` \
                 does.",
            ),
        Arg::new("marker", Kind::Str)
            .default("# {mark} ANSIBLE MANAGED BLOCK")
            .doc(
                "The marker lines' template; `{mark}` becomes `marker_begin` or `marker_end`. Give \
                 each block of a file its own marker.",
            ),
        Arg::new("marker_begin", Kind::Str)
            .default("BEGIN")
            .doc("What `{mark}` is in the opening marker."),
        Arg::new("marker_end", Kind::Str)
            .default("END")
            .doc("What `{mark}` is in the closing marker."),
        Arg::new("state", Kind::Str)
            .choices(&["absent", "present"])
            .default("present")
            .doc("Whether the block should be there or not."),
        Arg::new("insertafter", Kind::Str)
            .implied_default("EOF")
            .doc(
                "Where a new block goes: after the last line matching this expression, or at the \
                 end with `EOF`.",
            ),
        Arg::new("insertbefore", Kind::Str).doc(
            "Where a new block goes: before the last line matching this expression, or at the \
             start with `BOF`.",
        ),
        Arg::new("create", Kind::Bool)
            .default("false")
            .doc("Create the file when it is missing (otherwise the task fails)."),
        Arg::new("backup", Kind::Bool).default("false").doc(
            "Keep a copy of the old file beside it, its name stamped with the time, before \
             changing it.",
        ),
        Arg::new("mode", Kind::Mode).doc(
            "The permissions of the file, as an octal string (`'0644'`) or symbolic \
             (`u=rw,g=r`); quote octal numbers in YAML.",
        ),
        Arg::new("owner", Kind::Str)
            .doc("The user that owns the file (a name, or a number taken as a uid)."),
        Arg::new("group", Kind::Str)
            .doc("The group that owns the file (a name, or a number taken as a gid)."),
        Arg::new("append_newline", Kind::Bool)
            .default("false")
            .doc("Add an empty line after the block when it is not at the end of the file."),
        Arg::new("prepend_newline", Kind::Bool)
            .default("false")
            .doc("Add an empty line before the block when it is not at the start of the file."),
        Arg::new("validate", Kind::Str)
            .doc("Not supported by rconf yet: a task that sets it fails."),
        Arg::new("unsafe_writes", Kind::Bool)
            .doc("Accepted as Ansible does; rconf always writes through a temp file and a rename."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[&["insertafter", "insertbefore"]],
    rules: &[],
    returns: &[
        Return::new(
            "msg",
            "str",
            "always",
            "What changed: `Block inserted`, `Block removed`, `File created`, or empty.",
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
        "- blockinfile:\n",
        "    path: /etc/hosts\n",
        "    block: |\n",
        "      10.0.0.5 db\n",
        "      10.0.0.6 cache"
    ),
};

const DEFAULT_MARKER: &str = "# {mark} ANSIBLE MANAGED BLOCK";

fn position(args: &Args, name: &str, keyword: &str) -> Result<Option<String>, String> {
    match args.str(name) {
        None => Ok(None),
        Some(k) if k == keyword => Ok(Some(k.to_string())),
        Some(re) => to_ere(re, false).map(Some),
    }
}

impl Module for BlockInFile {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn supports(&self, args: &Args) -> Result<(), String> {
        if args.has("validate") {
            return Err("blockinfile `validate` is not supported yet".into());
        }
        position(args, "insertafter", "EOF")?;
        position(args, "insertbefore", "BOF")?;
        Ok(())
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        if args.has("validate") {
            return Action::Done(TaskResult::failed(
                "blockinfile `validate` is not supported yet",
            ));
        }
        let after = position(args, "insertafter", "EOF");
        let before = position(args, "insertbefore", "BOF");
        let (after, before) = match (after, before) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => return Action::Done(TaskResult::failed(e)),
        };
        let marker = args.str("marker").unwrap_or(DEFAULT_MARKER).to_string();
        remote_with(
            args,
            ctx,
            &[
                "path",
                "block",
                "marker_begin",
                "marker_end",
                "state",
                "create",
                "backup",
                "mode",
                "owner",
                "group",
                "append_newline",
                "prepend_newline",
            ],
            BODY,
            |s| {
                s.var("A_marker", marker.as_bytes())?;
                if let Some(a) = after {
                    s.var("A_insertafter", a.as_bytes())?;
                }
                if let Some(b) = before {
                    s.var("A_insertbefore", b.as_bytes())?;
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

    /// As ansible-core's blockinfile target: append_newline and prepend_newline add a blank
    /// line around a block that is already in the file too, once.
    #[test]
    fn blank_lines_go_around_a_block_already_there() {
        let t = TestCtx::new();
        let f = t.path("conf");
        std::fs::write(
            &f,
            "line1\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nline2\n",
        )
        .unwrap();
        let args =
            json!({"path": f, "block": "x\n", "append_newline": true, "prepend_newline": true});
        let r = run(&BlockInFile, args.clone(), &t.ctx(false));
        assert!(r.changed, "{r:?}");
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "line1\n\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n\nline2\n"
        );
        let r = run(&BlockInFile, args, &t.ctx(false));
        assert!(!r.changed, "{r:?}");
    }

    #[test]
    fn inserts_updates_and_removes_a_marked_block() {
        let t = TestCtx::new();
        let f = t.path("conf");
        std::fs::write(&f, "a\nlisten 80\nz\n").unwrap();
        let args = json!({"path": f, "block": "x=1\ny=2\n", "insertafter": "^listen"});
        let r = run(&BlockInFile, args.clone(), &t.ctx(true));
        assert!(r.changed, "{r:?}");
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "a\nlisten 80\nz\n");
        let r = run(&BlockInFile, args.clone(), &t.ctx(false));
        assert!(
            r.changed && r.msg.as_deref() == Some("Block inserted"),
            "{r:?}"
        );
        let want = "a\nlisten 80\n# BEGIN ANSIBLE MANAGED BLOCK\nx=1\ny=2\n# END ANSIBLE MANAGED BLOCK\nz\n";
        assert_eq!(std::fs::read_to_string(&f).unwrap(), want);
        assert!(!run(&BlockInFile, args, &t.ctx(false)).changed);

        let upd = json!({"path": f, "block": "x=9"});
        assert!(run(&BlockInFile, upd.clone(), &t.ctx(false)).changed);
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "a\nlisten 80\n# BEGIN ANSIBLE MANAGED BLOCK\nx=9\n# END ANSIBLE MANAGED BLOCK\nz\n"
        );
        let gone = json!({"path": f, "state": "absent", "backup": true});
        let r = run(&BlockInFile, gone.clone(), &t.ctx(false));
        assert!(r.changed && r.data.contains_key("backup_file"), "{r:?}");
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "a\nlisten 80\nz\n");
        assert!(!run(&BlockInFile, gone, &t.ctx(false)).changed);
    }

    #[test]
    fn creates_with_custom_markers_at_bof_and_diffs() {
        let mut t = TestCtx::new();
        t.diff = true;
        let f = t.path("new");
        let args = json!({"path": f, "block": "k", "marker": "// {mark} rconf", "create": true, "mode": "0600"});
        let r = run(
            &BlockInFile,
            json!({"path": f, "block": "k"}),
            &t.ctx(false),
        );
        assert!(r.failed && r.msg.unwrap().contains("does not exist"));
        let r = run(&BlockInFile, args.clone(), &t.ctx(false));
        assert!(r.changed, "{r:?}");
        assert_eq!(r.data["diff"]["after"], "// BEGIN rconf\nk\n// END rconf\n");
        assert_eq!(r.data["diff"]["before"], "");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o600
        );
        std::fs::write(&f, "first\n").unwrap();
        let bof = json!({"path": f, "block": "top", "insertbefore": "BOF"});
        assert!(run(&BlockInFile, bof, &t.ctx(false)).changed);
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "# BEGIN ANSIBLE MANAGED BLOCK\ntop\n# END ANSIBLE MANAGED BLOCK\nfirst\n"
        );
    }
}
