//! `debug`: prints a message or a variable's value; runs on the controller only.

use serde_json::Value;

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

pub struct Debug;

static SPEC: ModuleSpec = ModuleSpec {
    name: "debug",
    summary: "Prints a message or a variable",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("msg", Kind::Any)
            .implied_default("Hello world!")
            .doc("The message to print: text, or any value (printed as it is)."),
        Arg::new("var", Kind::Str).doc(
            "A variable (or expression, without `{{ }}`) whose value is printed under its \
             name.",
        ),
        Arg::new("verbosity", Kind::Int).default("0").doc(
            "In Ansible, print only with at least this many `-v`; rconf skips the task whenever \
             it is above 0.",
        ),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[&["msg", "var"]],
    rules: &[],
    returns: &[
        Return::new("msg", "str", "msg given or neither", "The message."),
        Return::new(
            "<var>",
            "any",
            "var given",
            "The variable's value, under the name given in `var`.",
        ),
    ],
    notes: "",
    example: concat!("- debug:\n", "    var: ansible_facts.distribution"),
};

/// Looks a plain dotted name (`a.b.c`, `a[0]`) up without the template engine.
fn lookup(vars: &minijinja::Value, path: &str) -> Option<Option<minijinja::Value>> {
    let mut cur = vars.clone();
    for part in path.split('.') {
        let (name, indexes) = part
            .split_once('[')
            .map_or((part, ""), |(n, rest)| (n, rest));
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return None;
        }
        cur = match cur.get_attr(name) {
            Ok(v) if !v.is_undefined() => v,
            _ => return Some(None),
        };
        for idx in indexes.split('[').filter(|s| !s.is_empty()) {
            let i: usize = idx.strip_suffix(']')?.parse().ok()?;
            cur = match cur.get_item(&minijinja::Value::from(i)) {
                Ok(v) if !v.is_undefined() => v,
                _ => return Some(None),
            };
        }
    }
    Some(Some(cur))
}

fn var_value(expr: &str, ctx: &Ctx) -> Value {
    const UNDEFINED: &str = "VARIABLE IS NOT DEFINED!";
    match lookup(ctx.vars, expr.trim()) {
        Some(Some(v)) => serde_json::to_value(&v).unwrap_or(Value::Null),
        Some(None) => Value::from(UNDEFINED),
        None => {
            let wrapped = Value::from(format!("{{{{ {expr} }}}}"));
            match ctx.templar.render_value(&wrapped, ctx.vars) {
                Ok(v) => v,
                Err(_) => Value::from(UNDEFINED),
            }
        }
    }
}

impl Module for Debug {
    fn control(&self) -> super::Control {
        super::Control::Debug
    }

    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        // The controller's -v level is not known here; a positive threshold is treated as unmet.
        if args.int("verbosity").unwrap_or(0) > 0 {
            return Action::Done(TaskResult::skipped("Verbosity threshold not met."));
        }
        if let Some(var) = args.str("var") {
            return Action::Done(TaskResult::ok().with(var, var_value(var, ctx)));
        }
        let r = match args.get("msg") {
            None => TaskResult::ok().with_msg("Hello world!"),
            Some(Value::String(s)) => TaskResult::ok().with_msg(s.clone()),
            Some(other) => TaskResult::ok()
                .with_msg(other.to_string())
                .with("msg", other.clone()),
        };
        Action::Done(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn default_message_is_hello_world() {
        let t = TestCtx::new();
        assert_eq!(
            run(&Debug, json!(null), &t.ctx(false)).msg.as_deref(),
            Some("Hello world!")
        );
        assert_eq!(
            run(&Debug, json!("msg='hi there'"), &t.ctx(false))
                .msg
                .as_deref(),
            Some("hi there")
        );
    }

    #[test]
    fn structured_msg_is_kept_as_a_value() {
        let t = TestCtx::new();
        let r = run(&Debug, json!({"msg": [1, "a"]}), &t.ctx(false));
        assert_eq!(r.to_json()["msg"], json!([1, "a"]));
    }

    #[test]
    fn var_is_reported_under_its_own_name() {
        let mut t = TestCtx::new();
        t.vars = minijinja::context! { r => minijinja::context! { lines => vec!["a", "b"] } };
        let r = run(&Debug, json!({"var": "r.lines[1]"}), &t.ctx(false));
        assert_eq!(r.data["r.lines[1]"], "b");
        let r = run(&Debug, json!({"var": "nope"}), &t.ctx(false));
        assert_eq!(r.data["nope"], "VARIABLE IS NOT DEFINED!");
        assert!(!r.changed && !r.failed);
    }

    #[test]
    fn msg_and_var_together_are_refused() {
        let m = Debug
            .spec()
            .normalize(&json!({"msg": "a", "var": "b"}))
            .unwrap();
        assert!(
            Debug.spec().check(&m)[0]
                .message
                .contains("mutually exclusive")
        );
    }
}
