//! Dynamic inventory scripts: an executable source run with `--list` (and `--host H` when
//! `_meta.hostvars` is absent), speaking Ansible's JSON protocol.

use std::path::Path;
use std::process::Command;

use serde_json::{Map, Value};

use super::Inventory;
use crate::error::{Error, Result};

pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn run(script: &Path, args: &[&str]) -> Result<Value> {
    let shown = format!("{} {}", script.display(), args.join(" "));
    let out = Command::new(script)
        .args(args)
        .output()
        .map_err(|e| Error::msg(format!("cannot run inventory script `{shown}`: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(Error::msg(format!(
            "inventory script `{shown}` failed ({}): {}",
            out.status,
            stderr.trim()
        )));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| {
        Error::msg(format!(
            "inventory script `{shown}` printed invalid JSON (expected an object): {e}"
        ))
    })
}

pub fn load(inv: &mut Inventory, script: &Path) -> Result<()> {
    let shown = script.display().to_string();
    let Value::Object(doc) = run(script, &["--list"])? else {
        return Err(Error::msg(format!(
            "inventory script `{shown} --list` must print a JSON object of groups"
        )));
    };
    let has_meta = doc.contains_key("_meta");
    let hosts = apply_list(inv, doc)
        .map_err(|m| Error::msg(format!("inventory script `{shown} --list`: {m}")))?;
    if !has_meta {
        for h in hosts {
            match run(script, &["--host", &h])? {
                Value::Object(v) => inv.hosts[h.as_str()].vars.extend(v),
                Value::Null => {}
                _ => {
                    return Err(Error::msg(format!(
                        "inventory script `{shown} --host {h}` must print a JSON object of variables"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Applies a `--list` document; hosts without `_meta.hostvars` are asked for with `--host`.
fn apply_list(inv: &mut Inventory, mut doc: Map<String, Value>) -> Result<Vec<String>, String> {
    let meta = doc.shift_remove("_meta");
    let mut hosts_seen: Vec<String> = Vec::new();
    for (name, body) in doc {
        inv.add_group(&name);
        let (hosts, vars, children) = match body {
            Value::Array(h) => (h, Map::new(), Vec::new()),
            Value::Object(mut m) => {
                let hosts = match m.shift_remove("hosts") {
                    Some(Value::Array(h)) => h,
                    None | Some(Value::Null) => Vec::new(),
                    Some(_) => return Err(format!("`hosts` of group `{name}` must be a list")),
                };
                let vars = match m.shift_remove("vars") {
                    Some(Value::Object(v)) => v,
                    None | Some(Value::Null) => Map::new(),
                    Some(_) => return Err(format!("`vars` of group `{name}` must be an object")),
                };
                let children = match m.shift_remove("children") {
                    Some(Value::Array(c)) => c,
                    None | Some(Value::Null) => Vec::new(),
                    Some(_) => return Err(format!("`children` of group `{name}` must be a list")),
                };
                (hosts, vars, children)
            }
            _ => {
                return Err(format!(
                    "group `{name}` must be a list of hosts or an object"
                ));
            }
        };
        for h in hosts {
            let Value::String(h) = h else {
                return Err(format!("hosts of group `{name}` must be strings"));
            };
            inv.add_host(&h, Some(&name));
            if !hosts_seen.contains(&h) {
                hosts_seen.push(h);
            }
        }
        inv.groups[name.as_str()].vars.extend(vars);
        for c in children {
            let Value::String(c) = c else {
                return Err(format!("children of group `{name}` must be strings"));
            };
            inv.add_group(&c);
            inv.add_child(&name, &c);
        }
    }
    let hostvars = meta.as_ref().and_then(|m| m.get("hostvars"));
    for h in &hosts_seen {
        if let Some(Value::Object(hv)) = hostvars.and_then(|hv| hv.get(h)) {
            inv.hosts[h.as_str()].vars.extend(hv.clone());
        }
    }
    Ok(hosts_seen)
}
