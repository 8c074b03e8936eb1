//! `-e/--extra-vars`: `key=value` pairs, a JSON or YAML mapping, or `@file` (YAML or JSON).

use std::path::Path;

use indexmap::IndexMap;
use serde_json::Value;

use crate::error::Error;
use crate::playbook::node;

/// Merges every `-e` argument in order (later wins), as Ansible does.
pub fn parse_extra_vars(args: &[String]) -> Result<IndexMap<String, Value>, Error> {
    let mut vars = IndexMap::new();
    for arg in args {
        let trimmed = arg.trim();
        let parsed = if let Some(file) = trimmed.strip_prefix('@') {
            let path = Path::new(file);
            let bytes = std::fs::read(path)
                .map_err(|e| Error::Usage(format!("-e @{file}: cannot read `{file}`: {e}")))?;
            let text = crate::source_text::decode(path, bytes).map_err(Error::input)?;
            mapping(node::parse(path, &text)?.to_json(), &format!("-e @{file}"))?
        } else if trimmed.starts_with('{') {
            mapping(
                node::parse(Path::new("<extra-vars>"), trimmed)?.to_json(),
                "-e",
            )?
        } else {
            key_values(trimmed)?
        };
        vars.extend(parsed);
    }
    Ok(vars)
}

fn mapping(v: Value, what: &str) -> Result<IndexMap<String, Value>, Error> {
    match v {
        Value::Object(m) => Ok(m.into_iter().collect()),
        Value::Null => Ok(IndexMap::new()),
        _ => Err(Error::Usage(format!(
            "{what}: expected a mapping of variable names to values"
        ))),
    }
}

/// `a=1 b="two words"`: values stay strings, as Ansible's key=value extra vars do.
fn key_values(s: &str) -> Result<IndexMap<String, Value>, Error> {
    let words =
        shlex::split(s).ok_or_else(|| Error::Usage(format!("-e `{s}`: unbalanced quotes")))?;
    let mut out = IndexMap::new();
    for w in words {
        let (k, v) = w.split_once('=').ok_or_else(|| {
            Error::Usage(format!("-e `{w}`: expected key=value, a mapping, or @file"))
        })?;
        out.insert(k.to_string(), Value::String(v.to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_values_json_and_later_wins() {
        let v = parse_extra_vars(&["a=1 b='two words'".into(), r#"{"a": 2, "c": [1]}"#.into()])
            .unwrap();
        assert_eq!(json!(v), json!({"a": 2, "b": "two words", "c": [1]}));
    }

    #[test]
    fn bad_pair_is_a_usage_error() {
        let e = parse_extra_vars(&["novalue".into()])
            .unwrap_err()
            .to_string();
        assert_eq!(e, "-e `novalue`: expected key=value, a mapping, or @file");
    }
}
