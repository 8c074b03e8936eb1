//! `stat`: reports a path's attributes (stat.sh does one `stat` call); never changes anything.

use serde_json::Value;

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::script::{Script, ScriptOutput};
use super::{Action, Ctx, Module, RemoteCall};
use crate::result::TaskResult;
use crate::transport::Stdin;

const BODY: &str = include_str!("../../modules/stat.sh");

pub struct Stat;

static SPEC: ModuleSpec = ModuleSpec {
    name: "stat",
    summary: "Reports a path's attributes",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("path", Kind::Str)
            .aliases(&["dest", "name"])
            .required()
            .doc("The path to look at on the target."),
        Arg::new("follow", Kind::Bool)
            .default("false")
            .doc("When `path` is a symbolic link, report on the file it points to."),
        Arg::new("get_checksum", Kind::Bool)
            .default("true")
            .doc("Add the checksum of a regular file the user can read."),
        Arg::new("checksum_algorithm", Kind::Str)
            .aliases(&["checksum", "checksum_algo"])
            .choices(&["md5", "sha1", "sha224", "sha256", "sha384", "sha512"])
            .default("sha1")
            .doc("The hash used for `checksum`."),
        Arg::new("get_mime", Kind::Bool)
            .aliases(&["mime", "mime_type", "mime-type"])
            .doc("Accepted as Ansible does; rconf returns no MIME type."),
        Arg::new("get_attributes", Kind::Bool)
            .aliases(&["attr", "attributes"])
            .doc("Accepted as Ansible does; rconf returns no `lsattr` attributes."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[Return::new(
        "stat",
        "dict",
        "success",
        "What the path is: `exists`, and when it does `mode`, `uid`, `gid`, `pw_name`, \
         `gr_name`, `size`, times, `isdir`, `isreg`, `islnk` and the other `is*` keys, \
         `lnk_target`, `checksum`.",
    )],
    notes: "",
    example: concat!(
        "- stat:\n",
        "    path: /etc/hosts\n",
        "  register: hosts_file"
    ),
};

impl Module for Stat {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        // Reading changes nothing, so check mode runs it for real.
        let built = Script::with(ctx.marker, false, false).and_then(|mut s| {
            s.args(
                args,
                &[
                    "path",
                    "follow",
                    "get_checksum",
                    "checksum_algorithm",
                    "get_mime",
                    "get_attributes",
                ],
            )?;
            Ok(s.finish(BODY))
        });
        match built {
            Ok(script) => Action::Remote(RemoteCall {
                script,
                stdin: Stdin::Empty,
            }),
            Err(e) => Action::Done(TaskResult::failed(e)),
        }
    }

    fn finish(&self, args: &Args, out: ScriptOutput) -> TaskResult {
        let mut r = out.into_result_for("stat");
        if let Some(Value::Object(st)) = r.data.get_mut("stat")
            && st.get("exists") == Some(&Value::Bool(true))
        {
            st.insert(
                "path".into(),
                Value::from(args.string("path").unwrap_or_default()),
            );
            if let Some(Value::String(times)) = st.remove("_times") {
                for (key, t) in ["atime", "mtime", "ctime"]
                    .into_iter()
                    .zip(times.split(' '))
                {
                    st.insert(key.into(), python_time(t));
                }
            }
            if let Some(Value::String(mime)) = st.remove("_mime")
                && let Some((mimetype, charset)) = mime_of(&mime)
            {
                st.insert("mimetype".into(), Value::from(mimetype));
                st.insert("charset".into(), Value::from(charset));
            }
            if let Some(Value::String(line)) = st.remove("_lsattr") {
                let mut words = line.split_whitespace();
                if let (Some(version), Some(flags)) = (words.next(), words.next()) {
                    let flags: String = flags.chars().filter(|c| *c != '-').collect();
                    let names: Vec<Value> = flags
                        .chars()
                        .filter_map(attribute_name)
                        .map(Value::from)
                        .collect();
                    st.insert("version".into(), Value::from(version));
                    st.insert("attr_flags".into(), Value::from(flags));
                    st.insert("attributes".into(), Value::Array(names));
                }
            }
        }
        r
    }
}

/// `SECONDS[.NANOSECONDS]` as Python's `os.stat` float: seconds plus nanoseconds times 1e-9,
/// in that double arithmetic (not the nearest double to the decimal), as Ansible reports it.
fn python_time(t: &str) -> Value {
    let (secs, nanos) = t.split_once('.').unwrap_or((t, "0"));
    let (Ok(secs), Ok(nanos)) = (secs.parse::<i64>(), nanos.parse::<u64>()) else {
        return Value::from(t);
    };
    let f = secs as f64 + nanos as f64 * 1e-9;
    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// `file --mime-type --mime-encoding` output (`PATH: text/plain; charset=us-ascii`) as
/// Ansible reads it: after the last `:`, split at `;`.
fn mime_of(out: &str) -> Option<(String, String)> {
    let (_, tail) = out.rsplit_once(':')?;
    let (mimetype, charset) = tail.split_once(';')?;
    let charset = charset.split_once('=')?.1;
    Some((mimetype.trim().to_string(), charset.trim().to_string()))
}

/// The name Ansible gives an `lsattr` flag.
fn attribute_name(flag: char) -> Option<&'static str> {
    Some(match flag {
        'A' => "noatime",
        'a' => "append",
        'c' => "compressed",
        'C' => "nocow",
        'd' => "nodump",
        'D' => "dirsync",
        'e' => "extents",
        'E' => "encrypted",
        'h' => "blocksize",
        'i' => "immutable",
        'I' => "indexed",
        'j' => "journalled",
        'N' => "inline",
        's' => "zero",
        'S' => "synchronous",
        't' => "notail",
        'T' => "blockroot",
        'u' => "undelete",
        'X' => "compressedraw",
        'Z' => "compresseddirty",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn reports_files_links_and_absence() {
        let t = TestCtx::new();
        let p = t.path("a file 'q'");
        std::fs::write(&p, "hello").unwrap();
        std::os::unix::fs::symlink(&p, t.path("ln")).unwrap();
        let r = run(&Stat, json!({"path": p}), &t.ctx(true));
        let st = &r.data["stat"];
        assert_eq!(st["exists"], true);
        assert_eq!(st["isreg"], true);
        assert_eq!(st["size"], 5);
        assert_eq!(st["checksum"], "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
        assert_eq!(st["path"], p);
        let l = run(&Stat, json!({"path": t.path("ln")}), &t.ctx(false));
        assert_eq!(l.data["stat"]["islnk"], true);
        assert_eq!(l.data["stat"]["lnk_target"], p);
        let f = run(
            &Stat,
            json!({"path": t.path("ln"), "follow": true}),
            &t.ctx(false),
        );
        assert_eq!(f.data["stat"]["isreg"], true);
        let none = run(&Stat, json!({"path": t.path("none")}), &t.ctx(false));
        assert_eq!(none.data["stat"], json!({"exists": false}));
        assert!(!none.changed && !none.failed);
    }

    #[test]
    fn directories_have_their_mode() {
        let t = TestCtx::new();
        let r = run(&Stat, json!({"path": t.dir()}), &t.ctx(false));
        assert_eq!(r.data["stat"]["isdir"], true);
        assert_eq!(r.data["stat"]["mode"].as_str().unwrap().len(), 4);
    }
}
