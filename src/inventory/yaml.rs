//! The Ansible YAML inventory format (`all: {hosts, vars, children}` nested to any depth), and
//! reading YAML/JSON variable files as Ansible's YAML 1.1 loader would.

use std::path::Path;

use serde_json::{Map, Value};

use super::Inventory;
use super::address::{expand_ranges, split_port};
use crate::error::{Error, Location, Result};

/// Whether text plausibly is a YAML (or JSON) inventory: it parses to a mapping.
pub fn looks_like_yaml(text: &str) -> bool {
    matches!(load_value(text, Path::new("")), Ok(Value::Object(_)))
}

/// Parses YAML 1.1 text (JSON included) to a value; errors name the file, line and column.
pub fn load_value(text: &str, file: &Path) -> Result<Value> {
    let text = &*crate::vault::open_text(text)
        .map_err(|e| Error::at(Location::new(file, 1, 1), format!("vault: {e}")))?;
    let opts = serde_saphyr::options! {
        legacy_octal_numbers: true,
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::LastWins,
        budget: Some(crate::yaml_budget::budget()),
        alias_limits: crate::yaml_budget::alias_limits(),
    };
    let v: Option<Value> = serde_saphyr::from_str_with_options(text, opts).map_err(|e| {
        let msg = crate::yaml_budget::message(&e).unwrap_or_else(|| {
            format!(
                "invalid YAML: {}",
                e.to_string().lines().next().unwrap_or("")
            )
        });
        match e.location() {
            Some(l) => Error::at(
                Location::new(file, l.line() as usize, l.column() as usize),
                msg,
            ),
            None => Error::msg(format!("{}: {msg}", file.display())),
        }
    })?;
    let mut v = v.unwrap_or(Value::Null);
    open_vaulted(&mut v, "").map_err(|e| Error::msg(format!("{}: {e}", file.display())))?;
    Ok(v)
}

/// Replaces each `!vault` value with its plain text; an error names the value (`a.b[0]`).
fn open_vaulted(v: &mut Value, at: &str) -> std::result::Result<(), String> {
    match v {
        Value::String(s)
            if crate::vault::is_vaulted(s) && crate::vault::values_kept_encrypted() =>
        {
            *v = serde_json::json!({ "__ansible_vault": s.clone() });
        }
        Value::String(s) => {
            if let Some(plain) = crate::vault::open_value(s) {
                *s = plain.map_err(|e| format!("`{at}`: vault: {e}"))?;
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                open_vaulted(item, &format!("{at}[{i}]"))?;
            }
        }
        Value::Object(m) => {
            for (k, item) in m.iter_mut() {
                let path = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                open_vaulted(item, &path)?;
            }
        }
        _ => {}
    }
    Ok(())
}

pub fn parse(inv: &mut Inventory, text: &str, file: &Path) -> Result<()> {
    let doc = load_value(text, file)?;
    let top = match doc {
        Value::Null => return Ok(()),
        Value::Object(m) => m,
        _ => {
            return Err(locate(
                text,
                file,
                Problem::at(
                    Vec::new(),
                    "expected a mapping of group names at the top of a YAML inventory".into(),
                ),
            ));
        }
    };
    for (name, body) in top {
        group(inv, &name, body, None, &[]).map_err(|p| locate(text, file, p))?;
    }
    Ok(())
}

/// A structure problem and where it is: the mapping keys from the top to the node.
struct Problem {
    path: Vec<String>,
    /// The last key itself rather than its value (a host name that does not expand).
    key: bool,
    message: String,
}

impl Problem {
    fn at(path: Vec<String>, message: String) -> Problem {
        Problem {
            path,
            key: false,
            message,
        }
    }

    fn at_key(path: Vec<String>, message: String) -> Problem {
        Problem {
            path,
            key: true,
            message,
        }
    }
}

/// The problem as `file:line:col: message`. The values were read without places (they are
/// plain data to the inventory), so the text is read again with them, only now that an
/// error needs one.
fn locate(text: &str, file: &Path, p: Problem) -> Error {
    let opened = crate::vault::open_text(text);
    let tree = opened
        .as_deref()
        .ok()
        .and_then(|t| crate::playbook::node::parse_tree(file, t).ok());
    let (line, col) = tree.map_or((1, 1), |root| {
        let mut node = &root;
        for (i, seg) in p.path.iter().enumerate() {
            // Duplicate keys: the last one is the one that was read.
            let Some((k, v)) = node
                .as_map()
                .and_then(|m| m.iter().rev().find(|(k, _)| k.key_text() == *seg))
            else {
                break;
            };
            node = if p.key && i + 1 == p.path.len() { k } else { v };
        }
        (node.line, node.col)
    });
    Error::at(Location::new(file, line, col), p.message)
}

fn group(
    inv: &mut Inventory,
    name: &str,
    body: Value,
    parent: Option<&str>,
    at: &[String],
) -> Result<(), Problem> {
    let here = [at, &[name.to_string()]].concat();
    let under = |keys: &[&str]| {
        let mut p = here.clone();
        p.extend(keys.iter().map(|k| k.to_string()));
        p
    };
    inv.add_group(name);
    if let Some(p) = parent {
        inv.add_child(p, name);
        if inv.closes_loop(p, name) {
            return Err(Problem::at_key(here.clone(), super::loop_message(name)));
        }
    }
    let body = match body {
        Value::Null => return Ok(()),
        Value::Object(m) => m,
        other => {
            return Err(Problem::at(
                here.clone(),
                format!(
                    "group `{name}` must be a mapping with `hosts`, `vars` or `children`, got `{other}`"
                ),
            ));
        }
    };
    for (key, val) in body {
        match key.as_str() {
            "vars" => {
                let vars =
                    mapping(val, name, "vars").map_err(|m| Problem::at(under(&["vars"]), m))?;
                for (k, v) in vars {
                    inv.groups[name].vars.insert(k, v);
                }
            }
            "hosts" => {
                let hosts =
                    mapping(val, name, "hosts").map_err(|m| Problem::at(under(&["hosts"]), m))?;
                for (pattern, vars) in hosts {
                    let host_at = under(&["hosts", &pattern]);
                    let (base, port) =
                        split_port(&pattern).map_err(|m| Problem::at_key(host_at.clone(), m))?;
                    let vars = match vars {
                        Value::Null => Map::new(),
                        Value::Object(m) => m,
                        other => {
                            return Err(Problem::at(
                                host_at,
                                format!(
                                    "host `{pattern}` in group `{name}` must have a mapping of variables, got `{other}`"
                                ),
                            ));
                        }
                    };
                    let names =
                        expand_ranges(&base).map_err(|m| Problem::at_key(host_at.clone(), m))?;
                    for h in names {
                        inv.add_host(&h, Some(name));
                        let host = &mut inv.hosts[h.as_str()];
                        if let Some(p) = port {
                            host.vars.insert("ansible_port".into(), p.into());
                        }
                        host.vars.extend(vars.clone());
                    }
                }
            }
            "children" => {
                let children = mapping(val, name, "children")
                    .map_err(|m| Problem::at(under(&["children"]), m))?;
                for (child, cbody) in children {
                    group(inv, &child, cbody, Some(name), &under(&["children"]))?;
                }
            }
            other => tracing::warn!(
                "skipping unexpected key `{other}` in group `{name}`: only `vars`, `children` and `hosts` are valid"
            ),
        }
    }
    Ok(())
}

fn mapping(v: Value, group: &str, key: &str) -> Result<Map<String, Value>, String> {
    match v {
        Value::Null => Ok(Map::new()),
        Value::Object(m) => Ok(m),
        other => Err(format!(
            "`{key}` of group `{group}` must be a mapping, got `{other}`"
        )),
    }
}
