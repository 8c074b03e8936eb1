//! `--fact-cache DIR`: gathered facts kept between runs, one JSON file per host named after
//! it (the layout of Ansible's jsonfile cache, with its `fact_caching_prefix`), so `hostvars`
//! knows hosts a run did not gather.

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::host::HostState;
use crate::template::from_jinja;

/// Where the cache is: its directory and the prefix of its file names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactCache {
    pub dir: PathBuf,
    /// `fact_caching_prefix` (`ANSIBLE_CACHE_PLUGIN_PREFIX`): each file is PREFIX + host.
    pub prefix: String,
}

impl FactCache {
    pub fn new(dir: PathBuf) -> FactCache {
        FactCache {
            dir,
            prefix: String::new(),
        }
    }

    /// The host's file, or none for a host name that could lead out of the directory.
    pub fn file(&self, host: &str) -> Option<PathBuf> {
        if host.is_empty() || host.contains('/') || host == "." || host == ".." {
            return None;
        }
        Some(self.dir.join(format!("{}{host}", self.prefix)))
    }
}

pub fn read(cache: &FactCache, host: &str) -> Option<Map<String, Value>> {
    let text = std::fs::read_to_string(cache.file(host)?).ok()?;
    match serde_json::from_str(&text) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// The key of a cache file under which `set_fact: cacheable` values are kept, by their own
/// names (the rest of the file is `ansible_facts`).
const SET_FACTS: &str = "_rconf_set_facts";

/// A cache file's facts, and the cacheable `set_fact` values apart.
pub fn split(mut facts: Map<String, Value>) -> (Map<String, Value>, Map<String, Value>) {
    let set = match facts.remove(SET_FACTS) {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    (facts, set)
}

/// Writes the host's facts and cacheable `set_fact` values (if it has any) atomically.
pub fn write(cache: &FactCache, host: &str, state: &HostState) -> Result<(), String> {
    let mut facts = match state.facts.get("ansible_facts").map(from_jinja) {
        Some(Ok(Value::Object(m))) => m,
        _ => Map::new(),
    };
    for k in state.cacheable.keys() {
        facts.remove(k);
    }
    if !state.cacheable.is_empty() {
        facts.insert(SET_FACTS.into(), Value::Object(state.cacheable.clone()));
    }
    if facts.is_empty() {
        return Ok(());
    }
    let (dir, Some(file)) = (&cache.dir, cache.file(host)) else {
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
    std::fs::rename(&tmp, file).map_err(fail)
}
