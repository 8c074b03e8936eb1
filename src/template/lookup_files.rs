//! Lookups that read controller files: `file`, `template`, `fileglob`, `first_found` and
//! `password` (which also writes its file).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use minijinja::Value;
use minijinja::value::{Enumerator, Object, ValueKind};

use super::context;
use super::lookups::Call;

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

/// Contents of each file; by default trailing whitespace is stripped, as Ansible does.
pub fn file(call: &mut Call) -> Result<Vec<Value>, String> {
    let rstrip = call.opt_bool("rstrip", true);
    let lstrip = call.opt_bool("lstrip", false);
    let mut out = Vec::new();
    for name in call.str_terms()? {
        let text = read(&call.find("files", &name)?)?;
        let text = if rstrip { text.trim_end() } else { &text };
        let text = if lstrip { text.trim_start() } else { text };
        out.push(Value::from(text));
    }
    Ok(out)
}

/// Each template file rendered with the caller's variables (plus `template_vars`).
pub fn template(call: &mut Call) -> Result<Vec<Value>, String> {
    let (templar, vars) =
        context::current().ok_or("the template lookup needs a render in progress")?;
    let mut extra = IndexMap::new();
    if let Some(tv) = call.opt("template_vars") {
        if tv.kind() != ValueKind::Map {
            return Err(format!("`template_vars` must be a mapping, got `{tv}`"));
        }
        for key in tv.try_iter().map_err(|e| e.to_string())? {
            let v = tv.get_item(&key).map_err(|e| e.to_string())?;
            extra.insert(key.to_string(), v);
        }
    }
    // The lookup's own delimiters (`variable_start_string`, ...), as the template module's.
    let mut syntax = super::env::FileSyntax::default();
    for (option, slot) in [
        ("variable_start_string", &mut syntax.variable.0),
        ("variable_end_string", &mut syntax.variable.1),
        ("comment_start_string", &mut syntax.comment.0),
        ("comment_end_string", &mut syntax.comment.1),
    ] {
        if let Some(v) = call.opt(option) {
            *slot = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
        }
    }
    let mut out = Vec::new();
    for name in call.str_terms()? {
        let path = call.find("templates", &name)?;
        let source = read(&path)?;
        let mut layer = extra.clone();
        let full = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        layer
            .entry("template_path".into())
            .or_insert_with(|| Value::from(name.as_str()));
        layer
            .entry("template_fullpath".into())
            .or_insert_with(|| Value::from(full.display().to_string()));
        let scope = Value::from_object(Overlay {
            base: vars.clone(),
            extra: layer,
        });
        let search = call.search_dirs("templates");
        let named = full.display().to_string();
        out.push(Value::from(
            templar.render_file_with(&named, &source, &scope, &search, &syntax)?,
        ));
    }
    Ok(out)
}

/// Variables that shadow a base scope, which stays lazy underneath.
#[derive(Debug)]
struct Overlay {
    base: Value,
    extra: IndexMap<String, Value>,
}

impl Object for Overlay {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        if let Some(v) = key.as_str().and_then(|k| self.extra.get(k)) {
            return Some(v.clone());
        }
        self.base.get_item(key).ok().filter(|v| !v.is_undefined())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys: Vec<Value> = self.extra.keys().map(|k| Value::from(k.as_str())).collect();
        if let Ok(base) = self.base.try_iter() {
            keys.extend(base.filter(|k| k.as_str().is_none_or(|s| !self.extra.contains_key(s))));
        }
        Enumerator::Values(keys)
    }
}

/// Files matching shell patterns (in the last path component), relative patterns looked up in
/// the search directories' `files/`; the first directory with a match wins.
pub fn fileglob(call: &mut Call) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for pattern in call.str_terms()? {
        let path = Path::new(&pattern);
        let dir = path.parent().unwrap_or(Path::new(""));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let glob = Glob::new(&name)?;
        let bases: Vec<PathBuf> = if path.is_absolute() {
            vec![dir.to_path_buf()]
        } else {
            call.search_dirs("files")
                .into_iter()
                .map(|d| d.join(dir))
                .collect()
        };
        for base in bases {
            let Ok(entries) = std::fs::read_dir(&base) else {
                continue;
            };
            let mut found: Vec<String> = entries
                .filter_map(Result::ok)
                .filter(|e| e.path().is_file() && glob.matches(&e.file_name().to_string_lossy()))
                .map(|e| absolute(&e.path()))
                .collect();
            if !found.is_empty() {
                found.sort();
                out.extend(found.into_iter().map(Value::from));
                break;
            }
        }
    }
    Ok(out)
}

fn absolute(p: &Path) -> String {
    std::path::absolute(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}

/// Python's `fnmatch` for one path component (`*`, `?`, `[...]`, `[!...]`), with `glob`'s
/// rule that a leading dot must be matched explicitly.
pub struct Glob {
    re: regex::Regex,
    dot_ok: bool,
}

impl Glob {
    pub fn new(pattern: &str) -> Result<Glob, String> {
        let mut re = String::from("^");
        let chars: Vec<char> = pattern.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '*' => re.push_str(".*"),
                '?' => re.push('.'),
                '[' => match chars[i + 1..].iter().position(|&c| c == ']') {
                    Some(len) if len > 0 => {
                        let body: String = chars[i + 1..i + 1 + len].iter().collect();
                        let (neg, body) = match body.strip_prefix('!') {
                            Some(b) => (true, b.to_string()),
                            None => (false, body),
                        };
                        re.push('[');
                        if neg {
                            re.push('^');
                        }
                        re.push_str(&body.replace('\\', "\\\\").replace('[', "\\["));
                        re.push(']');
                        i += len + 1;
                    }
                    _ => re.push_str("\\["),
                },
                c => re.push_str(&regex::escape(&c.to_string())),
            }
            i += 1;
        }
        re.push('$');
        let re = regex::Regex::new(&re).map_err(|e| format!("bad pattern `{pattern}`: {e}"))?;
        Ok(Glob {
            re,
            dot_ok: pattern.starts_with('.'),
        })
    }

    pub fn matches(&self, name: &str) -> bool {
        (self.dot_ok || !name.starts_with('.')) && self.re.is_match(name)
    }
}

/// The first file that exists among the candidates: string terms are file names, mapping
/// terms carry their own `files`, `paths` and `skip`.
/// What separates the names of first_found's `files` and `paths` strings, as in Ansible.
const FILE_SEPS: &[char] = &[',', ';'];
const PATH_SEPS: &[char] = &[',', ':', ';'];

pub fn first_found(call: &mut Call) -> Result<Vec<Value>, String> {
    let mut skip = call.opt_bool("skip", false);
    let paths = call
        .opt("paths")
        .map(|v| split_names(v, PATH_SEPS))
        .unwrap_or_default();
    let mut files = call
        .opt("files")
        .map(|v| split_names(v, FILE_SEPS))
        .unwrap_or_default();
    let mut candidates = Vec::new();
    // A list term counts as its items (`with_first_found: [{files: [...], skip: true}]`).
    let mut terms: Vec<Value> = Vec::new();
    for term in call.terms.clone() {
        if term.kind() == ValueKind::Seq {
            terms.extend(term.try_iter().map_err(|e| e.to_string())?);
        } else {
            terms.push(term);
        }
    }
    for term in terms {
        match term.kind() {
            ValueKind::Map => {
                let get = |k: &str| term.get_attr(k).ok().filter(|v| !v.is_undefined());
                let t_files = get("files")
                    .map(|v| split_names(&v, FILE_SEPS))
                    .unwrap_or_default();
                let t_paths = get("paths")
                    .map(|v| split_names(&v, PATH_SEPS))
                    .unwrap_or_default();
                if let Some(s) = get("skip") {
                    skip = super::filters::ansible_bool(&s);
                }
                candidates.extend(combine(&t_files, &t_paths));
            }
            _ => files.push(Call::term_str(&term)?),
        }
    }
    candidates.extend(combine(&files, &paths));
    let subdir = call.subdir.clone();
    for candidate in &candidates {
        if let Ok(found) = call.find(&subdir, candidate) {
            return Ok(vec![Value::from(absolute(&found))]);
        }
    }
    if skip {
        return Ok(Vec::new());
    }
    Err(format!(
        "no file was found among {}; add `skip=True` to allow none",
        candidates
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

fn combine(files: &[String], paths: &[String]) -> Vec<String> {
    if paths.is_empty() {
        return files.to_vec();
    }
    let mut out = Vec::new();
    for f in files {
        for p in paths {
            out.push(Path::new(p).join(f).display().to_string());
        }
    }
    out
}

/// A list of names, or one string of names separated by `,` or `;` (Ansible's convention).
/// A `files` or `paths` option as a list of names: a string is split on `seps` (Ansible's
/// legacy `a.yml;b.yml` and `/etc:/opt` forms), and so is each string of a list.
fn split_names(v: &Value, seps: &[char]) -> Vec<String> {
    let split = |s: &str| -> Vec<String> {
        s.split(seps)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    };
    if let Some(s) = v.as_str() {
        return split(s);
    }
    v.try_iter()
        .map(|it| {
            it.filter_map(|x| x.as_str().map(split))
                .flatten()
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
}
