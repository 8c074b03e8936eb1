//! `copy` of directory trees and `remote_src` copies: a controller directory travels as one
//! tar stream on stdin (tar_tree.rs); copy_tree.sh syncs it, or a source already on the target,
//! into `dest` file by file.

use std::path::Path;

use super::args::Args;
use super::script::Script;
use super::tar_tree::tar_tree;
use super::{Action, Ctx, RemoteCall};
use crate::result::TaskResult;
use crate::transport::Stdin;

const BODY: &str = include_str!("../../modules/copy_tree.sh");

/// Arguments copy_tree.sh reads.
const TREE_ARGS: &[&str] = &[
    "dest",
    "mode",
    "owner",
    "group",
    "force",
    "backup",
    "validate",
    "directory_mode",
    "local_follow",
];

fn done(built: Result<RemoteCall, String>) -> Action {
    match built {
        Ok(call) => Action::Remote(call),
        Err(e) => Action::Done(TaskResult::failed(e)),
    }
}

/// Copies the controller directory `dir` (found for `src`): its contents when `src` ends in
/// `/`, else the directory itself into `dest`.
pub fn plan_tree(args: &Args, ctx: &Ctx, dir: &Path) -> Action {
    let src = args.str("src").unwrap_or_default();
    done((|| {
        if args.has("validate") {
            return Err(
                "`validate` works on a single file, not on the directory `{src}`"
                    .replace("{src}", src),
            );
        }
        let tar = tar_tree(dir, args.bool("local_follow", true))?;
        let mut s = Script::new(ctx)?;
        s.args(args, TREE_ARGS)?;
        if !src.ends_with('/') {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            s.var("A_subdir", name.as_bytes())?;
        }
        Ok(RemoteCall {
            script: s.finish(BODY),
            stdin: Stdin::Bytes(tar),
        })
    })())
}

/// Copies `src`, a file or directory already on the target.
pub fn plan_remote(args: &Args, ctx: &Ctx) -> Action {
    done((|| {
        if args.has("content") {
            return Err("`remote_src` needs `src`, not `content`".into());
        }
        let mut s = Script::new(ctx)?;
        s.args(args, TREE_ARGS)?;
        s.args(args, &["src"])?;
        s.var("A_remote_src", b"1")?;
        Ok(RemoteCall {
            script: s.finish(BODY),
            stdin: Stdin::Empty,
        })
    })())
}

#[cfg(test)]
mod tests {
    use crate::modules::copy::Copy;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    fn tree(t: &TestCtx) {
        let src = t.tmp.path().join("play/files/site");
        std::fs::create_dir_all(src.join("css dir")).unwrap();
        std::fs::write(src.join("index 'x' $(y).html"), "<h1>hi</h1>\n").unwrap();
        std::fs::write(src.join("css dir/a.css"), "b{}\n").unwrap();
        std::fs::write(src.join(".hidden"), "h\n").unwrap();
    }

    fn cycle(t: &TestCtx, args: serde_json::Value, probe: &str) {
        let r = run(&Copy, args.clone(), &t.ctx(true));
        assert!(r.changed && !r.failed, "{r:?}");
        assert!(!Path::new(probe).exists(), "check mode wrote {probe}");
        let r = run(&Copy, args.clone(), &t.ctx(false));
        assert!(r.changed && !r.failed, "{r:?}");
        assert!(Path::new(probe).exists(), "{probe} missing after {r:?}");
        let r = run(&Copy, args, &t.ctx(false));
        assert!(!r.changed, "second run: {r:?}");
    }

    #[test]
    fn directory_with_and_without_trailing_slash() {
        let t = TestCtx::new();
        tree(&t);
        let dest = t.path("www");
        cycle(
            &t,
            json!({"src": "site", "dest": dest, "mode": "0640", "directory_mode": "0750"}),
            &format!("{dest}/site/css dir/a.css"),
        );
        assert_eq!(
            std::fs::read_to_string(format!("{dest}/site/index 'x' $(y).html")).unwrap(),
            "<h1>hi</h1>\n"
        );
        assert_eq!(
            std::fs::read_to_string(format!("{dest}/site/.hidden")).unwrap(),
            "h\n"
        );
        let mode = |p: &str| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&format!("{dest}/site/css dir/a.css")), 0o640);
        assert_eq!(mode(&format!("{dest}/site/css dir")), 0o750);
        let flat = t.path("flat");
        cycle(
            &t,
            json!({"src": "site/", "dest": flat}),
            &format!("{flat}/css dir/a.css"),
        );
        assert!(!Path::new(&format!("{flat}/site")).exists());
        std::fs::write(format!("{flat}/css dir/a.css"), "changed\n").unwrap();
        let r = run(&Copy, json!({"src": "site/", "dest": flat}), &t.ctx(false));
        assert!(r.changed, "{r:?}");
        assert_eq!(
            std::fs::read_to_string(format!("{flat}/css dir/a.css")).unwrap(),
            "b{}\n"
        );
    }

    #[test]
    fn remote_src_files_and_directories() {
        let t = TestCtx::new();
        tree(&t);
        let on_target = t.tmp.path().join("play/files/site");
        let dest = t.path("copy of index");
        cycle(
            &t,
            json!({"src": on_target.join("index 'x' $(y).html"), "dest": dest, "remote_src": true}),
            &dest,
        );
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "<h1>hi</h1>\n");
        let dir_dest = t.path("mirror");
        std::fs::create_dir(&dir_dest).unwrap();
        cycle(
            &t,
            json!({"src": on_target, "dest": dir_dest, "remote_src": true}),
            &format!("{dir_dest}/site/css dir/a.css"),
        );
        let r = run(
            &Copy,
            json!({"src": t.path("nope"), "dest": dir_dest, "remote_src": true}),
            &t.ctx(false),
        );
        assert!(r.failed && r.msg.unwrap().contains("not found"));
    }

    #[test]
    fn validate_failure_leaves_dest_untouched() {
        let t = TestCtx::new();
        let dest = t.path("conf");
        std::fs::write(&dest, "good\n").unwrap();
        let r = run(
            &Copy,
            json!({"content": "bad\n", "dest": dest, "validate": "grep -q good %s"}),
            &t.ctx(false),
        );
        assert!(
            r.failed && r.msg.as_deref().unwrap().contains("failed to validate"),
            "{r:?}"
        );
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "good\n");
        let names: Vec<_> = std::fs::read_dir(t.dir()).unwrap().collect();
        assert_eq!(names.len(), 1, "temp file left behind");
        let r = run(
            &Copy,
            json!({"content": "good too\n", "dest": dest, "validate": "grep -q good %s"}),
            &t.ctx(false),
        );
        assert!(r.changed, "{r:?}");
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "good too\n");
        let src = t.path("src.txt");
        std::fs::write(&src, "nope\n").unwrap();
        let r = run(
            &Copy,
            json!({"src": src, "dest": dest, "remote_src": true, "validate": "grep -q good %s"}),
            &t.ctx(false),
        );
        assert!(r.failed, "{r:?}");
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "good too\n");
    }
}
