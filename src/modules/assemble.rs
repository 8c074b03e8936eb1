//! `assemble`: joins the fragments of a controller directory (`remote_src: false`) into one
//! file and writes it with copy's semantics, as Ansible's action plugin does. Fragments on the
//! target (`remote_src: true`, the default) are Ansible's module's work: `supports` hands those
//! tasks to it.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::copy::{Content, find_source, finish_write, vaulted, write_file};
use super::script::ScriptOutput;
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

pub struct Assemble;

static SPEC: ModuleSpec = ModuleSpec {
    name: "assemble",
    summary: "Joins the fragments of a directory into one file on the target",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("src", Kind::Str).required().doc(
            "The directory of fragments. With `remote_src: false`, a controller directory \
             looked up in `files/` then beside the playbook.",
        ),
        Arg::new("dest", Kind::Str)
            .required()
            .doc("The file the fragments are joined into, on the target."),
        Arg::new("remote_src", Kind::Bool).default("true").doc(
            "The fragments are on the target (run by Ansible's own module); false takes them \
             from the controller.",
        ),
        Arg::new("regexp", Kind::Str)
            .doc("Only fragments whose name this Python regular expression finds a match in."),
        Arg::new("delimiter", Kind::Str).doc(
            "Written between fragments, followed by a newline; escapes such as `\\n` are \
             decoded.",
        ),
        Arg::new("ignore_hidden", Kind::Bool)
            .default("false")
            .doc("Leave out fragments whose name starts with a dot."),
        Arg::new("decrypt", Kind::Bool)
            .default("true")
            .doc("Join vault-encrypted fragments as their plain text."),
        Arg::new("mode", Kind::Mode).doc("The permissions of the file, as for `copy`."),
        Arg::new("owner", Kind::Str).doc("The user that owns the file."),
        Arg::new("group", Kind::Str).doc("The group that owns the file."),
        Arg::new("backup", Kind::Bool)
            .default("false")
            .doc("Keep a copy of the old file beside it before changing it."),
        Arg::new("follow", Kind::Bool)
            .default("false")
            .doc("When `dest` is a symbolic link, write the file it points to."),
        Arg::new("validate", Kind::Str).doc(
            "A command that checks the new file before it replaces the old one; `%s` stands \
             for the temp file.",
        ),
        Arg::new("unsafe_writes", Kind::Bool)
            .doc("Accepted as Ansible does; rconf always writes through a temp file and a rename."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new("dest", "str", "success", "The path written."),
        Return::new(
            "checksum",
            "str",
            "success",
            "The SHA-1 of the joined file.",
        ),
        Return::new("state", "str", "success", "`file`."),
    ],
    notes: "With `remote_src: true` (Ansible's default) the task runs Ansible's own `assemble` \
            module, which needs Python on the target.",
    example: concat!(
        "- assemble:\n",
        "    src: conf.d\n",
        "    dest: /etc/app.conf\n",
        "    remote_src: false"
    ),
};

impl Module for Assemble {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn supports(&self, args: &Args) -> Result<(), String> {
        if args.bool("remote_src", true) {
            return Err(
                "fragments on the target (remote_src: true) are joined by Ansible's \
                        own assemble module"
                    .into(),
            );
        }
        Ok(())
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        if let Err(e) = args.check_validate() {
            return Action::Done(TaskResult::failed(e));
        }
        let src = args.str("src").unwrap_or_default();
        let dir = match find_source(src, "files", ctx) {
            Ok(p) => p,
            Err(e) => return Action::Done(TaskResult::failed(e)),
        };
        if !dir.is_dir() {
            return Action::Done(TaskResult::failed(format!(
                "Source ({}) is not a directory",
                dir.display()
            )));
        }
        let joined = match join_fragments(&dir, args) {
            Ok(b) => b,
            Err(e) => return Action::Done(TaskResult::failed(e)),
        };
        let dest = args.str("dest").unwrap_or_default();
        let label = dir.display().to_string();
        write_file(args, ctx, dest, None, Content::Bytes(joined), &label)
    }

    fn finish(&self, args: &Args, out: ScriptOutput) -> TaskResult {
        finish_write("assemble", args, out, None)
    }
}

/// The fragments of `dir` joined as Ansible's action plugin joins them: in the sorted order of
/// their names, files only, a newline after a fragment that lacks one, the delimiter (and a
/// newline) between fragments.
fn join_fragments(dir: &std::path::Path, args: &Args) -> Result<Vec<u8>, String> {
    let filter = match args.str("regexp") {
        Some(re) => Some(
            regex::Regex::new(re).map_err(|e| format!("invalid regular expression `{re}`: {e}"))?,
        ),
        None => None,
    };
    let delimiter = args.str("delimiter").map(escape_decode);
    let hidden = args.bool("ignore_hidden", false);
    let decrypt = args.bool("decrypt", true);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    // Python sorts text by code point, which for UTF-8 is the byte order.
    names.sort();
    let mut out = Vec::new();
    let mut first = true;
    let mut add_newline = false;
    for name in names {
        if filter.as_ref().is_some_and(|re| !re.is_match(&name)) {
            continue;
        }
        let path = dir.join(&name);
        if !path.is_file() || (hidden && name.starts_with('.')) {
            continue;
        }
        let content = match vaulted(&path).filter(|_| decrypt) {
            Some(plain) => plain
                .map_err(|e| format!("`{}`: vault: {e}", path.display()))?
                .into_bytes(),
            None => std::fs::read(&path)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?,
        };
        if add_newline {
            out.push(b'\n');
        }
        if !first && let Some(d) = delimiter.as_ref().filter(|d| !d.is_empty()) {
            out.extend_from_slice(d);
            // Ansible compares the delimiter's last byte with b'\n' (an int with bytes), which
            // never holds: a newline always follows the delimiter.
            out.push(b'\n');
        }
        out.extend_from_slice(&content);
        first = false;
        add_newline = !content.ends_with(b"\n");
    }
    Ok(out)
}

/// Python's `codecs.escape_decode`: backslash escapes of a bytes literal (`\n`, `\t`, `\\`,
/// `\x41`, octal `\101`); an unknown escape stays as written.
fn escape_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 == b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let c = b[i + 1];
        i += 2;
        let simple = match c {
            b'n' => Some(b'\n'),
            b't' => Some(b'\t'),
            b'r' => Some(b'\r'),
            b'a' => Some(0x07),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'v' => Some(0x0b),
            b'\\' => Some(b'\\'),
            b'\'' => Some(b'\''),
            b'"' => Some(b'"'),
            _ => None,
        };
        if let Some(v) = simple {
            out.push(v);
        } else if c == b'\n' {
            // A backslash before a newline joins the lines.
        } else if c == b'x'
            && let Some(v) = b
                .get(i..i + 2)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 2;
        } else if (b'0'..=b'7').contains(&c) {
            let mut v = u32::from(c - b'0');
            let mut n = 1;
            while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                v = v * 8 + u32::from(b[i] - b'0');
                i += 1;
                n += 1;
            }
            out.push((v & 0xff) as u8);
        } else {
            out.push(b'\\');
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    fn fragments(t: &TestCtx) -> String {
        let dir = t.path("play/files/frags");
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in [
            ("fragment2", "two\n"),
            ("fragment1", "one"),
            (".hidden", "hidden\n"),
            ("fragment10", "ten\n"),
            ("other", "other\n"),
        ] {
            std::fs::write(format!("{dir}/{name}"), text).unwrap();
        }
        std::fs::create_dir(format!("{dir}/fragment3")).unwrap();
        dir
    }

    /// As Ansible's action plugin: sorted names, directories left out, a newline added after
    /// a fragment without one, the delimiter followed by a newline between fragments.
    #[test]
    fn controller_fragments_are_joined_in_name_order_with_the_delimiter() {
        let t = TestCtx::new();
        fragments(&t);
        let dest = t.path("out");
        let args = json!({"src": "frags", "dest": dest, "remote_src": false,
                          "regexp": "^fragment", "delimiter": "#--- d ---#"});
        let r = run(&Assemble, args.clone(), &t.ctx(false));
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(
            std::fs::read_to_string(&dest).unwrap(),
            "one\n#--- d ---#\nten\n#--- d ---#\ntwo\n"
        );
        assert_eq!(r.data["state"], "file");
        let again = run(&Assemble, args, &t.ctx(false));
        assert!(!again.changed && !again.failed, "{again:?}");
    }

    #[test]
    fn hidden_fragments_are_left_out_only_when_asked() {
        let t = TestCtx::new();
        fragments(&t);
        let dest = t.path("out");
        let args = json!({"src": "frags", "dest": dest, "remote_src": "no"});
        assert!(!run(&Assemble, args, &t.ctx(false)).failed);
        assert_eq!(
            std::fs::read_to_string(&dest).unwrap(),
            "hidden\none\nten\ntwo\nother\n"
        );
        let args = json!({"src": "frags", "dest": dest, "remote_src": false,
                          "ignore_hidden": true, "delimiter": "\\n--"});
        assert!(run(&Assemble, args, &t.ctx(false)).changed);
        assert_eq!(
            std::fs::read_to_string(&dest).unwrap(),
            "one\n\n--\nten\n\n--\ntwo\n\n--\nother\n"
        );
    }

    #[test]
    fn a_source_that_is_not_a_directory_fails_with_ansibles_message() {
        let t = TestCtx::new();
        let dir = fragments(&t);
        let args = json!({"src": format!("{dir}/other"), "dest": t.path("out"),
                          "remote_src": false});
        let r = run(&Assemble, args, &t.ctx(false));
        assert!(r.failed);
        assert_eq!(
            r.msg.as_deref(),
            Some(format!("Source ({dir}/other) is not a directory").as_str())
        );
    }

    #[test]
    fn remote_fragments_are_left_to_ansibles_module() {
        let spec = Assemble.spec();
        let args = spec
            .validate(spec.normalize(&json!({"src": "/x", "dest": "/y"})).unwrap())
            .unwrap();
        assert!(Assemble.supports(&args).is_err());
    }

    #[test]
    fn escapes_decode_as_pythons_escape_decode() {
        assert_eq!(escape_decode(r"a\nb\t\\\x41\101\q"), b"a\nb\t\\AA\\q");
    }
}
