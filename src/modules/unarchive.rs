//! `unarchive`: a controller archive streamed on stdin (or one already on the target with
//! `remote_src`) unpacked into `dest` by the target's tar or unzip; unarchive.sh compares a
//! scratch extraction with `dest` so a second run changes nothing.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::copy::find_source;
use super::script::Script;
use super::{Action, Ctx, Module, RemoteCall};
use crate::result::TaskResult;
use crate::transport::Stdin;

const BODY: &str = include_str!("../../modules/unarchive.sh");

pub struct Unarchive;

static SPEC: ModuleSpec = ModuleSpec {
    name: "unarchive",
    summary: "Unpacks a tar or zip archive (from the controller or the target) into a directory",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("src", Kind::Str).required().doc(
            "The archive: a controller file (looked up in `files/`), sent to the target; with \
             `remote_src`, a file on the target. URLs are not supported.",
        ),
        Arg::new("dest", Kind::Str)
            .required()
            .doc("The directory to unpack into; it must exist."),
        Arg::new("remote_src", Kind::Bool)
            .default("false")
            .doc("Take `src` from the target instead of the controller."),
        Arg::new("copy", Kind::Bool)
            .implied_default("true")
            .doc("The old opposite of `remote_src`: false means the archive is on the target."),
        Arg::new("creates", Kind::Str)
            .doc("A path on the target: when it exists, nothing is unpacked."),
        Arg::new("extra_opts", Kind::List)
            .doc("More options for `tar` or `unzip`, one word an item."),
        Arg::new("exclude", Kind::List).doc("Archive members not to unpack."),
        Arg::new("include", Kind::List).doc("The only archive members to unpack."),
        Arg::new("list_files", Kind::Bool)
            .default("false")
            .doc("Return the archive's members as `files`."),
        Arg::new("keep_newer", Kind::Bool).doc("Accepted as Ansible does; rconf does not use it."),
        Arg::new("mode", Kind::Mode)
            .doc("The permissions every unpacked entry gets, as `file` takes them."),
        Arg::new("owner", Kind::Str).doc("The user every unpacked entry belongs to."),
        Arg::new("group", Kind::Str).doc("The group every unpacked entry belongs to."),
        Arg::new("validate_certs", Kind::Bool)
            .doc("Accepted as Ansible does; it concerns URLs, which rconf does not download."),
        Arg::new("decrypt", Kind::Bool)
            .doc("Accepted as Ansible does; rconf sends the archive as it is on the controller."),
        Arg::new("io_buffer_size", Kind::Int)
            .doc("Accepted as Ansible does; rconf does not use it."),
        Arg::new("unsafe_writes", Kind::Bool)
            .doc("Accepted as Ansible does; rconf always writes through a temp file and a rename."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[&["copy", "remote_src"], &["exclude", "include"]],
    rules: &[],
    returns: &[
        Return::new("dest", "str", "always", "The directory unpacked into."),
        Return::new("src", "str", "always", "The archive."),
        Return::new(
            "handler",
            "str",
            "success",
            "The tool that unpacked it (`TgzArchive`, `ZipArchive`, ...).",
        ),
        Return::new("files", "list", "list_files=true", "The archive's members."),
        Return::new("mode", "str", "success", "The permissions of `dest`."),
        Return::new("owner", "str", "success", "The owner of `dest`."),
        Return::new("group", "str", "success", "The group of `dest`."),
    ],
    notes: "`changed` is whether a scratch extraction differs from `dest` (type, content, mode, link \
            target).",
    example: concat!(
        "- unarchive:\n",
        "    src: app.tar.gz\n",
        "    dest: /opt/app"
    ),
};

fn build(args: &Args, ctx: &Ctx) -> Result<RemoteCall, String> {
    let src = args.str("src").unwrap_or_default();
    let remote = args.bool("remote_src", false) || !args.bool("copy", true);
    if src.contains("://") {
        return Err(format!(
            "unarchive cannot download `{src}`; fetch it with get_url first, then use `remote_src: true`"
        ));
    }
    let mut s = Script::new(ctx)?;
    s.args(
        args,
        &[
            "src",
            "dest",
            "creates",
            "extra_opts",
            "exclude",
            "include",
            "list_files",
            "mode",
            "owner",
            "group",
        ],
    )?;
    let stdin = if remote {
        s.var("A_remote_src", b"1")?;
        Stdin::Empty
    } else {
        let path = find_source(src, "files", ctx)?;
        if !path.is_file() {
            return Err(format!("Source `{src}` is not a file on the controller"));
        }
        // unarchive.sh extracts nothing from an archive that arrived short.
        let size = std::fs::metadata(&path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?
            .len();
        s.var("A_size", size.to_string().as_bytes())?;
        Stdin::File(path)
    };
    Ok(RemoteCall {
        script: s.finish(BODY),
        stdin,
    })
}

impl Module for Unarchive {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        match build(args, ctx) {
            Ok(call) => Action::Remote(call),
            Err(e) => Action::Done(TaskResult::failed(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;
    use std::path::Path;
    use std::process::Command;

    /// A source tree with a hostile name, packed as `name` by `cmd` run inside `tree/`.
    fn archive(t: &TestCtx, name: &str, cmd: &[&str]) -> String {
        let tree = t.tmp.path().join("tree");
        std::fs::create_dir_all(tree.join("app/sub")).unwrap();
        std::fs::write(tree.join("app/a 'q' $(x).txt"), "one\n").unwrap();
        std::fs::write(tree.join("app/sub/b.txt"), "two\n").unwrap();
        let files = t.tmp.path().join("play/files");
        std::fs::create_dir_all(&files).unwrap();
        let out = files.join(name);
        let st = Command::new(cmd[0])
            .args(&cmd[1..])
            .arg(&out)
            .arg("app")
            .current_dir(&tree)
            .status()
            .unwrap();
        assert!(st.success());
        name.to_string()
    }

    fn check_cycle(t: &TestCtx, src: &str, handler: &str) {
        let dest = t.path(&format!("dest-{handler}"));
        std::fs::create_dir_all(&dest).unwrap();
        let args = json!({"src": src, "dest": dest, "list_files": true});
        let r = run(&Unarchive, args.clone(), &t.ctx(true));
        assert!(r.changed && !r.failed, "{r:?}");
        assert!(
            !Path::new(&dest).join("app").exists(),
            "check mode extracted"
        );
        let r = run(&Unarchive, args.clone(), &t.ctx(false));
        assert!(r.changed, "{r:?}");
        assert_eq!(r.data["handler"], handler);
        assert!(
            r.data["files"]
                .as_array()
                .unwrap()
                .contains(&json!("app/sub/b.txt")),
            "{r:?}"
        );
        assert_eq!(
            std::fs::read_to_string(Path::new(&dest).join("app/a 'q' $(x).txt")).unwrap(),
            "one\n"
        );
        let r = run(&Unarchive, args.clone(), &t.ctx(false));
        assert!(!r.changed, "second run: {r:?}");
        std::fs::write(Path::new(&dest).join("app/sub/b.txt"), "edited\n").unwrap();
        assert!(run(&Unarchive, args, &t.ctx(false)).changed);
        assert_eq!(
            std::fs::read_to_string(Path::new(&dest).join("app/sub/b.txt")).unwrap(),
            "two\n"
        );
    }

    #[test]
    fn tar_gz_plain_tar_and_zip_round_trip() {
        let t = TestCtx::new();
        let tgz = archive(&t, "app.tar.gz", &["tar", "-czf"]);
        check_cycle(&t, &tgz, "TgzArchive");
        let tar = archive(&t, "app.tar", &["tar", "-cf"]);
        check_cycle(&t, &tar, "TarArchive");
        if Path::new("/usr/bin/zip").exists() {
            let zip = archive(&t, "app.zip", &["zip", "-qr"]);
            check_cycle(&t, &zip, "ZipArchive");
        } else {
            eprintln!("zip not installed: zip archives not tested");
        }
    }

    #[test]
    fn include_unpacks_only_the_members_it_names() {
        let t = TestCtx::new();
        let tar = archive(&t, "app.tar", &["tar", "-cf"]);
        let on_target = t.tmp.path().join("play/files").join(&tar);
        let dest = t.path("only");
        std::fs::create_dir_all(&dest).unwrap();
        let r = run(
            &Unarchive,
            json!({"src": on_target, "dest": dest, "remote_src": true, "include": ["app/sub/b.txt"]}),
            &t.ctx(false),
        );
        assert!(r.changed && !r.failed, "{r:?}");
        assert!(Path::new(&dest).join("app/sub/b.txt").exists());
        assert!(
            !Path::new(&dest).join("app/a 'q' $(x).txt").exists(),
            "include ignored"
        );
    }

    #[test]
    fn remote_src_creates_extra_opts_and_errors() {
        let t = TestCtx::new();
        let tgz = archive(&t, "app.tgz", &["tar", "-czf"]);
        let on_target = t.tmp.path().join("play/files").join(&tgz);
        let dest = t.path("d");
        std::fs::create_dir_all(&dest).unwrap();
        let r = run(
            &Unarchive,
            json!({"src": on_target, "dest": dest, "remote_src": true,
                   "extra_opts": ["--strip-components=1"], "exclude": ["sub/*", "app/sub/*"]}),
            &t.ctx(false),
        );
        assert!(r.changed, "{r:?}");
        assert!(Path::new(&dest).join("a 'q' $(x).txt").exists());
        assert!(
            !Path::new(&dest).join("sub/b.txt").exists(),
            "exclude ignored"
        );
        let r = run(
            &Unarchive,
            json!({"src": tgz, "dest": dest, "creates": Path::new(&dest).join("a 'q' $(x).txt")}),
            &t.ctx(false),
        );
        assert!(
            !r.changed && r.skipped && r.msg.as_deref().unwrap().contains("skipped"),
            "{r:?}"
        );
        let r = run(
            &Unarchive,
            json!({"src": tgz, "dest": t.path("nope")}),
            &t.ctx(false),
        );
        assert!(
            r.failed
                && r.msg
                    .as_deref()
                    .unwrap()
                    .contains("must be an existing dir")
        );
        let r = run(
            &Unarchive,
            json!({"src": "missing.tgz", "dest": dest}),
            &t.ctx(false),
        );
        assert!(r.failed && r.msg.unwrap().contains("missing.tgz"));
    }
}
