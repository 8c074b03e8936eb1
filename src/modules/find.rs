//! `find`: files selected by name (glob or Python regex), type, age, size and content. find.sh
//! walks and filters on the target; this side parses units, translates regexes and turns the
//! target's compact records into Ansible's per-file dictionaries.

use serde_json::{Map, Value, json};

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::pyregex::to_ere;
use super::script::ScriptOutput;
use super::simple::remote_with;
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

const BODY: &str = include_str!("../../modules/find.sh");

pub struct Find;

static SPEC: ModuleSpec = ModuleSpec {
    name: "find",
    summary: "Lists files by name, type, age, size or content",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("paths", Kind::List)
            .aliases(&["name", "path"])
            .required()
            .doc("The directories to search, on the target."),
        Arg::new("patterns", Kind::List).aliases(&["pattern"]).doc(
            "Globs (or, with `use_regex`, regular expressions) a name must match; unset, every \
             name matches.",
        ),
        Arg::new("excludes", Kind::List)
            .aliases(&["exclude"])
            .doc("Globs (or regular expressions) of names to leave out."),
        Arg::new("contains", Kind::Str).doc(
            "A regular expression a file's content must match (a line of it, unless \
             `read_whole_file`).",
        ),
        Arg::new("read_whole_file", Kind::Bool)
            .default("false")
            .doc("Match `contains` against the whole file instead of line by line."),
        Arg::new("file_type", Kind::Str)
            .choices(&["any", "directory", "file", "link"])
            .default("file")
            .doc("What to list: `file`, `directory`, `link` or `any`."),
        Arg::new("recurse", Kind::Bool)
            .default("false")
            .doc("Search the directories' subdirectories too."),
        Arg::new("hidden", Kind::Bool)
            .default("false")
            .doc("List names starting with a dot too."),
        Arg::new("follow", Kind::Bool)
            .default("false")
            .doc("Follow symbolic links to directories."),
        Arg::new("get_checksum", Kind::Bool)
            .default("false")
            .doc("Add each file's SHA-1 as `checksum`."),
        Arg::new("use_regex", Kind::Bool)
            .default("false")
            .doc("Read `patterns` and `excludes` as Python regular expressions instead of globs."),
        Arg::new("age", Kind::Str).doc(
            "A minimum age (`4w`, `3d`, `2h`, `30m`, seconds unsuffixed); negative, a maximum \
             age.",
        ),
        Arg::new("age_stamp", Kind::Str)
            .choices(&["atime", "ctime", "mtime"])
            .default("mtime")
            .doc("Which time `age` is measured on."),
        Arg::new("size", Kind::Str)
            .doc("A minimum size (`10m`, `1g`, bytes unsuffixed); negative, a maximum size."),
        Arg::new("depth", Kind::Int)
            .doc("How many levels below `paths` to search, with `recurse`."),
        Arg::new("limit", Kind::Int).doc("Stop after this many matches."),
        Arg::new("encoding", Kind::Str)
            .doc("Accepted as Ansible does; rconf matches `contains` against the file's bytes."),
        Arg::new("checksum_algorithm", Kind::Str)
            .aliases(&["checksum_algo"])
            .choices(&["sha1"])
            .implied_default("sha1")
            .doc("The hash used for `checksum`; rconf supports only `sha1`."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new(
            "files",
            "list",
            "success",
            "The matches, each with the keys `stat` returns (`path`, `mode`, `size`, `mtime`, \
             ...).",
        ),
        Return::new("matched", "int", "success", "How many matched."),
        Return::new(
            "examined",
            "int",
            "success",
            "How many entries were looked at.",
        ),
        Return::new(
            "skipped_paths",
            "dict",
            "success",
            "The paths that could not be searched, with why.",
        ),
    ],
    notes: "",
    example: concat!(
        "- find:\n",
        "    paths: /var/log\n",
        "    patterns: '*.gz'\n",
        "    age: 4w\n",
        "    recurse: true\n",
        "  register: old_logs"
    ),
};

/// `3d`, `-1w`, `90` -> signed seconds (Ansible's units: s m h d w).
pub fn parse_age(s: &str) -> Option<i64> {
    parse_units(
        s,
        &[
            ('s', 1),
            ('m', 60),
            ('h', 3600),
            ('d', 86400),
            ('w', 604800),
        ],
    )
}

/// `10k`, `-1m`, `500` -> signed bytes (Ansible's units: b k m g t, powers of 1024).
pub fn parse_size(s: &str) -> Option<i64> {
    parse_units(
        s,
        &[
            ('b', 1),
            ('k', 1 << 10),
            ('m', 1 << 20),
            ('g', 1 << 30),
            ('t', 1 << 40),
        ],
    )
}

fn parse_units(s: &str, units: &[(char, i64)]) -> Option<i64> {
    let s = s.trim().to_ascii_lowercase();
    let (num, unit) = match s
        .char_indices()
        .find(|(i, c)| c.is_ascii_alphabetic() && *i > 0)
    {
        Some((i, _)) => (&s[..i], &s[i..]),
        None => (s.as_str(), ""),
    };
    let n: i64 = num.parse().ok()?;
    let mult = match unit.chars().next() {
        None => 1,
        Some(u) => units.iter().find(|(c, _)| *c == u)?.1,
    };
    n.checked_mul(mult)
}

fn build(args: &Args) -> Result<Vec<(&'static str, String)>, String> {
    let regex = args.bool("use_regex", false);
    let translate = |list: Vec<String>| -> Result<String, String> {
        let items: Result<Vec<String>, String> = list
            .iter()
            .map(|p| {
                if regex {
                    to_ere(p, false)
                } else {
                    Ok(p.clone())
                }
            })
            .collect();
        Ok(items?.join("\n"))
    };
    let patterns = args
        .list("patterns")
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| vec![if regex { ".*" } else { "*" }.to_string()]);
    let mut vars = vec![("A_patterns", translate(patterns)?)];
    if let Some(ex) = args.list("excludes").filter(|e| !e.is_empty()) {
        vars.push(("A_excludes", translate(ex)?));
    }
    if let Some(c) = args.str("contains") {
        vars.push(("A_contains", to_ere(c, false)?));
    }
    if let Some(a) = args.str("age") {
        let secs = parse_age(a).ok_or_else(|| {
            format!("failed to process age `{a}`; expected a number with an optional unit s, m, h, d or w")
        })?;
        vars.push(("A_age", secs.to_string()));
    }
    if let Some(sz) = args.str("size") {
        let bytes = parse_size(sz).ok_or_else(|| {
            format!("failed to process size `{sz}`; expected a number with an optional unit b, k, m, g or t")
        })?;
        vars.push(("A_size", bytes.to_string()));
    }
    if args.int("depth").is_some_and(|d| d < 1) {
        return Err("`depth` must be at least 1".into());
    }
    Ok(vars)
}

/// One target record -> Ansible's file dictionary.
fn file_entry(rec: &[Value]) -> Option<Value> {
    let num = |i: usize| rec.get(i).and_then(Value::as_i64);
    let raw = u32::from_str_radix(rec.get(1)?.as_str()?, 16).ok()?;
    let kind = raw & 0o170000;
    let bit = |b: u32| raw & b != 0;
    let mut m = Map::new();
    m.insert("path".into(), rec.first()?.clone());
    m.insert("mode".into(), json!(format!("{:04o}", raw & 0o7777)));
    for (key, k) in [
        ("isdir", 0o040000),
        ("ischr", 0o020000),
        ("isblk", 0o060000),
        ("isreg", 0o100000),
        ("isfifo", 0o010000),
        ("islnk", 0o120000),
        ("issock", 0o140000),
    ] {
        m.insert(key.into(), json!(kind == k));
    }
    for (key, i) in [
        ("size", 2),
        ("mtime", 3),
        ("atime", 4),
        ("ctime", 5),
        ("uid", 6),
        ("gid", 7),
        ("inode", 8),
        ("dev", 9),
        ("nlink", 10),
    ] {
        m.insert(key.into(), json!(num(i)?));
    }
    m.insert("pw_name".into(), rec.get(11)?.clone());
    m.insert("gr_name".into(), rec.get(12)?.clone());
    for (key, b) in [
        ("rusr", 0o400),
        ("wusr", 0o200),
        ("xusr", 0o100),
        ("rgrp", 0o040),
        ("wgrp", 0o020),
        ("xgrp", 0o010),
        ("roth", 0o004),
        ("woth", 0o002),
        ("xoth", 0o001),
        ("isuid", 0o4000),
        ("isgid", 0o2000),
    ] {
        m.insert(key.into(), json!(bit(b)));
    }
    if let Some(c) = rec
        .get(13)
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
    {
        m.insert("checksum".into(), json!(c));
    }
    Some(Value::Object(m))
}

impl Module for Find {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn supports(&self, args: &Args) -> Result<(), String> {
        build(args).map(drop)
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        let vars = match build(args) {
            Ok(v) => v,
            Err(e) => return Action::Done(TaskResult::failed(e)),
        };
        remote_with(
            args,
            ctx,
            &[
                "paths",
                "file_type",
                "recurse",
                "hidden",
                "follow",
                "get_checksum",
                "use_regex",
                "read_whole_file",
                "age_stamp",
                "depth",
                "limit",
            ],
            BODY,
            |s| {
                for (k, v) in &vars {
                    s.var(k, v.as_bytes())?;
                }
                Ok(())
            },
        )
    }

    fn finish(&self, _args: &Args, out: ScriptOutput) -> TaskResult {
        let payload = out.payload.clone();
        let mut r = out.into_result_for("find");
        if r.failed {
            return r;
        }
        let mut files = Vec::new();
        for line in payload.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            match serde_json::from_str::<Vec<Value>>(&String::from_utf8_lossy(line))
                .ok()
                .and_then(|rec| file_entry(&rec))
            {
                Some(f) => files.push(f),
                None => {
                    return TaskResult::failed(format!(
                        "find returned a record rconf cannot read: `{}`",
                        String::from_utf8_lossy(line)
                    ));
                }
            }
        }
        r.data.insert("files".into(), Value::Array(files));
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use std::path::Path;

    fn tree(t: &TestCtx) -> String {
        let root = t.path("root");
        for d in ["sub/deep", ".hid", "odd 'dir' $(x)"] {
            std::fs::create_dir_all(Path::new(&root).join(d)).unwrap();
        }
        for (f, c) in [
            ("a.conf", "port=80\n"),
            ("b.log", "x\n"),
            (".secret.conf", "k\n"),
            ("sub/c.conf", "listen 1\nport=8080\n"),
            ("sub/deep/d.conf", "port=1\n"),
            ("odd 'dir' $(x)/e\nf.conf", "q\n"),
            ("big.bin", &"z".repeat(5000)),
        ] {
            std::fs::write(Path::new(&root).join(f), c).unwrap();
        }
        std::os::unix::fs::symlink("a.conf", Path::new(&root).join("link.conf")).unwrap();
        root
    }

    fn paths(r: &TaskResult, root: &str) -> Vec<String> {
        let mut v: Vec<String> = r.data["files"]
            .as_array()
            .unwrap_or_else(|| panic!("{r:?}"))
            .iter()
            .map(|f| {
                f["path"]
                    .as_str()
                    .unwrap()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string()
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn globs_recurse_hidden_and_depth() {
        let t = TestCtx::new();
        let root = tree(&t);
        let r = run(
            &Find,
            json!({"paths": root, "patterns": "*.conf"}),
            &t.ctx(true),
        );
        assert!(!r.changed && !r.failed, "{r:?}");
        assert_eq!(paths(&r, &root), vec!["/a.conf"]);
        assert_eq!(r.data["matched"], 1);
        assert!(r.data["examined"].as_u64().unwrap() >= 7, "{r:?}");
        let r = run(
            &Find,
            json!({"paths": [root.clone()], "patterns": ["*.conf"], "recurse": true, "hidden": true}),
            &t.ctx(false),
        );
        assert_eq!(
            paths(&r, &root),
            vec![
                "/.secret.conf",
                "/a.conf",
                "/odd 'dir' $(x)/e\nf.conf",
                "/sub/c.conf",
                "/sub/deep/d.conf"
            ]
        );
        let r = run(
            &Find,
            json!({"paths": root, "patterns": "*.conf", "recurse": true, "depth": 2, "excludes": "c.*"}),
            &t.ctx(false),
        );
        assert_eq!(
            paths(&r, &root),
            vec!["/a.conf", "/odd 'dir' $(x)/e\nf.conf"]
        );
    }

    #[test]
    fn types_regex_contains_size_and_age() {
        let t = TestCtx::new();
        let root = tree(&t);
        let r = run(
            &Find,
            json!({"paths": root, "file_type": "directory"}),
            &t.ctx(false),
        );
        assert_eq!(paths(&r, &root), vec!["/odd 'dir' $(x)", "/sub"]);
        let r = run(
            &Find,
            json!({"paths": root, "file_type": "link"}),
            &t.ctx(false),
        );
        assert_eq!(paths(&r, &root), vec!["/link.conf"]);
        assert_eq!(r.data["files"][0]["islnk"], true);
        let r = run(
            &Find,
            json!({"paths": root, "patterns": [r"^[ab]\.\w+$"], "use_regex": true}),
            &t.ctx(false),
        );
        assert_eq!(paths(&r, &root), vec!["/a.conf", "/b.log"]);
        let r = run(
            &Find,
            json!({"paths": root, "recurse": true, "contains": r"port=\d{2,}"}),
            &t.ctx(false),
        );
        assert_eq!(paths(&r, &root), vec!["/a.conf", "/sub/c.conf"]);
        let r = run(&Find, json!({"paths": root, "size": "4k"}), &t.ctx(false));
        assert_eq!(paths(&r, &root), vec!["/big.bin"]);
        assert_eq!(r.data["files"][0]["size"], 5000);
        assert_eq!(r.data["files"][0]["isreg"], true);
        let r = run(&Find, json!({"paths": root, "age": "1d"}), &t.ctx(false));
        assert_eq!(r.data["matched"], 0, "{r:?}");
        let r = run(
            &Find,
            json!({"paths": root, "age": "-1h", "patterns": "a.*"}),
            &t.ctx(false),
        );
        assert_eq!(paths(&r, &root), vec!["/a.conf"]);
    }

    #[test]
    fn file_dicts_carry_ansibles_keys() {
        let t = TestCtx::new();
        let root = tree(&t);
        std::fs::set_permissions(
            Path::new(&root).join("a.conf"),
            std::os::unix::fs::PermissionsExt::from_mode(0o640),
        )
        .unwrap();
        let r = run(
            &Find,
            json!({"paths": root, "patterns": "a.conf", "get_checksum": true}),
            &t.ctx(false),
        );
        let f = &r.data["files"][0];
        assert_eq!(f["mode"], "0640");
        assert_eq!(f["rusr"], true);
        assert_eq!(f["wgrp"], false);
        assert_eq!(f["roth"], false);
        assert_eq!(f["isdir"], false);
        assert_eq!(f["checksum"], "f6f646f13e035c2c329fc95c9e9f2e35749eb556");
        for k in [
            "uid", "gid", "mtime", "inode", "nlink", "pw_name", "gr_name",
        ] {
            assert!(f.get(k).is_some(), "{k} missing: {f}");
        }
    }

    #[test]
    fn missing_paths_are_skipped_and_units_parse() {
        let t = TestCtx::new();
        let r = run(&Find, json!({"paths": t.path("nope")}), &t.ctx(false));
        assert!(!r.failed, "{r:?}");
        assert_eq!(
            r.msg.as_deref(),
            Some("Not all paths examined, check warnings for details")
        );
        assert!(r.data["skipped_paths"][t.path("nope")].is_string());
        assert_eq!(parse_age("2d"), Some(172800));
        assert_eq!(parse_age("-1w"), Some(-604800));
        assert_eq!(parse_size("10k"), Some(10240));
        assert_eq!(parse_size("3"), Some(3));
        assert_eq!(parse_size("1x"), None);
        let r = run(&Find, json!({"paths": "/", "age": "soon"}), &t.ctx(false));
        assert!(r.failed && r.msg.as_deref().unwrap().contains("`soon`"));
    }
}
