//! `copy`: finds `src` on the controller (or takes `content`), and sends the bytes on stdin to
//! copy.sh. `write_file` is shared with `template`.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha1::{Digest, Sha1};

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return, Rule};
use super::copy_tree;
use super::diff;
use super::script::{Script, ScriptOutput};
use super::{Action, Ctx, Module, RemoteCall};
use crate::result::TaskResult;
use crate::transport::Stdin;

const BODY: &str = include_str!("../../modules/copy.sh");

/// Content up to this size with no NUL byte is compared with the target's file by the shell
/// itself, which reads it with `read` (a system call per byte, but no program started): an
/// unchanged small file then costs one `stat` on the target instead of `stat` and `sha1sum`.
const SMALL_TEXT_MAX: usize = 2048;

pub struct Copy;

/// Arguments `copy` and `template` share (both end in copy.sh).
pub const WRITE_ARGS: &[&str] = &[
    "mode", "owner", "group", "force", "backup", "follow", "validate",
];

static SPEC: ModuleSpec = ModuleSpec {
    name: "copy",
    summary: "Copies a controller file or inline content to the target",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("src", Kind::Str).doc(
            "The file to send, looked up in `files/` then beside the playbook; a directory is \
             copied whole (with a trailing `/`, only its contents). With `remote_src`, a path \
             on the target.",
        ),
        Arg::new("content", Kind::Any)
            .doc("The text to write instead of `src`; a list or a mapping is written as JSON."),
        Arg::new("dest", Kind::Str).required().doc(
            "Where the file goes on the target; a path ending in `/` is a directory the file \
             goes into.",
        ),
        Arg::new("mode", Kind::Mode).doc(
            "The permissions of the file, as an octal string (`'0644'`) or symbolic \
             (`u=rw,g=r`); quote octal numbers in YAML. `preserve` keeps the source file's \
             mode.",
        ),
        Arg::new("owner", Kind::Str)
            .doc("The user that owns the file (a name, or a number taken as a uid)."),
        Arg::new("group", Kind::Str)
            .doc("The group that owns the file (a name, or a number taken as a gid)."),
        Arg::new("force", Kind::Bool)
            .aliases(&["thirsty"])
            .default("true")
            .doc(
                "Replace a file whose content differs; when false, only a missing file is written.",
            ),
        Arg::new("backup", Kind::Bool).default("false").doc(
            "Keep a copy of the old file beside it, its name stamped with the time, before \
             changing it.",
        ),
        Arg::new("follow", Kind::Bool)
            .default("false")
            .doc("When `dest` is a symbolic link, write the file it points to."),
        Arg::new("remote_src", Kind::Bool)
            .default("false")
            .doc("Take `src` from the target itself instead of the controller."),
        Arg::new("unsafe_writes", Kind::Bool)
            .doc("Accepted as Ansible does; rconf always writes through a temp file and a rename."),
        Arg::new("validate", Kind::Str).doc(
            "A command that checks the new file before it replaces the old one; `%s` stands \
             for the temp file. A failure leaves the old file untouched.",
        ),
        Arg::new("directory_mode", Kind::Mode)
            .doc("The permissions of directories the copy creates; existing ones keep theirs."),
        Arg::new("local_follow", Kind::Bool)
            .implied_default("true")
            .doc("Follow symbolic links found in a source directory on the controller."),
        Arg::new("decrypt", Kind::Bool)
            .default("true")
            .doc("Send a vault-encrypted `src` decrypted."),
    ],
    any_args: false,
    required_one_of: &[&["src", "content"]],
    mutually_exclusive: &[&["src", "content"]],
    // The same requirements in the words of Ansible's copy action plugin.
    rules: &[
        Rule::Action(&["src", "content"], "src (or content) is required"),
        Rule::Action(&["dest"], "dest is required"),
        Rule::Exclusive(&["src", "content"], "src and content are mutually exclusive"),
    ],
    returns: &[
        Return::new("dest", "str", "success", "The path written."),
        Return::new(
            "src",
            "str",
            "src given",
            "The source the content came from.",
        ),
        Return::new(
            "checksum",
            "str",
            "success",
            "The SHA-1 of the file after the copy.",
        ),
        Return::new(
            "backup_file",
            "str",
            "changed and backup=true",
            "The copy of the old file.",
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
        Return::new("state", "str", "success", "`file`."),
    ],
    notes: "",
    example: concat!(
        "- copy:\n",
        "    src: motd\n",
        "    dest: /etc/motd\n",
        "    mode: '0644'"
    ),
};

/// New file content: bytes in memory or a controller file streamed on stdin.
pub enum Content {
    Bytes(Vec<u8>),
    File(PathBuf),
}

/// Finds `name` in `<base>/<sub>/` then `<base>/` for each search dir; absolute paths as is.
pub fn find_source(name: &str, sub: &str, ctx: &Ctx) -> Result<PathBuf, String> {
    let p = Path::new(name);
    if p.is_absolute() {
        return if p.exists() {
            Ok(p.to_path_buf())
        } else {
            Err(format!(
                "Could not find or access `{name}` on the controller"
            ))
        };
    }
    let mut tried = Vec::new();
    for base in ctx.search_dirs {
        for cand in [base.join(sub).join(p), base.join(p)] {
            if cand.exists() {
                return Ok(cand);
            }
            tried.push(cand.display().to_string());
        }
    }
    Err(format!(
        "Could not find or access `{name}`; searched in: {}",
        tried.join(", ")
    ))
}

/// The plain text of `path` when it is vault-encrypted (only its first bytes are read
/// otherwise, so large files are not loaded).
pub(crate) fn vaulted(path: &Path) -> Option<Result<String, String>> {
    let mut head = [0u8; 15];
    let mut f = std::fs::File::open(path).ok()?;
    f.read_exact(&mut head).ok()?;
    if &head != b"$ANSIBLE_VAULT;" {
        return None;
    }
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string());
    Some(text.and_then(|t| crate::vault::open_value(&t).unwrap_or(Ok(t))))
}

/// The SHA-1 of `content`, its MD5 (the legacy `md5sum` Ansible's copy still returns) and its
/// length in bytes: copy.sh checks the SHA-1 and the size before the new content replaces
/// anything.
fn sha1_hex(content: &Content) -> Result<(String, String, u64), String> {
    let mut h = Sha1::new();
    let mut md5 = md5::Md5::new();
    let mut size = 0u64;
    match content {
        Content::Bytes(b) => {
            h.update(b);
            md5.update(b);
            size = b.len() as u64;
        }
        Content::File(p) => {
            let mut f = std::fs::File::open(p)
                .map_err(|e| format!("cannot read `{}`: {e}", p.display()))?;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = f
                    .read(&mut buf)
                    .map_err(|e| format!("cannot read `{}`: {e}", p.display()))?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
                md5.update(&buf[..n]);
                size += n as u64;
            }
        }
    }
    let hex = |d: &[u8]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
    Ok((hex(&h.finalize()), hex(&md5.finalize()), size))
}

/// Plans writing `content` to `dest` with copy's semantics. `basename` names the file inside
/// a directory dest; `after_header` labels the new content in diffs.
pub fn write_file(
    args: &Args,
    ctx: &Ctx,
    dest: &str,
    basename: Option<&str>,
    content: Content,
    after_header: &str,
) -> Action {
    // A small source file travels like `content`, so that it can take the small-text path.
    let content = match content {
        Content::File(p)
            if std::fs::metadata(&p).is_ok_and(|m| m.len() <= SMALL_TEXT_MAX as u64) =>
        {
            std::fs::read(&p).map_or(Content::File(p), Content::Bytes)
        }
        other => other,
    };
    let built = (|| {
        let (checksum, md5sum, size) = sha1_hex(&content)?;
        if ctx.diff {
            let after = match &content {
                Content::Bytes(b) => Some(b.clone()),
                Content::File(p) => std::fs::metadata(p)
                    .ok()
                    .filter(|m| m.len() <= diff::MAX_DIFF_SIZE as u64)
                    .and_then(|_| std::fs::read(p).ok()),
            };
            if let Some(after) = after {
                diff::remember_after(&checksum, after_header, after);
            }
        }
        let mut s = Script::new(ctx)?;
        match super::script::home_relative(dest) {
            Some(rest) => s.home_var("A_dest", rest.as_bytes())?,
            None => s.var("A_dest", dest.as_bytes())?,
        };
        if let Some(b) = basename {
            s.var("A_basename", b.as_bytes())?;
        }
        s.var("A_checksum", checksum.as_bytes())?;
        s.var("A_md5", md5sum.as_bytes())?;
        s.var("A_size", size.to_string().as_bytes())?;
        if args.str("dest").is_some_and(|d| d.ends_with('/')) {
            s.var("A_mkdirs", b"1")?;
            s.args(args, &["directory_mode"])?;
        }
        if let Content::Bytes(b) = &content
            && b.len() <= SMALL_TEXT_MAX
            && !b.contains(&0)
        {
            s.var("A_small", b.len().to_string().as_bytes())?;
        }
        s.args(args, WRITE_ARGS)?;
        let stdin = match content {
            Content::Bytes(b) => Stdin::Bytes(b),
            Content::File(p) => Stdin::File(p),
        };
        Ok::<_, String>((s.finish(BODY), stdin))
    })();
    match built {
        Ok((script, stdin)) => Action::Remote(RemoteCall { script, stdin }),
        Err(e) => Action::Done(TaskResult::failed(e)),
    }
}

/// Turns copy.sh's output into copy's result: checksum, src and the content diff.
pub fn finish_write(
    module: &str,
    args: &Args,
    out: ScriptOutput,
    src: Option<String>,
) -> TaskResult {
    let before = out.payload.clone();
    let mut r = out.into_result_for(module);
    if r.data.contains_key("module_stdout") {
        return r;
    }
    let shown = r.data.remove("before_shown").is_some();
    if let Some(src) = src {
        r.data.insert("src".into(), Value::from(src));
    }
    let larger = r.data.remove("dst_larger").is_some();
    let checksum = r
        .data
        .get("checksum")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(c) = checksum.filter(|_| r.changed && !r.failed) {
        let dest = r
            .data
            .get("dest")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let before = if shown {
            diff::Before::Shown(&before)
        } else if larger {
            diff::Before::TooLarge
        } else {
            diff::Before::Absent
        };
        if let Some(d) = diff::content_diff(&c, &dest, before) {
            r.data.insert("diff".into(), d);
        }
    }
    let _ = args;
    r
}

/// `mode: preserve` means the source file's mode.
pub fn preserve_mode(args: &Args, src: &Path) -> Result<Args, String> {
    use std::os::unix::fs::PermissionsExt;
    let mut args = args.clone();
    if args.str("mode") == Some("preserve") {
        let meta =
            std::fs::metadata(src).map_err(|e| format!("cannot read `{}`: {e}", src.display()))?;
        args.0.insert(
            "mode".into(),
            Value::from(format!("{:04o}", meta.permissions().mode() & 0o7777)),
        );
    }
    Ok(args)
}

impl Module for Copy {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        if let Err(e) = args.check_validate() {
            return Action::Done(TaskResult::failed(e));
        }
        if args.bool("remote_src", false) {
            return copy_tree::plan_remote(args, ctx);
        }
        let dest = args.str("dest").unwrap_or_default();
        if let Some(content) = args.get("content") {
            if dest.ends_with('/') {
                return Action::Done(TaskResult::failed("can not use content with a dir as dest"));
            }
            let bytes = match content {
                Value::String(s) => s.clone().into_bytes(),
                other => crate::report::human::py_json(other, None).into_bytes(),
            };
            // Ansible writes `content` to a private temp file first: `mode: preserve` keeps
            // that file's 0600.
            let mut args = args.clone();
            if args.str("mode") == Some("preserve") {
                args.0.insert("mode".into(), Value::from("0600"));
            }
            return write_file(
                &args,
                ctx,
                dest,
                None,
                Content::Bytes(bytes),
                "dynamically generated",
            );
        }
        let src = args.str("src").unwrap_or_default();
        if src.is_empty() {
            return Action::Done(TaskResult::failed("src (or content) is required"));
        }
        let path = match find_source(src, "files", ctx) {
            Ok(p) => p,
            Err(e) => return Action::Done(TaskResult::failed(e)),
        };
        if path.is_dir() {
            return copy_tree::plan_tree(args, ctx, &path);
        }
        let base = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let full_dest = if dest.ends_with('/') {
            format!("{dest}{base}")
        } else {
            dest.to_string()
        };
        let label = path.display().to_string();
        let args = match preserve_mode(args, &path) {
            Ok(a) => a,
            Err(e) => return Action::Done(TaskResult::failed(e)),
        };
        // A vault-encrypted source is copied as its plain text, unless `decrypt: false`.
        let content = match vaulted(&path).filter(|_| args.bool("decrypt", true)) {
            Some(Ok(plain)) => Content::Bytes(plain.into_bytes()),
            Some(Err(e)) => {
                return Action::Done(TaskResult::failed(format!("`{label}`: vault: {e}")));
            }
            None => Content::File(path),
        };
        write_file(&args, ctx, &full_dest, Some(&base), content, &label)
    }

    fn finish(&self, args: &Args, out: ScriptOutput) -> TaskResult {
        finish_write("copy", args, out, args.string("src"))
    }
}

#[cfg(test)]
mod action_words {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_arguments_are_said_in_the_copy_action_plugins_words() {
        let spec = Copy.spec();
        let words = |raw: serde_json::Value| -> Vec<String> {
            spec.check(&spec.normalize(&raw).unwrap())
                .into_iter()
                .map(|p| p.message)
                .collect()
        };
        assert_eq!(words(json!({"src": "a"})), ["dest is required"]);
        assert_eq!(words(json!({"dest": "/x"})), ["src (or content) is required"]);
        assert_eq!(
            words(json!({"src": "a", "content": "b", "dest": "/x"})),
            ["src and content are mutually exclusive"]
        );
    }

    #[test]
    fn a_device_is_no_remote_source() {
        let t = crate::modules::testutil::TestCtx::new();
        let r = crate::modules::testutil::run(
            &Copy,
            json!({"src": "/dev/null", "dest": t.path("x"), "remote_src": true}),
            &t.ctx(false),
        );
        assert_eq!(
            r.msg.as_deref(),
            Some("Cannot copy invalid source '/dev/null': not a file"),
            "{r:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;
    use std::os::unix::fs::PermissionsExt;

    fn mode_of(p: &str) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    const HOSTILE: &str = "it's \"quoted\" $(rm -rf /) `id` ; * ~\nline two\\n\n";

    #[test]
    fn content_is_written_byte_exact_then_unchanged() {
        let t = TestCtx::new();
        let dest = t.path("dir with 'quote' $(x)");
        std::fs::create_dir(&dest).unwrap();
        let dest = format!("{dest}/out\nfile");
        let args = json!({"content": HOSTILE, "dest": dest});
        let check = run(&Copy, args.clone(), &t.ctx(true));
        assert!(
            check.changed && !std::path::Path::new(&dest).exists(),
            "{check:?}"
        );
        let first = run(&Copy, args.clone(), &t.ctx(false));
        assert!(first.changed && !first.failed, "{first:?}");
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), HOSTILE);
        assert_eq!(first.data["dest"], dest);
        assert_eq!(first.data["checksum"].as_str().unwrap().len(), 40);
        assert_eq!(first.data["size"], HOSTILE.len());
        // The legacy md5sum, as Ansible's copy module returns it when it writes.
        let md5: String = md5::Md5::digest(HOSTILE.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(first.data["md5sum"], md5.as_str());
        let second = run(&Copy, args.clone(), &t.ctx(false));
        assert!(!second.changed, "{second:?}");
        assert!(!second.data.contains_key("md5sum"), "{second:?}");
        assert!(!run(&Copy, args, &t.ctx(true)).changed);
    }

    /// As Ansible's copy: a dest ending in `/` names a directory, made with its parents
    /// (directory_mode on the new ones) when it is missing.
    #[test]
    fn a_dest_ending_in_a_slash_makes_the_missing_directories() {
        let t = TestCtx::new();
        std::fs::write(t.path("src.txt"), "hello\n").unwrap();
        std::fs::create_dir(t.path("top")).unwrap();
        let args = json!({
            "src": t.path("src.txt"),
            "dest": format!("{}/", t.path("top/a/b")),
            "directory_mode": "0750",
        });
        let r = run(&Copy, args.clone(), &t.ctx(true));
        assert!(r.changed && !r.failed, "{r:?}");
        assert!(
            !std::path::Path::new(&t.path("top/a")).exists(),
            "check mode made it"
        );
        let r = run(&Copy, args.clone(), &t.ctx(false));
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(
            std::fs::read_to_string(t.path("top/a/b/src.txt")).unwrap(),
            "hello\n"
        );
        assert_eq!(mode_of(&t.path("top/a")), 0o750);
        assert_eq!(mode_of(&t.path("top/a/b")), 0o750);
        let r = run(&Copy, args, &t.ctx(false));
        assert!(!r.changed && !r.failed, "{r:?}");
    }

    #[test]
    fn small_text_is_compared_byte_for_byte_and_large_content_by_checksum() {
        let big = "x".repeat(5000) + "\n";
        let mut big_other = big.clone().into_bytes();
        big_other[100] = b'y';
        let cases: Vec<(&[u8], &str, bool)> = vec![
            (b"abc\n", "abd\n", true),
            (b"a\0cd", "abcd", true),
            (b"no newline", "no newline", false),
            (b"no newline\n", "no newline", true),
            (b"  lead\\\r\n\ttab \n\n", "  lead\\\r\n\ttab \n\n", false),
            ("\u{e9}t\u{e9}\n".as_bytes(), "\u{e9}t\u{e9}\n", false),
            (b"", "", false),
            (big.as_bytes(), &big, false),
            (&big_other, &big, true),
        ];
        for (i, (before, content, changes)) in cases.into_iter().enumerate() {
            let t = TestCtx::new();
            let dest = t.path("f");
            std::fs::write(&dest, before).unwrap();
            let args = json!({"content": content, "dest": dest});
            let r = run(&Copy, args.clone(), &t.ctx(false));
            assert_eq!(r.changed, changes, "case {i}: {r:?}");
            assert_eq!(
                std::fs::read(&dest).unwrap(),
                content.as_bytes(),
                "case {i}"
            );
            assert!(!run(&Copy, args, &t.ctx(false)).changed, "case {i} again");
        }
    }

    #[test]
    fn structured_content_is_written_as_json() {
        let t = TestCtx::new();
        let dest = t.path("j");
        let r = run(
            &Copy,
            json!({"content": ["web", {"a": 1}], "dest": dest}),
            &t.ctx(false),
        );
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(
            std::fs::read_to_string(&dest).unwrap(),
            "[\"web\", {\"a\": 1}]"
        );
    }

    #[test]
    fn new_file_gets_umask_mode_not_mktemp_mode() {
        let t = TestCtx::new();
        let dest = t.path("new");
        run(&Copy, json!({"content": "x", "dest": dest}), &t.ctx(false));
        let umask = unsafe {
            let u = libc::umask(0o022);
            libc::umask(u);
            u
        };
        assert_eq!(mode_of(&dest), 0o666 & !(umask as u32));
    }

    #[test]
    fn existing_file_keeps_mode_unless_given() {
        let t = TestCtx::new();
        let dest = t.path("f");
        std::fs::write(&dest, "old").unwrap();
        std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(
            run(
                &Copy,
                json!({"content": "new", "dest": dest}),
                &t.ctx(false)
            )
            .changed
        );
        assert_eq!(mode_of(&dest), 0o640);
        let r = run(
            &Copy,
            json!({"content": "new", "dest": dest, "mode": 0o600}),
            &t.ctx(false),
        );
        assert!(r.changed, "an attribute change is a change");
        assert_eq!(mode_of(&dest), 0o600);
        assert_eq!(r.data["mode"], "0600");
    }

    #[test]
    fn src_is_found_in_files_and_streamed() {
        let t = TestCtx::new();
        let files = t.search[0].join("files");
        std::fs::create_dir_all(&files).unwrap();
        let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(files.join("blob.bin"), &big).unwrap();
        let dir = t.path("d");
        std::fs::create_dir(&dir).unwrap();
        let r = run(
            &Copy,
            json!({"src": "blob.bin", "dest": dir}),
            &t.ctx(false),
        );
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(std::fs::read(format!("{dir}/blob.bin")).unwrap(), big);
        assert_eq!(r.data["dest"], format!("{dir}/blob.bin"));
        assert!(
            !run(
                &Copy,
                json!({"src": "blob.bin", "dest": format!("{dir}/")}),
                &t.ctx(false)
            )
            .changed
        );
    }

    #[test]
    fn missing_src_fails_on_the_controller() {
        let t = TestCtx::new();
        let r = run(
            &Copy,
            json!({"src": "nope.txt", "dest": t.path("x")}),
            &t.ctx(false),
        );
        assert!(
            r.failed
                && r.msg
                    .unwrap()
                    .contains("Could not find or access `nope.txt`")
        );
    }

    #[test]
    fn force_no_leaves_existing_file_and_backup_keeps_old() {
        let t = TestCtx::new();
        let dest = t.path("f");
        std::fs::write(&dest, "old").unwrap();
        let r = run(
            &Copy,
            json!({"content": "new", "dest": dest, "force": false}),
            &t.ctx(false),
        );
        assert!(!r.changed);
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "old");
        let r = run(
            &Copy,
            json!({"content": "new", "dest": dest, "backup": true}),
            &t.ctx(false),
        );
        let backup = r.data["backup_file"].as_str().unwrap().to_string();
        assert_eq!(std::fs::read_to_string(backup).unwrap(), "old");
        let leftovers: Vec<_> = std::fs::read_dir(t.dir())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".rconf"))
            .collect();
        assert!(leftovers.is_empty(), "no temp files left behind");
    }

    #[test]
    fn diff_mode_returns_before_and_after() {
        let mut t = TestCtx::new();
        t.diff = true;
        let dest = t.path("f");
        std::fs::write(&dest, "one\n").unwrap();
        let r = run(
            &Copy,
            json!({"content": "two\n", "dest": dest}),
            &t.ctx(false),
        );
        assert_eq!(r.data["diff"]["before"], "one\n");
        assert_eq!(r.data["diff"]["after"], "two\n");
        assert_eq!(r.data["diff"]["before_header"], dest);
        assert_eq!(r.data["diff"]["after_header"], "dynamically generated");
    }
}

#[cfg(test)]
mod failure_tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temp_file() {
        let t = TestCtx::new();
        let dest = t.path("f");
        std::fs::write(&dest, "old").unwrap();
        let r = run(
            &Copy,
            json!({"content": "new", "dest": dest, "owner": "no-such-user-rconf"}),
            &t.ctx(false),
        );
        assert!(r.failed, "{r:?}");
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "old");
        let names: Vec<String> = std::fs::read_dir(t.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["f".to_string()]);
    }
}
