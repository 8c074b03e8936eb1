//! Templating: the minijinja environment with Ansible's undefined rules, filters and tests.
//! STUB: replaced by the template implementation.

use minijinja::Value as JValue;
use serde_json::Value;

#[derive(Clone)]
pub struct Templar {}

impl Default for Templar {
    fn default() -> Self {
        Self::new()
    }
}

impl Templar {
    pub fn new() -> Self {
        Templar {}
    }

    /// True when `s` contains template syntax (`{{`, `{%` or `{#`).
    pub fn is_template(s: &str) -> bool {
        s.contains("{{") || s.contains("{%") || s.contains("{#")
    }

    /// Renders a whole template file (the `template` module): trim_blocks, trailing newline kept.
    pub fn render_file(&self, _name: &str, _source: &str, _vars: &JValue) -> Result<String, String> {
        todo!()
    }

    /// Renders every string inside `value`. A string that is exactly one `{{ expr }}` keeps the
    /// expression's type.
    pub fn render_value(&self, _value: &Value, _vars: &JValue) -> Result<Value, String> {
        todo!()
    }

    /// Evaluates a bare Jinja expression as a condition (`when`, `changed_when`, `failed_when`).
    pub fn eval_condition(&self, _expr: &str, _vars: &JValue) -> Result<bool, String> {
        todo!()
    }
}

pub fn to_jinja(_v: &Value) -> JValue {
    todo!()
}

pub fn from_jinja(_v: &JValue) -> Result<Value, String> {
    todo!()
}

