//! The views `ansible-inventory` prints: `--list` (Ansible's JSON inventory document) and
//! `--graph` (the group tree as text).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::Inventory;

impl Inventory {
    /// What `ansible-inventory --list` prints: merged vars per host under `_meta.hostvars`,
    /// and per group its direct `hosts` and `children`; keys sorted, empty parts left out.
    pub fn to_ansible_list_json(&self) -> Value {
        let mut hostvars = BTreeMap::new();
        for h in self.hosts.keys() {
            let vars = self.host_vars(h);
            if !vars.is_empty() {
                let sorted: BTreeMap<String, Value> = vars.into_iter().collect();
                hostvars.insert(
                    h.clone(),
                    serde_json::to_value(sorted).expect("json values"),
                );
            }
        }
        let mut doc: BTreeMap<String, Value> = BTreeMap::new();
        let mut meta = Map::new();
        meta.insert(
            "hostvars".into(),
            serde_json::to_value(hostvars).expect("json values"),
        );
        meta.insert("profile".into(), Value::String("inventory_legacy".into()));
        doc.insert("_meta".into(), Value::Object(meta));
        for g in self.groups.values() {
            let mut body = Map::new();
            if !g.children.is_empty() {
                body.insert("children".into(), g.children.clone().into());
            }
            if !g.hosts.is_empty() && g.name != "all" {
                body.insert("hosts".into(), g.hosts.clone().into());
            }
            if !body.is_empty() || g.name == "all" {
                doc.insert(g.name.clone(), Value::Object(body));
            }
        }
        serde_json::to_value(doc).expect("json values")
    }

    /// What `ansible-inventory --graph GROUP` prints; `None` when the group does not exist.
    pub fn try_graph(&self, group: &str) -> Option<String> {
        self.groups.get(group)?;
        let mut out = String::new();
        self.graph_group(group, 0, &mut out);
        Some(out)
    }

    /// What `ansible-inventory --graph GROUP` prints (empty for an unknown group).
    pub fn graph(&self, group: &str) -> String {
        self.try_graph(group).unwrap_or_default()
    }

    fn graph_group(&self, name: &str, depth: usize, out: &mut String) {
        let g = &self.groups[name];
        out.push_str(&format!("{}@{name}:\n", indent(depth)));
        for c in &g.children {
            self.graph_group(c, depth + 1, out);
        }
        if name != "all" {
            for h in &g.hosts {
                out.push_str(&format!("{}{h}\n", indent(depth + 1)));
            }
        }
    }
}

fn indent(depth: usize) -> String {
    if depth == 0 {
        String::new()
    } else {
        format!("  {}|--", "|  ".repeat(depth - 1))
    }
}
