//! `--fact-cache DIR`: gathered facts kept between runs, one JSON file per host named after
//! it (the layout of Ansible's jsonfile cache), so `hostvars` knows hosts a run did not gather.

use std::path::Path;

use serde_json::{Map, Value};

use super::host::HostState;
use crate::template::from_jinja;

pub fn read(dir: &Path, host: &str) -> Option<Map<String, Value>> {
    let text = std::fs::read_to_string(dir.join(host)).ok()?;
    match serde_json::from_str(&text) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// Writes the host's facts (if it has any) atomically.
pub fn write(dir: &Path, host: &str, state: &HostState) -> Result<(), String> {
    let Some(Ok(facts @ Value::Object(_))) = state.facts.get("ansible_facts").map(from_jinja)
    else {
        return Ok(());
    };
    let fail = |e: std::io::Error| format!("fact cache `{}`: {e}", dir.display());
    std::fs::create_dir_all(dir).map_err(fail)?;
    let tmp = dir.join(format!(".{host}.tmp"));
    std::fs::write(
        &tmp,
        serde_json::to_string_pretty(&facts).unwrap_or_default(),
    )
    .map_err(fail)?;
    std::fs::rename(&tmp, dir.join(host)).map_err(fail)
}
