//! `validate_argument_spec`: checks variables against an argument spec on the controller, as
//! Ansible does for the task it puts first in a role that has `meta/argument_specs.yml`
//! ("Validating arguments against arg spec 'main'"): required options, `choices`, and the
//! simple `type`s (str, int, float, bool, list, dict, path, raw).

use serde_json::{Map, Value, json};

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::{Action, Ctx, Module};
use crate::result::TaskResult;
use crate::template::from_jinja;

pub struct ValidateArgumentSpec;

static SPEC: ModuleSpec = ModuleSpec {
    name: "validate_argument_spec",
    summary: "Checks variables against an argument spec (required, type, choices)",
    aliases: &[],
    free_form: FreeForm::No,
    args: &[
        Arg::new("argument_spec", Kind::Any).required().doc(
            "The options to check, as in a role's `argument_specs`: each with `required`, \
             `type` (str, int, float, bool, list, dict, path, raw) and `choices`.",
        ),
        Arg::new("provided_arguments", Kind::Any)
            .doc("The values to check; unset, the task's variables."),
        // What the loader adds for a role's own validation task (Ansible's internal option).
        Arg::new("validate_args_context", Kind::Any)
            .doc("Where the spec comes from (a role, an entry point), returned as it is."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new(
            "argument_errors",
            "list",
            "failure",
            "What is wrong, one message an item.",
        ),
        Return::new(
            "argument_spec_data",
            "dict",
            "always",
            "The spec checked against.",
        ),
        Return::new(
            "validate_args_context",
            "dict",
            "context given",
            "The context given.",
        ),
    ],
    notes: "A role with `meta/argument_specs.yml` runs it before its tasks, as in Ansible.",
    example: concat!(
        "- validate_argument_spec:\n",
        "    argument_spec:\n",
        "      port: {type: int, required: true}"
    ),
};

impl Module for ValidateArgumentSpec {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        let empty = Map::new();
        let options = args
            .get("argument_spec")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let provided = args
            .get("provided_arguments")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut problems = Vec::new();
        for (name, option) in options {
            // The task's variables supply what `provided_arguments` does not, as in Ansible.
            let value = provided.get(name).cloned().or_else(|| {
                ctx.vars
                    .get_attr(name)
                    .ok()
                    .filter(|v| !v.is_undefined())
                    .and_then(|v| from_jinja(&v).ok())
            });
            let required = option.get("required").and_then(Value::as_bool) == Some(true);
            let Some(value) = value else {
                if required {
                    problems.push(format!("missing required arguments: {name}"));
                }
                continue;
            };
            if let Some(kind) = option.get("type").and_then(Value::as_str)
                && let Some(why) = wrong_type(&value, kind)
            {
                problems.push(format!("argument '{name}' is of type {why}"));
            }
            if let Some(choices) = option.get("choices").and_then(Value::as_array)
                && !choices.is_empty()
                && !choices.contains(&value)
            {
                let list: Vec<String> = choices.iter().map(text).collect();
                problems.push(format!(
                    "value of {name} must be one of: {}, got: {}",
                    list.join(", "),
                    text(&value)
                ));
            }
        }
        let mut result = if problems.is_empty() {
            TaskResult::ok().with_msg("The arg spec validation passed")
        } else {
            TaskResult::failed(format!(
                "Validation of arguments failed:\n{}",
                problems.join("\n")
            ))
            .with("argument_errors", json!(problems))
        };
        result = result.with("argument_spec_data", Value::Object(options.clone()));
        if let Some(c) = args.get("validate_args_context") {
            result = result.with("validate_args_context", c.clone());
        }
        Action::Done(result)
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Why `value` is not of Ansible type `kind` (`"<found> and we were unable to convert to
/// <kind>"`), or `None` when it is or converts as Ansible's checks convert.
fn wrong_type(value: &Value, kind: &str) -> Option<String> {
    let ok = match kind {
        "str" | "path" | "raw" | "jsonarg" | "json" => true,
        "bool" => match value {
            Value::Bool(_) => true,
            Value::Number(n) => n.as_i64().is_some_and(|i| i == 0 || i == 1),
            Value::String(s) => matches!(
                s.to_ascii_lowercase().as_str(),
                "yes" | "no" | "true" | "false" | "on" | "off" | "1" | "0" | "y" | "n" | "t" | "f"
            ),
            _ => false,
        },
        "int" => match value {
            Value::Number(n) => n.is_i64() || n.is_u64(),
            Value::String(s) => s.trim().parse::<i64>().is_ok(),
            _ => false,
        },
        "float" => match value {
            Value::Number(_) => true,
            Value::String(s) => s.trim().parse::<f64>().is_ok(),
            _ => false,
        },
        // A string becomes a list by commas in Ansible's check; a number a one-item list.
        "list" => !matches!(value, Value::Object(_) | Value::Null),
        "dict" => {
            matches!(value, Value::Object(_)) || value.as_str().is_some_and(|s| s.contains('='))
        }
        _ => true,
    };
    let found = match value {
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
        Value::Null => "NoneType",
    };
    (!ok).then(|| format!("{found} and we were unable to convert to {kind}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};

    #[test]
    fn required_types_and_choices_are_checked_against_the_variables() {
        let mut t = TestCtx::new();
        t.vars = minijinja::context! { port => 22, mode => "fast", flag => "yes" };
        let spec = json!({
            "port": {"type": "int"}, "flag": {"type": "bool"},
            "mode": {"choices": ["fast", "slow"]}, "unset": {"type": "list"},
        });
        let r = run(
            &ValidateArgumentSpec,
            json!({"argument_spec": spec}),
            &t.ctx(false),
        );
        assert!(!r.failed, "{r:?}");
        assert_eq!(r.msg.as_deref(), Some("The arg spec validation passed"));
        let bad = json!({
            "port": {"type": "int"}, "need": {"required": true},
            "mode": {"choices": ["slow"]},
        });
        let r = run(
            &ValidateArgumentSpec,
            json!({"argument_spec": bad, "provided_arguments": {"port": "x"}}),
            &t.ctx(false),
        );
        assert!(r.failed);
        assert_eq!(
            r.msg.as_deref(),
            Some(
                "Validation of arguments failed:\nargument 'port' is of type str and we were unable to convert to int\nmissing required arguments: need\nvalue of mode must be one of: slow, got: fast"
            )
        );
    }
}
