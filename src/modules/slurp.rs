//! `slurp` (a remote file, base64 encoded, in the result) and `fetch` (a remote file stored on
//! the controller under `dest/<host>/<path>` or at `dest` with `flat`). The file travels as the
//! script's payload; slurp.sh only `cat`s it.

use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::Value;
use sha1::{Digest, Sha1};

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::script::ScriptOutput;
use super::simple::remote_with;
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

const BODY: &str = include_str!("../../modules/slurp.sh");

pub struct Slurp;
pub struct Fetch;

static SLURP_SPEC: ModuleSpec = ModuleSpec {
    name: "slurp",
    summary: "Returns a remote file's content, base64 encoded",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[Arg::new("src", Kind::Str)
        .aliases(&["path"])
        .required()
        .doc("The file to read on the target.")],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new(
            "content",
            "str",
            "success",
            "The file's bytes, base64 encoded (`b64decode` reads them).",
        ),
        Return::new("encoding", "str", "success", "`base64`."),
        Return::new("source", "str", "success", "The file read."),
    ],
    notes: "",
    example: concat!(
        "- slurp:\n",
        "    src: /etc/hostname\n",
        "  register: hostname_file"
    ),
};

static FETCH_SPEC: ModuleSpec = ModuleSpec {
    name: "fetch",
    summary: "Copies a remote file to the controller",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("src", Kind::Str)
            .required()
            .doc("The file to copy from the target."),
        Arg::new("dest", Kind::Str).required().doc(
            "Where it goes on the controller: `dest/<host>/<src>`, or with `flat` `dest` \
             itself (inside it when it ends in `/`).",
        ),
        Arg::new("flat", Kind::Bool).default("false").doc(
            "Store the file at `dest` itself instead of under the host's name and the full \
             path.",
        ),
        Arg::new("fail_on_missing", Kind::Bool)
            .default("true")
            .doc("Fail when `src` cannot be read; when false, the task only says so."),
        Arg::new("validate_checksum", Kind::Bool)
            .default("true")
            .doc("Fail when the file that arrived differs from the one on the target."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new(
            "dest",
            "str",
            "success",
            "The file written on the controller.",
        ),
        Return::new("file", "str", "success", "The file copied from the target."),
        Return::new("checksum", "str", "success", "The SHA-1 of the file."),
        Return::new(
            "remote_checksum",
            "str",
            "success",
            "The SHA-1 of the file on the target.",
        ),
    ],
    notes: "",
    example: concat!(
        "- fetch:\n",
        "    src: /var/log/app.log\n",
        "    dest: logs/"
    ),
};

impl Module for Slurp {
    fn spec(&self) -> &'static ModuleSpec {
        &SLURP_SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        remote_with(args, ctx, &["src"], BODY, |_| Ok(()))
    }

    fn finish(&self, _args: &Args, out: ScriptOutput) -> TaskResult {
        let content = base64::engine::general_purpose::STANDARD.encode(&out.payload);
        let mut r = out.into_result_for("slurp");
        r.data.remove("missing");
        r.data.remove("remote_checksum");
        r.data.remove("local");
        r.data.remove("check");
        if !r.failed {
            r.data.insert("content".into(), Value::from(content));
            r.data.insert("encoding".into(), Value::from("base64"));
        }
        r
    }
}

/// Where fetch stores `src` from `host`: `dest` itself with `flat` (inside it when it ends in
/// `/`), else `dest/<host>/<src as an absolute path>`.
pub fn fetch_dest(dest: &str, src: &str, host: &str, flat: bool) -> PathBuf {
    if flat {
        if dest.ends_with('/') {
            let base = src.rsplit('/').next().unwrap_or(src);
            return Path::new(dest).join(base);
        }
        return PathBuf::from(dest);
    }
    Path::new(dest).join(host).join(src.trim_start_matches('/'))
}

fn sha1_hex(bytes: &[u8]) -> String {
    Sha1::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Module for Fetch {
    fn spec(&self) -> &'static ModuleSpec {
        &FETCH_SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        let src = args.str("src").unwrap_or_default();
        let local = fetch_dest(
            args.str("dest").unwrap_or_default(),
            src,
            ctx.host,
            args.bool("flat", false),
        );
        // The result echoes these back: finish has no context of its own.
        let check = if ctx.check { "1" } else { "0" };
        remote_with(args, ctx, &["src"], BODY, |s| {
            s.var("A_local", local.to_string_lossy().as_bytes())?;
            s.var("A_sum", b"1")?;
            s.var("RC_FETCH_CHECK", check.as_bytes())?;
            Ok(())
        })
    }

    fn finish(&self, args: &Args, out: ScriptOutput) -> TaskResult {
        let payload = out.payload.clone();
        let mut r = out.into_result_for("fetch");
        let missing = r.data.remove("missing").is_some();
        if missing && !args.bool("fail_on_missing", true) {
            let msg = r.msg.take().unwrap_or_default();
            return TaskResult::ok()
                .with_msg(msg)
                .with("file", args.string("src").unwrap_or_default());
        }
        if r.failed {
            return r;
        }
        let local = r
            .data
            .remove("local")
            .and_then(|v| v.as_str().map(PathBuf::from))
            .unwrap_or_default();
        let check = r.data.remove("check").is_some_and(|v| v == true);
        let remote_sum = r
            .data
            .remove("remote_checksum")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let got = sha1_hex(&payload);
        if args.bool("validate_checksum", true) && !remote_sum.is_empty() && remote_sum != got {
            return TaskResult::failed(
                "checksum mismatch: the fetched file differs from the remote one",
            )
            .with("checksum", got)
            .with("remote_checksum", remote_sum);
        }
        let before = std::fs::read(&local).ok();
        let same = before.as_deref().is_some_and(|b| sha1_hex(b) == got);
        let mut res = TaskResult::ok()
            .with("dest", local.to_string_lossy().into_owned())
            .with("checksum", got.clone())
            .with("remote_checksum", got)
            .with("file", args.string("src").unwrap_or_default());
        if let Some(b) = &before {
            res = res.with("checksum_before", sha1_hex(b));
        }
        if same {
            return res;
        }
        res.changed = true;
        if check {
            return res;
        }
        let write = || -> std::io::Result<()> {
            if let Some(dir) = local.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = local.with_extension("rconf-fetch-tmp");
            std::fs::write(&tmp, &payload)?;
            std::fs::rename(&tmp, &local)
        };
        match write() {
            Ok(()) => res,
            Err(e) => TaskResult::failed(format!(
                "cannot write `{}` on the controller: {e}",
                local.display()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn slurp_returns_the_bytes_base64_encoded() {
        let t = TestCtx::new();
        std::fs::write(t.path("f"), b"hi\x00\xff\n").unwrap();
        let r = run(&Slurp, json!({"path": t.path("f")}), &t.ctx(true));
        assert!(!r.failed && !r.changed, "{r:?}");
        assert_eq!(r.data["content"], "aGkA/wo=");
        assert_eq!(r.data["encoding"], "base64");
        let r = run(&Slurp, json!({"src": t.path("nope")}), &t.ctx(false));
        assert!(r.failed && r.msg.unwrap().contains("file not found"));
    }

    #[test]
    fn fetch_paths_follow_ansibles_layout() {
        assert_eq!(
            fetch_dest("out", "/etc/hosts", "web1", false),
            PathBuf::from("out/web1/etc/hosts")
        );
        assert_eq!(
            fetch_dest("out/", "/etc/hosts", "web1", true),
            PathBuf::from("out/hosts")
        );
        assert_eq!(
            fetch_dest("out/h.txt", "/etc/hosts", "web1", true),
            PathBuf::from("out/h.txt")
        );
    }

    #[test]
    fn fetch_stores_once_and_check_mode_writes_nothing() {
        let t = TestCtx::new();
        std::fs::write(t.path("remote"), "data\n").unwrap();
        let dest = t.path("store");
        let args = json!({"src": t.path("remote"), "dest": dest});
        let local = fetch_dest(&dest, &t.path("remote"), "testhost", false);
        let r = run(&Fetch, args.clone(), &t.ctx(true));
        assert!(r.changed && !r.failed, "{r:?}");
        assert!(!local.exists(), "check mode wrote the file");
        let r = run(&Fetch, args.clone(), &t.ctx(false));
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(std::fs::read_to_string(&local).unwrap(), "data\n");
        let r = run(&Fetch, args, &t.ctx(false));
        assert!(!r.changed, "{r:?}");
        let r = run(
            &Fetch,
            json!({"src": t.path("nope"), "dest": dest, "fail_on_missing": false}),
            &t.ctx(false),
        );
        assert!(!r.failed && !r.changed, "{r:?}");
    }
}
