//! `git`: clones or updates a checkout with the target's git (git.sh); `before`/`after` are
//! commit ids, and check mode asks the remote what `after` would be.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::script::ScriptOutput;
use super::simple::remote;
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

const BODY: &str = include_str!("../../modules/git.sh");

pub struct Git;

static SPEC: ModuleSpec = ModuleSpec {
    name: "git",
    summary: "Clones a git repository or brings a checkout to a version",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("repo", Kind::Str)
            .aliases(&["name"])
            .required()
            .doc("The repository's URL or path."),
        Arg::new("dest", Kind::Str)
            .required()
            .doc("The checkout's directory on the target."),
        Arg::new("version", Kind::Str)
            .default("HEAD")
            .doc("The branch, tag or commit to check out."),
        Arg::new("remote", Kind::Str)
            .default("origin")
            .doc("The name of the remote."),
        Arg::new("force", Kind::Bool)
            .default("false")
            .doc("Discard local changes in the checkout when moving it to `version`."),
        Arg::new("depth", Kind::Int).doc("Make a shallow clone with this many commits of history."),
        Arg::new("update", Kind::Bool).default("true").doc(
            "Fetch and move an existing checkout to `version`; when false, only a missing \
             checkout is cloned.",
        ),
        Arg::new("clone", Kind::Bool)
            .default("true")
            .doc("Clone when `dest` has no checkout; when false, only report."),
        Arg::new("bare", Kind::Bool)
            .default("false")
            .doc("Make a bare repository, with no working tree."),
        Arg::new("recursive", Kind::Bool)
            .default("true")
            .doc("Clone and update submodules too."),
        Arg::new("single_branch", Kind::Bool)
            .default("false")
            .doc("Clone only the history of `version`."),
        Arg::new("accept_hostkey", Kind::Bool)
            .implied_default("false")
            .doc(
                "Let ssh accept the server's host key when it does not know it \
                 (`StrictHostKeyChecking=no`).",
            ),
        Arg::new("accept_newhostkey", Kind::Bool).doc(
            "Accepted as Ansible does; rconf does not pass it on (`ssh_opts: -o \
             StrictHostKeyChecking=accept-new` does the same).",
        ),
        Arg::new("key_file", Kind::Str)
            .doc("The private key on the target ssh uses to reach the repository."),
        Arg::new("ssh_opts", Kind::Str).doc("More options for ssh (`-o Port=2222`)."),
        Arg::new("executable", Kind::Str)
            .doc("The git program to run (`git` from PATH when unset)."),
        Arg::new("umask", Kind::Str).doc("Accepted as Ansible does; rconf does not use it."),
        Arg::new("track_submodules", Kind::Bool)
            .doc("Accepted as Ansible does; rconf does not use it."),
        Arg::new("verify_commit", Kind::Bool)
            .doc("Not supported by rconf yet: a task that sets it fails."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new(
            "before",
            "str",
            "success",
            "The commit checked out before the task (null when there was none).",
        ),
        Return::new(
            "after",
            "str",
            "success",
            "The commit checked out after the task.",
        ),
        Return::new(
            "remote_url_changed",
            "bool",
            "the remote's URL changed",
            "Whether the remote's URL was changed to `repo`.",
        ),
    ],
    notes: "",
    example: concat!(
        "- git:\n",
        "    repo: https://example.org/app.git\n",
        "    dest: /srv/app\n",
        "    version: v1.2.0"
    ),
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
