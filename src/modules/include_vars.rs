//! `include_vars`: loads variables from a YAML or JSON file on the controller into the host's
//! variables (with the precedence of `set_fact`).

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::{Action, Ctx, Module};
use crate::playbook::node;
use crate::result::TaskResult;

pub struct IncludeVars;

static SPEC: ModuleSpec = ModuleSpec {
    name: "include_vars",
    summary: "Loads variables from a YAML or JSON file on the controller",
    aliases: &[],
    free_form: FreeForm::Command,
    args: &[
        Arg::new("_raw_params", Kind::Str).doc("The file, as `file` takes it."),
        Arg::new("file", Kind::Str).doc(
            "The YAML or JSON file of variables, looked up in a role's `vars/` then beside the \
             playbook.",
        ),
        Arg::new("name", Kind::Str)
            .doc("Put the file's variables under this one variable instead of at the top."),
        Arg::new("dir", Kind::Str).doc(
            "A directory whose vars files are all read, in sorted order (later ones win): \
             under a role's `vars/`, else beside the task's file.",
        ),
        Arg::new("depth", Kind::Int)
            .implied_default("0")
            .doc("How deep `dir` is walked; 0 is no limit, 1 only its own files."),
        Arg::new("files_matching", Kind::Str)
            .doc("Only the files of `dir` whose name this regular expression matches."),
        Arg::new("ignore_files", Kind::List)
            .doc("Regular expressions for the file names of `dir` to leave out."),
        Arg::new("extensions", Kind::List)
            .implied_default("[yaml, yml, json]")
            .doc("The file extensions `dir` reads; another is an error."),
        Arg::new("ignore_unknown_extensions", Kind::Bool)
            .implied_default("false")
            .doc("Leave out files of `dir` with another extension instead of failing."),
        Arg::new("hash_behaviour", Kind::Str)
            .choices(&["replace", "merge"])
            .doc("`merge`: a mapping loaded is merged into the variable's current value."),
    ],
    any_args: false,
    required_one_of: &[&["_raw_params", "file", "dir"]],
    // file with dir is refused by plan, with Ansible's message.
    mutually_exclusive: &[&["_raw_params", "file"]],
    rules: &[],
    returns: &[
        Return::new(
            "ansible_facts",
            "dict",
            "success",
            "The variables loaded, each also a variable of the host from then on.",
        ),
        Return::new(
            "ansible_included_var_files",
            "list",
            "success",
            "The file read.",
        ),
    ],
    notes: "",
    example: "- include_vars: vars/{{ ansible_facts.os_family }}.yml",
};

/// `<base>/vars/FILE` then `<base>/FILE`, for each base (role first), or an absolute path.
fn find(file: &str, ctx: &Ctx) -> Option<PathBuf> {
    let p = PathBuf::from(file);
    if p.is_absolute() {
        return p.is_file().then_some(p);
    }
    ctx.search_dirs
        .iter()
        .flat_map(|b| [b.join("vars").join(file), b.join(file)])
        .find(|c| c.is_file())
}

/// The variables of one vars file (YAML or JSON), or why there are none.
fn read_vars(path: &std::path::Path) -> Result<Map<String, Value>, String> {
    let text = std::fs::read(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))
        .and_then(|bytes| crate::source_text::decode(path, bytes).map_err(|d| d.to_string()))?;
    match node::parse(path, &text).map(|n| n.to_json()) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(_) => Err(format!(
            "{} must be stored as a dictionary/hash",
            path.display()
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// Ansible's recursive merge of mappings (`combine(recursive=True)`).
fn merge(old: Value, new: Value) -> Value {
    match (old, new) {
        (Value::Object(mut a), Value::Object(b)) => {
            for (k, v) in b {
                let merged = match a.remove(&k) {
                    Some(o) => merge(o, v),
                    None => v,
                };
                a.insert(k, merged);
            }
            Value::Object(a)
        }
        (_, new) => new,
    }
}

impl Module for IncludeVars {
    fn control(&self) -> super::Control {
        super::Control::SetsVars { templates: true }
    }

    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        // As Ansible's include_vars action: a failure is reported in `message`.
        let failed = |e: String| Action::Done(TaskResult::failed(e.clone()).with("message", e));
        let file_args = args.has("file") || args.has("_raw_params");
        if file_args
            && super::include_vars_dir::DIR_ARGS
                .iter()
                .any(|a| args.has(a))
        {
            return failed(
                "You are mixing file only and dir only arguments, these are incompatible".into(),
            );
        }
        let (vars, files) = if args.has("dir") {
            match super::include_vars_dir::load(args, ctx, &read_vars) {
                Ok(x) => x,
                Err(e) => return failed(e),
            }
        } else {
            // A free-form name from a folded YAML block loses its final newline, as in Ansible.
            let file = args
                .str("file")
                .or(args.str("_raw_params"))
                .unwrap_or_default()
                .trim_end_matches('\n');
            let Some(path) = find(file, ctx) else {
                return failed(
                    "Could not find file on the Ansible Controller.\nIf you are using a module \
                     and expect the file to exist on the remote, see the remote_src option"
                        .into(),
                );
            };
            match read_vars(&path) {
                Ok(vars) => (vars, vec![path.display().to_string()]),
                Err(e) => return failed(e),
            }
        };
        // `hash_behaviour: merge`: a mapping merges into the variable's current value.
        let vars = if args.str("hash_behaviour") == Some("merge") {
            vars.into_iter()
                .map(|(k, v)| {
                    let current = ctx
                        .vars
                        .get_attr(&k)
                        .ok()
                        .filter(|c| !c.is_undefined())
                        .and_then(|c| crate::template::from_jinja(&c).ok());
                    match current {
                        Some(old) => (k, merge(old, v)),
                        None => (k, v),
                    }
                })
                .collect()
        } else {
            vars
        };
        let facts = match args.str("name") {
            Some(name) => Map::from_iter([(name.to_string(), Value::Object(vars))]),
            None => vars,
        };
        let files = Value::from(files);
        Action::Done(
            TaskResult::ok()
                .with("ansible_facts", Value::Object(facts))
                .with("ansible_included_var_files", files),
        )
    }
}
