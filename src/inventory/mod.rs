//! Who: the inventory model (hosts, groups, their variables), loading `-i` sources, and the
//! Ansible rules that derive `all`/`ungrouped`, `group_names`, `groups` and merged host vars.

mod address;
mod ansible_json;
pub mod dynamic;
pub mod formats;
mod ini;
mod pattern;
mod pyliteral;
mod source;
mod vars_dirs;
mod views;
mod yaml;

pub use views::{View, sorted as views_sorted};

use std::collections::HashSet;

use indexmap::IndexMap;
use serde_json::Value;

use crate::error::{Error, Result};

/// Why an empty host pattern is refused, in Ansible's words and then rconf's advice.
pub const EMPTY_PATTERN: &str =
    "Hosts list cannot be empty (name a host, a group, or `all` for every host)";

/// Whether a host pattern names nothing at all (`""`, `" "`, `","`).
pub fn is_empty_pattern(pattern: &str) -> bool {
    pattern::split_terms(pattern).is_empty()
}

/// Why a group loop is refused.
pub(crate) fn loop_message(group: &str) -> String {
    format!(
        "group `{group}` is its own descendant through `children`; groups must form a tree without loops"
    )
}

/// Names Ansible treats as the controller when they are not in the inventory.
pub const LOCALHOST_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

#[derive(Debug, Clone, Default)]
pub struct Host {
    pub name: String,
    /// Variables set on the host itself (inline INI vars, YAML host vars, host_vars files).
    pub vars: IndexMap<String, Value>,
}

#[derive(Debug, Clone, Default)]
pub struct Group {
    pub name: String,
    /// Hosts placed directly in this group, in order of first appearance.
    pub hosts: Vec<String>,
    pub children: Vec<String>,
    pub vars: IndexMap<String, Value>,
}

#[derive(Debug, Clone)]
pub struct Inventory {
    pub hosts: IndexMap<String, Host>,
    pub groups: IndexMap<String, Group>,
    /// Group variables from `group_vars/` files, by group. Ansible ranks every one of them
    /// above every group variable written in an inventory file, so they are kept apart.
    pub group_file_vars: IndexMap<String, IndexMap<String, Value>>,
}

impl Default for Inventory {
    /// An empty inventory still has `all` (parent of `ungrouped`) and `ungrouped`, as in Ansible.
    fn default() -> Self {
        let mut inv = Inventory {
            hosts: IndexMap::new(),
            groups: IndexMap::new(),
            group_file_vars: IndexMap::new(),
        };
        inv.add_group("all");
        inv.add_group("ungrouped");
        inv.add_child("all", "ungrouped");
        inv
    }
}

impl Inventory {
    /// Loads every `-i` source (a file path, a directory, an executable script, or a comma list
    /// like `h1,h2,`), merged in order.
    pub fn load(sources: &[String]) -> Result<Inventory> {
        let mut inv = Inventory::default();
        let mut var_dirs = Vec::new();
        for s in sources {
            if let Some(dir) = source::load_source(&mut inv, s)?
                && !var_dirs.contains(&dir)
            {
                var_dirs.push(dir);
            }
        }
        inv.reconcile()?;
        for d in var_dirs {
            inv.load_vars_dirs(&d)?;
        }
        Ok(inv)
    }

    /// Merges `dir/group_vars/*` and `dir/host_vars/*` over the vars of existing groups and
    /// hosts (the runner also calls this with the playbook's directory, which wins).
    pub fn load_vars_dirs(&mut self, dir: &std::path::Path) -> Result<()> {
        vars_dirs::load(self, dir)
    }

    /// Parses INI inventory text, as if read from `file` (used in messages).
    pub fn from_ini(text: &str, file: &str) -> Result<Inventory> {
        let mut inv = Inventory::default();
        ini::parse(&mut inv, text, std::path::Path::new(file))?;
        inv.reconcile()?;
        Ok(inv)
    }

    /// Parses YAML inventory text, as if read from `file` (used in messages).
    pub fn from_yaml(text: &str, file: &str) -> Result<Inventory> {
        let mut inv = Inventory::default();
        yaml::parse(&mut inv, text, std::path::Path::new(file))?;
        inv.reconcile()?;
        Ok(inv)
    }

    /// Adds a group if it is new; keeps its place if it exists.
    pub fn add_group(&mut self, name: &str) {
        if !self.groups.contains_key(name) {
            let g = Group {
                name: name.to_string(),
                ..Default::default()
            };
            self.groups.insert(name.to_string(), g);
        }
    }

    /// Adds a host if it is new, and places it directly in `group` when given.
    pub fn add_host(&mut self, name: &str, group: Option<&str>) {
        let new = !self.hosts.contains_key(name);
        if new {
            let h = Host {
                name: name.to_string(),
                ..Default::default()
            };
            self.hosts.insert(name.to_string(), h);
        }
        if let Some(g) = group {
            self.add_group(g);
            let g = self.groups.get_mut(g).expect("group just added");
            // A new host is in no group yet: no search, so that `web[00001:50000]` is not
            // quadratic.
            if new || !g.hosts.iter().any(|h| h == name) {
                g.hosts.push(name.to_string());
            }
        }
    }

    /// Makes `child` (which must exist) a child group of `parent`.
    pub fn add_child(&mut self, parent: &str, child: &str) {
        self.add_group(parent);
        let p = self.groups.get_mut(parent).expect("group just added");
        if !p.children.iter().any(|c| c == child) {
            p.children.push(child.to_string());
        }
    }

    /// Whether making `child` a child of `parent` closed a loop (`parent` is below `child`).
    /// The parsers ask after each `children` entry, so that the loop is reported at its line.
    pub(crate) fn closes_loop(&self, parent: &str, child: &str) -> bool {
        self.descendants(child).contains(&parent)
    }

    /// Applies Ansible's post-load rules: top-level groups become children of `all`, hosts in
    /// no other group go to `ungrouped`, and group cycles are refused.
    pub fn reconcile(&mut self) -> Result<()> {
        self.add_group("all");
        self.add_group("ungrouped");
        if let Some(cycle) = self.find_cycle() {
            return Err(Error::msg(loop_message(&cycle)));
        }
        let with_parent: HashSet<String> = self
            .groups
            .values()
            .flat_map(|g| g.children.iter().cloned())
            .collect();
        let tops: Vec<String> = self
            .groups
            .keys()
            .filter(|n| *n != "all" && !with_parent.contains(*n))
            .cloned()
            .collect();
        for t in tops {
            self.add_child("all", &t);
        }
        let grouped: HashSet<String> = self
            .groups
            .values()
            .filter(|g| g.name != "all" && g.name != "ungrouped")
            .flat_map(|g| g.hosts.iter().cloned())
            .collect();
        let ungrouped: Vec<String> = self
            .hosts
            .keys()
            .filter(|h| !grouped.contains(*h))
            .cloned()
            .collect();
        self.groups["ungrouped"].hosts = ungrouped;
        Ok(())
    }

    fn find_cycle(&self) -> Option<String> {
        // Depth-first search with the current path marked; a child on the path is a loop.
        fn visit<'a>(
            inv: &'a Inventory,
            g: &'a str,
            path: &mut Vec<&'a str>,
            done: &mut HashSet<&'a str>,
        ) -> Option<String> {
            if path.contains(&g) {
                return Some(g.to_string());
            }
            if !done.insert(g) {
                return None;
            }
            path.push(g);
            for c in inv
                .groups
                .get(g)
                .map(|g| g.children.as_slice())
                .unwrap_or(&[])
            {
                if let Some(found) = visit(inv, c, path, done) {
                    return Some(found);
                }
            }
            path.pop();
            None
        }
        let mut done = HashSet::new();
        for g in self.groups.keys() {
            if let Some(c) = visit(self, g, &mut Vec::new(), &mut done) {
                return Some(c);
            }
        }
        None
    }

    /// The group and its descendants, breadth first, each once (Ansible's host order source).
    pub(crate) fn descendants(&self, group: &str) -> Vec<&str> {
        let Some(g) = self.groups.get(group) else {
            return Vec::new();
        };
        let mut order: Vec<&str> = vec![g.name.as_str()];
        let mut level: Vec<&str> = vec![g.name.as_str()];
        while !level.is_empty() {
            let mut next = Vec::new();
            for name in level {
                for c in self
                    .groups
                    .get(name)
                    .map(|g| g.children.as_slice())
                    .unwrap_or(&[])
                {
                    if !order.contains(&c.as_str()) {
                        order.push(c);
                        next.push(c.as_str());
                    }
                }
            }
            level = next;
        }
        order
    }

    /// Every host of a group, including those of its descendants, in Ansible's order: the
    /// group's own hosts, then each level of children in turn.
    pub fn group_hosts(&self, group: &str) -> Vec<String> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for g in self.descendants(group) {
            for h in &self.groups[g].hosts {
                if seen.insert(h.as_str()) {
                    out.push(h.clone());
                }
            }
        }
        out
    }

    /// The groups a host is in, directly or through children, including `all`.
    fn groups_of(&self, host: &str) -> Vec<&str> {
        let mut direct: Vec<&str> = self
            .groups
            .values()
            .filter(|g| g.hosts.iter().any(|h| h == host))
            .map(|g| g.name.as_str())
            .collect();
        let mut i = 0;
        while i < direct.len() {
            let cur = direct[i];
            for g in self.groups.values() {
                if g.children.iter().any(|c| c == cur) && !direct.contains(&g.name.as_str()) {
                    direct.push(g.name.as_str());
                }
            }
            i += 1;
        }
        if self.hosts.contains_key(host) && !direct.contains(&"all") {
            direct.push("all");
        }
        direct
    }

    /// Longest distance from a root group; `all` is 0 and its children 1, as Ansible counts.
    fn depth(&self, group: &str) -> usize {
        let mut best = 0;
        for g in self.groups.values() {
            if g.children.iter().any(|c| c == group) {
                best = best.max(self.depth(&g.name) + 1);
            }
        }
        best
    }

    fn priority(&self, group: &str) -> i64 {
        let file = self.group_file_vars.get(group);
        file.and_then(|v| v.get("ansible_group_priority"))
            .or_else(|| self.groups[group].vars.get("ansible_group_priority"))
            .and_then(|v| match v {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            })
            .unwrap_or(1)
    }

    /// Whether `host` is the controller Ansible invents for a localhost name missing from the
    /// inventory.
    pub fn is_implicit_localhost(&self, host: &str) -> bool {
        !self.hosts.contains_key(host) && LOCALHOST_NAMES.contains(&host)
    }

    /// The host's variables merged as Ansible does: groups by (depth, `ansible_group_priority`,
    /// name), so `all` < parents < children, first inventory-file vars then `group_vars/`
    /// files, then the host's own vars (inline, then `host_vars/` files).
    pub fn host_vars(&self, host: &str) -> IndexMap<String, Value> {
        let mut out = IndexMap::new();
        if self.is_implicit_localhost(host) {
            if let Some(all) = self.groups.get("all") {
                out.extend(all.vars.clone());
            }
            if let Some(all) = self.group_file_vars.get("all") {
                out.extend(all.clone());
            }
            out.insert(
                "ansible_connection".to_string(),
                Value::String("local".into()),
            );
            return out;
        }
        let mut groups = self.groups_of(host);
        groups.sort_by_key(|g| (self.depth(g), self.priority(g), g.to_string()));
        for g in &groups {
            out.extend(self.groups[*g].vars.clone());
        }
        for g in &groups {
            if let Some(vars) = self.group_file_vars.get(*g) {
                out.extend(vars.clone());
            }
        }
        if let Some(h) = self.hosts.get(host) {
            for (k, v) in &h.vars {
                out.insert(k.clone(), v.clone());
            }
        }
        out
    }

    /// `group_names`: the groups the host is in, sorted, without `all` (`ungrouped` included).
    pub fn group_names(&self, host: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .groups_of(host)
            .into_iter()
            .filter(|g| *g != "all")
            .map(String::from)
            .collect();
        names.sort();
        names
    }

    /// `groups`: every group with its hosts (recursively through children), in Ansible's order.
    pub fn groups_map(&self) -> IndexMap<String, Vec<String>> {
        self.groups
            .keys()
            .map(|g| (g.clone(), self.group_hosts(g)))
            .collect()
    }

    /// Hosts matching an Ansible host pattern, in Ansible's order for it (terms left to right,
    /// each group's hosts in inventory order). Nothing matching is an empty list, not an error;
    /// an empty pattern is an error.
    pub fn select(&self, pattern: &str) -> Result<Vec<String>> {
        if is_empty_pattern(pattern) {
            return Err(Error::Usage(format!(
                "host pattern {pattern:?} is empty: {EMPTY_PATTERN}"
            )));
        }
        pattern::select(self, pattern)
    }

    /// Refuses a `--limit` that leaves none of `pattern`'s hosts, as Ansible does ("Specified
    /// inventory, host pattern and/or --limit leaves us with no hosts to target"). An
    /// inventory without hosts is not refused: only the implicit localhost exists there, and
    /// Ansible lets plays for it run.
    pub fn check_limit(&self, pattern: &str, limit: &str) -> Result<()> {
        if self.hosts.is_empty() {
            return Ok(());
        }
        let allowed: HashSet<String> = self.select(limit)?.into_iter().collect();
        let selected = self.select(pattern)?;
        if selected.iter().any(|h| allowed.contains(h)) {
            return Ok(());
        }
        let hosts = |n: usize| format!("{n} host{}", if n == 1 { "" } else { "s" });
        let what = if pattern == "all" {
            format!(
                "it matches none of the inventory's {}",
                hosts(self.hosts.len())
            )
        } else {
            format!(
                "it matches none of the {} of pattern `{pattern}`",
                hosts(selected.len())
            )
        };
        Err(Error::Usage(format!(
            "--limit `{limit}` leaves no hosts to target: {what}"
        )))
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_sources;
