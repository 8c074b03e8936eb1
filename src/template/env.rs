//! Builds the minijinja environments: Ansible's whitespace rules, undefined handling, output
//! formatting (Python repr for collections, `None` printed as empty) and the filter set.

use minijinja::syntax::SyntaxConfig;
use minijinja::value::ValueKind;
use minijinja::{Environment, Error, Output, State, UndefinedBehavior, Value};

use super::convert::py_repr;
use super::filters::CallUndefined;

#[derive(Clone, Copy, PartialEq)]
pub enum Mode {
    Strict,
    Chainable,
}

/// How a template file is read: Ansible's `trim_blocks`/`lstrip_blocks` and delimiters (the
/// `template` module's options, or a `#jinja2:` first line).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileSyntax {
    pub trim_blocks: bool,
    pub lstrip_blocks: bool,
    pub block: (String, String),
    pub variable: (String, String),
    pub comment: (String, String),
    /// Jinja's line statements and line comments (`line_statement_prefix`, ...), when set.
    pub line_statement: Option<String>,
    pub line_comment: Option<String>,
}

impl Default for FileSyntax {
    fn default() -> Self {
        FileSyntax {
            trim_blocks: true,
            lstrip_blocks: false,
            block: ("{%".into(), "%}".into()),
            variable: ("{{".into(), "}}".into()),
            comment: ("{#".into(), "#}".into()),
            line_statement: None,
            line_comment: None,
        }
    }
}

pub fn build(mode: Mode) -> Environment<'static> {
    build_with(mode, &FileSyntax::default()).expect("the default syntax is valid")
}

/// An environment as `build`'s, reading templates with `syntax`.
pub fn build_with(mode: Mode, syntax: &FileSyntax) -> Result<Environment<'static>, String> {
    let mut env = Environment::new();
    // Debug mode lets errors name the undefined expression (`foo.bar` is undefined).
    env.set_debug(true);
    env.set_undefined_behavior(match mode {
        Mode::Strict => UndefinedBehavior::Strict,
        Mode::Chainable => UndefinedBehavior::Chainable,
    });
    // Ansible renders with trim_blocks; trailing newlines are restored after rendering.
    let config = SyntaxConfig::builder()
        .trim_blocks(syntax.trim_blocks)
        .lstrip_blocks(syntax.lstrip_blocks)
        .keep_trailing_newline(false)
        .block_delimiters(syntax.block.0.clone(), syntax.block.1.clone())
        .variable_delimiters(syntax.variable.0.clone(), syntax.variable.1.clone())
        .comment_delimiters(syntax.comment.0.clone(), syntax.comment.1.clone())
        .line_statement_prefix(syntax.line_statement.clone().unwrap_or_default())
        .line_comment_prefix(syntax.line_comment.clone().unwrap_or_default())
        .build()
        .map_err(|e| format!("invalid template delimiters: {e}"))?;
    env.set_syntax(config);
    env.set_formatter(move |out, state, value| format_value(mode, out, state, value));
    env.set_unknown_method_callback(python_methods);
    env.set_path_join_callback(super::includes::join);
    env.set_loader(super::includes::load);
    super::filters::register(&mut env);
    super::data::register(&mut env);
    super::lists::register(&mut env);
    super::jinja_tests::register(&mut env);
    super::more_filters::register(&mut env);
    super::data_filters::register(&mut env);
    super::comment::register(&mut env);
    super::lookups::register(&mut env);
    super::now::register(&mut env);
    Ok(env)
}

/// Adds filter `name`, and the same as `ansible.builtin.name`, the name linters ask for.
pub(super) fn filter<F, Rv, Args>(env: &mut Environment<'static>, name: &'static str, f: F)
where
    F: minijinja::functions::Function<Rv, Args> + Clone,
    Rv: minijinja::value::FunctionResult,
    Args: for<'a> minijinja::value::FunctionArgs<'a>,
{
    env.add_filter(name, f.clone());
    env.add_filter(format!("ansible.builtin.{name}"), f);
}

/// Python methods of values, as Ansible's templates call them: minijinja-contrib's, plus a
/// list's `index`.
fn python_methods(
    state: &mut State,
    value: &Value,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
    if method == "index" && value.kind() == ValueKind::Seq {
        let (wanted,): (Value,) = minijinja::value::from_args(args)?;
        return match value.try_iter()?.position(|v| v == wanted) {
            Some(i) => Ok(Value::from(i)),
            None => Err(Error::new(
                minijinja::ErrorKind::InvalidOperation,
                format!("{} is not in list", py_repr(&wanted)),
            )),
        };
    }
    minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args)
}

fn format_value(
    mode: Mode,
    out: &mut Output,
    _state: &mut State,
    value: &Value,
) -> Result<(), Error> {
    let text = match value.kind() {
        ValueKind::Undefined => {
            if mode == Mode::Strict {
                // Only the "silent" undefined of `{{ x if cond }}` gets here: Jinja prints "".
                return Ok(());
            }
            return value.call_undefined();
        }
        // Ansible's finalize prints None as an empty string.
        ValueKind::None => return Ok(()),
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable => py_repr(value),
        _ => value.to_string(),
    };
    out.write_str(&text).map_err(Error::from)
}
