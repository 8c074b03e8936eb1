//! Who: the inventory model (hosts, groups, their variables) and host pattern selection.
//! STUB: replaced by the inventory implementation.

use indexmap::IndexMap;
use serde_json::Value;

use crate::error::Result;

#[derive(Debug, Clone, Default)]
pub struct Host {
    pub name: String,
    /// Variables set on the host itself (inline INI vars).
    pub vars: IndexMap<String, Value>,
}

#[derive(Debug, Clone, Default)]
pub struct Group {
    pub name: String,
    pub hosts: Vec<String>,
    pub children: Vec<String>,
    pub vars: IndexMap<String, Value>,
}

#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub hosts: IndexMap<String, Host>,
    pub groups: IndexMap<String, Group>,
}

impl Inventory {
    /// Loads every `-i` source (a file path, or a comma list like `h1,h2,`).
    pub fn load(_sources: &[String]) -> Result<Inventory> {
        todo!()
    }

    /// The host's variables merged as Ansible does: all < parent groups < child groups < host.
    pub fn host_vars(&self, _host: &str) -> IndexMap<String, Value> {
        todo!()
    }

    /// `group_names`: the groups the host is in, sorted, without `all`.
    pub fn group_names(&self, _host: &str) -> Vec<String> {
        todo!()
    }

    /// `groups`: every group with its hosts (recursively through children), inventory order.
    pub fn groups_map(&self) -> IndexMap<String, Vec<String>> {
        todo!()
    }

    /// Hosts matching an Ansible host pattern, in inventory order.
    pub fn select(&self, _pattern: &str) -> Result<Vec<String>> {
        todo!()
    }
}
