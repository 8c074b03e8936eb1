//! Text for `ansible-inventory -y` and `--toml`: YAML in the block style PyYAML writes
//! (`default_flow_style=False`, two-space indentation, sequences not indented under their
//! key, `!vault |` for encrypted values) and TOML as the `tomli-w` library writes it.

use serde_json::{Map, Value};

/// A document as `yaml.dump(..., default_flow_style=False)` writes it (without anchors for
/// repeated values, and without folding long lines: the same data).
pub fn yaml(doc: &Value) -> String {
    let mut out = String::new();
    match doc {
        Value::Object(m) if !m.is_empty() => yaml_map(m, 0, &mut out),
        Value::Array(a) if !a.is_empty() => yaml_seq(a, 0, &mut out),
        other => {
            out.push_str(&yaml_inline(other));
            out.push('\n');
        }
    }
    out
}

fn vault_text(v: &Value) -> Option<&str> {
    match v {
        Value::Object(m) if m.len() == 1 => m.get("__ansible_vault")?.as_str(),
        _ => None,
    }
}

/// A value that stands on the line of its key or dash: a scalar or an empty collection.
fn yaml_inline(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => yaml_number(n),
        Value::String(s) => yaml_string(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

fn is_block(v: &Value) -> bool {
    match v {
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty() && vault_text(v).is_none(),
        _ => false,
    }
}

fn vault_block(text: &str, indent: usize, out: &mut String) {
    out.push_str(" !vault |\n");
    for line in text.lines() {
        out.push_str(&" ".repeat(indent));
        out.push_str(line);
        out.push('\n');
    }
}

fn yaml_map(m: &Map<String, Value>, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for (k, v) in m {
        out.push_str(&pad);
        out.push_str(&yaml_string(k));
        out.push(':');
        yaml_value_after_key(v, indent, out);
    }
}

fn yaml_value_after_key(v: &Value, indent: usize, out: &mut String) {
    if let Some(text) = vault_text(v) {
        vault_block(text, indent + 2, out);
        return;
    }
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            yaml_map(m, indent + 2, out);
        }
        // PyYAML does not indent a sequence under its mapping key.
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            yaml_seq(a, indent, out);
        }
        other => {
            out.push(' ');
            out.push_str(&yaml_inline(other));
            out.push('\n');
        }
    }
}

fn yaml_seq(a: &[Value], indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for v in a {
        out.push_str(&pad);
        out.push('-');
        yaml_item(v, indent + 2, out);
    }
}

/// What follows `-`: the first line of a nested block on the dash line, as PyYAML does.
fn yaml_item(v: &Value, indent: usize, out: &mut String) {
    if let Some(text) = vault_text(v) {
        vault_block(text, indent, out);
        return;
    }
    if !is_block(v) {
        out.push(' ');
        out.push_str(&yaml_inline(v));
        out.push('\n');
        return;
    }
    let mut inner = String::new();
    match v {
        Value::Object(m) => yaml_map(m, indent, &mut inner),
        Value::Array(a) => yaml_seq(a, indent, &mut inner),
        _ => {}
    }
    out.push(' ');
    out.push_str(&inner[indent..]);
}

/// A float as PyYAML writes it (`0.5`, `1.0e+16`, `.inf`); integers as they are.
fn yaml_number(n: &serde_json::Number) -> String {
    if !n.is_f64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or_default();
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let r = super::views::py_number(n).to_lowercase();
    if !r.contains('.') && r.contains('e') {
        r.replacen('e', ".0e", 1)
    } else {
        r
    }
}

/// A string plain when PyYAML writes it plain, else single-quoted, or double-quoted when it
/// holds line breaks or characters that need escapes.
fn yaml_string(s: &str) -> String {
    if s.chars().any(|c| c.is_control() || c == '\u{feff}') {
        return serde_json::to_string(s).unwrap_or_default();
    }
    if plain_ok(s) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if resolves_to_other_type(s) {
        return false;
    }
    if s.starts_with(' ') || s.ends_with(' ') {
        return false;
    }
    if "#,[]{}&*!|>'\"%@`".contains(first) {
        return false;
    }
    let second = s.chars().nth(1);
    if "-?:".contains(first) && second.is_none_or(|c| c == ' ') {
        return false;
    }
    if s == "---" || s == "..." || s.starts_with("--- ") || s.starts_with("... ") {
        return false;
    }
    if s.contains(": ") || s.ends_with(':') || s.contains(" #") {
        return false;
    }
    true
}

/// Whether YAML 1.1 (PyYAML's resolver) reads the plain text as something else than a string.
fn resolves_to_other_type(s: &str) -> bool {
    use std::sync::OnceLock;
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"(?x)^(?:
              yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
            | ~|null|Null|NULL
            | [-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(?:0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+
            | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
            | [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
            | \.[0-9_]+(?:[eE][-+][0-9]+)?
            | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
            | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
            | [0-9]{4}-[0-9]{2}-[0-9]{2}
            | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[\ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}.*
            | = | <<
            )$",
        )
        .expect("valid regex")
    });
    re.is_match(s)
}

/// A document as `tomli_w.dumps` writes it; `Err` for what TOML cannot hold (null).
pub fn toml(doc: &Map<String, Value>) -> Result<String, String> {
    let mut out = String::new();
    toml_table(doc, "", false, &mut out)?;
    Ok(out)
}

fn toml_table(
    table: &Map<String, Value>,
    name: &str,
    inside_aot: bool,
    out: &mut String,
) -> Result<(), String> {
    let mut literals = Vec::new();
    let mut tables: Vec<(&String, &Map<String, Value>, bool)> = Vec::new();
    for (k, v) in table {
        match v {
            Value::Object(m) => tables.push((k, m, false)),
            Value::Array(a) if is_aot(a) && !a.iter().all(suitable_inline) => {
                for t in a {
                    if let Value::Object(m) = t {
                        tables.push((k, m, true));
                    }
                }
            }
            _ => literals.push((k, v)),
        }
    }
    let mut yielded = false;
    if inside_aot || (!name.is_empty() && (!literals.is_empty() || tables.is_empty())) {
        yielded = true;
        if inside_aot {
            out.push_str(&format!("[[{name}]]\n"));
        } else {
            out.push_str(&format!("[{name}]\n"));
        }
    }
    for (k, v) in literals {
        yielded = true;
        let literal = toml_literal(v, 0).map_err(|e| format!("`{k}`: {e}"))?;
        out.push_str(&format!("{} = {literal}\n", toml_key(k)));
    }
    for (k, m, in_aot) in tables {
        if yielded {
            out.push('\n');
        } else {
            yielded = true;
        }
        let key = toml_key(k);
        let display = if name.is_empty() {
            key
        } else {
            format!("{name}.{key}")
        };
        toml_table(m, &display, in_aot, out)?;
    }
    Ok(())
}

fn is_aot(a: &[Value]) -> bool {
    !a.is_empty() && a.iter().all(Value::is_object)
}

fn suitable_inline(v: &Value) -> bool {
    let Value::Object(m) = v else { return false };
    match toml_inline_table(m) {
        Ok(t) => {
            let line = format!("    {t},");
            line.chars().count() <= 100 && !line.contains('\n')
        }
        Err(_) => false,
    }
}

fn toml_literal(v: &Value, nest: usize) -> Result<String, String> {
    Ok(match v {
        Value::Null => return Err("TOML has no null value".into()),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => super::views::py_number(n),
        Value::String(s) => toml_string(s),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Array(a) => {
            let items: Result<Vec<String>, String> = a
                .iter()
                .map(|i| {
                    Ok(format!(
                        "{}{}",
                        "    ".repeat(nest + 1),
                        toml_literal(i, nest + 1)?
                    ))
                })
                .collect();
            format!("[\n{},\n{}]", items?.join(",\n"), "    ".repeat(nest))
        }
        Value::Object(m) => toml_inline_table(m)?,
    })
}

fn toml_inline_table(m: &Map<String, Value>) -> Result<String, String> {
    if m.is_empty() {
        return Ok("{}".into());
    }
    let items: Result<Vec<String>, String> = m
        .iter()
        .map(|(k, v)| Ok(format!("{} = {}", toml_key(k), toml_literal(v, 0)?)))
        .collect();
    Ok(format!("{{ {} }}", items?.join(", ")))
}

fn toml_key(k: &str) -> String {
    let bare = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare { k.to_string() } else { toml_string(k) }
}

fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\u{8}' => out.push_str("\\b"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push('\t'),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_is_written_in_pyyaml_block_style() {
        let doc = json!({"all": {"children": {"web": {"hosts": {"w1": {
            "labels": ["a", "b"], "port": 80, "yes": "yes", "ratio": 0.5, "none": null,
            "empty": {}, "nested": [{"k": 1, "l": [1, 2]}, [3]], "quote": "it's: here",
            "secret": {"__ansible_vault": "$ANSIBLE_VAULT;1.1;AES256\n6162\n"}
        }}}}}});
        assert_eq!(
            yaml(&doc),
            "all:\n  children:\n    web:\n      hosts:\n        w1:\n          labels:\n          - a\n          - b\n          port: 80\n          'yes': 'yes'\n          ratio: 0.5\n          none: null\n          empty: {}\n          nested:\n          - k: 1\n            l:\n            - 1\n            - 2\n          - - 3\n          quote: 'it''s: here'\n          secret: !vault |\n            $ANSIBLE_VAULT;1.1;AES256\n            6162\n"
        );
        assert_eq!(yaml(&json!({})), "{}\n");
        assert_eq!(yaml_string("0644"), "'0644'");
        assert_eq!(yaml_string("2024-01-02"), "'2024-01-02'");
        assert_eq!(yaml_string("web01.example.com"), "web01.example.com");
        assert_eq!(yaml_string("a\nb"), "\"a\\nb\"");
        assert_eq!(
            yaml_number(&serde_json::Number::from_f64(1e20).unwrap()),
            "1.0e+20"
        );
    }

    #[test]
    fn toml_is_written_as_tomli_w_writes_it() {
        let doc = json!({"prod": {"children": ["web", "db"]}, "web": {"hosts": {
            "w1.example.com": {"port": 80, "tags": ["a"], "ok": true, "m": {"x": "q\"t"}},
            "w2": {}
        }}});
        assert_eq!(
            toml(doc.as_object().unwrap()).unwrap(),
            "[prod]\nchildren = [\n    \"web\",\n    \"db\",\n]\n\n[web.hosts.\"w1.example.com\"]\nport = 80\ntags = [\n    \"a\",\n]\nok = true\n\n[web.hosts.\"w1.example.com\".m]\nx = \"q\\\"t\"\n\n[web.hosts.w2]\n"
        );
        assert!(toml(json!({"g": {"x": null}}).as_object().unwrap()).is_err());
    }
}
