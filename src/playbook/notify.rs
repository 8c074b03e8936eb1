//! Which handlers a notification selects, by Ansible's rules: a name picks one handler, a
//! `listen` topic every handler that listens to it.

use std::collections::HashMap;

use super::{Role, Task};

/// The role's name without its collection (`ns.col.web` is `web`), as Ansible's
/// `get_name(include_role_fqcn=False)`.
fn short_name(role: &Role) -> &str {
    match role.name.matches('.').count() {
        0 | 1 => &role.name,
        _ => role.name.rsplit('.').next().unwrap_or(&role.name),
    }
}

/// `x` and, for a role's handler, `role : x` with the role's name with and without its
/// collection: the spellings a notification may use for one of the handler's names or topics.
fn spellings(h: &Task, x: &str) -> Vec<String> {
    let mut all = vec![x.to_string()];
    if let Some(role) = &h.role {
        for prefix in [role.name.as_str(), short_name(role)] {
            let s = format!("{prefix} : {x}");
            if !all.contains(&s) {
                all.push(s);
            }
        }
    }
    all
}

/// Every notification a handler answers to (its name and its topics, each spelt as
/// [`spellings`] gives): what a task's `notify` may say.
pub fn handler_topics(h: &Task) -> Vec<String> {
    h.name
        .iter()
        .chain(&h.listen)
        .flat_map(|x| spellings(h, x))
        .collect()
}

/// For each notification, the handlers (indexes into the list given to [`Selection::new`])
/// it runs.
pub struct Selection {
    by_notification: HashMap<String, Vec<usize>>,
}

impl Selection {
    /// `handlers` in definition order (a play's roles' handlers, its own, then those included
    /// roles brought). As Ansible searches them: groups of handlers (each explicit block, each
    /// run of bare handlers of one role or of the play) from the last group to the first, each
    /// group in order. A name selects the first handler found with it, so a play's handler wins
    /// over a role's of the same name and, within a group, the first one wins; a topic selects
    /// every listener, once per handler name.
    pub fn new(handlers: &[&Task]) -> Selection {
        let group = |h: &Task| {
            (
                h.role.as_ref().map(|r| r.name.clone()),
                h.block.map(|b| b.0),
            )
        };
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (i, h) in handlers.iter().enumerate() {
            match groups.last_mut() {
                Some(g) if group(handlers[g[0]]) == group(h) => g.push(i),
                _ => groups.push(vec![i]),
            }
        }
        let order: Vec<usize> = groups.into_iter().rev().flatten().collect();
        let mut by_notification: HashMap<String, Vec<usize>> = HashMap::new();
        for &i in &order {
            let h = handlers[i];
            for name in h.name.iter().flat_map(|n| spellings(h, n)) {
                by_notification.entry(name).or_insert_with(|| vec![i]);
            }
        }
        let mut listeners: HashMap<String, Vec<usize>> = HashMap::new();
        for &i in &order {
            let h = handlers[i];
            for topic in h.listen.iter().flat_map(|t| spellings(h, t)) {
                let found = listeners.entry(topic).or_default();
                let same_name = |j: &usize| h.name.is_some() && handlers[*j].name == h.name;
                if !found.iter().any(same_name) {
                    found.push(i);
                }
            }
        }
        for (topic, found) in listeners {
            let selected = by_notification.entry(topic).or_default();
            for i in found {
                if !selected.contains(&i) {
                    selected.push(i);
                }
            }
        }
        Selection { by_notification }
    }

    /// Whether `notification` runs handler `index`.
    pub fn selects(&self, notification: &str, index: usize) -> bool {
        self.by_notification
            .get(notification)
            .is_some_and(|v| v.contains(&index))
    }
}
