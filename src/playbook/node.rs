//! A YAML document as a tree of nodes that remember where they were written, so every later
//! error (unknown keyword, bad argument, undefined variable) can point at `file:line:col`.

use std::fmt;
use std::path::Path;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;

use crate::error::{Error, Location};

/// One YAML node with its 1-based line and column.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: NodeValue,
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Keys stay in file order.
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub fn kind(&self) -> &'static str {
        match self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Int(_) | NodeValue::Float(_) => "a number",
            NodeValue::Str(_) => "a string",
            NodeValue::Seq(_) => "a list",
            NodeValue::Map(_) => "a mapping",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            NodeValue::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            NodeValue::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// Looks up a key in a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.key_text() == key)
            .map(|(_, v)| v)
    }

    /// A mapping key as text (YAML allows `1:` or `yes:` as keys; Ansible reads them as text).
    pub fn key_text(&self) -> String {
        match &self.value {
            NodeValue::Str(s) => s.clone(),
            NodeValue::Null => String::new(),
            _ => scalar_text(&self.to_json()),
        }
    }

    pub fn location(&self, file: &Path) -> Location {
        Location::new(file, self.line, self.col)
    }

    /// The node as plain JSON data (spans dropped).
    pub fn to_json(&self) -> Value {
        match &self.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Int(i) => Value::from(*i),
            NodeValue::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
            }
            NodeValue::Str(s) => Value::String(s.clone()),
            NodeValue::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Map(pairs) => Value::Object(
                pairs
                    .iter()
                    .map(|(k, v)| (k.key_text(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Parses YAML text with Ansible's YAML 1.1 reading (`yes`/`no` booleans, `0644` octal,
/// `<<` merges) and duplicate keys as errors. An empty document is `Null`.
pub fn parse(file: &Path, text: &str) -> Result<Node, Error> {
    let text = &*crate::vault::open_text(text)
        .map_err(|e| Error::at(Location::new(file, 1, 1), format!("vault: {e}")))?;
    let mut root = tree(file, text, serde_saphyr::DuplicateKeyPolicy::Error)?;
    let mut errors = Vec::new();
    open_vaulted(&mut root, file, &mut errors);
    if errors.is_empty() {
        Ok(root)
    } else {
        Err(Error::Input(errors))
    }
}

/// The nodes of text that is already decrypted, for finding where something is in a file that
/// was read as plain data: duplicate keys are kept (the last one is the one such a reader
/// kept), `!vault` values stay as they are.
pub fn parse_tree(file: &Path, text: &str) -> Result<Node, Error> {
    tree(file, text, serde_saphyr::DuplicateKeyPolicy::LastWins)
}

fn tree(
    file: &Path,
    text: &str,
    duplicates: serde_saphyr::DuplicateKeyPolicy,
) -> Result<Node, Error> {
    if text.trim().is_empty()
        || text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#') || l.trim() == "---")
    {
        return Ok(Node {
            value: NodeValue::Null,
            line: 1,
            col: 1,
        });
    }
    let options = serde_saphyr::options! {
        legacy_octal_numbers: true,
        duplicate_keys: duplicates,
        with_snippet: false,
        budget: Some(crate::yaml_budget::budget()),
        alias_limits: crate::yaml_budget::alias_limits(),
    };
    SOURCE.with(|src| *src.borrow_mut() = Some(text.to_string()));
    let parsed: Result<Spanned<NodeValue>, _> = serde_saphyr::from_str_with_options(text, options);
    SOURCE.with(|src| *src.borrow_mut() = None);
    let spanned = parsed.map_err(|e| {
        let (line, col) = e
            .location()
            .map(|l| (l.line() as usize, l.column() as usize))
            .unwrap_or((1, 1));
        Error::at(
            Location::new(file, line.max(1), col.max(1)),
            // A resource limit is no syntax error: say which, in words a user can act on.
            crate::yaml_budget::message(&e)
                .unwrap_or_else(|| format!("YAML syntax error: {}", yaml_message(&e))),
        )
    })?;
    Ok(from_spanned(spanned))
}

/// Replaces each `!vault` value with its plain text (the tag itself does not reach us: a
/// string holding a vault is one).
fn open_vaulted(node: &mut Node, file: &Path, errors: &mut Vec<crate::error::Diagnostic>) {
    match &mut node.value {
        NodeValue::Str(s) => match crate::vault::open_value(s) {
            Some(Ok(plain)) => *s = plain,
            Some(Err(e)) => errors.push(crate::error::Diagnostic::at(
                Location::new(file, node.line, node.col),
                format!("vault: {e}"),
            )),
            None => {}
        },
        NodeValue::Seq(items) => {
            for i in items {
                open_vaulted(i, file, errors);
            }
        }
        NodeValue::Map(pairs) => {
            for (_, v) in pairs {
                open_vaulted(v, file, errors);
            }
        }
        _ => {}
    }
}

/// The library's message without its own location prefix (we print ours).
fn yaml_message(e: &serde_saphyr::Error) -> String {
    let text = e.without_snippet().to_string();
    let text = text.lines().next().unwrap_or_default().to_string();
    let text = match text.split_once(": ") {
        Some((prefix, rest)) if prefix.starts_with("line ") => rest.to_string(),
        _ => text,
    };
    // The location leads the whole message already (`site.yml:5:11: ...`).
    match text.rfind(" at line ") {
        Some(i) if text[i + " at line ".len()..].contains(", column ") => text[..i].to_string(),
        _ => text,
    }
}

thread_local! {
    /// The text being parsed, so booleans can be checked against how they were written.
    static SOURCE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// PyYAML (and so Ansible) reads `y`, `Y`, `n`, `N` as strings; the YAML 1.1 reader here makes
/// them booleans. The scalar's source text tells them apart.
fn pyyaml_bool(value: NodeValue, span: serde_saphyr::Span) -> NodeValue {
    let NodeValue::Bool(_) = value else {
        return value;
    };
    let (Some(start), Some(len)) = (span.byte_offset(), span.byte_len()) else {
        return value;
    };
    let written = SOURCE.with(|src| {
        src.borrow().as_ref().and_then(|t| {
            t.get(start as usize..(start + len) as usize)
                .map(str::to_string)
        })
    });
    match written.as_deref() {
        Some(w @ ("y" | "Y" | "n" | "N")) => NodeValue::Str(w.to_string()),
        _ => value,
    }
}

/// Ansible's `!unsafe` string is never templated: it is kept as a template that renders to
/// the text itself, so every later step (arguments, variables) sees it as written. The tag is
/// found in the source just before the scalar (the parser does not hand tags over).
fn unsafe_text(value: NodeValue, span: serde_saphyr::Span) -> NodeValue {
    let NodeValue::Str(text) = value else {
        return value;
    };
    let Some(start) = span.byte_offset() else {
        return NodeValue::Str(text);
    };
    let tagged = SOURCE.with(|src| {
        src.borrow().as_ref().is_some_and(|t| {
            let start = start as usize;
            t.get(..start).is_some_and(|before| {
                // A block scalar (`!unsafe |`) starts after its indicator line.
                let before = before.trim_end();
                let before = before
                    .trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '+')
                    .trim_end_matches(['|', '>'])
                    .trim_end();
                before.ends_with("!unsafe")
            }) || t.get(start..).is_some_and(|at| at.starts_with("!unsafe"))
        })
    });
    if tagged {
        NodeValue::Str(crate::template::literal(&text))
    } else {
        NodeValue::Str(text)
    }
}

fn from_spanned(s: Spanned<NodeValue>) -> Node {
    let span = s.referenced.span();
    Node {
        value: unsafe_text(pyyaml_bool(s.value, span), span),
        line: (s.referenced.line() as usize).max(1),
        col: (s.referenced.column() as usize).max(1),
    }
}

impl<'de> Deserialize<'de> for NodeValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = NodeValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }
    fn visit_none<E>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<NodeValue, D::Error> {
        NodeValue::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<NodeValue, E> {
        Ok(NodeValue::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<NodeValue, E> {
        Ok(NodeValue::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<NodeValue, E> {
        i64::try_from(v)
            .map(NodeValue::Int)
            .or(Ok(NodeValue::Float(v as f64)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<NodeValue, E> {
        Ok(NodeValue::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<NodeValue, E> {
        Ok(NodeValue::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<NodeValue, E> {
        Ok(NodeValue::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<NodeValue>>()? {
            items.push(from_spanned(item));
        }
        Ok(NodeValue::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeValue, A::Error> {
        let mut pairs = Vec::new();
        // Keys are read as text: YAML 1.1 would make a key `y` or `on` a boolean, which
        // Ansible (PyYAML) keeps as a string in the places that matter (variable names).
        while let Some(k) = map.next_key::<Spanned<String>>()? {
            let v = map.next_value::<Spanned<NodeValue>>()?;
            let key = Node {
                value: NodeValue::Str(k.value),
                line: (k.referenced.line() as usize).max(1),
                col: (k.referenced.column() as usize).max(1),
            };
            pairs.push((key, from_spanned(v)));
        }
        Ok(NodeValue::Map(pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Node {
        parse(Path::new("t.yml"), text).unwrap()
    }

    #[test]
    fn keeps_line_and_column_of_every_node() {
        let n = p("- hosts: all\n  tasks:\n    - name: x\n      copy: {src: a, dest: b}\n");
        let play = &n.as_seq().unwrap()[0];
        assert_eq!((play.line, play.col), (1, 3));
        let task = &play.get("tasks").unwrap().as_seq().unwrap()[0];
        let (k, v) = &task.as_map().unwrap()[1];
        assert_eq!(k.key_text(), "copy");
        assert_eq!((k.line, k.col), (4, 7));
        assert_eq!((v.line, v.col), (4, 13));
    }

    #[test]
    fn reads_yaml_1_1_like_ansible() {
        let n = p("a: yes\nb: off\nmode: 0644\nc: '0644'\nd: 1.5\ne: [y, n, Y, N, on]\nf: y\n");
        assert_eq!(
            n.to_json(),
            serde_json::json!({"a": true, "b": false, "mode": 420, "c": "0644", "d": 1.5,
                               "e": ["y", "n", "Y", "N", true], "f": "y"})
        );
    }

    #[test]
    fn merge_keys_apply() {
        let n = p("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n");
        assert_eq!(
            n.get("other").unwrap().to_json(),
            serde_json::json!({"x": 1, "y": 2})
        );
    }

    #[test]
    fn duplicate_keys_and_syntax_errors_name_the_place() {
        let e = parse(Path::new("t.yml"), "a: 1\na: 2\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.yml:2:"), "{e}");
        let e = parse(Path::new("t.yml"), "a: [1, 2\nb: 3\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.yml:"), "{e}");
        assert!(e.contains("YAML syntax error"), "{e}");
    }

    #[test]
    fn unsafe_text_renders_to_itself_also_as_a_block_scalar() {
        let n = parse(
            Path::new("v.yml"),
            "a: !unsafe '{{ x }}'\nb: !unsafe |\n  {% if %} {# c #}\nc: '{{ x }}'\n",
        )
        .unwrap();
        let t = crate::template::Templar::new();
        let vars = minijinja::context! {};
        let text = |k: &str| t.render_str(n.get(k).unwrap().as_str().unwrap(), &vars);
        assert_eq!(text("a").unwrap(), serde_json::json!("{{ x }}"));
        assert_eq!(text("b").unwrap(), serde_json::json!("{% if %} {# c #}\n"));
        assert!(text("c").is_err(), "a plain template is still one");
    }

    #[test]
    fn empty_file_is_null() {
        assert_eq!(p("# nothing\n---\n").value, NodeValue::Null);
    }
}
