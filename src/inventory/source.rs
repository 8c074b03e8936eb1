//! What one `-i` source is (host list, directory, script, INI or YAML file) and loading it,
//! with the `group_vars/` and `host_vars/` found beside it.

use std::path::{Path, PathBuf};

use super::{Inventory, dynamic, ini, yaml};
use crate::error::{Error, Result};

/// File endings Ansible skips when reading an inventory directory.
const IGNORED_ENDINGS: [&str; 6] = ["~", ".orig", ".ini.bak", ".retry", ".pyc", ".pyo"];

/// Loads one source; returns the directory whose `group_vars/` and `host_vars/` apply to it.
pub fn load_source(inv: &mut Inventory, source: &str) -> Result<Option<PathBuf>> {
    let path = Path::new(source);
    if !path.exists() {
        if source.contains(',') {
            for name in source.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                let (host, port) = super::address::split_port(name)
                    .map_err(|m| Error::msg(format!("in host list `{source}`: {m}")))?;
                inv.add_host(&host, Some("ungrouped"));
                if let Some(p) = port {
                    inv.hosts[host.as_str()]
                        .vars
                        .insert("ansible_port".into(), p.into());
                }
            }
            return Ok(None);
        }
        return Err(Error::msg(format!(
            "inventory source `{source}` does not exist; expected a file, a directory, or a comma-separated host list like `h1,h2,`"
        )));
    }
    if path.is_dir() {
        load_dir(inv, path)?;
    } else {
        load_file(inv, path)?;
    }
    let base = if path.is_dir() {
        path
    } else {
        path.parent().unwrap_or(Path::new("."))
    };
    let base = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    Ok(Some(base.to_path_buf()))
}

fn load_dir(inv: &mut Inventory, dir: &Path) -> Result<()> {
    let read = std::fs::read_dir(dir).map_err(|e| {
        Error::msg(format!(
            "cannot read inventory directory `{}`: {e}",
            dir.display()
        ))
    })?;
    let mut entries: Vec<_> = read.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.')
            || name == "group_vars"
            || name == "host_vars"
            || IGNORED_ENDINGS.iter().any(|e| name.ends_with(e))
        {
            continue;
        }
        if p.is_dir() {
            load_dir(inv, &p)?;
        } else {
            load_file(inv, &p)?;
        }
    }
    Ok(())
}

fn load_file(inv: &mut Inventory, path: &Path) -> Result<()> {
    if dynamic::is_executable(path) {
        return dynamic::load(inv, path);
    }
    let text = crate::source_text::read(path, "inventory file")?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let is_yaml = match ext {
        "yml" | "yaml" | "json" => true,
        "ini" => false,
        _ => !ini::looks_like_ini(&text) && yaml::looks_like_yaml(&text),
    };
    if is_yaml {
        yaml::parse(inv, &text, path)
    } else {
        ini::parse(inv, &text, path)
    }
}
