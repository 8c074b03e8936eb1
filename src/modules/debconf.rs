//! `debconf`: a package's debconf answers (debconf.sh). The controller turns the value into
//! debconf's text: a list for `multiselect` joined with `, `, booleans as `true`/`false`.

use serde_json::Value;

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return, Rule};
use super::simple::remote_with;
use super::{Action, Ctx, Module};

const BODY: &str = include_str!("../../modules/debconf.sh");

pub struct Debconf;

static SPEC: ModuleSpec = ModuleSpec {
    name: "debconf",
    summary: "Sets a package's debconf answers (debconf-set-selections); returns the current ones",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("name", Kind::Str)
            .aliases(&["pkg"])
            .required()
            .doc("The package whose questions are set or read."),
        Arg::new("question", Kind::Str)
            .aliases(&["selection", "setting"])
            .doc(
                "The question to answer (`locales/default_environment_locale`); without it, the \
                 task only reads the answers.",
            ),
        Arg::new("vtype", Kind::Str)
            .choices(&[
                "boolean",
                "error",
                "multiselect",
                "note",
                "password",
                "seen",
                "select",
                "string",
                "text",
                "title",
            ])
            .doc(
                "The question's type, required with `question`; `password` answers always count as \
                 a change.",
            ),
        Arg::new("value", Kind::Any)
            .aliases(&["answer"])
            .doc("The answer; a list for `multiselect`, a boolean for `boolean`."),
        Arg::new("unseen", Kind::Bool)
            .default("false")
            .doc("Leave the question unmarked as seen, so the package may still ask it."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[Rule::Together(&["question", "vtype", "value"])],
    returns: &[Return::new(
        "current",
        "dict",
        "always",
        "The package's answers after the task, question by question.",
    )],
    notes: "",
    example: concat!(
        "- debconf:\n",
        "    name: locales\n",
        "    question: locales/default_environment_locale\n",
        "    value: fr_FR.UTF-8\n",
        "    vtype: select"
    ),
};

/// `value` as debconf stores it.
fn answer(value: &Value, vtype: Option<&str>) -> String {
    match value {
        Value::Array(items) => items
            .iter()
            .map(|v| answer(v, None))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Bool(b) => b.to_string(),
        Value::String(s) if vtype == Some("boolean") => match s.to_ascii_lowercase().as_str() {
            "yes" | "true" | "on" | "1" => "true".into(),
            "no" | "false" | "off" | "0" => "false".into(),
            other => other.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

impl Module for Debconf {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        let value = args
            .get("value")
            .map(|v| answer(v, args.str("vtype")))
            .unwrap_or_default();
        remote_with(
            args,
            ctx,
            &["name", "question", "vtype", "unseen"],
            BODY,
            |s| {
                s.var("A_value", value.as_bytes())?;
                Ok(())
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answers_are_written_as_debconf_stores_them() {
        assert_eq!(
            answer(
                &json!(["en_US.UTF-8 UTF-8", "fr_FR.UTF-8 UTF-8"]),
                Some("multiselect")
            ),
            "en_US.UTF-8 UTF-8, fr_FR.UTF-8 UTF-8"
        );
        assert_eq!(answer(&json!(true), Some("boolean")), "true");
        assert_eq!(answer(&json!("yes"), Some("boolean")), "true");
        assert_eq!(answer(&json!("yes"), Some("select")), "yes");
    }
}
