//! The Ansible INI inventory format: `[group]`, `[group:vars]`, `[group:children]` sections,
//! host lines with inline variables, ranges and ports.

use std::path::Path;

use indexmap::IndexMap;
use serde_json::Value;

use super::Inventory;
use super::address::{expand_ranges, split_port};
use super::pyliteral::{shell_words, typed};
use crate::error::{Error, Location, Result};

#[derive(Clone, Copy, PartialEq)]
enum State {
    Hosts,
    Vars,
    Children,
}

/// A group used before it is defined: an error unless a later section defines it.
struct Pending {
    line: usize,
    state: State,
    parents: Vec<String>,
}

/// Whether text looks like an INI inventory rather than YAML or JSON.
pub fn looks_like_ini(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .any(|l| l.starts_with('[') && l.ends_with(']') && !l.contains(", "))
}

pub fn parse(inv: &mut Inventory, text: &str, file: &Path) -> Result<()> {
    let at = |line: usize, col: usize, msg: String| Error::at(Location::new(file, line, col), msg);
    let mut group = "ungrouped".to_string();
    let mut state = State::Hosts;
    let mut pending: IndexMap<String, Pending> = IndexMap::new();
    for (idx, raw) in text.lines().enumerate() {
        let lineno = idx + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let col = raw.len() - raw.trim_start().len() + 1;
        if line.starts_with('[') {
            let (name, st) = parse_header(line).map_err(|m| at(lineno, col, m))?;
            group = name;
            state = st;
            if state != State::Vars
                && let Some(p) = pending.shift_remove(&group)
            {
                inv.add_group(&group);
                for parent in p.parents {
                    inv.add_child(&parent, &group);
                    if inv.closes_loop(&parent, &group) {
                        return Err(at(p.line, 1, super::loop_message(&group)));
                    }
                }
            }
            if state == State::Vars && !inv.groups.contains_key(&group) {
                pending.entry(group.clone()).or_insert(Pending {
                    line: lineno,
                    state,
                    parents: Vec::new(),
                });
            }
            inv.add_group(&group);
            continue;
        }
        match state {
            State::Hosts => {
                host_line(inv, &group, line).map_err(|(c, m)| at(lineno, col + c, m))?
            }
            State::Vars => {
                let Some((k, v)) = line.split_once('=') else {
                    return Err(at(
                        lineno,
                        col,
                        format!("expected `key=value` in `[{group}:vars]`, got `{line}`"),
                    ));
                };
                let vars = &mut inv.groups[group.as_str()].vars;
                vars.insert(k.trim().to_string(), typed(v.trim()));
            }
            State::Children => {
                let child = line.split('#').next().unwrap_or("").trim();
                if child.is_empty() || child.contains(char::is_whitespace) || child.contains(':') {
                    return Err(at(
                        lineno,
                        col,
                        format!(
                            "expected one group name per line in `[{group}:children]`, got `{line}`"
                        ),
                    ));
                }
                if inv.groups.contains_key(child) {
                    inv.add_child(&group, child);
                    if inv.closes_loop(&group, child) {
                        return Err(at(lineno, col, super::loop_message(child)));
                    }
                } else {
                    let p = pending.entry(child.to_string()).or_insert(Pending {
                        line: lineno,
                        state,
                        parents: Vec::new(),
                    });
                    p.parents.push(group.clone());
                }
            }
        }
    }
    if let Some((name, p)) = pending.into_iter().next() {
        let msg = match p.state {
            State::Vars => format!(
                "section `[{name}:vars]` is for group `{name}`, which is never defined; expected a `[{name}]` or `[{name}:children]` section"
            ),
            _ => format!(
                "section `[{}:children]` names group `{name}`, which is never defined; expected a `[{name}]` section",
                p.parents.first().map(String::as_str).unwrap_or("?")
            ),
        };
        return Err(at(p.line, 1, msg));
    }
    Ok(())
}

fn parse_header(line: &str) -> Result<(String, State), String> {
    let bad = || {
        format!(
            "expected a section header like `[group]`, `[group:vars]` or `[group:children]`, got `{line}`"
        )
    };
    let close = line.find(']').ok_or_else(bad)?;
    let rest = line[close + 1..].trim();
    if !(rest.is_empty() || rest.starts_with('#') || rest.starts_with(';')) {
        return Err(bad());
    }
    let inner = &line[1..close];
    let (name, kind) = match inner.split_once(':') {
        Some((n, k)) => (n, Some(k)),
        None => (inner, None),
    };
    if name.is_empty() || name.contains(char::is_whitespace) || name.contains('[') {
        return Err(bad());
    }
    let state = match kind {
        None | Some("hosts") => State::Hosts,
        Some("vars") => State::Vars,
        Some("children") => State::Children,
        Some(k) => {
            return Err(format!(
                "section `[{inner}]` has unknown type `{k}`; expected `vars` or `children`"
            ));
        }
    };
    Ok((name.to_string(), state))
}

/// One host line: a host pattern then `key=value` words. Errors carry a column offset.
fn host_line(inv: &mut Inventory, group: &str, line: &str) -> Result<(), (usize, String)> {
    let words = shell_words(line).map_err(|m| (0, format!("{m} in host line `{line}`")))?;
    let Some((pattern, assigns)) = words.split_first() else {
        return Ok(());
    };
    let (name, port) = split_port(pattern).map_err(|m| (0, m))?;
    let hosts = expand_ranges(&name).map_err(|m| (0, m))?;
    let mut vars: IndexMap<String, Value> = IndexMap::new();
    if let Some(p) = port {
        vars.insert("ansible_port".into(), Value::from(p));
    }
    for w in assigns {
        let Some((k, v)) = w.split_once('=') else {
            let off = line.find(w.as_str()).unwrap_or(0);
            return Err((
                off,
                format!("expected `key=value` host variable, got `{w}`"),
            ));
        };
        vars.insert(k.to_string(), typed(v));
    }
    for h in hosts {
        inv.add_host(&h, Some(group));
        let host = &mut inv.hosts[h.as_str()];
        for (k, v) in &vars {
            host.vars.insert(k.clone(), v.clone());
        }
    }
    Ok(())
}
