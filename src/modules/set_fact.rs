//! `set_fact`: returns `ansible_facts` for the runner to merge into the host's variables.

use serde_json::{Map, Value};

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

pub struct SetFact;

static SPEC: ModuleSpec = ModuleSpec {
    name: "set_fact",
    summary: "Sets host variables",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[Arg::new("cacheable", Kind::Bool)
        .implied_default("false")
        .doc("Accepted as Ansible does; rconf keeps no fact cache between runs.")],
    any_args: true,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[Return::new(
        "ansible_facts",
        "dict",
        "success",
        "The variables set, each also a variable of the host from then on.",
    )],
    notes: "Every other argument is a variable to set: `key: value`, or `key=value` in the one-line form; \
            a value stays what it renders to (`\"yes\"` is a string), as in ansible-core 2.19.",
    example: concat!(
        "- set_fact:\n",
        "    app_port: 8080\n",
        "    app_url: \"http://{{ inventory_hostname }}:8080\""
    ),
};

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Module for SetFact {
    fn control(&self) -> super::Control {
        super::Control::SetsVars { templates: false }
    }

    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, _ctx: &Ctx) -> Action {
        let mut facts = Map::new();
        for (k, v) in &args.0 {
            if k == "cacheable" {
                continue;
            }
            if !valid_name(k) {
                return Action::Done(TaskResult::failed(format!(
                    "the variable name `{k}` is not valid; expected a letter or underscore followed by letters, digits and underscores"
                )));
            }
            // As ansible-core 2.19: a value is what it renders to, `"yes"` stays a string (older
            // releases turned boolean-looking strings into booleans).
            let v = v.clone();
            facts.insert(k.clone(), v);
        }
        if facts.is_empty() {
            return Action::Done(TaskResult::failed(
                "No key/value pairs provided, at least one is required for this action to succeed",
            ));
        }
        let mut r = TaskResult::ok().with("ansible_facts", Value::Object(facts));
        if args.bool("cacheable", false) {
            r = r.with("_ansible_facts_cacheable", true);
        }
        Action::Done(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn facts_are_returned_as_they_render_yes_staying_a_string() {
        let t = TestCtx::new();
        let r = run(&SetFact, json!("a=1 flag=yes name='x y'"), &t.ctx(false));
        assert_eq!(
            r.data["ansible_facts"],
            json!({"a": "1", "flag": "yes", "name": "x y"})
        );
        assert!(!r.changed);
        let r = run(
            &SetFact,
            json!({"l": [1, 2], "cacheable": true}),
            &t.ctx(false),
        );
        assert_eq!(r.data["ansible_facts"], json!({"l": [1, 2]}));
    }

    #[test]
    fn invalid_names_and_empty_are_failures() {
        let t = TestCtx::new();
        assert!(run(&SetFact, json!({"1bad": 1}), &t.ctx(false)).failed);
        assert!(run(&SetFact, json!({}), &t.ctx(false)).failed);
    }
}
