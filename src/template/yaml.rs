//! A YAML writer that follows PyYAML's `yaml.dump` layout (what Ansible's `to_yaml` and
//! `to_nice_yaml` print): sorted keys, indentless lists under keys, `-   ` padding to the
//! indent, flow style for leaf collections when asked, quotes only where a reader would
//! misread the text. Not covered: PyYAML's folding of lines longer than 80 columns.

use serde_json::Value as Json;

pub struct Style {
    pub indent: usize,
    /// `default_flow_style=None`: collections holding only scalars are written inline.
    pub flow_leaves: bool,
    pub sort_keys: bool,
    /// Multi-line strings as literal blocks (`|-`), as Ansible's YAML result display writes
    /// them, rather than PyYAML's default double-quoted `\n` escapes.
    pub literal_blocks: bool,
}

pub fn dump(v: &Json, style: &Style) -> String {
    let mut out = String::new();
    if is_scalar(v) || is_empty(v) {
        let text = scalar(v, false);
        out.push_str(&text);
        out.push('\n');
        // PyYAML closes a document whose root is a plain scalar with an explicit end marker.
        if !text.starts_with(['\'', '"', '{', '[']) {
            out.push_str("...\n");
        }
        return out;
    }
    if style.flow_leaves && is_leaf(v) {
        out.push_str(&flow(v, style));
        out.push('\n');
        return out;
    }
    block(&mut out, v, style, 0, false);
    out
}

fn is_scalar(v: &Json) -> bool {
    !matches!(v, Json::Array(_) | Json::Object(_))
}

fn is_empty(v: &Json) -> bool {
    match v {
        Json::Array(a) => a.is_empty(),
        Json::Object(m) => m.is_empty(),
        _ => false,
    }
}

fn is_leaf(v: &Json) -> bool {
    match v {
        Json::Array(a) => a.iter().all(is_scalar),
        Json::Object(m) => m.values().all(is_scalar),
        _ => true,
    }
}

fn entries<'a>(m: &'a serde_json::Map<String, Json>, style: &Style) -> Vec<(&'a String, &'a Json)> {
    let mut e: Vec<_> = m.iter().collect();
    if style.sort_keys {
        e.sort_by(|a, b| a.0.cmp(b.0));
    }
    e
}

fn inline(v: &Json, style: &Style) -> Option<String> {
    if is_scalar(v) || is_empty(v) {
        Some(scalar(v, false))
    } else if style.flow_leaves && is_leaf(v) {
        Some(flow(v, style))
    } else {
        None
    }
}

/// Writes a block collection whose first line continues at the current column (`column`
/// is where the cursor already is, for `-   ` padding); nested lines use `indent`.
fn block(out: &mut String, v: &Json, style: &Style, indent: usize, after_dash: bool) {
    let pad = |out: &mut String, first: bool| {
        if !(first && after_dash) {
            out.push_str(&" ".repeat(indent));
        }
    };
    match v {
        Json::Object(m) => {
            for (i, (k, val)) in entries(m, style).into_iter().enumerate() {
                pad(out, i == 0);
                out.push_str(&scalar(&Json::String(k.clone()), false));
                out.push(':');
                if let Some(text) = val.as_str().filter(|t| style.literal_blocks && literal(t)) {
                    literal_block(out, text, indent + style.indent);
                    continue;
                }
                match inline(val, style) {
                    Some(text) => {
                        out.push(' ');
                        out.push_str(&text);
                        out.push('\n');
                    }
                    None => {
                        out.push('\n');
                        // Lists under a key are not indented further, as PyYAML does.
                        let child = if val.is_array() {
                            indent
                        } else {
                            indent + style.indent
                        };
                        block(out, val, style, child, false);
                    }
                }
            }
        }
        Json::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                pad(out, i == 0);
                out.push('-');
                match inline(item, style) {
                    Some(text) => {
                        out.push(' ');
                        out.push_str(&text);
                        out.push('\n');
                    }
                    None => {
                        out.push_str(&" ".repeat(style.indent - 1));
                        block(out, item, style, indent + style.indent, true);
                    }
                }
            }
        }
        other => {
            out.push_str(&scalar(other, false));
            out.push('\n');
        }
    }
}

/// Whether a string reads back the same as a literal block: several lines, none with trailing
/// blanks, no leading blank (which would need an indentation indicator), no control characters.
fn literal(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with([' ', '\n'])
        && !s
            .chars()
            .any(|c| c.is_control() && c != '\n' || c == '\u{feff}')
        && s.lines().all(|l| !l.ends_with([' ', '\t']))
}

/// ` |-`, then the lines at `indent`. Final newlines are dropped, as Ansible's result display
/// drops them (`two\nlines\n` shows as two lines under `|-`): this is for reading, not reading back.
fn literal_block(out: &mut String, s: &str, indent: usize) {
    out.push_str(" |-\n");
    for line in s.trim_end_matches('\n').split('\n') {
        if !line.is_empty() {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(line);
        out.push('\n');
    }
}

fn flow(v: &Json, style: &Style) -> String {
    match v {
        Json::Object(m) => {
            let items: Vec<String> = entries(m, style)
                .into_iter()
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        scalar(&Json::String(k.clone()), true),
                        flow(v, style)
                    )
                })
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Json::Array(a) => {
            let items: Vec<String> = a.iter().map(|v| flow(v, style)).collect();
            format!("[{}]", items.join(", "))
        }
        other => scalar(other, true),
    }
}

fn scalar(v: &Json, in_flow: bool) -> String {
    match v {
        Json::Null => "null".to_string(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => float(f),
            _ => n.to_string(),
        },
        Json::String(s) => string(s, in_flow),
        Json::Array(_) => "[]".to_string(),
        Json::Object(_) => "{}".to_string(),
    }
}

/// Python's float repr in YAML spelling.
fn float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    let s = format!("{f:?}");
    if s.contains('e') {
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = if m.contains('.') {
            m.to_string()
        } else {
            format!("{m}.0")
        };
        let (sign, digits) = e.strip_prefix('-').map_or(("+", e), |d| ("-", d));
        return format!("{m}e{sign}{digits:0>2}");
    }
    s
}

fn string(s: &str, in_flow: bool) -> String {
    if s.chars()
        .any(|c| c.is_control() && c != '\n' || c == '\u{feff}')
        || s.contains('\n')
    {
        return double_quoted(s);
    }
    if needs_quotes(s, in_flow) {
        return format!("'{}'", s.replace('\'', "''"));
    }
    s.to_string()
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || c == '\u{feff}' => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// True when a plain scalar would be read back as something else, or is not valid plain.
fn needs_quotes(s: &str, in_flow: bool) -> bool {
    if s.is_empty() || s.starts_with(' ') || s.ends_with(' ') || resolves_to_non_string(s) {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "#,[]{}&*!|>'\"%@`".contains(first) {
        return true;
    }
    if "-?:".contains(first) && (s.len() == 1 || s[1..].starts_with(' ')) {
        return true;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return true;
    }
    in_flow && s.contains([',', '[', ']', '{', '}', '?'])
}

fn resolves_to_non_string(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~", "=", "<<",
    ];
    if WORDS.contains(&s) {
        return true;
    }
    let t = s.strip_prefix(['-', '+']).unwrap_or(s).replace('_', "");
    let number = !t.is_empty()
        && (t.chars().all(|c| c.is_ascii_digit())
            || t.strip_prefix("0x")
                .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
            || t.strip_prefix("0b")
                .is_some_and(|b| !b.is_empty() && b.chars().all(|c| c == '0' || c == '1'))
            || (t.contains('.') && t.parse::<f64>().is_ok())
            || [".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"].contains(&t.as_str())
            || sexagesimal(&t));
    number || timestamp(s)
}

/// YAML 1.1's base-60 numbers as PyYAML resolves them: `1:30` (an int, never led by `0`) and
/// `0:00:01.5` (a float); `0:01` stays a string.
fn sexagesimal(t: &str) -> bool {
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (t, None),
    };
    let mut parts = whole.split(':');
    let head = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    !rest.is_empty()
        && !head.is_empty()
        && digits(head)
        && (frac.is_some() || !head.starts_with('0'))
        && frac.is_none_or(digits)
        && rest
            .iter()
            .all(|p| digits(p) && (p.len() == 1 || p.len() == 2 && p.as_bytes()[0] <= b'5'))
}

fn timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5].is_ascii_digit()
        && s[5..].contains('-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base_60_numbers_are_quoted_as_pyyaml_resolves_them() {
        for (text, quoted) in [
            ("1:30", true),
            ("0:01", false),
            ("0:00:00.006769", true),
            ("1:75", false),
            ("12:30:1", true),
        ] {
            assert_eq!(needs_quotes(text, false), quoted, "{text}");
        }
    }

    fn nice(v: &Json) -> String {
        dump(
            v,
            &Style {
                indent: 4,
                flow_leaves: false,
                sort_keys: true,
                literal_blocks: false,
            },
        )
    }

    fn plain(v: &Json) -> String {
        dump(
            v,
            &Style {
                indent: 2,
                flow_leaves: true,
                sort_keys: true,
                literal_blocks: false,
            },
        )
    }

    #[test]
    fn nice_yaml_matches_pyyaml_layout() {
        let v = json!({"users": [{"name": "a", "uid": 1}, "x"], "b": {"c": [1, 2], "d": null}, "a": "yes"});
        assert_eq!(
            nice(&v),
            "a: 'yes'\nb:\n    c:\n    - 1\n    - 2\n    d: null\nusers:\n-   name: a\n    uid: 1\n- x\n"
        );
    }

    #[test]
    fn plain_yaml_uses_flow_for_leaves() {
        let v = json!({"b": [1, "two"], "a": {"x": true}, "n": {"m": {"k": "v"}}});
        assert_eq!(plain(&v), "a: {x: true}\nb: [1, two]\nn:\n  m: {k: v}\n");
        assert_eq!(plain(&json!({"a": 1})), "{a: 1}\n");
        assert_eq!(plain(&json!("text")), "text\n...\n");
    }

    #[test]
    fn quotes_what_would_be_misread() {
        for (s, want) in [
            ("0644", "'0644'"),
            ("1.5", "'1.5'"),
            ("", "''"),
            ("on", "'on'"),
            ("a: b", "'a: b'"),
            ("- x", "'- x'"),
            ("it's", "it's"),
            ("'q'", "'''q'''"),
            ("2024-01-02", "'2024-01-02'"),
            ("line\nbreak", "\"line\\nbreak\""),
            ("/etc/hosts", "/etc/hosts"),
        ] {
            assert_eq!(string(s, false), want, "{s}");
        }
    }
}
