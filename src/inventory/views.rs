//! `ansible-inventory --list` in its three formats (JSON, `-y` YAML, `--toml`), with `--limit`,
//! `--export` and `-e`, and `--graph --vars`: each document built by the algorithm
//! ansible-core 2.19's `ansible/cli/inventory.py` uses, so the same groups, hosts and variables
//! land in the same places.

use std::collections::HashSet;

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::Inventory;

/// What shapes a `--list` document.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// `--export`: group variables under their group, host variables only the host's own.
    pub export: bool,
    /// `--limit`: only these hosts (all when `None`).
    pub hosts: Option<&'a HashSet<String>>,
    /// `-e`: on top of every host's merged variables (not with `--export`, as in Ansible).
    pub extra_vars: &'a IndexMap<String, Value>,
}

impl Inventory {
    /// A host's variables as ansible-inventory shows them: merged (and `-e` on top), or with
    /// `--export` only its own.
    pub fn view_host_vars(&self, host: &str, view: &View) -> Map<String, Value> {
        if view.export {
            return self
                .hosts
                .get(host)
                .map(|h| h.vars.clone().into_iter().collect())
                .unwrap_or_default();
        }
        let mut vars: Map<String, Value> = self.host_vars(host).into_iter().collect();
        for (k, v) in view.extra_vars {
            vars.insert(k.clone(), v.clone());
        }
        vars
    }

    /// A group's own variables (inventory file, then `group_vars/`), with
    /// `ansible_group_priority` when it is not 1, as `--export` and `--graph --vars` show them.
    pub fn view_group_vars(&self, group: &str) -> Map<String, Value> {
        let mut vars: Map<String, Value> = self
            .groups
            .get(group)
            .map(|g| g.vars.clone().into_iter().collect())
            .unwrap_or_default();
        if let Some(file) = self.group_file_vars.get(group) {
            for (k, v) in file {
                vars.insert(k.clone(), v.clone());
            }
        }
        let priority = self.priority(group);
        if priority != 1 {
            vars.insert("ansible_group_priority".into(), priority.into());
        }
        vars
    }

    fn available(&self, view: &View, host: &str) -> bool {
        view.hosts.is_none_or(|h| h.contains(host))
    }

    /// `ansible-inventory --list` (JSON): each group's direct `hosts` (those the limit keeps)
    /// and `children`, empty groups left out, `_meta.hostvars`.
    pub fn list_json(&self, view: &View) -> Value {
        let mut doc = Map::new();
        let mut seen = HashSet::new();
        self.json_group("all", view, &mut seen, &mut doc);
        let mut hostvars = Map::new();
        for h in self.hosts.keys().filter(|h| self.available(view, h)) {
            let vars = self.view_host_vars(h, view);
            if !vars.is_empty() {
                hostvars.insert(h.clone(), Value::Object(vars));
            }
        }
        let mut meta = Map::new();
        meta.insert("hostvars".into(), Value::Object(hostvars));
        meta.insert("profile".into(), "inventory_legacy".into());
        doc.insert("_meta".into(), Value::Object(meta));
        sorted(Value::Object(doc))
    }

    fn json_group(
        &self,
        name: &str,
        view: &View,
        seen: &mut HashSet<String>,
        doc: &mut Map<String, Value>,
    ) {
        let g = &self.groups[name];
        let mut body = Map::new();
        if name != "all" {
            let hosts: Vec<Value> = g
                .hosts
                .iter()
                .filter(|h| self.available(view, h))
                .map(|h| Value::String(h.clone()))
                .collect();
            body.insert("hosts".into(), Value::Array(hosts));
        }
        body.insert(
            "children".into(),
            Value::Array(g.children.iter().cloned().map(Value::String).collect()),
        );
        for c in &g.children {
            if seen.insert(c.clone()) {
                self.json_group(c, view, seen, doc);
            }
        }
        if view.export {
            body.insert("vars".into(), Value::Object(self.view_group_vars(name)));
        }
        remove_empty_keys(&mut body);
        if !body.is_empty() {
            doc.insert(name.to_string(), Value::Object(body));
        }
    }

    /// `ansible-inventory --list -y`: groups nested under `all.children`, each host's
    /// variables where the walk first meets it (`{}` after that).
    pub fn list_yaml(&self, view: &View) -> Value {
        let mut seen_hosts = HashSet::new();
        let mut seen_groups = HashSet::new();
        let doc = self.yaml_group("all", view, &mut seen_hosts, &mut seen_groups);
        sorted(Value::Object(doc))
    }

    fn yaml_group(
        &self,
        name: &str,
        view: &View,
        seen_hosts: &mut HashSet<String>,
        seen_groups: &mut HashSet<String>,
    ) -> Map<String, Value> {
        let g = &self.groups[name];
        let mut body = Map::new();
        let mut children = Map::new();
        for c in g.children.iter().filter(|c| *c != "all") {
            if seen_groups.contains(c) {
                children.insert(c.clone(), Value::Object(Map::new()));
            } else {
                children.extend(self.yaml_group(c, view, seen_hosts, seen_groups));
                seen_groups.insert(c.clone());
            }
        }
        body.insert("children".into(), Value::Object(children));
        let mut hosts = Map::new();
        if name != "all" {
            for h in g.hosts.iter().filter(|h| self.available(view, h)) {
                let vars = if seen_hosts.insert(h.clone()) {
                    self.view_host_vars(h, view)
                } else {
                    Map::new()
                };
                hosts.insert(h.clone(), Value::Object(vars));
            }
        }
        body.insert("hosts".into(), Value::Object(hosts));
        if view.export {
            let vars = self.view_group_vars(name);
            if !vars.is_empty() {
                body.insert("vars".into(), Value::Object(vars));
            }
        }
        remove_empty_keys(&mut body);
        let mut out = Map::new();
        if !body.is_empty() {
            out.insert(name.to_string(), Value::Object(body));
        }
        out
    }

    /// `ansible-inventory --list --toml`: every group a top-level table, in the order the walk
    /// reaches it, keys in their order (TOML output is not sorted).
    pub fn list_toml(&self, view: &View) -> Value {
        let has_ungrouped = self
            .groups
            .get("ungrouped")
            .is_some_and(|g| !g.hosts.is_empty());
        let mut seen_hosts = HashSet::new();
        let mut doc = Map::new();
        self.toml_group("all", view, has_ungrouped, &mut seen_hosts, &mut doc);
        Value::Object(doc)
    }

    fn toml_group(
        &self,
        name: &str,
        view: &View,
        has_ungrouped: bool,
        seen_hosts: &mut HashSet<String>,
        doc: &mut Map<String, Value>,
    ) {
        let g = &self.groups[name];
        // The group's place in the document is where the walk first reaches it; a second
        // visit replaces its body there, as Python's dict update does.
        doc.entry(name.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        let mut body = Map::new();
        let mut children = Vec::new();
        for c in &g.children {
            if c == "ungrouped" && !has_ungrouped {
                continue;
            }
            if name != "all" {
                children.push(Value::String(c.clone()));
            }
            self.toml_group(c, view, has_ungrouped, seen_hosts, doc);
        }
        body.insert("children".into(), Value::Array(children));
        if name != "all" {
            let mut hosts = Map::new();
            for h in g.hosts.iter().filter(|h| self.available(view, h)) {
                let vars = if seen_hosts.insert(h.clone()) {
                    self.view_host_vars(h, view)
                } else {
                    Map::new()
                };
                hosts.insert(h.clone(), Value::Object(vars));
            }
            if !hosts.is_empty() {
                body.insert("hosts".into(), Value::Object(hosts));
            }
        }
        if view.export {
            body.insert("vars".into(), Value::Object(self.view_group_vars(name)));
        }
        remove_empty_keys(&mut body);
        if body.is_empty() {
            doc.shift_remove(name);
        } else {
            doc.insert(name.to_string(), Value::Object(body));
        }
    }

    /// `ansible-inventory --graph GROUP --vars`: the tree with each host's variables under it
    /// and each group's own after its hosts, `{name = value}` as Python prints them.
    pub fn graph_vars(&self, group: &str, view: &View) -> Option<String> {
        self.groups.get(group)?;
        let mut out = String::new();
        self.graph_vars_group(group, 0, view, &mut out);
        Some(out)
    }

    fn graph_vars_group(&self, name: &str, depth: usize, view: &View, out: &mut String) {
        let g = &self.groups[name];
        out.push_str(&graph_name(&format!("@{name}:"), depth));
        for c in &g.children {
            self.graph_vars_group(c, depth + 1, view, out);
        }
        if name != "all" {
            for h in &g.hosts {
                out.push_str(&graph_name(h, depth + 1));
                show_vars(&self.view_host_vars(h, view), depth + 2, out);
            }
        }
        show_vars(&self.view_group_vars(name), depth + 1, out);
    }
}

fn graph_name(name: &str, depth: usize) -> String {
    if depth == 0 {
        format!("{name}\n")
    } else {
        format!("{}--{name}\n", "  |".repeat(depth))
    }
}

fn show_vars(vars: &Map<String, Value>, depth: usize, out: &mut String) {
    let mut sorted: Vec<(&String, &Value)> = vars.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    for (k, v) in sorted {
        out.push_str(&graph_name(&format!("{{{k} = {}}}", py_str(v)), depth));
    }
}

/// Python's `str()` of a value: strings as they are, anything else as its `repr`.
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => py_number(n),
        Value::String(s) => crate::template::py_str_repr(s),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(py_repr).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", crate::template::py_str_repr(k), py_repr(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// A number as Python's `repr` writes it (`1.0`, `1e+16`, `1.5e-05`).
pub fn py_number(n: &serde_json::Number) -> String {
    let Some(f) = n.as_f64().filter(|_| n.is_f64()) else {
        return n.to_string();
    };
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let a = f.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        let s = format!("{f:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    let s = f.to_string();
    if s.contains('.') { s } else { format!("{s}.0") }
}

/// `_remove_empty_keys`: `hosts`, `vars` and `children` left out when empty.
fn remove_empty_keys(body: &mut Map<String, Value>) {
    for key in ["hosts", "vars", "children"] {
        let empty = match body.get(key) {
            Some(Value::Array(a)) => a.is_empty(),
            Some(Value::Object(o)) => o.is_empty(),
            _ => false,
        };
        if empty {
            body.shift_remove(key);
        }
    }
}

/// Mappings with their keys sorted, at every level (`sort_keys=True`).
pub fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        other => other,
    }
}
