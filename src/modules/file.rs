//! `file`: the controller half (argument rules, result keys, diff); the work is in file.sh.

use serde_json::{Value, json};

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::script::{Script, ScriptOutput};
use super::{Action, Ctx, Module, RemoteCall};
use crate::result::TaskResult;
use crate::transport::Stdin;

const BODY: &str = include_str!("../../modules/file.sh");

/// `touch -t` reads exactly Ansible's default time format, so only that one is supported.
const TIME_FORMAT: &str = "%Y%m%d%H%M.%S";

pub struct File;

static SPEC: ModuleSpec = ModuleSpec {
    name: "file",
    summary: "Manages files, directories, links and their attributes",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("path", Kind::Str)
            .aliases(&["dest", "name"])
            .required()
            .doc("The path to manage on the target."),
        Arg::new("state", Kind::Str)
            .choices(&["absent", "directory", "file", "hard", "link", "touch"])
            .doc(
                "What `path` should be: `file` (only attributes change, it must exist), \
                 `directory` (made with its parents), `link`, `hard`, `touch` (made or its times \
                 updated) or `absent` (removed, a directory with its contents).",
            ),
        Arg::new("src", Kind::Str).doc(
            "The target of the link, for `state=link` and `state=hard`; a relative `src` is \
             relative to the link's directory.",
        ),
        Arg::new("mode", Kind::Mode).doc(
            "The permissions of the file, as an octal string (`'0644'`) or symbolic \
             (`u=rw,g=r`); quote octal numbers in YAML.",
        ),
        Arg::new("owner", Kind::Str)
            .doc("The user that owns the file (a name, or a number taken as a uid)."),
        Arg::new("group", Kind::Str)
            .doc("The group that owns the file (a name, or a number taken as a gid)."),
        Arg::new("recurse", Kind::Bool).default("false").doc(
            "With `state=directory`, set `mode`, `owner` and `group` on everything inside the \
             directory too.",
        ),
        Arg::new("force", Kind::Bool).default("false").doc(
            "Make the link even when its source does not exist yet, or replace a file that is \
             in the way.",
        ),
        Arg::new("follow", Kind::Bool)
            .default("true")
            .doc("When `path` is a symbolic link, manage the file it points to."),
        Arg::new("modification_time", Kind::Str).doc(
            "The file's modification time: `now`, `preserve`, or a time in \
             `modification_time_format`; `touch` sets it to now by default, other states \
             preserve it.",
        ),
        Arg::new("modification_time_format", Kind::Str)
            .default("%Y%m%d%H%M.%S")
            .doc("The format of `modification_time`; rconf supports only this default."),
        Arg::new("access_time", Kind::Str).doc(
            "The file's access time: `now`, `preserve`, or a time in `access_time_format`; \
             `touch` sets it to now by default, other states preserve it.",
        ),
        Arg::new("access_time_format", Kind::Str)
            .default("%Y%m%d%H%M.%S")
            .doc("The format of `access_time`; rconf supports only this default."),
        Arg::new("unsafe_writes", Kind::Bool)
            .doc("Accepted as Ansible does; rconf always writes through a temp file and a rename."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new("path", "str", "always", "The path the task managed."),
        Return::new(
            "state",
            "str",
            "success",
            "What the path is after the task: `file`, `directory`, `link`, `hard`, `absent`.",
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
    ],
    notes: "The default `state` is what the path already is (`file` when it does not exist), or \
            `directory` with `recurse`.",
    example: concat!(
        "- file:\n",
        "    path: /srv/app\n",
        "    state: directory\n",
        "    mode: '0755'"
    ),
};

/// A time in Ansible's default format (`%Y%m%d%H%M.%S`, which Python's strptime reads with a
/// one-digit second too: `202001011200.0`) as `touch -t` wants it; `now`/`preserve` as given.
fn touch_time(t: &str) -> String {
    match t.split_once('.') {
        Some((minutes, secs)) if secs.len() == 1 && secs.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{minutes}.0{secs}")
        }
        _ => t.to_string(),
    }
}

fn check_args(args: &Args) -> Result<(), String> {
    let state = args.str("state");
    if args.has("src") && !matches!(state, Some("link" | "hard")) {
        return Err("src option requires state to be 'link' or 'hard'".into());
    }
    // Without `src`, a link or hard link that exists is updated: the script decides, with
    // the path's state, as Ansible does.
    if args.bool("recurse", false) && state.is_some_and(|s| s != "directory") {
        return Err("recurse option requires state to be `directory`".into());
    }
    for (time, format) in [
        ("modification_time", "modification_time_format"),
        ("access_time", "access_time_format"),
    ] {
        let fmt = args.str(format).unwrap_or(TIME_FORMAT);
        let special = matches!(args.str(time), None | Some("now" | "preserve"));
        if fmt != TIME_FORMAT && !special {
            return Err(format!(
                "`{format}` other than `{TIME_FORMAT}` is not supported; got `{fmt}`"
            ));
        }
    }
    Ok(())
}

impl Module for File {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        if let Err(e) = check_args(args) {
            return Action::Done(TaskResult::failed(e).with("path", args.string("path")));
        }
        let built = (|| {
            let mut s = Script::new(ctx)?;
            s.args(
                args,
                &[
                    "path", "state", "src", "mode", "owner", "group", "recurse", "force", "follow",
                ],
            )?;
            for key in ["modification_time", "access_time"] {
                if let Some(t) = args.str(key) {
                    s.var(&format!("A_{key}"), touch_time(t).as_bytes())?;
                }
            }
            Ok::<_, String>(s.finish(BODY))
        })();
        match built {
            Ok(script) => Action::Remote(RemoteCall {
                script,
                stdin: Stdin::Empty,
            }),
            Err(e) => Action::Done(TaskResult::failed(e)),
        }
    }

    fn finish(&self, args: &Args, out: ScriptOutput) -> TaskResult {
        let mut r = out.into_result_for("file");
        let path = args.string("path").unwrap_or_default();
        let prev = r.data.remove("prev_state");
        if r.data.contains_key("module_stdout") {
            return r;
        }
        r.data.insert("path".into(), Value::from(path.clone()));
        if let Some(src) = args.str("src") {
            r.data.insert("src".into(), Value::from(src));
        }
        if r.changed {
            let state = r.data.get("state").cloned().unwrap_or(Value::Null);
            r.data.insert(
                "diff".into(),
                json!({"before": {"path": path, "state": prev}, "after": {"path": path, "state": state}}),
            );
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::path::Path;

    fn mode_of(p: &str) -> u32 {
        std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn directory_is_created_with_parents_then_unchanged() {
        let t = TestCtx::new();
        let p = t.path("a/b 'c'/$(d)");
        let args = json!({"path": p, "state": "directory", "mode": 0o750});
        let check = run(&File, args.clone(), &t.ctx(true));
        assert!(check.changed && !Path::new(&p).exists(), "{check:?}");
        let first = run(&File, args.clone(), &t.ctx(false));
        assert!(first.changed && !first.failed, "{first:?}");
        assert_eq!(mode_of(&p), 0o750);
        assert_eq!(
            mode_of(&t.path("a")),
            0o750,
            "created parents get the mode too"
        );
        assert_eq!(first.data["mode"], "0750");
        assert_eq!(first.data["path"], p);
        let second = run(&File, args, &t.ctx(false));
        assert!(!second.changed, "{second:?}");
    }

    #[test]
    fn unknown_owners_warn_in_check_mode_and_fail_with_ansibles_words() {
        let t = TestCtx::new();
        let p = t.path("f");
        std::fs::write(&p, "x").unwrap();
        let args = json!({"path": p, "state": "touch", "owner": "no-such-user-rconf"});
        let r = run(&File, args.clone(), &t.ctx(true));
        assert!(r.failed, "{r:?}");
        assert_eq!(
            r.msg.as_deref(),
            Some("chown failed: failed to look up user no-such-user-rconf")
        );
        assert_eq!(
            r.data["warnings"][0],
            "failed to look up user no-such-user-rconf. Create user up to this point in real play"
        );
        let g = run(&File, json!({"path": p, "group": "987654"}), &t.ctx(true));
        assert_eq!(
            g.data["warnings"][0],
            "failed to look up group with gid 987654. Create group up to this point in real play",
            "{g:?}"
        );
    }

    #[test]
    fn an_explicit_time_the_file_already_has_changes_nothing() {
        let t = TestCtx::new();
        let p = t.path("stamped");
        std::fs::write(&p, "x").unwrap();
        let args = json!({"path": p, "modification_time": "202202081414.00"});
        assert!(run(&File, args.clone(), &t.ctx(true)).changed);
        assert!(run(&File, args.clone(), &t.ctx(false)).changed);
        assert!(!run(&File, args.clone(), &t.ctx(false)).changed);
        assert!(!run(&File, args, &t.ctx(true)).changed);
    }

    #[test]
    fn a_hard_link_asked_for_at_a_directory_goes_inside_it() {
        let t = TestCtx::new();
        let src = t.path("src");
        std::fs::write(&src, "x").unwrap();
        let dir = t.path("d");
        std::fs::create_dir(&dir).unwrap();
        let args = json!({"src": src, "path": dir, "state": "hard"});
        let r = run(&File, args.clone(), &t.ctx(false));
        assert!(r.changed && !r.failed, "{r:?}");
        let inside = format!("{dir}/src");
        assert_eq!(
            std::fs::metadata(&inside).unwrap().ino(),
            std::fs::metadata(&src).unwrap().ino()
        );
        assert!(!run(&File, args, &t.ctx(false)).changed);
    }

    #[test]
    fn state_file_on_missing_path_fails_like_ansible() {
        let t = TestCtx::new();
        let p = t.path("nope");
        let r = run(&File, json!(format!("path={p} state=file")), &t.ctx(false));
        assert!(r.failed);
        assert_eq!(r.data["state"], "absent");
        assert_eq!(
            r.msg.unwrap(),
            format!("file ({p}) is absent, cannot continue")
        );
    }

    /// As Ansible's file module: the result's `state` is what the path is afterwards (a
    /// touched path is a file), and a mode with a special bit is `0` and four digits.
    #[test]
    fn touch_reports_the_file_and_modes_keep_ansibles_leading_zero() {
        let t = TestCtx::new();
        let p = t.path("t");
        let r = run(
            &File,
            json!({"path": p, "state": "touch", "mode": "01444"}),
            &t.ctx(false),
        );
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(r.data["state"], "file");
        assert_eq!(r.data["mode"], "01444");
        let r = run(&File, json!({"path": p, "mode": "0644"}), &t.ctx(false));
        assert_eq!(r.data["mode"], "0644");
    }

    #[test]
    fn touch_always_changes_unless_times_preserved() {
        let t = TestCtx::new();
        let p = t.path("new file\nwith newline");
        let args = json!({"path": p, "state": "touch", "mode": "0600"});
        assert!(run(&File, args.clone(), &t.ctx(false)).changed);
        assert_eq!(mode_of(&p), 0o600);
        assert!(run(&File, args, &t.ctx(false)).changed);
        let keep = json!({"path": p, "state": "touch", "modification_time": "preserve", "access_time": "preserve"});
        assert!(!run(&File, keep, &t.ctx(false)).changed);
        let at = json!({"path": p, "state": "touch", "modification_time": "202001020304.05", "access_time": "preserve"});
        assert!(run(&File, at, &t.ctx(false)).changed);
        let meta = std::fs::metadata(&p).unwrap();
        // 2020-01-02 03:04:05 in the local zone; `date` converts it, so no tz library is needed.
        assert_eq!(meta.mtime(), {
            let o = std::process::Command::new("date")
                .args(["-d", "2020-01-02 03:04:05", "+%s"])
                .output()
                .unwrap();
            String::from_utf8(o.stdout)
                .unwrap()
                .trim()
                .parse::<i64>()
                .unwrap()
        });
    }

    #[test]
    fn mode_changes_are_detected_and_check_mode_changes_nothing() {
        let t = TestCtx::new();
        let p = t.path("f");
        std::fs::write(&p, "x").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let args = json!({"path": p, "mode": "u=rw,go="});
        let check = run(&File, args.clone(), &t.ctx(true));
        assert!(check.changed && mode_of(&p) == 0o644, "{check:?}");
        assert!(run(&File, args.clone(), &t.ctx(false)).changed);
        assert_eq!(mode_of(&p), 0o600);
        assert!(!run(&File, args, &t.ctx(false)).changed);
    }

    #[test]
    fn absent_removes_recursively() {
        let t = TestCtx::new();
        std::fs::create_dir_all(t.path("d/e")).unwrap();
        std::fs::write(t.path("d/e/f"), "x").unwrap();
        let args = json!({"path": t.path("d"), "state": "absent"});
        assert!(run(&File, args.clone(), &t.ctx(true)).changed);
        assert!(Path::new(&t.path("d/e/f")).exists());
        assert!(run(&File, args.clone(), &t.ctx(false)).changed);
        assert!(!Path::new(&t.path("d")).exists());
        assert!(!run(&File, args, &t.ctx(false)).changed);
    }

    #[test]
    fn symlinks_are_created_retargeted_and_refuse_files() {
        let t = TestCtx::new();
        std::fs::write(t.path("target one"), "1").unwrap();
        std::fs::write(t.path("two"), "2").unwrap();
        let link = t.path("ln");
        let args = json!({"path": link, "src": t.path("target one"), "state": "link"});
        assert!(run(&File, args.clone(), &t.ctx(false)).changed);
        assert_eq!(
            std::fs::read_link(&link).unwrap(),
            Path::new(&t.path("target one"))
        );
        assert!(!run(&File, args, &t.ctx(false)).changed);
        let retarget = json!({"path": link, "src": "two", "state": "link"});
        assert!(run(&File, retarget, &t.ctx(false)).changed);
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "2");
        let onto_file = run(
            &File,
            json!({"path": t.path("two"), "src": link, "state": "link"}),
            &t.ctx(false),
        );
        assert!(
            onto_file.failed
                && onto_file
                    .msg
                    .unwrap()
                    .contains("refusing to convert from file to symlink")
        );
        let missing = run(
            &File,
            json!({"path": t.path("l2"), "src": t.path("none"), "state": "link"}),
            &t.ctx(false),
        );
        assert!(missing.failed, "{missing:?}");
    }

    #[test]
    fn hard_links_share_the_inode() {
        let t = TestCtx::new();
        std::fs::write(t.path("a"), "1").unwrap();
        let args = json!({"path": t.path("b"), "src": t.path("a"), "state": "hard"});
        assert!(run(&File, args.clone(), &t.ctx(false)).changed);
        assert_eq!(
            std::fs::metadata(t.path("a")).unwrap().ino(),
            std::fs::metadata(t.path("b")).unwrap().ino()
        );
        assert!(!run(&File, args, &t.ctx(false)).changed);
    }

    #[test]
    fn recurse_sets_mode_on_children() {
        let t = TestCtx::new();
        std::fs::create_dir_all(t.path("r/s")).unwrap();
        std::fs::write(t.path("r/s/f"), "x").unwrap();
        let args =
            json!({"path": t.path("r"), "state": "directory", "recurse": true, "mode": "0700"});
        assert!(run(&File, args.clone(), &t.ctx(false)).changed);
        assert_eq!(mode_of(&t.path("r/s/f")), 0o700);
        assert!(!run(&File, args, &t.ctx(false)).changed);
    }

    #[test]
    fn src_without_a_link_state_fails_with_ansibles_message() {
        let t = TestCtx::new();
        let r = run(
            &File,
            json!({"path": t.path("l"), "src": t.path("x")}),
            &t.ctx(false),
        );
        assert_eq!(
            r.msg.as_deref(),
            Some("src option requires state to be 'link' or 'hard'")
        );
    }

    #[test]
    fn a_one_digit_second_is_a_time_as_in_ansible() {
        assert_eq!(touch_time("202001011200.0"), "202001011200.00");
        assert_eq!(touch_time("202001011200.30"), "202001011200.30");
        assert_eq!(touch_time("now"), "now");
        let t = TestCtx::new();
        let r = run(
            &File,
            json!({"path": t.path("old"), "state": "touch", "modification_time": "202001011200.0"}),
            &t.ctx(false),
        );
        assert!(r.changed && !r.failed, "{r:?}");
        let mtime = std::fs::metadata(t.path("old")).unwrap().mtime();
        // 2020-01-01 12:00:00 in the test's local time zone: within a day of UTC's.
        assert!((mtime - 1_577_880_000).abs() < 86_400, "{mtime}");
    }

    #[test]
    fn a_link_without_src_updates_an_existing_link_and_creates_none() {
        let t = TestCtx::new();
        let r = run(
            &File,
            json!({"path": t.path("x"), "state": "link"}),
            &t.ctx(false),
        );
        assert_eq!(
            r.msg.as_deref(),
            Some("src is required for creating new symlinks")
        );
        let r = run(
            &File,
            json!({"path": t.path("h"), "state": "hard"}),
            &t.ctx(false),
        );
        assert_eq!(
            r.msg.as_deref(),
            Some("src is required for creating new hardlinks")
        );
        // As ansible-core's file target: with follow (the default), the link's target gets
        // the mode, and the link keeps pointing where it did.
        std::fs::write(t.path("target"), "x").unwrap();
        std::fs::set_permissions(t.path("target"), PermissionsExt::from_mode(0o666)).unwrap();
        std::os::unix::fs::symlink("./target", t.path("link")).unwrap();
        for (state, changed) in [(Value::Null, true), (json!("link"), false)] {
            let mut a = json!({"path": t.path("link"), "mode": "0644"});
            if !state.is_null() {
                a["state"] = state;
            }
            let r = run(&File, a, &t.ctx(false));
            assert!(!r.failed, "{r:?}");
            assert_eq!(r.changed, changed, "{r:?}");
        }
        let mode = std::fs::metadata(t.path("target"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
        assert_eq!(
            std::fs::read_link(t.path("link")).unwrap(),
            std::path::Path::new("./target")
        );
    }
}
