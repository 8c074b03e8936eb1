//! Templating: the minijinja environment with Ansible's undefined rules, filters and tests.
//! `Templar` renders template files, single strings (native types) and `when` conditions.

pub mod codec;
mod comment;
mod context;
mod convert;
mod crypt;
mod data;
mod data_filters;
mod embedded;
pub mod env;
mod error;
mod filters;
mod guard;
mod includes;
mod jinja_tests;
mod lists;
mod lookup_files;
mod lookup_lists;
mod lookup_password;
mod lookup_text;
mod lookups;
pub use lookups::split_kv;
mod now;
pub use lookups::LOOP_SUBDIR;
pub use lookups::is_known as is_lookup;
mod more_filters;
mod regex;
mod version;
pub(crate) mod yaml;

pub use convert::{from_jinja, py_repr, py_str_repr, to_jinja};

use std::sync::Arc;

use minijinja::value::ValueKind;
use minijinja::{Environment, ErrorKind, Value as JValue};
use serde_json::Value;

use error::{describe, describe_expr};

/// Renders templates with Ansible's semantics. Cheap to clone; holds no lock while rendering,
/// so variable objects may call back into it.
#[derive(Clone)]
pub struct Templar {
    envs: Arc<Envs>,
}

struct Envs {
    /// Undefined values are errors as soon as they are used: Ansible's behaviour in most cases.
    strict: Environment<'static>,
    /// Undefined values chain (`a.b.c | default(x)`) and only error when printed; used when the
    /// strict pass failed and the source explicitly deals with undefined values.
    chainable: Environment<'static>,
}

impl std::fmt::Debug for Templar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Templar")
    }
}

impl Default for Templar {
    fn default() -> Self {
        Self::new()
    }
}

impl Templar {
    pub fn new() -> Self {
        Templar {
            envs: Arc::new(Envs {
                strict: env::build(env::Mode::Strict),
                chainable: env::build(env::Mode::Chainable),
            }),
        }
    }

    /// A Templar whose environments get extra functions, filters or globals (lookups,
    /// `omit`, ...) from `setup`, which is applied to each environment.
    pub fn with_setup(setup: impl Fn(&mut Environment<'static>)) -> Self {
        let mut strict = env::build(env::Mode::Strict);
        let mut chainable = env::build(env::Mode::Chainable);
        setup(&mut strict);
        setup(&mut chainable);
        Templar {
            envs: Arc::new(Envs { strict, chainable }),
        }
    }

    /// True when `s` contains template syntax (`{{`, `{%` or `{#`).
    pub fn is_template(s: &str) -> bool {
        s.contains("{{") || s.contains("{%") || s.contains("{#")
    }

    /// Renders a whole template file (the `template` module): trim_blocks, trailing newline
    /// kept. `name` is the file's absolute path; what it includes is found beside it, then in
    /// `search` (each directory's `templates/`, then the directory).
    pub fn render_file(
        &self,
        name: &str,
        source: &str,
        vars: &JValue,
        search: &[std::path::PathBuf],
    ) -> Result<String, String> {
        self.render_file_with(name, source, vars, search, &env::FileSyntax::default())
    }

    /// `render_file` with the template's own whitespace rules and delimiters (`trim_blocks`,
    /// `lstrip_blocks`, `*_start_string`, ...). Environments for a syntax other than the
    /// default are built once per run and shared.
    pub fn render_file_with(
        &self,
        name: &str,
        source: &str,
        vars: &JValue,
        search: &[std::path::PathBuf],
        syntax: &env::FileSyntax,
    ) -> Result<String, String> {
        let _search = includes::enter(search.to_vec());
        let fail = |e: minijinja::Error| format!("template error in `{name}`: {}", describe(&e));
        if *syntax == env::FileSyntax::default() {
            return self.render_template(name, source, vars).map_err(fail);
        }
        static OTHERS: std::sync::OnceLock<
            std::sync::Mutex<std::collections::HashMap<env::FileSyntax, Templar>>,
        > = std::sync::OnceLock::new();
        let templar = {
            let mut others = OTHERS
                .get_or_init(Default::default)
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match others.get(syntax) {
                Some(t) => t.clone(),
                None => {
                    let t = Templar {
                        envs: Arc::new(Envs {
                            strict: env::build_with(env::Mode::Strict, syntax)?,
                            chainable: env::build_with(env::Mode::Chainable, syntax)?,
                        }),
                    };
                    others.insert(syntax.clone(), t.clone());
                    t
                }
            }
        };
        templar.render_template(name, source, vars).map_err(fail)
    }

    /// Renders every string inside `value`, map keys included. A string that is exactly one
    /// `{{ expr }}` keeps the expression's type.
    pub fn render_value(&self, value: &Value, vars: &JValue) -> Result<Value, String> {
        Ok(match value {
            Value::String(s) => self.render_str(s, vars)?,
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.render_value(v, vars))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => {
                let mut out = serde_json::Map::with_capacity(map.len());
                for (k, v) in map {
                    let key = match self.render_str(k, vars)? {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    out.insert(key, self.render_value(v, vars)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }

    /// Renders one string: the expression's own value when the string is a single
    /// `{{ expr }}`, otherwise the rendered text. Text without template syntax is returned as is.
    pub fn render_str(&self, s: &str, vars: &JValue) -> Result<Value, String> {
        if !Self::is_template(s) {
            return Ok(Value::String(s.to_string()));
        }
        let escaped = escape_backslashes(s);
        let s = escaped.as_ref();
        if let Some(expr) = single_expression(s) {
            match self.eval_expr(expr, vars) {
                Ok(v) if v.is_undefined() => {
                    return Err(format!("`{}` is undefined", expr.trim()));
                }
                // Text around the expression (`"{{ name }}\n"`) makes a string, except that a
                // list or mapping ignores surrounding whitespace, so a list stays a list.
                Ok(v) if s.trim() == s || matches!(v.kind(), ValueKind::Seq | ValueKind::Map) => {
                    return from_jinja(&v);
                }
                Ok(_) => {}
                // Not one expression after all, e.g. `{{ a }} and {{ b }}`.
                Err(e) if e.kind() == ErrorKind::SyntaxError => {}
                Err(e) => return Err(describe_expr(&e)),
            }
        }
        self.render_template("<string>", s, vars)
            .map(Value::String)
            .map_err(|e| describe_in(&e, s))
    }

    /// Evaluates a bare Jinja expression as a condition (`when`, `changed_when`, `failed_when`).
    pub fn eval_condition(&self, expr: &str, vars: &JValue) -> Result<bool, String> {
        let trimmed = expr.trim();
        let fail = |msg: String| format!("the conditional check `{trimmed}` failed: {msg}");
        let inner = single_expression(trimmed).unwrap_or(trimmed);
        // ansible-core 2.19 parses a condition as an expression: one whole `{{ ... }}` is
        // still read (deprecated), but template delimiters inside one are a syntax error.
        if delimiters_outside_strings(inner) {
            return Err(
                "Syntax error in expression. Template delimiters are not supported in \
                 expressions: expected token ':', got '}'"
                    .to_string(),
            );
        }
        let rendered;
        let inner = match self.render_embedded(inner, vars) {
            Ok(Some(s)) => {
                rendered = s;
                rendered.as_str()
            }
            Ok(None) => inner,
            Err(e) => return Err(fail(format!("Error rendering expression: {e}"))),
        };
        match inner.trim() {
            "" => return Err(fail("the condition is empty".to_string())),
            "True" | "true" => return Ok(true),
            "False" | "false" => return Ok(false),
            _ => {}
        }
        if let Some(name) = self.unguarded_undefined(inner, vars) {
            return Err(fail(format!("`{name}` is undefined")));
        }
        let value = self
            .eval_expr(inner, vars)
            .map_err(|e| fail(describe_expr(&e)))?;
        if value.is_undefined() {
            return Err(fail(format!("`{}` is undefined", inner.trim())));
        }
        // ansible-core 2.19: a condition must be a boolean, not a value Python finds truthy.
        if value.kind() != ValueKind::Bool {
            let py = |b: bool| if b { "True" } else { "False" };
            return Err(format!(
                "Conditional result ({}) was derived from value of type '{}'. Conditionals must \
                 have a boolean result.",
                py(truthy(&value)),
                python_type(&value)
            ));
        }
        Ok(value.is_true())
    }

    /// `expr` with each string constant that holds a template replaced by its rendering, as
    /// ansible-core 2.19 evaluates a condition (`None`: there is none).
    fn render_embedded(&self, expr: &str, vars: &JValue) -> Result<Option<String>, String> {
        let runs = embedded::templated_constants(expr);
        if runs.is_empty() {
            return Ok(None);
        }
        let mut out = String::with_capacity(expr.len());
        let mut at = 0;
        for (range, value) in runs {
            let text = self
                .render_template("<string>", &value, vars)
                .map_err(|e| describe_in(&e, &value))?;
            out.push_str(&expr[at..range.start]);
            out.push_str(&embedded::literal(&text));
            at = range.end;
        }
        out.push_str(&expr[at..]);
        Ok(Some(out))
    }

    /// A variable the condition uses that is not defined and that the condition never tests
    /// (`is defined`, `is undefined`, `default`, ...): Ansible fails such a condition, where
    /// Jinja would compare an undefined value and a typo in a guard would run the task.
    fn unguarded_undefined(&self, expr: &str, vars: &JValue) -> Option<String> {
        let name = self.unguarded_in(expr, vars)?;
        // `a and b and c` stops at the first false term (`or` at the first true one), as
        // Jinja evaluates it: a term after that is never evaluated, so its undefined
        // variable does not fail the condition.
        let Some((op, terms)) = guard::boolean_chain(expr) else {
            return Some(name);
        };
        for term in terms {
            if let Some(name) = self.unguarded_in(term, vars) {
                return Some(name);
            }
            match self.eval_expr(term, vars) {
                Ok(v) if v.is_true() == (op == "or") => return None,
                Ok(_) => {}
                // The whole condition's evaluation reports it.
                Err(_) => return None,
            }
        }
        None
    }

    /// An undefined, unguarded variable `expr` names (see `unguarded_undefined`).
    fn unguarded_in(&self, expr: &str, vars: &JValue) -> Option<String> {
        let compiled = self.envs.strict.compile_expression(expr).ok()?;
        let mut names: Vec<String> = compiled.undeclared_variables(false).into_iter().collect();
        names.sort();
        names.into_iter().find(|name| {
            let undefined = vars.get_attr(name).map_or(true, |v| v.is_undefined());
            undefined
                && self.envs.strict.globals().all(|(g, _)| g != name)
                && !guard::guarded(expr, name)
        })
    }

    fn eval_expr(&self, expr: &str, vars: &JValue) -> Result<JValue, minijinja::Error> {
        let _current = context::enter(self, vars);
        let strict = self
            .envs
            .strict
            .compile_expression(expr)?
            .eval(vars.clone());
        match strict {
            Err(e) if e.kind() == ErrorKind::UndefinedError && handles_undefined(expr) => self
                .envs
                .chainable
                .compile_expression(expr)?
                .eval(vars.clone()),
            other => other,
        }
    }

    fn render_template(
        &self,
        name: &str,
        source: &str,
        vars: &JValue,
    ) -> Result<String, minijinja::Error> {
        let _current = context::enter(self, vars);
        let strict = self
            .envs
            .strict
            .render_named_str(name, source, vars.clone());
        let mut out = match strict {
            Err(e) if e.kind() == ErrorKind::UndefinedError && handles_undefined(source) => self
                .envs
                .chainable
                .render_named_str(name, source, vars.clone()),
            other => other,
        }?;
        // Jinja drops the source's final newline; Ansible puts back as many trailing newlines
        // as the source had and the output lacks.
        let missing = trailing_newlines(source).saturating_sub(trailing_newlines(&out));
        out.push_str(&"\n".repeat(missing));
        Ok(out)
    }
}

/// A template that renders to `text` exactly (Ansible's `!unsafe`): each Jinja opening
/// delimiter becomes an expression printing it.
pub fn literal(text: &str) -> String {
    if !text.contains('{') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('{', Some(&next @ ('{' | '%' | '#'))) => {
                chars.next();
                out.push_str(&format!("{{{{ '{{{next}' }}}}"));
            }
            _ => out.push(c),
        }
    }
    out
}

/// The Python type name of a value, as Ansible's messages and `type_debug` name it.
pub(super) fn python_type(v: &JValue) -> &'static str {
    match v.kind() {
        ValueKind::Undefined | ValueKind::None => "NoneType",
        ValueKind::Bool => "bool",
        ValueKind::Number if v.is_integer() => "int",
        ValueKind::Number => "float",
        ValueKind::String => "str",
        ValueKind::Seq | ValueKind::Iterable => "list",
        ValueKind::Map => "dict",
        _ => "object",
    }
}

/// Whether `expr` has `{{` or `{%` outside its string literals (inside one it is just text).
fn delimiters_outside_strings(expr: &str) -> bool {
    let b = expr.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < b.len() {
        match (quote, b[i]) {
            (Some(_), b'\\') => i += 1,
            (Some(q), c) if c == q => quote = None,
            (None, c @ (b'\'' | b'"')) => quote = Some(c),
            (None, b'{') if matches!(b.get(i + 1), Some(b'{' | b'%')) => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

fn trailing_newlines(s: &str) -> usize {
    s.len() - s.trim_end_matches('\n').len()
}

/// Python truthiness, which Jinja conditions follow.
fn truthy(v: &JValue) -> bool {
    v.is_true()
}

/// The inner expression when `s` is exactly one `{{ ... }}` (whitespace around allowed).
fn single_expression(s: &str) -> Option<&str> {
    let t = s.trim();
    let inner = t.strip_prefix("{{")?.strip_suffix("}}")?;
    let inner = inner.strip_prefix('-').unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    (!inner.contains("{{") && !inner.contains("{%") && !inner.contains("{#")).then_some(inner)
}

/// True when the template text copes with undefined values itself (`default`, `is defined`,
/// `mandatory`), so a chained undefined such as `a.b.c | default(1)` must not be an error.
fn handles_undefined(source: &str) -> bool {
    source.contains("default")
        || source.contains("defined")
        || source.contains("mandatory")
        || source.contains("d(")
}

fn describe_in(e: &minijinja::Error, source: &str) -> String {
    format!("{} in `{}`", describe(e), source.trim())
}
#[cfg(test)]
mod filter_tests;
#[cfg(test)]
mod lookup_tests;
#[cfg(test)]
mod more_filter_tests;
#[cfg(test)]
mod templar_tests;

/// As Ansible 2.19 compiles a template from YAML: a backslash in a string constant of a
/// `{{ }}` expression is itself, not an escape, so `regex_replace('(a)', '\1')` written in YAML
/// as `'\1'` gets the backreference YAML gave it (Ansible's `AnsibleLexer`). Statements
/// (`{% %}`), template files and conditionals keep Jinja's escapes, as in Ansible.
fn escape_backslashes(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('\\') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    let (mut in_expr, mut quote) = (false, None::<char>);
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                if c == '\\' {
                    out.push_str("\\\\");
                    // The next character stays escaped where it would end the constant.
                    if let Some(&n) = chars.peek()
                        && (n == q || n == '\\')
                    {
                        out.push('\\');
                        out.push(n);
                        chars.next();
                    }
                    continue;
                }
                if c == q {
                    quote = None;
                }
                out.push(c);
            }
            None => {
                out.push(c);
                if !in_expr && c == '{' && chars.peek() == Some(&'{') {
                    out.push('{');
                    chars.next();
                    in_expr = true;
                } else if in_expr && c == '}' && chars.peek() == Some(&'}') {
                    out.push('}');
                    chars.next();
                    in_expr = false;
                } else if in_expr && (c == '"' || c == '\'') {
                    quote = Some(c);
                }
            }
        }
    }
    std::borrow::Cow::Owned(out)
}
