//! Data-structure filters: JSON and YAML in and out (Python's output formats), `combine`,
//! `dict2items` and `items2dict`.

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, Value};
use serde_json::{Map, Value as Json};

use super::convert::{from_jinja, to_jinja};
use super::env::filter;
use super::filters::invalid;
use super::yaml;

pub fn register(env: &mut Environment<'static>) {
    filter(env, "to_json", to_json);
    filter(env, "to_nice_json", to_nice_json);
    filter(env, "from_json", from_json);
    filter(env, "to_yaml", |v: &Value, kw: Kwargs| {
        to_yaml(v, kw, false)
    });
    filter(env, "to_nice_yaml", |v: &Value, kw: Kwargs| {
        to_yaml(v, kw, true)
    });
    filter(env, "from_yaml", from_yaml);
    filter(env, "from_yaml_all", from_yaml_all);
    filter(env, "combine", combine);
    filter(env, "dict2items", dict2items);
    filter(env, "items2dict", items2dict);
}

pub fn json(v: &Value) -> Result<Json, Error> {
    if v.is_undefined() {
        return super::filters::CallUndefined::call_undefined(v);
    }
    from_jinja(v).map_err(invalid)
}

/// Python's `json.dumps` (separators `, ` and `: `, ASCII escapes), as Ansible's `to_json`.
fn to_json(v: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let indent: Option<usize> = kwargs.get("indent")?;
    let sort_keys: Option<bool> = kwargs.get("sort_keys")?;
    let ensure_ascii: Option<bool> = kwargs.get("ensure_ascii")?;
    kwargs.assert_all_used()?;
    let opts = JsonStyle {
        indent,
        sort_keys: sort_keys.unwrap_or(false),
        ensure_ascii: ensure_ascii.unwrap_or(true),
    };
    Ok(opts.dumps(&json(v)?))
}

/// Ansible's `to_nice_json`: indent 4, sorted keys.
fn to_nice_json(v: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let indent: Option<usize> = kwargs.get("indent")?;
    let sort_keys: Option<bool> = kwargs.get("sort_keys")?;
    kwargs.assert_all_used()?;
    let opts = JsonStyle {
        indent: Some(indent.unwrap_or(4)),
        sort_keys: sort_keys.unwrap_or(true),
        ensure_ascii: true,
    };
    Ok(opts.dumps(&json(v)?))
}

pub struct JsonStyle {
    pub indent: Option<usize>,
    pub sort_keys: bool,
    pub ensure_ascii: bool,
}

impl JsonStyle {
    pub fn dumps(&self, v: &Json) -> String {
        let mut out = String::new();
        self.write(&mut out, v, 0);
        out
    }

    fn newline(&self, out: &mut String, depth: usize) {
        if let Some(n) = self.indent {
            out.push('\n');
            out.push_str(&" ".repeat(n * depth));
        }
    }

    fn write(&self, out: &mut String, v: &Json, depth: usize) {
        // With an indent, Python ends lines with "," and no space.
        let sep = if self.indent.is_some() { "," } else { ", " };
        match v {
            Json::Array(items) if !items.is_empty() => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    self.newline(out, depth + 1);
                    self.write(out, item, depth + 1);
                }
                self.newline(out, depth);
                out.push(']');
            }
            Json::Object(map) if !map.is_empty() => {
                let mut entries: Vec<(&String, &Json)> = map.iter().collect();
                if self.sort_keys {
                    entries.sort_by(|a, b| a.0.cmp(b.0));
                }
                out.push('{');
                for (i, (k, item)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    self.newline(out, depth + 1);
                    self.string(out, k);
                    out.push_str(": ");
                    self.write(out, item, depth + 1);
                }
                self.newline(out, depth);
                out.push('}');
            }
            Json::Array(_) => out.push_str("[]"),
            Json::Object(_) => out.push_str("{}"),
            Json::String(s) => self.string(out, s),
            other => out.push_str(&other.to_string()),
        }
    }

    fn string(&self, out: &mut String, s: &str) {
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                c if (c as u32) < 0x20 || (self.ensure_ascii && !c.is_ascii()) => {
                    let mut buf = [0u16; 2];
                    for unit in c.encode_utf16(&mut buf) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
}

fn from_json(v: &str) -> Result<Value, Error> {
    let data: Json = serde_json::from_str(v)
        .map_err(|e| invalid(format!("from_json: the text is not valid JSON: {e}")))?;
    Ok(to_jinja(&data))
}

fn to_yaml(v: &Value, kwargs: Kwargs, nice: bool) -> Result<String, Error> {
    let indent: Option<usize> = kwargs.get("indent")?;
    let flow: Option<bool> = kwargs.get("default_flow_style")?;
    let sort_keys: Option<bool> = kwargs.get("sort_keys")?;
    kwargs.assert_all_used()?;
    let style = yaml::Style {
        indent: indent.unwrap_or(if nice { 4 } else { 2 }),
        flow_leaves: if nice {
            flow.unwrap_or(false)
        } else {
            flow.unwrap_or(true)
        },
        sort_keys: sort_keys.unwrap_or(true),
        literal_blocks: false,
    };
    Ok(yaml::dump(&json(v)?, &style))
}

fn from_yaml(v: &Value) -> Result<Value, Error> {
    if v.kind() != ValueKind::String {
        // Ansible passes non-strings through unchanged.
        return Ok(v.clone());
    }
    let data: Json = serde_saphyr::from_str(v.as_str().unwrap_or_default())
        .map_err(|e| invalid(format!("from_yaml: the text is not valid YAML: {e}")))?;
    Ok(to_jinja(&data))
}

fn from_yaml_all(v: &Value) -> Result<Value, Error> {
    // As Ansible: what is not text is already data.
    let Some(v) = v.as_str() else {
        return Ok(v.clone());
    };
    let docs: Vec<Json> = serde_saphyr::from_multiple(v)
        .map_err(|e| invalid(format!("from_yaml_all: the text is not valid YAML: {e}")))?;
    Ok(to_jinja(&Json::Array(docs)))
}

fn combine(v: &Value, others: &[Value], kwargs: Kwargs) -> Result<Value, Error> {
    let recursive: Option<bool> = kwargs.get("recursive")?;
    let list_merge: Option<String> = kwargs.get("list_merge")?;
    kwargs.assert_all_used()?;
    let list_merge = list_merge.unwrap_or_else(|| "replace".to_string());
    if ![
        "replace",
        "keep",
        "append",
        "prepend",
        "append_rp",
        "prepend_rp",
    ]
    .contains(&list_merge.as_str())
    {
        return Err(invalid(format!(
            "combine: unknown list_merge `{list_merge}`, expected replace, keep, append, prepend, append_rp or prepend_rp"
        )));
    }
    let mut dicts = vec![v.clone()];
    for other in others {
        // `combine([a, b])` merges the items of a list.
        if other.kind() == ValueKind::Seq {
            dicts.extend(other.try_iter()?);
        } else {
            dicts.push(other.clone());
        }
    }
    let mut acc = Map::new();
    for d in dicts {
        match json(&d)? {
            Json::Object(m) => merge(&mut acc, m, recursive.unwrap_or(false), &list_merge),
            other => {
                return Err(invalid(format!(
                    "combine: expected dictionaries, got `{other}`"
                )));
            }
        }
    }
    Ok(to_jinja(&Json::Object(acc)))
}

fn merge(acc: &mut Map<String, Json>, other: Map<String, Json>, recursive: bool, list_merge: &str) {
    for (k, new) in other {
        let Some(old) = acc.get_mut(&k) else {
            acc.insert(k, new);
            continue;
        };
        match (old, new) {
            (Json::Object(a), Json::Object(b)) if recursive => merge(a, b, recursive, list_merge),
            (Json::Array(a), Json::Array(b)) => merge_lists(a, b, list_merge),
            (old, new) => *old = new,
        }
    }
}

fn merge_lists(a: &mut Vec<Json>, b: Vec<Json>, mode: &str) {
    match mode {
        "keep" => {}
        "append" => a.extend(b),
        "prepend" => {
            let rest = std::mem::replace(a, b);
            a.extend(rest);
        }
        "append_rp" => {
            a.retain(|x| !b.contains(x));
            a.extend(b);
        }
        "prepend_rp" => {
            let rest: Vec<Json> = a.drain(..).filter(|x| !b.contains(x)).collect();
            *a = b;
            a.extend(rest);
        }
        _ => *a = b,
    }
}

fn dict2items(v: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    let key_name: Option<String> = kwargs.get("key_name")?;
    let value_name: Option<String> = kwargs.get("value_name")?;
    kwargs.assert_all_used()?;
    let key_name = key_name.unwrap_or_else(|| "key".into());
    let value_name = value_name.unwrap_or_else(|| "value".into());
    let Json::Object(map) = json(v)? else {
        return Err(invalid(format!(
            "dict2items requires a dictionary, got <class '{}'> instead.",
            super::python_type(v)
        )));
    };
    let items = map.into_iter().map(|(k, val)| {
        let mut item = Map::new();
        item.insert(key_name.clone(), Json::String(k));
        item.insert(value_name.clone(), val);
        Json::Object(item)
    });
    Ok(to_jinja(&Json::Array(items.collect())))
}

fn items2dict(v: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    let key_name: Option<String> = kwargs.get("key_name")?;
    let value_name: Option<String> = kwargs.get("value_name")?;
    kwargs.assert_all_used()?;
    let key_name = key_name.unwrap_or_else(|| "key".into());
    let value_name = value_name.unwrap_or_else(|| "value".into());
    let whole = json(v)?;
    let Json::Array(items) = &whole else {
        return Err(invalid(format!(
            "items2dict requires a list, got <class '{}'> instead.",
            super::python_type(v)
        )));
    };
    let mut out = Map::new();
    for item in items {
        if !item.is_object() {
            return Err(invalid(format!(
                "items2dict requires a list of dictionaries, got {} instead.",
                super::convert::py_repr(v)
            )));
        }
        let (Some(k), Some(val)) = (item.get(&key_name), item.get(&value_name)) else {
            return Err(invalid(format!(
                "items2dict requires each dictionary in the list to contain the keys '{key_name}' and '{value_name}', got {} instead.",
                super::convert::py_repr(v)
            )));
        };
        let k = match k {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        out.insert(k, val.clone());
    }
    Ok(to_jinja(&Json::Object(out)))
}
