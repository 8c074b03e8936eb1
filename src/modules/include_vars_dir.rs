//! `include_vars dir=`: every vars file under a directory, as Ansible's include_vars action
//! walks it: sorted, to `depth`, filtered by `files_matching`, `ignore_files` and
//! `extensions`, later files winning, a role's own `vars/main.yml` left out.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::Ctx;
use super::args::Args;

/// The arguments only a directory takes, and those only a file takes.
pub const DIR_ARGS: &[&str] = &[
    "dir",
    "depth",
    "files_matching",
    "ignore_files",
    "extensions",
    "ignore_unknown_extensions",
];

/// Where `dir` is: under a role's `vars/` (or the role itself when it starts with `vars`),
/// else beside the task's file.
fn root(dir: &str, ctx: &Ctx) -> PathBuf {
    let role = ctx
        .vars
        .get_attr("role_path")
        .ok()
        .and_then(|v| v.as_str().map(PathBuf::from));
    let base = ctx.search_dirs.first().cloned().unwrap_or_default();
    match role {
        Some(role) if dir.split('/').next() == Some("vars") && role.join(dir).exists() => {
            role.join(dir)
        }
        Some(_) if dir.split('/').next() == Some("vars") => PathBuf::from(dir),
        Some(role) => role.join("vars").join(dir),
        None if Path::new(dir).is_absolute() => PathBuf::from(dir),
        None => base.join(dir),
    }
}

/// Reads one vars file into its variables, or says why it cannot.
pub type ReadVars = dyn Fn(&Path) -> Result<Map<String, Value>, String>;

/// The variables of every file under `dir`, and the files read; `Err` is the message.
pub fn load(
    args: &Args,
    ctx: &Ctx,
    read: &ReadVars,
) -> Result<(Map<String, Value>, Vec<String>), String> {
    let dir = args.str("dir").unwrap_or_default();
    let top = root(dir, ctx);
    if !top.exists() {
        return Err(format!("{} directory does not exist", top.display()));
    }
    if !top.is_dir() {
        return Err(format!("{} is not a directory", top.display()));
    }
    let depth = args
        .get("depth")
        .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
        .unwrap_or(0) as usize;
    let matcher = match args.str("files_matching") {
        Some(p) => Some(regex::Regex::new(p).map_err(|e| format!("files_matching: {e}"))?),
        None => None,
    };
    let ignore: Vec<regex::Regex> = args
        .list("ignore_files")
        .unwrap_or_default()
        .iter()
        .map(|p| {
            regex::Regex::new(&format!("(?:{p})$"))
                .map_err(|_| format!("Invalid regular expression: {p}"))
        })
        .collect::<Result<_, _>>()?;
    let extensions = args
        .list("extensions")
        .unwrap_or_else(|| vec!["yaml".into(), "yml".into(), "json".into()]);
    let lenient = args.bool("ignore_unknown_extensions", false);
    let role_main = ctx
        .vars
        .get_attr("role_path")
        .ok()
        .and_then(|v| v.as_str().map(|r| Path::new(r).join("vars/main.yml")));
    let mut dirs = Vec::new();
    walk(&top, 1, depth, &mut dirs);
    dirs.sort();
    let mut vars = Map::new();
    let mut files = Vec::new();
    for (dir, mut names) in dirs {
        names.sort();
        for name in names {
            let path = dir.join(&name);
            if role_main.as_deref() == Some(path.as_path()) {
                continue;
            }
            if matcher.as_ref().is_some_and(|m| !m.is_match(&name)) {
                continue;
            }
            if ignore.iter().any(|r| r.is_match(&name)) {
                continue;
            }
            // As Python's splitext: no extension is the empty one (`''` may be listed).
            let ext = Path::new(&name)
                .extension()
                .map(|e| e.to_string_lossy().into_owned())
                .unwrap_or_default();
            let valid = extensions.contains(&ext);
            if !valid {
                if lenient {
                    continue;
                }
                return Err(format!(
                    "{} does not have a valid extension: {}",
                    path.display(),
                    extensions.join(", ")
                ));
            }
            vars.extend(read(&path)?);
            files.push(path.display().to_string());
        }
    }
    Ok((vars, files))
}

/// Each directory under `dir` (symlinks followed, as Ansible's walk) down to `depth` (0: no
/// limit), with its file names.
fn walk(dir: &Path, level: usize, depth: usize, out: &mut Vec<(PathBuf, Vec<String>)>) {
    if depth != 0 && level > depth {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut names = Vec::new();
    let mut subdirs = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            subdirs.push(path);
        } else {
            names.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    out.push((dir.to_path_buf(), names));
    if level < 64 {
        for sub in subdirs {
            walk(&sub, level + 1, depth, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::modules::include_vars::IncludeVars;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn a_directory_is_read_sorted_to_its_depth_with_its_filters() {
        let t = TestCtx::new();
        let d = t.path("vars");
        std::fs::create_dir_all(format!("{d}/sub")).unwrap();
        std::fs::write(format!("{d}/a.yml"), "x: a\nonly_a: 1\n").unwrap();
        std::fs::write(format!("{d}/b.yml"), "x: b\n").unwrap();
        std::fs::write(format!("{d}/sub/c.yml"), "x: c\n").unwrap();
        std::fs::write(format!("{d}/notes.txt"), "not: vars\n").unwrap();
        let r = run(&IncludeVars, json!({"dir": d}), &t.ctx(false));
        assert!(r.failed, "{r:?}");
        assert_eq!(
            r.data["message"],
            format!("{d}/notes.txt does not have a valid extension: yaml, yml, json")
        );
        let r = run(
            &IncludeVars,
            json!({"dir": d, "ignore_unknown_extensions": true}),
            &t.ctx(false),
        );
        assert_eq!(r.data["ansible_facts"], json!({"x": "c", "only_a": 1}));
        let r = run(
            &IncludeVars,
            json!({"dir": d, "depth": 1, "ignore_files": ["notes.txt"], "files_matching": "^[ab]"}),
            &t.ctx(false),
        );
        assert_eq!(r.data["ansible_facts"], json!({"x": "b", "only_a": 1}));
        assert_eq!(
            r.data["ansible_included_var_files"],
            json!([format!("{d}/a.yml"), format!("{d}/b.yml")])
        );
        let r = run(
            &IncludeVars,
            json!({"dir": d, "file": "a.yml"}),
            &t.ctx(false),
        );
        assert_eq!(
            r.data["message"],
            "You are mixing file only and dir only arguments, these are incompatible"
        );
    }
}
