//! `fail` and `assert`: controller-only checks that end a host's run with a message.

use serde_json::Value;

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

pub struct Fail;
pub struct Assert;

static FAIL_SPEC: ModuleSpec = ModuleSpec {
    name: "fail",
    summary: "Fails with a message",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[Arg::new("msg", Kind::Any)
        .default("Failed as requested from task")
        .doc("The message the task fails with.")],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[Return::new("msg", "str", "always", "The message.")],
    notes: "",
    example: concat!(
        "- fail:\n",
        "    msg: this role needs Debian\n",
        "  when: ansible_facts.os_family != 'Debian'"
    ),
};

static ASSERT_SPEC: ModuleSpec = ModuleSpec {
    name: "assert",
    summary: "Fails unless every condition holds",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("that", Kind::Any)
            .required()
            .doc("A condition, or a list of them, written as for `when` (without `{{ }}`)."),
        Arg::new("fail_msg", Kind::Any)
            .aliases(&["msg"])
            .implied_default("Assertion failed")
            .doc("The message when a condition does not hold."),
        Arg::new("success_msg", Kind::Any)
            .implied_default("All assertions passed")
            .doc("The message when every condition holds."),
        Arg::new("quiet", Kind::Bool)
            .implied_default("false")
            .doc("Accepted as Ansible does; rconf's output is the same either way."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new("msg", "str", "always", "`fail_msg` or `success_msg`."),
        Return::new(
            "assertion",
            "str",
            "a condition failed",
            "The condition that did not hold.",
        ),
        Return::new("evaluated_to", "bool", "a condition failed", "`false`."),
    ],
    notes: "",
    example: concat!(
        "- assert:\n",
        "    that:\n",
        "      - ansible_facts.os_family == 'Debian'\n",
        "      - app_port | int > 1024\n",
        "    fail_msg: unsupported host"
    ),
};

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Module for Fail {
    fn spec(&self) -> &'static ModuleSpec {
        &FAIL_SPEC
    }

    fn plan(&self, args: &Args, _ctx: &Ctx) -> Action {
        let msg = args
            .get("msg")
            .map(text)
            .unwrap_or_else(|| "Failed as requested from task".into());
        Action::Done(TaskResult::failed(msg))
    }
}

/// The conditions of `that`: one string or a list of them. Booleans count as conditions too
/// (a fully templated `that: "{{ x }}"` may arrive as a bool).
fn conditions(that: &Value) -> Result<Vec<Value>, String> {
    match that {
        Value::Array(items) => Ok(items.clone()),
        Value::String(_) | Value::Bool(_) => Ok(vec![that.clone()]),
        other => Err(format!(
            "`that` must be a condition or a list of conditions, got `{other}`"
        )),
    }
}

impl Module for Assert {
    fn unrendered(&self) -> &'static [&'static str] {
        &["that"]
    }

    fn spec(&self) -> &'static ModuleSpec {
        &ASSERT_SPEC
    }

    /// The runner renders arguments before planning; `that` holds bare expressions (no `{{ }}`)
    /// that survive rendering unchanged and are evaluated here, as Ansible does.
    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        let conds = match args.get("that").map(conditions) {
            Some(Ok(c)) => c,
            Some(Err(e)) => return Action::Done(TaskResult::failed(e)),
            None => {
                return Action::Done(TaskResult::failed(
                    "missing required arguments: that",
                ));
            }
        };
        for cond in conds {
            // What an earlier render left is not this condition's.
            let _ = crate::vars::Scope::take_error();
            let ok = match &cond {
                Value::Bool(b) => Ok(*b),
                Value::String(expr) => ctx.templar.eval_condition(expr, ctx.vars),
                other => Err(format!("condition `{other}` is not an expression")),
            };
            match ok {
                Ok(true) => {}
                Ok(false) => {
                    let msg = args
                        .get("fail_msg")
                        .map(text)
                        .unwrap_or_else(|| "Assertion failed".into());
                    return Action::Done(
                        TaskResult::failed(msg)
                            .with("assertion", cond.clone())
                            .with("evaluated_to", false),
                    );
                }
                Err(e) => {
                    // The engine sees a variable whose own template fails as undefined:
                    // say what failed inside it.
                    let e = crate::vars::with_var_error(e);
                    // eval_condition names the condition already, except for a type error.
                    let msg = if e.starts_with("the conditional check") {
                        e
                    } else {
                        format!("the conditional check `{}` failed: {e}", text(&cond))
                    };
                    return Action::Done(TaskResult::failed(msg).with("assertion", cond.clone()));
                }
            }
        }
        let msg = args
            .get("success_msg")
            .map(text)
            .unwrap_or_else(|| "All assertions passed".into());
        Action::Done(TaskResult::ok().with_msg(msg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn fail_fails_with_the_message_or_the_default() {
        let t = TestCtx::new();
        let r = run(&Fail, json!({"msg": "boom"}), &t.ctx(false));
        assert!(r.failed && r.msg.as_deref() == Some("boom"));
        assert_eq!(
            run(&Fail, json!(null), &t.ctx(false)).msg.as_deref(),
            Some("Failed as requested from task")
        );
    }

    #[test]
    fn assert_on_rendered_booleans_needs_no_template_engine() {
        let t = TestCtx::new();
        let r = run(
            &Assert,
            json!({"that": [true, true], "success_msg": "fine"}),
            &t.ctx(false),
        );
        assert!(!r.failed && r.msg.as_deref() == Some("fine"));
        let r = run(
            &Assert,
            json!({"that": [true, false], "fail_msg": "nope"}),
            &t.ctx(false),
        );
        assert!(r.failed && r.msg.as_deref() == Some("nope"));
        assert_eq!(r.data["evaluated_to"], false);
    }

    #[test]
    fn assert_evaluates_expressions() {
        let t = TestCtx::new();
        assert!(!run(&Assert, json!({"that": ["who == 'world'"]}), &t.ctx(false)).failed);
        assert!(run(&Assert, json!({"that": "who == 'mars'"}), &t.ctx(false)).failed);
    }

    #[test]
    fn a_condition_that_cannot_be_evaluated_is_named_once() {
        let t = TestCtx::new();
        let r = run(&Assert, json!({"that": "nope == 1"}), &t.ctx(false));
        assert_eq!(
            r.msg.as_deref(),
            Some("the conditional check `nope == 1` failed: `nope` is undefined")
        );
    }
}
