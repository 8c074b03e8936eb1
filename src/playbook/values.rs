//! Reading keyword values (strings, booleans, conditions, variable maps) from YAML nodes, with
//! an error at the node's place when a value has the wrong shape.

use indexmap::IndexMap;
use serde_json::Value;

use super::LoopControl;
use super::load::Loader;
use super::node::{Node, NodeValue};
use crate::template::Templar;

pub fn is_identifier(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Loader {
    pub(super) fn conditions(&mut self, n: &Node, key: &str) -> Vec<String> {
        let one = |me: &mut Self, n: &Node| match &n.value {
            NodeValue::Str(s) => Some(s.clone()),
            NodeValue::Bool(b) => Some(if *b { "True" } else { "False" }.to_string()),
            NodeValue::Int(i) => Some(i.to_string()),
            _ => {
                me.err(
                    n,
                    format!(
                        "`{key}` must be a condition (a string or a list of them), found {}",
                        n.kind()
                    ),
                );
                None
            }
        };
        match &n.value {
            NodeValue::Seq(items) => items.iter().filter_map(|i| one(self, i)).collect(),
            _ => one(self, n).into_iter().collect(),
        }
    }

    pub(super) fn string(&mut self, n: &Node, key: &str) -> String {
        match &n.value {
            NodeValue::Str(s) => s.clone(),
            NodeValue::Int(_) | NodeValue::Float(_) | NodeValue::Bool(_) => n.key_text(),
            _ => {
                self.err(n, format!("`{key}` must be a string, found {}", n.kind()));
                String::new()
            }
        }
    }

    pub(super) fn identifier(&mut self, n: &Node, key: &str) -> String {
        let s = self.string(n, key);
        if !is_identifier(&s) && !s.is_empty() {
            self.err(
                n,
                format!("`{key}` must be a variable name (letters, digits, `_`), found `{s}`"),
            );
        }
        s
    }

    /// Adds the `tags` at `n` (when there) to `into`, each once, in order.
    pub(super) fn add_tags(&mut self, n: Option<&Node>, into: &mut Vec<String>) {
        for tag in n.map(|t| self.strings(t, "tags")).unwrap_or_default() {
            // A templated tag is rendered with the play's vars and -e, as Ansible does before
            // selecting; one that needs a host's variables stays as written.
            let rendered = Templar::is_template(&tag)
                .then(|| self.load_time_value(&tag, &[&self.play_vars]).ok())
                .flatten();
            let tags = match rendered {
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string())
                    })
                    .collect(),
                Some(Value::String(s)) => s.split(',').map(|t| t.trim().to_string()).collect(),
                _ => vec![tag],
            };
            for tag in tags {
                if !into.contains(&tag) {
                    into.push(tag);
                }
            }
        }
    }

    pub(super) fn strings(&mut self, n: &Node, key: &str) -> Vec<String> {
        match &n.value {
            NodeValue::Seq(items) => items.iter().map(|i| self.string(i, key)).collect(),
            NodeValue::Str(s) if key == "tags" => {
                s.split(',').map(|t| t.trim().to_string()).collect()
            }
            NodeValue::Null => Vec::new(),
            _ => vec![self.string(n, key)],
        }
    }

    pub(super) fn boolean(&mut self, n: &Node, key: &str) -> bool {
        match &n.value {
            NodeValue::Bool(b) => *b,
            NodeValue::Str(s) => match s.to_ascii_lowercase().as_str() {
                "yes" | "true" | "on" | "1" | "y" => true,
                "no" | "false" | "off" | "0" | "n" => false,
                _ => {
                    self.err(
                        n,
                        format!("`{key}` must be a boolean (yes/no, true/false), found `{s}`"),
                    );
                    false
                }
            },
            NodeValue::Int(i) if *i == 0 || *i == 1 => *i == 1,
            _ => {
                self.err(
                    n,
                    format!(
                        "`{key}` must be a boolean (yes/no, true/false), found {}",
                        n.kind()
                    ),
                );
                false
            }
        }
    }

    /// `throttle`: a whole number (0: no limit). A template is refused: rconf decides the
    /// hosts of a step before it renders anything per host.
    pub(super) fn throttle(&mut self, n: &Node) -> Option<usize> {
        let parsed = match &n.value {
            NodeValue::Int(i) => usize::try_from(*i).ok(),
            NodeValue::Str(s) => s.trim().parse().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.err(
                n,
                format!(
                    "`throttle` must be a whole number (0: no limit), found `{}`",
                    n.key_text()
                ),
            );
        }
        parsed
    }

    /// A boolean, or a template kept for the runner to render.
    pub(super) fn bool_or_template(&mut self, n: &Node, key: &str) -> Value {
        match &n.value {
            NodeValue::Str(s) if Templar::is_template(s) => Value::String(s.clone()),
            _ => Value::Bool(self.boolean(n, key)),
        }
    }

    /// A number, or a template kept for the runner to render.
    pub(super) fn number_or_template(&mut self, n: &Node, key: &str) -> Value {
        match &n.value {
            NodeValue::Int(i) => Value::from(*i),
            NodeValue::Float(f) => Value::from(*f),
            NodeValue::Str(s) if Templar::is_template(s) => Value::String(s.clone()),
            NodeValue::Str(s) if s.trim().parse::<f64>().is_ok() => Value::String(s.clone()),
            _ => {
                self.err(n, format!("`{key}` must be a number, found {}", n.kind()));
                Value::Null
            }
        }
    }

    /// A mapping, or a template kept for the runner (`environment: "{{ proxy_env }}"`).
    pub(super) fn map_or_template(&mut self, n: &Node, key: &str) -> Option<Value> {
        match &n.value {
            NodeValue::Map(_) => Some(n.to_json()),
            NodeValue::Str(s) if Templar::is_template(s) => Some(Value::String(s.clone())),
            NodeValue::Null => None,
            _ => {
                self.err(n, format!("`{key}` must be a mapping, found {}", n.kind()));
                None
            }
        }
    }

    pub(super) fn vars(&mut self, n: &Node) -> IndexMap<String, Value> {
        match &n.value {
            NodeValue::Null => IndexMap::new(),
            NodeValue::Map(pairs) => {
                let mut out = IndexMap::new();
                for (k, v) in pairs {
                    let name = k.key_text();
                    if !is_identifier(&name) {
                        self.err(k, format!("invalid variable name `{name}` (letters, digits and `_`, not starting with a digit)"));
                    }
                    out.insert(name, v.to_json());
                }
                out
            }
            _ => {
                self.err(
                    n,
                    format!(
                        "`vars` must be a mapping of variable names to values, found {}",
                        n.kind()
                    ),
                );
                IndexMap::new()
            }
        }
    }

    pub(super) fn loop_control(&mut self, n: &Node) -> LoopControl {
        let mut lc = LoopControl {
            extended_allitems: true,
            ..LoopControl::default()
        };
        let Some(map) = n.as_map() else {
            self.err(
                n,
                format!("`loop_control` must be a mapping, found {}", n.kind()),
            );
            return lc;
        };
        for (k, v) in map {
            match k.key_text().as_str() {
                "loop_var" => {
                    lc.loop_var = Some(match v.as_str() {
                        Some(t) if Templar::is_template(t) => t.to_string(),
                        _ => self.identifier(v, "loop_var"),
                    })
                }
                "index_var" => lc.index_var = Some(self.identifier(v, "index_var")),
                "label" => lc.label = Some(self.string(v, "label")),
                "pause" => lc.pause = self.number_or_template(v, "pause").as_f64(),
                "extended" => lc.extended = self.boolean(v, "extended"),
                "extended_allitems" => {
                    lc.extended_allitems = self.boolean(v, "extended_allitems");
                }
                other => self.err(k, format!("unknown `loop_control` key `{other}` (expected loop_var, index_var, label, pause, extended or extended_allitems)")),
            }
        }
        lc
    }
}
