//! `lookup()`, `query()` and `q()`: Ansible's lookup plugins, run on the controller. Terms
//! and options are checked per plugin; results follow Ansible's `wantlist` and `errors` rules.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use minijinja::value::{Kwargs, Rest, ValueKind, ValueOrKwargs, from_args};
use minijinja::{Environment, Error, State, Value};

use super::filters::invalid;
use super::{lookup_files, lookup_lists, lookup_password, lookup_text};

pub fn register(env: &mut Environment<'static>) {
    env.add_function("lookup", |state: &State, args: Rest<ValueOrKwargs>| {
        call(state, args, false)
    });
    env.add_function("query", |state: &State, args: Rest<ValueOrKwargs>| {
        call(state, args, true)
    });
    env.add_function("q", |state: &State, args: Rest<ValueOrKwargs>| {
        call(state, args, true)
    });
}

/// One lookup call: its terms, its options (keyword arguments and `key=value` words, as each
/// plugin allows) and where the task runs from.
pub struct Call<'a> {
    pub terms: Vec<Value>,
    pub opts: IndexMap<String, Value>,
    pub playbook_dir: PathBuf,
    pub role_path: Option<PathBuf>,
    /// `ansible_search_path`: the role and the directory of the task's file.
    pub search_path: Vec<PathBuf>,
    /// Where relative names are found first: `files`, or for a `with_` loop of an
    /// `include_vars` or `template` task `vars` or `templates`, as Ansible sets it.
    pub subdir: String,
    pub state: &'a State<'a, 'a>,
}

type Plugin = fn(&mut Call) -> Result<Vec<Value>, String>;

/// The variable a `with_<lookup>` loop sets to the subdirectory its lookup searches.
pub const LOOP_SUBDIR: &str = "__rconf_lookup_subdir";

/// Every lookup rconf knows, with the options it accepts.
fn plugin(name: &str) -> Option<(Plugin, &'static [&'static str])> {
    Some(match name {
        "file" => (lookup_files::file, &["lstrip", "rstrip"]),
        "template" => (
            lookup_files::template,
            &[
                "template_vars",
                "convert_data",
                "jinja2_native",
                "variable_start_string",
                "variable_end_string",
                "comment_start_string",
                "comment_end_string",
            ],
        ),
        "fileglob" => (lookup_files::fileglob, &[]),
        "first_found" => (lookup_files::first_found, &["files", "paths", "skip"]),
        "password" => (
            lookup_password::password,
            &["length", "chars", "encrypt", "salt", "ident", "seed"],
        ),
        "ini" => (
            lookup_text::ini,
            &[
                "section",
                "file",
                "default",
                "re",
                "type",
                "encoding",
                "case_sensitive",
                "allow_no_value",
            ],
        ),
        "csvfile" => (
            lookup_text::csvfile,
            &["file", "delimiter", "col", "default", "encoding", "keycol"],
        ),
        "env" => (lookup_text::env, &["default"]),
        "vars" => (lookup_text::vars, &["default"]),
        "varnames" => (lookup_text::varnames, &[]),
        "pipe" => (lookup_text::pipe, &[]),
        "lines" => (lookup_text::lines, &[]),
        "items" => (lookup_lists::items, &[]),
        "list" => (lookup_lists::list, &[]),
        "dict" => (lookup_lists::dict, &[]),
        "indexed_items" => (lookup_lists::indexed_items, &[]),
        "sequence" => (
            lookup_lists::sequence,
            &["start", "end", "count", "stride", "format"],
        ),
        "nested" => (lookup_lists::nested, &[]),
        "together" => (lookup_lists::together, &[]),
        "subelements" => (lookup_lists::subelements, &[]),
        _ => return None,
    })
}

const KNOWN: &str = "csvfile, dict, env, file, fileglob, first_found, indexed_items, ini, items, lines, list, nested, password, pipe, sequence, subelements, template, together, varnames, vars";

/// Whether `name` (short or `ansible.builtin.`) is a lookup rconf knows: `with_<name>` loops.
pub fn is_known(name: &str) -> bool {
    plugin(short_name(name)).is_some()
}

/// `ansible.builtin.env`, as linters ask playbooks to write it, is `env`.
fn short_name(name: &str) -> &str {
    name.strip_prefix("ansible.builtin.")
        .or_else(|| name.strip_prefix("ansible.legacy."))
        .unwrap_or(name)
}

#[derive(PartialEq)]
enum OnError {
    Strict,
    Warn,
    Ignore,
}

fn call(state: &State, args: Rest<ValueOrKwargs>, mut wantlist: bool) -> Result<Value, Error> {
    let values = args.into_values();
    let (args, kwargs) = from_args::<(&[Value], Kwargs)>(&values)?;
    let mut args = args.to_vec();
    let mut opts = IndexMap::new();
    let keys: Vec<String> = kwargs.args().map(String::from).collect();
    for key in keys {
        let value: Value = kwargs.get(&key)?;
        opts.insert(key, value);
    }
    if args.is_empty() {
        return Err(invalid(
            "lookup: expected the lookup's name as first argument",
        ));
    }
    let name = args.remove(0);
    let Some(name) = name.as_str() else {
        return Err(invalid(format!(
            "lookup: the name must be a string, got `{name}`"
        )));
    };
    if let Some(w) = opts.shift_remove("wantlist") {
        wantlist = wantlist || w.is_true();
    }
    let on_error = match opts.shift_remove("errors") {
        None => OnError::Strict,
        Some(v) => match v.as_str() {
            Some("strict") => OnError::Strict,
            Some("warn") => OnError::Warn,
            Some("ignore") => OnError::Ignore,
            _ => {
                return Err(invalid(format!(
                    "lookup `{name}`: `errors` must be strict, warn or ignore, got `{v}`"
                )));
            }
        },
    };
    let Some((run, allowed)) = plugin(short_name(name)) else {
        return Err(invalid(format!(
            "lookup: unknown lookup plugin `{name}`, expected one of {KNOWN}"
        )));
    };
    for arg in &args {
        if arg.is_undefined() {
            return Err(minijinja::Error::new(
                minijinja::ErrorKind::UndefinedError,
                format!("lookup `{name}`: a term is undefined"),
            ));
        }
    }
    if let Some(bad) = opts.keys().find(|k| !allowed.contains(&k.as_str())) {
        let expected = if allowed.is_empty() {
            "it takes none".to_string()
        } else {
            format!("expected {}", allowed.join(", "))
        };
        return Err(invalid(format!(
            "lookup `{name}`: unknown option `{bad}`, {expected}"
        )));
    }
    let mut call = Call {
        terms: args,
        opts,
        playbook_dir: var_path(state, "playbook_dir").unwrap_or_else(|| PathBuf::from(".")),
        role_path: var_path(state, "role_path"),
        search_path: state
            .lookup("ansible_search_path")
            .and_then(|v| v.try_iter().ok())
            .map(|items| {
                items
                    .filter_map(|i| i.as_str().map(PathBuf::from))
                    .collect()
            })
            .unwrap_or_default(),
        subdir: state
            .lookup(LOOP_SUBDIR)
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "files".into()),
        state,
    };
    match run(&mut call) {
        Ok(list) => Ok(finish(list, wantlist)),
        Err(msg) => {
            let msg = format!("lookup `{name}`: {msg}");
            match on_error {
                OnError::Strict => Err(invalid(msg)),
                OnError::Warn | OnError::Ignore => {
                    if on_error == OnError::Warn {
                        tracing::warn!("{msg}");
                    }
                    Ok(if wantlist {
                        Value::from(Vec::<Value>::new())
                    } else {
                        Value::from(())
                    })
                }
            }
        }
    }
}

/// Ansible's `lookup` result: strings joined with commas, a single other value as itself,
/// otherwise the list; `query` (or `wantlist=True`) always gives the list.
fn finish(list: Vec<Value>, wantlist: bool) -> Value {
    if wantlist {
        return Value::from(list);
    }
    if list.iter().all(|v| v.kind() == ValueKind::String) {
        let parts: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
        return Value::from(parts.join(","));
    }
    if list.len() == 1 {
        return list.into_iter().next().unwrap_or_default();
    }
    Value::from(list)
}

fn var_path(state: &State, name: &str) -> Option<PathBuf> {
    let v = state.lookup(name)?;
    let s = v.as_str()?;
    (!s.is_empty()).then(|| PathBuf::from(s))
}

impl Call<'_> {
    /// A string term, or an error naming what was given instead.
    pub fn term_str(term: &Value) -> Result<String, String> {
        match term.as_str() {
            Some(s) => Ok(s.to_string()),
            None if matches!(term.kind(), ValueKind::Number | ValueKind::Bool) => {
                Ok(term.to_string())
            }
            None => Err(format!("expected a string term, got `{term}`")),
        }
    }

    /// Every term as a string; a list term counts as its items.
    pub fn str_terms(&self) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for t in &self.terms {
            if t.kind() == ValueKind::Seq {
                for item in t.try_iter().map_err(|e| e.to_string())? {
                    out.push(Self::term_str(&item)?);
                }
            } else {
                out.push(Self::term_str(t)?);
            }
        }
        Ok(out)
    }

    pub fn opt(&self, name: &str) -> Option<&Value> {
        self.opts.get(name).filter(|v| !v.is_none())
    }

    pub fn opt_str(&self, name: &str) -> Option<String> {
        self.opt(name).map(|v| match v.as_str() {
            Some(s) => s.to_string(),
            None => v.to_string(),
        })
    }

    pub fn opt_bool(&self, name: &str, default: bool) -> bool {
        self.opt(name).map_or(default, super::filters::ansible_bool)
    }

    /// The directories a relative file is looked up in, in order, as Ansible's
    /// `path_dwim_relative_stack` walks `ansible_search_path` (the role, then the directory of
    /// the task's own file): for each, its `subdir` then itself (a file under a role's
    /// `tasks/` subdirectory also tries the role's `subdir` and `tasks/`), then the playbook
    /// directory's `subdir` and itself.
    pub fn search_dirs(&self, subdir: &str) -> Vec<PathBuf> {
        let mut paths = self.search_path.clone();
        if paths.is_empty()
            && let Some(role) = &self.role_path
        {
            paths.push(role.clone());
        }
        let mut dirs = Vec::with_capacity(2 * paths.len() + 4);
        for path in &paths {
            if let Some(parent) = path.parent()
                && parent.ends_with("tasks")
                && let Some(role) = parent.parent()
            {
                dirs.push(role.join(subdir));
                dirs.push(parent.to_path_buf());
            }
            dirs.push(path.join(subdir));
            dirs.push(path.clone());
        }
        dirs.push(self.playbook_dir.join(subdir));
        dirs.push(self.playbook_dir.clone());
        let mut seen = std::collections::HashSet::new();
        dirs.retain(|d| seen.insert(d.clone()));
        dirs
    }

    /// Finds a controller file (absolute, or relative to the search directories).
    pub fn find(&self, subdir: &str, name: &str) -> Result<PathBuf, String> {
        let path = Path::new(name);
        if path.is_absolute() {
            return if path.exists() {
                Ok(path.to_path_buf())
            } else {
                Err(format!("could not find `{name}`"))
            };
        }
        let dirs = self.search_dirs(subdir);
        dirs.iter()
            .map(|d| d.join(path))
            .find(|p| p.exists())
            .ok_or_else(|| {
                let looked: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
                format!("could not find `{name}` (searched {})", looked.join(", "))
            })
    }
}

/// Python's `int()` of a literal: decimal, or `0x`/`0o`/`0b` prefixed.
pub fn parse_int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let lower = digits.to_ascii_lowercase();
    let n = if let Some(h) = lower.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = lower.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else if let Some(b) = lower.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()?
    } else {
        lower.parse().ok()?
    };
    Some(if neg { -n } else { n })
}

/// Splits `word key=value key2='quoted value'` into the free words and the options, as
/// Ansible's `parse_kv` does for lookups that accept inline options.
pub fn split_kv(term: &str) -> Result<(Vec<String>, IndexMap<String, String>), String> {
    let words = shlex::split(term).ok_or_else(|| format!("unbalanced quotes in `{term}`"))?;
    let mut free = Vec::new();
    let mut kv = IndexMap::new();
    for w in words {
        match w.split_once('=') {
            Some((k, v)) if !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                kv.insert(k.to_string(), v.to_string());
            }
            _ => free.push(w),
        }
    }
    Ok((free, kv))
}
