//! Module argument specifications: free-form splitting (before templating), load-time checks,
//! and validation of rendered arguments into typed `Args`.

use indexmap::IndexMap;
use serde_json::Value;

use super::kv::split_spans;

/// How a module reads a plain string instead of a mapping (`command: uname -a`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreeForm {
    /// Only a mapping is accepted.
    No,
    /// `k=v k2=v2` pairs (`file: path=/x state=touch`).
    KeyValue,
    /// The string is the command; known `k=v` options (`creates=`, `chdir=`...) are taken out
    /// and the rest goes to `_raw_params`.
    Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Bool,
    Int,
    /// A file mode: an octal integer from YAML (`0644` = 420), an octal string, or symbolic.
    Mode,
    List,
    /// Any JSON value (e.g. `debug: var=`, `set_fact` values).
    Any,
}

impl Kind {
    /// The type's name as `rconf doc` shows it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Str => "str",
            Kind::Bool => "bool",
            Kind::Int => "int",
            Kind::Mode => "mode",
            Kind::List => "list",
            Kind::Any => "any",
        }
    }
}

/// One argument of a module: how it is validated and how `rconf doc` describes it.
#[derive(Debug, Clone, Copy)]
pub struct Arg {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub kind: Kind,
    pub required: bool,
    pub choices: &'static [&'static str],
    /// What the argument does, in one or two short sentences (`rconf doc`).
    pub doc: &'static str,
    /// The default, written as Ansible documents it (`pong`, `true`, `300`) and typed by `kind`
    /// when applied.
    pub default: Option<&'static str>,
    /// Whether `validate` fills `default` in for an unset argument, so that the module's planner
    /// and script receive it. When false the default is only documented: the module acts so
    /// when the argument is unset, because it must tell an unset argument from one set to the
    /// default (`debug`'s `msg` beside `var`, `insertafter` beside `insertbefore`).
    pub apply_default: bool,
    /// Never shown: Ansible's `no_log=True` on an option (`-vv` prints it censored).
    pub secret: bool,
}

impl Arg {
    /// An optional argument of `kind` with no aliases or choices (for terse spec tables).
    pub const fn new(name: &'static str, kind: Kind) -> Arg {
        Arg {
            name,
            aliases: &[],
            kind,
            required: false,
            choices: &[],
            doc: "",
            default: None,
            apply_default: false,
            secret: false,
        }
    }
    /// An argument that holds a secret, as Ansible's `no_log=True` on an option.
    pub const fn secret(mut self) -> Arg {
        self.secret = true;
        self
    }
    /// What the argument does, for `rconf doc`.
    pub const fn doc(mut self, doc: &'static str) -> Arg {
        self.doc = doc;
        self
    }
    /// A default that validation applies when the argument is unset (after the checks that
    /// must see what the user wrote), so the module receives it.
    pub const fn default(mut self, value: &'static str) -> Arg {
        self.default = Some(value);
        self.apply_default = true;
        self
    }
    /// A default that is documented but left unset by validation: the module behaves so when
    /// the argument is missing, and tells a missing argument from one given.
    pub const fn implied_default(mut self, value: &'static str) -> Arg {
        self.default = Some(value);
        self.apply_default = false;
        self
    }
    pub const fn aliases(mut self, aliases: &'static [&'static str]) -> Arg {
        self.aliases = aliases;
        self
    }
    pub const fn required(mut self) -> Arg {
        self.required = true;
        self
    }
    pub const fn choices(mut self, choices: &'static [&'static str]) -> Arg {
        self.choices = choices;
        self
    }
}

/// One key of a module's result, as `rconf doc` lists it (the keys Ansible documents in the
/// module's RETURN, as far as rconf's module returns them).
#[derive(Debug, Clone, Copy)]
pub struct Return {
    pub name: &'static str,
    /// `str`, `int`, `bool`, `list`, `dict`, `float`.
    pub kind: &'static str,
    /// When the key is there: `always`, `success`, `changed`, `when state=touch`, ...
    pub returned: &'static str,
    pub doc: &'static str,
}

impl Return {
    pub const fn new(
        name: &'static str,
        kind: &'static str,
        returned: &'static str,
        doc: &'static str,
    ) -> Return {
        Return {
            name,
            kind,
            returned,
            doc,
        }
    }
}

/// A module's one definition: its arguments and their rules (validation), defaults (applied
/// during validation), and what `rconf doc` shows (summary, descriptions, returns, example).
#[derive(Debug)]
pub struct ModuleSpec {
    pub name: &'static str,
    /// One line on what the module does (`rconf doc -l`, the README's module table).
    pub summary: &'static str,
    /// Other names the module answers to (e.g. `template` for nothing, `systemd_service`).
    pub aliases: &'static [&'static str],
    pub free_form: FreeForm,
    pub args: &'static [Arg],
    /// Accept any argument name (`set_fact`).
    pub any_args: bool,
    /// Groups of which at least one argument must be set (`command`: `_raw_params`, `cmd`, `argv`).
    pub required_one_of: &'static [&'static [&'static str]],
    /// Groups of which at most one argument may be set.
    pub mutually_exclusive: &'static [&'static [&'static str]],
    /// Conditional requirements between arguments (Ansible's `required_if`,
    /// `required_together`, `required_by`), checked with the other rules, with Ansible's words.
    pub rules: &'static [Rule],
    /// The keys of the result worth knowing.
    pub returns: &'static [Return],
    /// The end of `rconf doc`'s page: what the other arguments of an `any_args` module are,
    /// why there are no return values (a controller-side action), or what else to know.
    pub notes: &'static str,
    /// One example task in YAML, starting `- NAME:`.
    pub example: &'static str,
}

/// A requirement between arguments, as Ansible's argument spec states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// When `key` is `value` (as written, or a boolean spelled `true`/`false`), the arguments
    /// in `then` must be set: all of them, or with `any`, at least one.
    RequiredIf {
        key: &'static str,
        value: &'static str,
        then: &'static [&'static str],
        any: bool,
    },
    /// Set together or not at all.
    Together(&'static [&'static str]),
    /// When `key` is set, so must these be.
    By(&'static str, &'static [&'static str]),
    /// One of these must be set, else the message: a requirement the spec states
    /// (`required`, `required_one_of`) in the words of the Ansible action plugin that checks
    /// it before its module runs (`copy`: "dest is required"), said instead of the spec's.
    Action(&'static [&'static str], &'static str),
    /// At most one of these, else the message: a `mutually_exclusive` group in an action
    /// plugin's words, as `Action`.
    Exclusive(&'static [&'static str], &'static str),
}

impl Rule {
    /// The problem with `present` (which arguments are set) and `value_of` (an argument's
    /// value as text), in ansible-core's wording; `None` when the rule holds.
    fn check(
        &self,
        present: &dyn Fn(&str) -> bool,
        value_of: &dyn Fn(&str) -> Option<String>,
    ) -> Option<ArgProblem> {
        let missing = |names: &[&str]| -> Vec<String> {
            names
                .iter()
                .filter(|n| !present(n))
                .map(|n| n.to_string())
                .collect()
        };
        match *self {
            Rule::RequiredIf {
                key,
                value,
                then,
                any,
            } => {
                // A boolean rule holds for any spelling of it (`yes`, `True`, `1`).
                let holds = value_of(key).is_some_and(|v| match value {
                    "true" | "false" => {
                        crate::vars::truthy_json(&Value::String(v)) == (value == "true")
                    }
                    _ => v == value,
                });
                let missing = missing(then);
                let unmet = if any {
                    missing.len() == then.len()
                } else {
                    !missing.is_empty()
                };
                (holds && unmet).then(|| ArgProblem {
                    arg: Some(key.to_string()),
                    message: format!(
                        "{key} is {} but {} of the following are missing: {}",
                        python_value(value),
                        if any { "any" } else { "all" },
                        missing.join(", ")
                    ),
                })
            }
            Rule::Together(names) => {
                let set = names.iter().filter(|n| present(n)).count();
                (set > 0 && set < names.len()).then(|| ArgProblem {
                    arg: names.iter().find(|n| present(n)).map(|n| n.to_string()),
                    message: format!("parameters are required together: {}", names.join(", ")),
                })
            }
            Rule::Action(names, msg) => (!names.iter().any(|n| present(n))).then(|| ArgProblem {
                arg: None,
                message: msg.to_string(),
            }),
            Rule::Exclusive(names, msg) => {
                let set: Vec<&&str> = names.iter().filter(|n| present(n)).collect();
                (set.len() > 1).then(|| ArgProblem {
                    arg: Some(set[1].to_string()),
                    message: msg.to_string(),
                })
            }
            Rule::By(key, names) => {
                let missing = missing(names);
                (present(key) && !missing.is_empty()).then(|| ArgProblem {
                    arg: Some(key.to_string()),
                    message: format!(
                        "missing parameter(s) required by '{key}': {}",
                        missing.join(", ")
                    ),
                })
            }
        }
    }
}

/// A rule's value as Python prints it in ansible-core's message (`True`, not `true`).
fn python_value(v: &str) -> &str {
    match v {
        "true" => "True",
        "false" => "False",
        other => other,
    }
}

/// One problem found in a task's arguments at load time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgProblem {
    /// The argument the problem is about, when there is one.
    pub arg: Option<String>,
    pub message: String,
}

/// Validated arguments, aliases resolved to canonical names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Args(pub IndexMap<String, Value>);

impl Args {
    /// A `validate` command must name the file it checks as `%s` (Ansible's rule for every
    /// module that writes a file: copy, template, assemble, replace, ...).
    pub fn check_validate(&self) -> Result<(), String> {
        match self.str("validate") {
            Some(v) if !v.contains("%s") => Err(format!("validate must contain %s: `{v}`")),
            _ => Ok(()),
        }
    }
}

/// Options `command`/`shell` take out of a free-form string.
const COMMAND_OPTIONS: &[&str] = &[
    "creates",
    "removes",
    "chdir",
    "executable",
    "stdin",
    "stdin_add_newline",
    "strip_empty_ends",
];

fn has_template(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("{{") || s.contains("{%") || s.contains("{#"),
        Value::Array(a) => a.iter().any(has_template),
        Value::Object(o) => o.values().any(has_template),
        _ => false,
    }
}

/// Ansible's boolean spellings.
pub fn parse_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_i64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "yes" | "on" | "true" | "1" | "y" | "t" => Some(true),
            "no" | "off" | "false" | "0" | "n" | "f" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn parse_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

impl ModuleSpec {
    fn arg(&self, name: &str) -> Option<&'static Arg> {
        self.args
            .iter()
            .find(|a| a.name == name || a.aliases.contains(&name))
    }

    fn accepts_raw(&self) -> bool {
        self.free_form == FreeForm::Command || self.arg("_raw_params").is_some()
    }

    /// Free-form string or mapping -> argument map, BEFORE templating. Strings are split like
    /// Ansible does (quotes and `{{ }}` keep spaces together); for `command`/`shell` only the
    /// known options are taken out and the rest stays the command in `_raw_params`.
    pub fn normalize(&self, raw: &Value) -> Result<IndexMap<String, Value>, String> {
        match raw {
            Value::Null => Ok(IndexMap::new()),
            Value::Object(map) => Ok(map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            Value::String(s) => self.normalize_str(s),
            Value::Number(_) | Value::Bool(_) if self.free_form == FreeForm::Command => {
                self.normalize_str(&raw.to_string())
            }
            other => Err(format!(
                "module `{}` expects a mapping of arguments{}, got `{}`",
                self.name,
                if self.free_form == FreeForm::No {
                    ""
                } else {
                    " or a `key=value` string"
                },
                other
            )),
        }
    }

    fn normalize_str(&self, s: &str) -> Result<IndexMap<String, Value>, String> {
        if self.free_form == FreeForm::No {
            return Err(format!(
                "module `{}` expects a mapping of arguments, got the string `{s}`",
                self.name
            ));
        }
        if self.free_form == FreeForm::Command {
            return self.normalize_command(s);
        }
        let spans = split_spans(s).map_err(|e| format!("module `{}`: {e}", self.name))?;
        let mut out = IndexMap::new();
        // The command keeps its original text (newlines of a `shell: |` block included):
        // only the option words are cut out of it.
        let mut raw = String::new();
        let mut last = 0;
        for (a, b) in spans {
            match key_value(&s[a..b]) {
                Some((k, v))
                    if self.free_form == FreeForm::KeyValue
                        || COMMAND_OPTIONS.contains(&k.as_str()) =>
                {
                    raw.push_str(&s[last..a]);
                    last = b;
                    out.insert(k, Value::String(v));
                }
                _ => {}
            }
        }
        raw.push_str(&s[last..]);
        let raw = raw.trim();
        if !raw.is_empty() {
            out.insert("_raw_params".to_string(), Value::String(raw.to_string()));
        }
        Ok(out)
    }

    /// A command's free-form text as Ansible's `parse_kv(check_raw=True)` reads it: its
    /// options (`creates=`, `chdir=`, ...) taken out, the rest rebuilt by `join_args`.
    fn normalize_command(&self, s: &str) -> Result<IndexMap<String, Value>, String> {
        let words =
            super::free_form::split_args(s).map_err(|e| format!("module `{}`: {e}", self.name))?;
        let mut out = IndexMap::new();
        let mut raw = Vec::new();
        for word in words {
            match key_value(word.trim_end_matches('\n')) {
                Some((k, v)) if COMMAND_OPTIONS.contains(&k.as_str()) => {
                    out.insert(k, Value::String(v.trim().to_string()));
                }
                _ => raw.push(word),
            }
        }
        let raw = super::free_form::join_args(&raw);
        if !raw.trim().is_empty() {
            out.insert("_raw_params".to_string(), Value::String(raw));
        }
        Ok(out)
    }

    /// Load-time checks on the normalized map, before templating. Values holding template
    /// syntax are checked after rendering by `validate`.
    pub fn check(&self, args: &IndexMap<String, Value>) -> Vec<ArgProblem> {
        let mut problems = Vec::new();
        let problem = |arg: &str, message: String| ArgProblem {
            arg: Some(arg.to_string()),
            message,
        };
        let mut seen: IndexMap<&'static str, &str> = IndexMap::new();
        for (name, value) in args {
            // A free-form value is checked like any argument when the spec declares it.
            if name == "_raw_params" && self.accepts_raw() && self.arg(name).is_none() {
                continue;
            }
            let Some(spec) = self.arg(name) else {
                if self.any_args {
                    continue;
                }
                if name == "_raw_params" {
                    problems.push(problem(
                        name,
                        format!(
                            "module `{}` does not take a free-form value; expected `key=value` arguments, got `{}`",
                            self.name,
                            value.as_str().unwrap_or_default()
                        ),
                    ));
                } else {
                    problems.push(problem(name, self.unknown_message(name)));
                }
                continue;
            };
            if let Some(first) = seen.insert(spec.name, name) {
                problems.push(problem(
                    name,
                    format!(
                        "argument `{name}` given twice for module `{}` (also as `{first}`)",
                        self.name
                    ),
                ));
            }
            if has_template(value) || value.is_null() {
                continue;
            }
            if let Err(m) = convert(spec, value.clone(), self.name) {
                problems.push(problem(spec.name, m));
            }
        }
        // ansible-core's wording: one message naming every missing argument, sorted.
        let worded = |names: &[&str]| {
            self.rules.iter().any(|r| match r {
                Rule::Action(n, _) | Rule::Exclusive(n, _) => *n == names,
                _ => false,
            })
        };
        let mut missing: Vec<&str> = self
            .args
            .iter()
            .filter(|a| a.required && !seen.contains_key(a.name) && !worded(&[a.name]))
            .map(|a| a.name)
            .collect();
        missing.sort_unstable();
        if let Some(first) = missing.first() {
            problems.push(problem(
                first,
                format!("missing required arguments: {}", missing.join(", ")),
            ));
        }
        let present = |n: &str| {
            args.keys()
                .any(|k| k == n || self.arg(k).is_some_and(|a| a.name == n))
        };
        for group in self.required_one_of {
            if !group.iter().any(|n| present(n)) && !worded(group) {
                problems.push(ArgProblem {
                    arg: None,
                    message: format!("one of the following is required: {}", group.join(", ")),
                });
            }
        }
        let value_of = |n: &str| {
            args.iter()
                .find(|(k, _)| k.as_str() == n || self.arg(k).is_some_and(|a| a.name == n))
                .filter(|(_, v)| !has_template(v))
                .map(|(_, v)| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
        };
        for rule in self.rules {
            problems.extend(rule.check(&present, &value_of));
        }
        for group in self.mutually_exclusive {
            let set: Vec<_> = group.iter().filter(|n| present(n)).collect();
            if set.len() > 1 && !worded(group) {
                problems.push(ArgProblem {
                    arg: Some(set[1].to_string()),
                    message: format!("parameters are mutually exclusive: {}", group.join("|")),
                });
            }
        }
        problems
    }

    fn unknown_message(&self, name: &str) -> String {
        let mut names: Vec<&str> = self
            .args
            .iter()
            .flat_map(|a| std::iter::once(a.name).chain(a.aliases.iter().copied()))
            .collect();
        names.retain(|n| !n.starts_with('_'));
        let close = names
            .iter()
            .map(|n| (edit_distance(name, n), *n))
            .filter(|(d, n)| *d <= 2.max(n.len() / 4))
            .min_by_key(|(d, _)| *d);
        match close {
            Some((_, n)) => format!(
                "unsupported parameter `{name}` for module `{}`; did you mean `{n}`?",
                self.name
            ),
            None => {
                names.sort_unstable();
                format!(
                    "unsupported parameter `{name}` for module `{}`; expected one of: {}",
                    self.name,
                    names.join(", ")
                )
            }
        }
    }

    /// After templating: full validation into `Args` (aliases resolved, yes/no booleans, ints
    /// from strings, int modes to octal strings), then the defaults `Arg::default` applies
    /// filled in for arguments left unset.
    pub fn validate(&self, rendered: IndexMap<String, Value>) -> Result<Args, String> {
        let problems = self.check(&rendered);
        if let Some(p) = problems.first() {
            return Err(p.message.clone());
        }
        let mut out = IndexMap::new();
        for (name, value) in rendered {
            let Some(spec) = self.arg(&name) else {
                out.insert(name, value);
                continue;
            };
            if value.is_null() {
                continue;
            }
            out.insert(spec.name.to_string(), convert(spec, value, self.name)?);
        }
        // Defaults last: the checks above saw only what the user wrote.
        for a in self.args.iter().filter(|a| a.apply_default) {
            if let Some(d) = a.default
                && !out.contains_key(a.name)
            {
                out.insert(a.name.to_string(), convert(a, Value::from(d), self.name)?);
            }
        }
        Ok(Args(out))
    }
}

/// Splits `key=value` (the key is a plain identifier) as Ansible's `parse_kv` does: the
/// word's backslash escapes decoded first, then the value loses one level of quotes.
fn key_value(tok: &str) -> Option<(String, String)> {
    // A key may be or hold a template (`set_fact: "{{ name }}=value"`,
    // `"user_{{ item.name }}={{ item.host }}"`), rendered with the values: the key ends at the
    // first `=` outside `{{ }}`.
    let b = tok.as_bytes();
    let (mut i, mut eq) = (0, None);
    while i < b.len() {
        if b[i..].starts_with(b"{{") {
            i = i + 2 + tok[i + 2..].find("}}")? + 2;
            continue;
        }
        if b[i] == b'=' {
            eq = Some(i);
            break;
        }
        i += 1;
    }
    let eq = eq?;
    let key = &tok[..eq];
    let plain = key.replace("{{", "").replace("}}", "");
    let template = key.contains("{{");
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let valid = if template {
        // Outside its templates, only name characters.
        split_outside_templates(key).all(|part| part.chars().all(word))
    } else {
        plain.chars().all(word)
    };
    if key.is_empty() || !valid {
        return None;
    }
    Some((
        key.to_string(),
        unquote(&super::kv::decode_escapes(&tok[eq + 1..])),
    ))
}

/// The parts of `s` outside its `{{ ... }}` templates.
fn split_outside_templates(s: &str) -> impl Iterator<Item = &str> {
    let mut parts = Vec::new();
    let mut rest = s;
    while let Some(open) = rest.find("{{") {
        parts.push(&rest[..open]);
        match rest[open..].find("}}") {
            Some(close) => rest = &rest[open + close + 2..],
            None => {
                rest = "";
                break;
            }
        }
    }
    parts.push(rest);
    parts.into_iter()
}

fn unquote(s: &str) -> String {
    let b = s.as_bytes();
    let quoted = b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0];
    if quoted {
        s[1..s.len() - 1].to_string()
    } else {
        s.to_string()
    }
}

fn convert(spec: &Arg, value: Value, module: &str) -> Result<Value, String> {
    let name = spec.name;
    let v = match spec.kind {
        Kind::Any => value,
        Kind::Str => match value {
            Value::String(_) => value,
            Value::Number(n) => Value::String(n.to_string()),
            Value::Bool(b) => Value::String(if b { "True" } else { "False" }.into()),
            other => return Err(format!("argument `{name}` of module `{module}` must be a string, got `{other}`")),
        },
        Kind::Bool => Value::Bool(parse_bool(&value).ok_or_else(|| {
            format!("argument `{name}` of module `{module}` must be a boolean (yes/no, true/false), got `{}`", text(&value))
        })?),
        Kind::Int => Value::from(parse_int(&value).ok_or_else(|| {
            format!("argument `{name}` of module `{module}` must be an integer, got `{}`", text(&value))
        })?),
        Kind::Mode => match value {
            // YAML `0644` arrives as 420: its octal digits are the mode, as in Ansible.
            Value::Number(n) if n.as_u64().is_some() => Value::String(format!("{:04o}", n.as_u64().unwrap())),
            Value::String(s) => Value::String(s.trim().to_string()),
            other => return Err(format!("argument `{name}` of module `{module}` must be a mode like `0644` or `u+rw`, got `{other}`")),
        },
        Kind::List => match value {
            Value::Array(_) => value,
            Value::String(s) if s.is_empty() => Value::Array(vec![]),
            Value::String(s) => Value::Array(s.split(',').map(|p| Value::String(p.trim().into())).collect()),
            other => Value::Array(vec![other]),
        },
    };
    if !spec.choices.is_empty() {
        let t = text(&v);
        if !spec.choices.contains(&t.as_str()) {
            return Err(format!(
                "argument `{name}` of module `{module}` must be one of: {}; got `{t}`",
                spec.choices.join(", ")
            ));
        }
    }
    Ok(v)
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Args {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
    pub fn str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }
    /// The value as text whatever its JSON type (numbers and bools spelled out).
    pub fn string(&self, name: &str) -> Option<String> {
        self.get(name).map(text)
    }
    pub fn bool(&self, name: &str, default: bool) -> bool {
        self.get(name).and_then(parse_bool).unwrap_or(default)
    }
    pub fn int(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(parse_int)
    }
    pub fn list(&self, name: &str) -> Option<Vec<String>> {
        match self.get(name)? {
            Value::Array(a) => Some(a.iter().map(text).collect()),
            other => Some(vec![text(other)]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static FILE: ModuleSpec = ModuleSpec {
        name: "file",
        aliases: &[],
        free_form: FreeForm::KeyValue,
        args: &[
            Arg::new("path", Kind::Str)
                .aliases(&["dest", "name"])
                .required(),
            Arg::new("state", Kind::Str).choices(&["file", "absent", "touch"]),
            Arg::new("mode", Kind::Mode),
            Arg::new("force", Kind::Bool),
            Arg::new("count", Kind::Int),
        ],
        any_args: false,
        required_one_of: &[],
        mutually_exclusive: &[],
        rules: &[],
        summary: "",
        returns: &[],
        notes: "",
        example: "",
    };

    static DEFAULTS: ModuleSpec = ModuleSpec {
        name: "defaults",
        aliases: &[],
        free_form: FreeForm::KeyValue,
        args: &[
            Arg::new("path", Kind::Str).required(),
            Arg::new("follow", Kind::Bool).default("yes"),
            Arg::new("retries", Kind::Int).default("3"),
            Arg::new("dir_mode", Kind::Mode).default("0755"),
            Arg::new("tags", Kind::List).default("a,b"),
            Arg::new("kind", Kind::Str).implied_default("file"),
            Arg::new("src", Kind::Str).default("/etc/skel"),
        ],
        any_args: false,
        required_one_of: &[],
        mutually_exclusive: &[&["src", "kind"]],
        rules: &[],
        summary: "",
        returns: &[],
        notes: "",
        example: "",
    };

    static COMMAND: ModuleSpec = ModuleSpec {
        name: "command",
        aliases: &[],
        free_form: FreeForm::Command,
        args: &[
            Arg::new("cmd", Kind::Str),
            Arg::new("creates", Kind::Str),
            Arg::new("chdir", Kind::Str),
        ],
        any_args: false,
        required_one_of: &[&["_raw_params", "cmd"]],
        mutually_exclusive: &[],
        rules: &[],
        summary: "",
        returns: &[],
        notes: "",
        example: "",
    };

    #[test]
    fn a_key_may_hold_templates() {
        let m = FILE
            .normalize(&json!("user_{{ item.0.name }}={{ item.1 }} {{ k }}=v"))
            .unwrap();
        assert_eq!(m["user_{{ item.0.name }}"], "{{ item.1 }}");
        assert_eq!(m["{{ k }}"], "v");
        assert!(!m.contains_key("_raw_params"));
    }

    #[test]
    fn key_value_strings_split_with_quotes_and_templates() {
        let m = FILE
            .normalize(&json!(
                "path=\"/tmp/a b\" state=touch mode={{ m | default('0644') }}"
            ))
            .unwrap();
        assert_eq!(m["path"], "/tmp/a b");
        assert_eq!(m["state"], "touch");
        assert_eq!(m["mode"], "{{ m | default('0644') }}");
    }

    #[test]
    fn command_strings_keep_the_command_and_take_out_options() {
        let m = COMMAND
            .normalize(&json!("echo a=b 'x y' creates=/tmp/x chdir=/srv"))
            .unwrap();
        assert_eq!(m["_raw_params"], "echo a=b 'x y'");
        let block = COMMAND
            .normalize(&json!("if true; then\n  echo  x\nfi\n"))
            .unwrap();
        // As ansible-core's parse_kv: the block's final newline stays.
        assert_eq!(block["_raw_params"], "if true; then\n  echo  x\nfi\n");
        let opts = COMMAND
            .normalize(&json!(
                "creates=/x chdir=/tmp\nif true; then\n  echo  x\nfi\n"
            ))
            .unwrap();
        assert_eq!(opts["chdir"], "/tmp");
        assert_eq!(opts["_raw_params"], "if true; then\n  echo  x\nfi\n");
        assert_eq!(m["creates"], "/tmp/x");
        assert_eq!(m["chdir"], "/srv");
    }

    #[test]
    fn unknown_argument_suggests_a_close_match() {
        let m = FILE
            .normalize(&json!({"path": "/x", "stat": "file"}))
            .unwrap();
        let p = FILE.check(&m);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].arg.as_deref(), Some("stat"));
        assert_eq!(
            p[0].message,
            "unsupported parameter `stat` for module `file`; did you mean `state`?"
        );
    }

    #[test]
    fn unknown_argument_far_from_all_lists_valid_ones() {
        let p = FILE.check(
            &FILE
                .normalize(&json!({"path": "/x", "zzzzzzzz": 1}))
                .unwrap(),
        );
        assert!(
            p[0].message
                .contains("expected one of: count, dest, force, mode, name, path, state"),
            "{}",
            p[0].message
        );
    }

    #[test]
    fn missing_required_bad_choice_and_bad_bool_are_reported_by_name() {
        let p = FILE.check(
            &FILE
                .normalize(&json!({"state": "nope", "force": "maybe"}))
                .unwrap(),
        );
        let args: Vec<_> = p.iter().map(|p| p.arg.clone().unwrap()).collect();
        assert!(
            args.contains(&"state".into())
                && args.contains(&"force".into())
                && args.contains(&"path".into()),
            "{p:?}"
        );
    }

    #[test]
    fn templated_values_are_not_checked_before_rendering() {
        let p = FILE.check(
            &FILE
                .normalize(&json!({"path": "/x", "state": "{{ s }}", "force": "{{ f }}"}))
                .unwrap(),
        );
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn command_needs_a_command() {
        let p = COMMAND.check(&COMMAND.normalize(&json!({"chdir": "/"})).unwrap());
        assert_eq!(
            p[0].message, "one of the following is required: _raw_params, cmd",
            "{p:?}"
        );
    }

    #[test]
    fn validate_resolves_aliases_and_types() {
        let a = FILE
            .validate(
                FILE.normalize(&json!({"dest": "/x", "mode": 420, "force": "yes", "count": "3"}))
                    .unwrap(),
            )
            .unwrap();
        assert_eq!(a.str("path"), Some("/x"));
        assert_eq!(a.str("mode"), Some("0644"));
        assert!(a.bool("force", false));
        assert_eq!(a.int("count"), Some(3));
        assert!(
            FILE.validate(
                FILE.normalize(&json!({"path": "/x", "state": "bogus"}))
                    .unwrap()
            )
            .unwrap_err()
            .contains("one of: file, absent, touch")
        );
    }

    #[test]
    fn defaults_are_applied_typed_after_the_checks_and_never_over_a_value() {
        let a = DEFAULTS
            .validate(
                DEFAULTS
                    .normalize(&json!({"path": "/x", "kind": "dir"}))
                    .unwrap(),
            )
            .unwrap();
        assert_eq!(a.get("follow"), Some(&json!(true)));
        assert_eq!(a.get("retries"), Some(&json!(3)));
        assert_eq!(a.str("dir_mode"), Some("0755"));
        assert_eq!(a.get("tags"), Some(&json!(["a", "b"])));
        // Documented only: left unset.
        assert_eq!(a.get("kind"), Some(&json!("dir")));
        // `src` and `kind` are mutually exclusive: the default `src` did not make them clash.
        assert_eq!(a.str("src"), Some("/etc/skel"));
        let given = DEFAULTS
            .validate(
                DEFAULTS
                    .normalize(&json!({"path": "/x", "follow": "no", "retries": null}))
                    .unwrap(),
            )
            .unwrap();
        assert_eq!(given.get("follow"), Some(&json!(false)));
        // A null value is unset, as in Ansible: the default applies.
        assert_eq!(given.get("retries"), Some(&json!(3)));
        assert_eq!(given.get("kind"), None);
    }

    #[test]
    fn alias_and_name_together_is_an_error() {
        let p = FILE.check(
            &FILE
                .normalize(&json!({"path": "/x", "dest": "/y"}))
                .unwrap(),
        );
        assert!(p[0].message.contains("given twice"), "{p:?}");
    }

    static RULES: ModuleSpec = ModuleSpec {
        name: "rules",
        aliases: &[],
        free_form: FreeForm::KeyValue,
        args: &[
            Arg::new("non_unique", Kind::Bool),
            Arg::new("gid", Kind::Int),
            Arg::new("question", Kind::Str),
            Arg::new("vtype", Kind::Str),
            Arg::new("value", Kind::Str),
            Arg::new("archive", Kind::Str),
            Arg::new("archive_prefix", Kind::Str),
        ],
        any_args: false,
        required_one_of: &[],
        mutually_exclusive: &[],
        rules: &[
            Rule::RequiredIf {
                key: "non_unique",
                value: "true",
                then: &["gid"],
                any: false,
            },
            Rule::Together(&["question", "vtype", "value"]),
            Rule::By("archive_prefix", &["archive"]),
        ],
        summary: "",
        returns: &[],
        notes: "",
        example: "",
    };

    /// The messages are ansible-core's (module_utils/common/validation.py), word for word.
    #[test]
    fn conditional_rules_fail_with_ansibles_words_and_hold_otherwise() {
        let messages = |raw: Value| -> Vec<String> {
            RULES
                .check(&RULES.normalize(&raw).unwrap())
                .into_iter()
                .map(|p| p.message)
                .collect()
        };
        assert_eq!(
            messages(json!({"non_unique": "yes"})),
            ["non_unique is True but all of the following are missing: gid"]
        );
        assert_eq!(
            messages(json!({"question": "q", "value": "v"})),
            ["parameters are required together: question, vtype, value"]
        );
        assert_eq!(
            messages(json!({"archive_prefix": "p/"})),
            ["missing parameter(s) required by 'archive_prefix': archive"]
        );
        for fine in [
            json!({"non_unique": false}),
            json!({"non_unique": true, "gid": 5}),
            json!({"question": "q", "vtype": "string", "value": "v"}),
            json!({"archive": "a.tar", "archive_prefix": "p/"}),
            // A template is judged once rendered.
            json!({"non_unique": "{{ flag }}"}),
        ] {
            assert_eq!(messages(fine.clone()), Vec::<String>::new(), "{fine}");
        }
    }
}
