//! Conversions between serde_json and minijinja values, and Python-style `repr` used when a
//! collection is printed inside a string (Ansible shows `['a', 'b']`, not JSON).

use minijinja::value::{Value as JValue, ValueKind};
use serde_json::{Map, Number, Value};

/// Converts JSON data into a template value, keeping map order.
pub fn to_jinja(v: &Value) -> JValue {
    match v {
        Value::Null => JValue::from(()),
        Value::Bool(b) => JValue::from(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                JValue::from(i)
            } else if let Some(u) = n.as_u64() {
                JValue::from(u)
            } else {
                JValue::from(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(s) => JValue::from(s.as_str()),
        Value::Array(items) => JValue::from(items.iter().map(to_jinja).collect::<Vec<_>>()),
        Value::Object(map) => {
            JValue::from_pairs(map.iter().map(|(k, v)| (k.as_str(), to_jinja(v))))
        }
    }
}

/// Converts a template value back into JSON data. Undefined values are errors: they would
/// otherwise silently turn into `null` in module arguments.
pub fn from_jinja(v: &JValue) -> Result<Value, String> {
    Ok(match v.kind() {
        ValueKind::Undefined => return Err("value is undefined".to_string()),
        ValueKind::None => Value::Null,
        ValueKind::Bool => Value::Bool(v.is_true()),
        ValueKind::Number => number(v),
        ValueKind::String => Value::String(v.as_str().unwrap_or_default().to_string()),
        ValueKind::Bytes => {
            Value::String(String::from_utf8_lossy(v.as_bytes().unwrap_or_default()).into_owned())
        }
        ValueKind::Seq | ValueKind::Iterable => Value::Array(
            iter(v)?
                .map(|item| from_jinja(&item))
                .collect::<Result<_, _>>()?,
        ),
        ValueKind::Map => {
            let mut out = Map::new();
            for key in iter(v)? {
                let item = v.get_item(&key).map_err(|e| e.to_string())?;
                let key = match key.as_str() {
                    Some(s) => s.to_string(),
                    None => key.to_string(),
                };
                out.insert(key, from_jinja(&item)?);
            }
            Value::Object(out)
        }
        ValueKind::Plain | ValueKind::Invalid => Value::String(v.to_string()),
        // ValueKind is non-exhaustive; anything new is best shown as its text.
        _ => Value::String(v.to_string()),
    })
}

fn iter(v: &JValue) -> Result<minijinja::value::ValueIter, String> {
    v.try_iter().map_err(|e| e.to_string())
}

fn number(v: &JValue) -> Value {
    if let Some(i) = v.as_i64() {
        return Value::Number(i.into());
    }
    if let Ok(u) = u64::try_from(v.clone()) {
        return Value::Number(u.into());
    }
    let f = f64::try_from(v.clone()).unwrap_or(f64::NAN);
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// Python's `repr` of a string: single quotes unless the text holds a single quote and no
/// double quote.
pub fn py_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr` of a value, as Jinja2 prints lists and dicts.
pub fn py_repr(v: &JValue) -> String {
    let mut out = String::new();
    write_repr(&mut out, v);
    out
}

fn write_repr(out: &mut String, v: &JValue) {
    match v.kind() {
        ValueKind::String => out.push_str(&py_str_repr(v.as_str().unwrap_or_default())),
        ValueKind::Seq | ValueKind::Iterable => {
            let (open, close) = if v.is_tuple() { ("(", ")") } else { ("[", "]") };
            out.push_str(open);
            let items: Vec<JValue> = v.try_iter().map(|i| i.collect()).unwrap_or_default();
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                write_repr(out, item);
            }
            if v.is_tuple() && items.len() == 1 {
                out.push(',');
            }
            out.push_str(close);
        }
        ValueKind::Map => {
            out.push('{');
            if let Ok(keys) = v.try_iter() {
                for (n, key) in keys.enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    write_repr(out, &key);
                    out.push_str(": ");
                    write_repr(out, &v.get_item(&key).unwrap_or_default());
                }
            }
            out.push('}');
        }
        _ => out.push_str(&v.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip_keeps_types_and_map_order() {
        let data = json!({"z": 1, "a": [true, null, 1.5, "s"], "m": {"y": -3, "b": 18446744073709551615u64}});
        let back = from_jinja(&to_jinja(&data)).unwrap();
        assert_eq!(back, data);
        let keys: Vec<_> = back.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["z", "a", "m"]);
    }

    #[test]
    fn undefined_is_an_error() {
        assert_eq!(
            from_jinja(&JValue::UNDEFINED).unwrap_err(),
            "value is undefined"
        );
    }

    #[test]
    fn repr_matches_python() {
        let v = to_jinja(&json!({"a": ["x", 1, true, null], "it's": "say \"hi\"\n"}));
        assert_eq!(
            py_repr(&v),
            r#"{'a': ['x', 1, True, None], "it's": 'say "hi"\n'}"#
        );
    }
}
