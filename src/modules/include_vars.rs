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
    ],
    any_args: false,
    required_one_of: &[&["_raw_params", "file"]],
    mutually_exclusive: &[&["_raw_params", "file"]],
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

impl Module for IncludeVars {
    fn control(&self) -> super::Control {
        super::Control::SetsVars
    }

    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        let file = args
            .str("file")
            .or(args.str("_raw_params"))
            .unwrap_or_default();
        let Some(path) = find(file, ctx) else {
            return Action::Done(TaskResult::failed(format!(
                "Could not find or access '{file}'"
            )));
        };
        let text = match std::fs::read(&path) {
            Ok(bytes) => match crate::source_text::decode(&path, bytes) {
                Ok(t) => t,
                Err(d) => return Action::Done(TaskResult::failed(d.to_string())),
            },
            Err(e) => {
                return Action::Done(TaskResult::failed(format!(
                    "cannot read `{}`: {e}",
                    path.display()
                )));
            }
        };
        let vars = match node::parse(&path, &text).map(|n| n.to_json()) {
            Ok(Value::Object(m)) => m,
            Ok(Value::Null) => Map::new(),
            Ok(_) => {
                return Action::Done(TaskResult::failed(format!(
                    "`{}` must contain a mapping of variables",
                    path.display()
                )));
            }
            Err(e) => return Action::Done(TaskResult::failed(e.to_string())),
        };
        let facts = match args.str("name") {
            Some(name) => Map::from_iter([(name.to_string(), Value::Object(vars))]),
            None => vars,
        };
        let files = Value::from(vec![path.display().to_string()]);
        Action::Done(
            TaskResult::ok()
                .with("ansible_facts", Value::Object(facts))
                .with("ansible_included_var_files", files),
        )
    }
}
