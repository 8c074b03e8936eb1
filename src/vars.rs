//! Variables visible to a task on a host, merged in one documented precedence order (lowest
//! first): inventory (groups, then host) < gathered facts < play vars < host-scoped values
//! (`set_fact`, `register`) < task vars < loop variables < extra vars (`-e`).
//! Values are templated lazily when read, as Ansible does, so `a: "{{ b }}"` follows `b`.

use std::cell::Cell;
use std::sync::Arc;

use indexmap::IndexMap;
use minijinja::value::{Enumerator, Object, Value as JValue};
use serde_json::Value;

use crate::template::{Templar, from_jinja, to_jinja};

/// One layer of variables, already converted for the template engine.
pub type Layer = IndexMap<String, JValue>;

pub fn layer_from_json<'a>(vars: impl IntoIterator<Item = (&'a String, &'a Value)>) -> Layer {
    vars.into_iter()
        .map(|(k, v)| (k.clone(), to_jinja(v)))
        .collect()
}

/// A mapping for the template engine (`from_iter` over pairs would make a list of pairs).
pub fn map_value(m: IndexMap<String, JValue>) -> JValue {
    JValue::from(
        m.into_iter()
            .map(|(k, v)| (JValue::from(k), v))
            .collect::<IndexMap<JValue, JValue>>(),
    )
}

/// The merged variables of one task on one host. Cheap to build: values are reference counted.
/// A variable written in the playbook, inventory or a vars file is a template, rendered when it
/// is used; one the run produced (a registered result, a fact, a `set_fact` value, a loop
/// item) is data, used as it is, as Ansible marks such values unsafe: a `{{` in a command's
/// output is never evaluated on the controller.
pub struct Scope {
    vars: IndexMap<String, (JValue, Kind)>,
    templar: Templar,
}

/// Whether a layer's values are templates or data (see [`Scope`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Template,
    Data,
}

impl std::fmt::Debug for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.vars.iter().map(|(k, (v, _))| (k, v)))
            .finish()
    }
}

/// How deep variables may refer to variables before rconf calls it a loop.
const MAX_DEPTH: u32 = 64;

thread_local! {
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    static LAST_ERROR: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

impl Scope {
    /// Merges layers of templates given lowest precedence first.
    pub fn new(templar: &Templar, layers: &[&Layer]) -> Scope {
        let marked: Vec<(&Layer, Kind)> = layers.iter().map(|l| (*l, Kind::Template)).collect();
        Scope::marked(templar, &marked)
    }

    /// Merges layers given lowest precedence first, each of templates or of data.
    pub fn marked(templar: &Templar, layers: &[(&Layer, Kind)]) -> Scope {
        let mut vars = IndexMap::with_capacity(layers.iter().map(|(l, _)| l.len()).sum());
        for (layer, kind) in layers {
            for (k, v) in layer.iter() {
                vars.insert(k.clone(), (v.clone(), *kind));
            }
        }
        Scope {
            vars,
            templar: templar.clone(),
        }
    }

    pub fn into_value(self) -> JValue {
        JValue::from_object(self)
    }

    /// The error met while templating a variable during the last render on this thread, if any:
    /// a variable whose own template fails looks undefined to the engine, so callers add this.
    pub fn take_error() -> Option<String> {
        LAST_ERROR.with(|e| e.borrow_mut().take())
    }
}

/// Adds the error met while templating a variable, which the engine reports as undefined.
pub fn with_var_error(e: String) -> String {
    match Scope::take_error() {
        Some(inner) => format!("{e} ({inner})"),
        None => e,
    }
}

fn needs_render(v: &JValue) -> bool {
    if let Some(s) = v.as_str() {
        return Templar::is_template(s);
    }
    match v.kind() {
        minijinja::value::ValueKind::Seq | minijinja::value::ValueKind::Map => v
            .try_iter()
            .map(|it| {
                it.into_iter().any(|item| {
                    needs_render(&item)
                        || v.get_item(&item).map(|x| needs_render(&x)).unwrap_or(false)
                })
            })
            .unwrap_or(false),
        _ => false,
    }
}

impl Object for Scope {
    fn get_value(self: &Arc<Self>, key: &JValue) -> Option<JValue> {
        let name = key.as_str()?;
        let (v, kind) = self.vars.get(name)?;
        if *kind == Kind::Data || !needs_render(v) {
            return Some(v.clone());
        }
        let depth = DEPTH.with(|d| d.get());
        if depth >= MAX_DEPTH {
            LAST_ERROR.with(|e| {
                *e.borrow_mut() = Some(format!(
                    "variable `{name}` refers to itself (recursive loop)"
                ))
            });
            return None;
        }
        DEPTH.with(|d| d.set(depth + 1));
        let this = JValue::from_dyn_object(self.clone());
        let rendered = from_jinja(v).and_then(|raw| self.templar.render_value(&raw, &this));
        DEPTH.with(|d| d.set(depth));
        match rendered {
            Ok(r) => Some(to_jinja(&r)),
            Err(e) => {
                LAST_ERROR.with(|slot| {
                    slot.borrow_mut()
                        .get_or_insert_with(|| format!("while templating variable `{name}`: {e}"));
                });
                None
            }
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let keys: Vec<JValue> = self.vars.keys().map(|k| JValue::from(k.as_str())).collect();
        Enumerator::Values(keys)
    }
}

/// Truthiness of a plain value as Ansible's `bool` filter sees it (`yes`, `on`, `1`, `true`).
pub fn truthy_json(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "yes" | "on" | "1" | "true" | "y" | "t"
        ),
        _ => false,
    }
}
