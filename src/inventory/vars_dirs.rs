//! `group_vars/` and `host_vars/` beside an inventory or playbook: files `NAME`, `NAME.yml`,
//! `NAME.yaml`, `NAME.json`, or a directory `NAME/` of such files, ranked above inline vars.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_json::Value;

use super::Inventory;
use super::yaml::load_value;
use crate::error::{Error, Result};

const VAR_EXTENSIONS: [&str; 3] = ["yml", "yaml", "json"];

/// Applies `dir/group_vars/*` to existing groups and `dir/host_vars/*` to existing hosts.
pub fn load(inv: &mut Inventory, dir: &Path) -> Result<()> {
    let groups: Vec<String> = inv.groups.keys().cloned().collect();
    for g in groups {
        let vars = read_entity(&dir.join("group_vars"), &g)?;
        if !vars.is_empty() {
            inv.group_file_vars.entry(g).or_default().extend(vars);
        }
    }
    let hosts: Vec<String> = inv.hosts.keys().cloned().collect();
    for h in hosts {
        let vars = read_entity(&dir.join("host_vars"), &h)?;
        inv.hosts[h.as_str()].vars.extend(vars);
    }
    Ok(())
}

/// The variables of one group or host from `base/NAME*`, files in name order.
fn read_entity(base: &Path, name: &str) -> Result<IndexMap<String, Value>> {
    let mut out = IndexMap::new();
    if !base.is_dir() {
        return Ok(out);
    }
    let mut files: Vec<PathBuf> = Vec::new();
    let plain = base.join(name);
    if plain.is_dir() {
        collect_dir(&plain, &mut files)?;
    } else if plain.is_file() {
        files.push(plain);
    }
    for ext in VAR_EXTENSIONS {
        let p = base.join(format!("{name}.{ext}"));
        if p.is_file() {
            files.push(p);
        }
    }
    for f in files {
        out.extend(read_vars_file(&f)?);
    }
    Ok(out)
}

fn collect_dir(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let read = std::fs::read_dir(dir).map_err(|e| {
        Error::msg(format!(
            "cannot read vars directory `{}`: {e}",
            dir.display()
        ))
    })?;
    let mut entries: Vec<PathBuf> = read.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            collect_dir(&p, files)?;
        } else {
            let ext = p.extension().and_then(|e| e.to_str());
            if ext.is_none() || ext.is_some_and(|e| VAR_EXTENSIONS.contains(&e)) {
                files.push(p);
            }
        }
    }
    Ok(())
}

/// One YAML or JSON file holding a mapping of variables (empty files hold none).
pub fn read_vars_file(path: &Path) -> Result<IndexMap<String, Value>> {
    let text = crate::source_text::read(path, "vars file")?;
    match load_value(&text, path)? {
        Value::Null => Ok(IndexMap::new()),
        Value::Object(m) => Ok(m.into_iter().collect()),
        _ => Err(Error::msg(format!(
            "vars file `{}` must hold a mapping of variable names to values",
            path.display()
        ))),
    }
}
