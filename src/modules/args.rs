//! Module argument specifications and validated arguments. STUB: replaced by the modules work.

use indexmap::IndexMap;
use serde_json::Value;

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

#[derive(Debug, Clone, Copy)]
pub struct Arg {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub kind: Kind,
    pub required: bool,
    pub choices: &'static [&'static str],
}

#[derive(Debug)]
pub struct ModuleSpec {
    pub name: &'static str,
    /// Other names the module answers to (e.g. `template` for nothing, `systemd_service`).
    pub aliases: &'static [&'static str],
    pub free_form: FreeForm,
    pub args: &'static [Arg],
    /// Accept any argument name (`set_fact`).
    pub any_args: bool,
}

/// Validated arguments, aliases resolved to canonical names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Args(pub IndexMap<String, Value>);

/// One problem found in a task's arguments at load time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgProblem {
    pub arg: Option<String>,
    pub message: String,
}

impl ModuleSpec {
    pub fn normalize(&self, _raw: &Value) -> Result<IndexMap<String, Value>, String> {
        todo!()
    }
    pub fn check(&self, _args: &IndexMap<String, Value>) -> Vec<ArgProblem> {
        todo!()
    }
    pub fn validate(&self, _rendered: IndexMap<String, Value>) -> Result<Args, String> {
        todo!()
    }
}
