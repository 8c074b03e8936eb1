//! `git`: clones or updates a checkout with the target's git (git.sh); `before`/`after` are
//! commit ids, and check mode asks the remote what `after` would be.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec};
use super::script::ScriptOutput;
use super::simple::remote;
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

const BODY: &str = include_str!("../../modules/git.sh");

pub struct Git;

static SPEC: ModuleSpec = ModuleSpec {
    name: "git",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("repo", Kind::Str).aliases(&["name"]).required(),
        Arg::new("dest", Kind::Str).required(),
        Arg::new("version", Kind::Str),
        Arg::new("remote", Kind::Str),
        Arg::new("force", Kind::Bool),
        Arg::new("depth", Kind::Int),
        Arg::new("update", Kind::Bool),
        Arg::new("clone", Kind::Bool),
        Arg::new("bare", Kind::Bool),
        Arg::new("recursive", Kind::Bool),
        Arg::new("single_branch", Kind::Bool),
        Arg::new("accept_hostkey", Kind::Bool),
        Arg::new("accept_newhostkey", Kind::Bool),
        Arg::new("key_file", Kind::Str),
        Arg::new("ssh_opts", Kind::Str),
        Arg::new("executable", Kind::Str),
        Arg::new("umask", Kind::Str),
        Arg::new("track_submodules", Kind::Bool),
        Arg::new("verify_commit", Kind::Bool),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
};

impl Module for Git {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        if args.int("depth").is_some_and(|d| d < 1) {
            return Action::Done(TaskResult::failed("`depth` must be a positive number"));
        }
        if args.bool("verify_commit", false) {
            return Action::Done(TaskResult::failed(
                "git `verify_commit` is not supported yet",
            ));
        }
        let version = args.str("version").unwrap_or("HEAD");
        if version.starts_with('-') || version.contains(char::is_whitespace) {
            return Action::Done(TaskResult::failed(format!(
                "invalid git version `{version}`; expected a branch, tag, commit id or HEAD"
            )));
        }
        remote(
            args,
            ctx,
            &[
                "repo",
                "dest",
                "version",
                "remote",
                "force",
                "depth",
                "update",
                "clone",
                "bare",
                "recursive",
                "single_branch",
                "accept_hostkey",
                "key_file",
                "ssh_opts",
                "executable",
            ],
            BODY,
        )
    }

    fn finish(&self, _args: &Args, out: ScriptOutput) -> TaskResult {
        let payload = out.payload_text();
        let mut r = out.into_result_for("git");
        if r.data.remove("diff_prepared").is_some() {
            r.data
                .insert("diff".into(), serde_json::json!({ "prepared": payload }));
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;
    use std::path::Path;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@e",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// A bare repository with two commits on main and a tag on the first; returns
    /// (url, first, second).
    fn origin(t: &TestCtx) -> (String, String, String) {
        let work = t.tmp.path().join("work");
        std::fs::create_dir_all(&work).unwrap();
        git(&work, &["init", "-q"]);
        std::fs::write(work.join("f"), "1\n").unwrap();
        git(&work, &["add", "f"]);
        git(&work, &["commit", "-qm", "one"]);
        let first = git(&work, &["rev-parse", "HEAD"]);
        git(&work, &["tag", "v1"]);
        std::fs::write(work.join("f"), "2\n").unwrap();
        git(&work, &["commit", "-qam", "two"]);
        let second = git(&work, &["rev-parse", "HEAD"]);
        let bare = t.path("origin 'r'.git");
        git(
            t.tmp.path(),
            &["clone", "-q", "--bare", work.to_str().unwrap(), &bare],
        );
        (bare, first, second)
    }

    #[test]
    fn clones_then_is_idempotent_and_follows_new_commits() {
        let t = TestCtx::new();
        let (url, first, second) = origin(&t);
        let dest = t.path("checkout $(x)");
        let args = json!({"repo": url, "dest": dest});
        let r = run(&Git, args.clone(), &t.ctx(true));
        assert!(r.changed && r.data["after"] == json!(second), "{r:?}");
        assert!(!Path::new(&dest).exists(), "check mode cloned");
        let r = run(&Git, args.clone(), &t.ctx(false));
        assert!(
            r.changed && r.data["before"].is_null() && r.data["after"] == json!(second),
            "{r:?}"
        );
        assert_eq!(
            std::fs::read_to_string(Path::new(&dest).join("f")).unwrap(),
            "2\n"
        );
        let r = run(&Git, args.clone(), &t.ctx(false));
        assert!(!r.changed && r.data["after"] == json!(second), "{r:?}");

        let pinned = json!({"repo": url, "dest": dest, "version": "v1"});
        let r = run(&Git, pinned.clone(), &t.ctx(true));
        assert!(r.changed && r.data["after"] == json!(first), "{r:?}");
        let r = run(&Git, pinned.clone(), &t.ctx(false));
        assert!(
            r.changed && r.data["before"] == json!(second) && r.data["after"] == json!(first),
            "{r:?}"
        );
        assert!(!run(&Git, pinned, &t.ctx(false)).changed);
        let sha = json!({"repo": url, "dest": dest, "version": second});
        let r = run(&Git, sha.clone(), &t.ctx(false));
        assert!(r.changed && r.data["after"] == json!(second), "{r:?}");
        assert!(!run(&Git, sha, &t.ctx(false)).changed);

        let work = t.tmp.path().join("work");
        std::fs::write(work.join("f"), "3\n").unwrap();
        git(&work, &["commit", "-qam", "three"]);
        let third = git(&work, &["rev-parse", "HEAD"]);
        git(&work, &["push", "-q", &url, "HEAD:main"]);
        let main = json!({"repo": url, "dest": dest, "version": "main"});
        let mut t = t;
        t.diff = true;
        let r = run(&Git, main.clone(), &t.ctx(false));
        let prepared = r.data["diff"]["prepared"].as_str().unwrap_or_default();
        assert!(prepared.contains("-2\n+3"), "{r:?}");
        assert!(
            r.changed && r.data["before"] == json!(second) && r.data["after"] == json!(third),
            "{r:?}"
        );
        assert_eq!(
            std::fs::read_to_string(Path::new(&dest).join("f")).unwrap(),
            "3\n"
        );
        assert!(!run(&Git, main, &t.ctx(false)).changed);
    }

    #[test]
    fn local_changes_need_force_and_update_false_stays() {
        let t = TestCtx::new();
        let (url, _, second) = origin(&t);
        let dest = t.path("co");
        let r = run(
            &Git,
            json!({"repo": url, "dest": dest, "version": "main", "depth": 1}),
            &t.ctx(false),
        );
        assert!(r.changed, "{r:?}");
        std::fs::write(Path::new(&dest).join("f"), "local\n").unwrap();
        let r = run(
            &Git,
            json!({"repo": url, "dest": dest, "version": "main"}),
            &t.ctx(false),
        );
        assert!(
            r.failed && r.msg.as_deref().unwrap().contains("Local modifications"),
            "{r:?}"
        );
        let r = run(
            &Git,
            json!({"repo": url, "dest": dest, "version": "main", "force": true}),
            &t.ctx(false),
        );
        assert!(r.changed && r.data["after"] == json!(second), "{r:?}");
        assert_eq!(
            std::fs::read_to_string(Path::new(&dest).join("f")).unwrap(),
            "2\n"
        );
        let r = run(
            &Git,
            json!({"repo": url, "dest": dest, "update": false, "version": "v1"}),
            &t.ctx(false),
        );
        assert!(!r.changed && r.data["after"] == json!(second), "{r:?}");
        let r = run(
            &Git,
            json!({"repo": url, "dest": t.path("none"), "clone": false}),
            &t.ctx(false),
        );
        assert!(!r.changed && r.data["after"].is_null(), "{r:?}");
        let r = run(
            &Git,
            json!({"repo": t.path("missing"), "dest": t.path("x")}),
            &t.ctx(false),
        );
        assert!(r.failed, "{r:?}");
    }
}
