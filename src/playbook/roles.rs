//! Roles: found on the roles path, their defaults, vars, dependencies (`meta/main.yml`),
//! tasks and handlers read at load time and spliced into the play.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;

use super::load::Loader;
use super::node::{Node, NodeValue};
use super::tasks::Inherit;
use super::{Part, Role, TaskList};

/// How deep role dependencies may go before rconf calls it a cycle.
const MAX_ROLE_DEPTH: usize = 16;

/// A role brought into a play: by `roles`, a dependency, `import_role` or `include_role`.
#[derive(Debug, Clone)]
pub(super) struct RoleCall {
    pub name: String,
    /// `tasks_from`, `vars_from`, `defaults_from`, `handlers_from`: the files read instead
    /// of `main`.
    pub tasks_from: Option<String>,
    pub handlers_from: Option<String>,
    pub vars_from: Option<String>,
    pub defaults_from: Option<String>,
    /// The entry's parameters and `vars`: the role's own, over its `vars/`.
    pub params: IndexMap<String, Value>,
    /// A role of the play's `roles` or a dependency runs once per play for the same
    /// parameters, unless its `meta/main.yml` says `allow_duplicates: true`; `import_role`
    /// and `include_role` run it every time (their `allow_duplicates` defaults to true).
    pub once: bool,
    /// Its defaults and `vars/` are seen by every task of the play, as Ansible makes those of
    /// `roles` and `import_role` (and their dependencies) public; `include_role`'s are not.
    pub public: bool,
}

/// The arguments of `import_role`/`include_role` that name a file of the role.
const FROM_ARGS: [&str; 4] = ["tasks_from", "vars_from", "defaults_from", "handlers_from"];

impl Loader {
    /// Whether each `*_from` argument of an `import_role`/`include_role` is a string, reporting
    /// those that are not with Ansible's message: Ansible refuses them when it loads the
    /// task, also an `include_role`'s.
    pub(super) fn role_file_args_are_strings(&mut self, value: &Node) -> bool {
        let mut ok = true;
        for key in FROM_ARGS {
            if let Some(v) = value.get(key).filter(|v| v.as_str().is_none()) {
                self.err(
                    v,
                    format!("Expected a string for {key} but got {} instead", v.kind()),
                );
                ok = false;
            }
        }
        ok
    }
}

impl RoleCall {
    /// A role of the play's `roles` or a dependency.
    pub(super) fn listed(name: String, params: IndexMap<String, Value>, public: bool) -> RoleCall {
        RoleCall {
            name,
            tasks_from: None,
            handlers_from: None,
            vars_from: None,
            defaults_from: None,
            params,
            once: true,
            public,
        }
    }

    /// `import_role` (`public`) or `include_role` with the arguments of `value` (`name`,
    /// `*_from`, `allow_duplicates`, `public`).
    pub(super) fn imported(l: &mut Loader, name: String, value: &Node, public: bool) -> RoleCall {
        let mut text = |key: &str| {
            value
                .get(key)
                .filter(|v| v.as_str().is_some())
                .map(|v| l.string(v, key))
        };
        let tasks_from = text("tasks_from");
        let handlers_from = text("handlers_from");
        let vars_from = text("vars_from");
        let defaults_from = text("defaults_from");
        let once = value
            .get("allow_duplicates")
            .is_some_and(|v| !l.boolean(v, "allow_duplicates"));
        let public = value
            .get("public")
            .map(|v| l.boolean(v, "public"))
            .unwrap_or(public);
        RoleCall {
            name,
            tasks_from,
            handlers_from,
            vars_from,
            defaults_from,
            params: IndexMap::new(),
            once,
            public,
        }
    }
}

impl Loader {
    /// `roles:` of a play: each entry is a name or a mapping (`role:`/`name:`, parameters,
    /// `when`, `tags`, `vars`).
    pub(super) fn play_roles(&mut self, n: &Node, inh: &Inherit, list: &mut TaskList) {
        let Some(items) = n.as_seq() else {
            if !matches!(n.value, NodeValue::Null) {
                self.err(
                    n,
                    format!("`roles` must be a list of roles, found {}", n.kind()),
                );
            }
            return;
        };
        for item in items {
            let (name, params, inner) = match &item.value {
                NodeValue::Str(s) => (s.clone(), IndexMap::new(), inh.clone()),
                NodeValue::Map(pairs) => {
                    let Some(name) = item.get("role").or_else(|| item.get("name")) else {
                        self.err(item, "a role entry needs `role:` (the role's name)");
                        continue;
                    };
                    let name = self.string(name, "role");
                    let mut params = IndexMap::new();
                    for (k, v) in pairs {
                        let key = k.key_text();
                        if !matches!(
                            key.as_str(),
                            "role" | "name" | "when" | "tags" | "vars" | "become" | "become_user"
                        ) {
                            params.insert(key, v.to_json());
                        }
                    }
                    if let Some(v) = item.get("vars") {
                        params.extend(self.vars(v));
                    }
                    let mut inner = self.inherit(item, inh);
                    inner.vars.clear();
                    inner.vars.extend(inh.vars.clone());
                    (name, params, inner)
                }
                _ => {
                    self.err(
                        item,
                        format!("a role is a name or a mapping, found {}", item.kind()),
                    );
                    continue;
                }
            };
            self.role_into(
                RoleCall::listed(name, params, true),
                item,
                &inner,
                list,
                None,
            );
        }
    }

    /// Loads the role of `call` and appends its dependencies' and its own tasks to `list`.
    pub(super) fn role_into(
        &mut self,
        call: RoleCall,
        at: &Node,
        inh: &Inherit,
        list: &mut TaskList,
        block: Option<(usize, Part)>,
    ) {
        if inh.depth >= MAX_ROLE_DEPTH {
            self.err(
                at,
                format!(
                    "role `{}`: dependencies nest more than {MAX_ROLE_DEPTH} deep (a cycle?)",
                    call.name
                ),
            );
            return;
        }
        let Some(name) = self.static_name(&call.name, inh, at, "role") else {
            return;
        };
        let name = name.as_str();
        let mut from = [
            call.tasks_from,
            call.vars_from,
            call.defaults_from,
            call.handlers_from,
        ];
        for (f, key) in
            from.iter_mut()
                .zip(["tasks_from", "vars_from", "defaults_from", "handlers_from"])
        {
            if let Some(text) = f.take() {
                let Some(rendered) = self.static_name(&text, inh, at, key) else {
                    return;
                };
                *f = Some(rendered);
            }
        }
        let [tasks_from, vars_from, defaults_from, handlers_from] = from;
        let tasks_from = tasks_from.as_deref();
        let Some(dir) = self.find_role(name) else {
            let searched: Vec<String> = self
                .role_search_dirs()
                .iter()
                .map(|d| d.display().to_string())
                .collect();
            self.err(
                at,
                format!(
                    "role `{name}` not found (searched: {})",
                    searched.join(", ")
                ),
            );
            return;
        };
        let params = call.params;
        let key = format!(
            "{}|{}|{:?}|{:?}|{}",
            dir.display(),
            tasks_from.unwrap_or("main"),
            vars_from,
            defaults_from,
            serde_json::to_string(&params).unwrap_or_default()
        );
        let meta = self.role_file(&dir, "meta", "main", at);
        let allow_duplicates = meta
            .as_ref()
            .and_then(|(_, m)| m.get("allow_duplicates"))
            .is_some_and(|v| self.boolean(v, "allow_duplicates"));
        if call.once && !allow_duplicates {
            if self.roles_seen.contains(&key) {
                return;
            }
            self.roles_seen.push(key);
        }
        let defaults = self.role_vars_file(&dir, "defaults", defaults_from.as_deref(), at);
        let own_vars = self.role_vars_file(&dir, "vars", vars_from.as_deref(), at);
        let mut vars = own_vars.clone();
        vars.extend(params);
        let role = Arc::new(Role {
            name: role_name(name),
            dir: dir.clone(),
            defaults,
            vars,
        });
        let mut inner = inh.clone();
        inner.depth += 1;
        inner.role = Some(role.clone());
        // A collection's role finds its collection's modules by their short names.
        if let Some(collection) = collection_of(&dir) {
            inner.collections.insert(0, collection);
        }
        inner.base_dir = dir.join("tasks");
        if let Some(meta) = meta {
            // A role's `collections` are searched first for its short module names.
            inner.collections = self.collections(&meta.1, &inner.collections);
            self.role_dependencies(&meta, &dir, call.public, &inner, list, block);
        }
        // After the dependencies', as Ansible merges a role's defaults and vars over theirs.
        if call.public {
            self.public_role_defaults
                .extend(role.defaults.iter().map(|(k, v)| (k.clone(), v.clone())));
            self.public_role_vars.extend(own_vars);
        }
        // A role with an argument spec for this entry point starts with Ansible's validation.
        if let Some((path, task)) =
            self.validation_task(&dir, tasks_from.unwrap_or("main"), &role.name, at)
        {
            let saved = std::mem::replace(&mut self.file, path);
            self.task_list(&task, "tasks", false, &inner, list, block);
            self.file = saved;
        }
        if let Some(path) = role_main(&dir, "tasks", tasks_from.unwrap_or("main")) {
            if let Some(root) = self.read_yaml(&path, at) {
                let saved = std::mem::replace(&mut self.file, path);
                self.task_list(&root, "tasks", false, &inner, list, block);
                self.file = saved;
            }
        } else if let Some(from) = tasks_from {
            self.err(
                at,
                format!("role `{name}` has no tasks file `tasks/{from}.yml`"),
            );
        }
        let handlers = handlers_from.as_deref().unwrap_or("main");
        if handlers != "main" && role_main(&dir, "handlers", handlers).is_none() {
            self.err(
                at,
                format!("role `{name}` has no handlers file `handlers/{handlers}`"),
            );
        }
        if let Some(path) = role_main(&dir, "handlers", handlers)
            && let Some(root) = self.read_yaml(&path, at)
        {
            let saved = std::mem::replace(&mut self.file, path);
            let mut handlers = std::mem::take(&mut self.role_handlers);
            self.task_list(&root, "handlers", true, &inner, &mut handlers, None);
            self.role_handlers = handlers;
            self.file = saved;
        }
    }

    fn role_dependencies(
        &mut self,
        meta: &(PathBuf, Node),
        dir: &Path,
        public: bool,
        inh: &Inherit,
        list: &mut TaskList,
        block: Option<(usize, Part)>,
    ) {
        let (path, root) = meta;
        let Some(deps) = root.get("dependencies") else {
            return;
        };
        let saved = std::mem::replace(&mut self.file, path.clone());
        for dep in deps.as_seq().unwrap_or_default() {
            let (name, params) = match &dep.value {
                NodeValue::Str(s) => (s.clone(), IndexMap::new()),
                NodeValue::Map(pairs) => {
                    let name = dep
                        .get("role")
                        .or_else(|| dep.get("name"))
                        .map(|v| self.string(v, "role"));
                    let Some(name) = name else {
                        self.err(dep, "a dependency needs `role:`");
                        continue;
                    };
                    let params = pairs
                        .iter()
                        .filter(|(k, _)| {
                            !matches!(k.key_text().as_str(), "role" | "name" | "when" | "tags")
                        })
                        .map(|(k, v)| (k.key_text(), v.to_json()))
                        .collect();
                    (name, params)
                }
                _ => {
                    self.err(
                        dep,
                        format!(
                            "a dependency is a role name or a mapping, found {}",
                            dep.kind()
                        ),
                    );
                    continue;
                }
            };
            let mut inner = self.inherit(dep, inh);
            inner.base_dir = dir.to_path_buf();
            self.role_into(
                RoleCall::listed(name, params, public),
                dep,
                &inner,
                list,
                block,
            );
        }
        self.file = saved;
    }

    /// The task Ansible puts first in a role whose `meta/argument_specs.yml` (or the
    /// `argument_specs` of `meta/main.yml`) describes `entry`: "Validating arguments against arg
    /// spec 'ENTRY' - SHORT_DESCRIPTION", tagged `always`, as a one-task list and its file.
    fn validation_task(
        &mut self,
        dir: &Path,
        entry: &str,
        role: &str,
        at: &Node,
    ) -> Option<(PathBuf, Node)> {
        let (path, root) = self
            .role_file(dir, "meta", "argument_specs", at)
            .or_else(|| self.role_file(dir, "meta", "main", at))?;
        let spec = root.get("argument_specs")?.get(entry)?;
        let node = |value: NodeValue| Node {
            value,
            line: spec.line,
            col: spec.col,
        };
        let text = |s: &str| node(NodeValue::Str(s.to_string()));
        let mut name = format!("Validating arguments against arg spec '{entry}'");
        if let Some(d) = spec.get("short_description").and_then(Node::as_str) {
            name.push_str(&format!(" - {d}"));
        }
        let options = spec
            .get("options")
            .cloned()
            .unwrap_or_else(|| node(NodeValue::Map(Vec::new())));
        let context = node(NodeValue::Map(vec![
            (text("argument_spec_name"), text(entry)),
            (text("name"), text(role)),
            (text("type"), text("role")),
            (text("path"), text(&dir.display().to_string())),
        ]));
        let task = node(NodeValue::Map(vec![
            (text("name"), text(&name)),
            (
                text("validate_argument_spec"),
                node(NodeValue::Map(vec![
                    (text("argument_spec"), options),
                    (text("validate_args_context"), context),
                ])),
            ),
            (text("tags"), node(NodeValue::Seq(vec![text("always")]))),
        ]));
        Some((path, node(NodeValue::Seq(vec![task]))))
    }

    fn role_search_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = vec![self.playbook_dir.join("roles"), self.playbook_dir.clone()];
        dirs.extend(self.roles_path.iter().cloned());
        dirs
    }

    fn find_role(&self, name: &str) -> Option<PathBuf> {
        let as_path = Path::new(name);
        if as_path.is_absolute() && as_path.is_dir() {
            self.finder.add_library_of(as_path);
            return Some(as_path.to_path_buf());
        }
        let found = self
            .role_search_dirs()
            .into_iter()
            .map(|d| d.join(name))
            .find(|d| d.is_dir());
        if let Some(dir) = &found {
            // Its `library/` modules, as Ansible adds them when the role loads.
            self.finder.add_library_of(dir);
        }
        found.or_else(|| self.finder.collection_role(name))
    }

    fn role_file(
        &mut self,
        dir: &Path,
        sub: &str,
        base: &str,
        at: &Node,
    ) -> Option<(PathBuf, Node)> {
        let path = role_main(dir, sub, base)?;
        let node = self.read_yaml(&path, at)?;
        Some((path, node))
    }

    /// `SUB/main.yml` of the role (or `SUB/FROM` with `vars_from`/`defaults_from`).
    fn role_vars_file(
        &mut self,
        dir: &Path,
        sub: &str,
        from: Option<&str>,
        at: &Node,
    ) -> IndexMap<String, Value> {
        if let Some(f) = from
            && role_main(dir, sub, f).is_none()
        {
            self.err(at, format!("the role has no file `{sub}/{f}`"));
        }
        match self.role_file(dir, sub, from.unwrap_or("main"), at) {
            Some((path, node)) => {
                let saved = std::mem::replace(&mut self.file, path);
                let vars = self.vars(&node);
                self.file = saved;
                vars
            }
            None => IndexMap::new(),
        }
    }
}

/// `ns.coll` for a role directory `.../ansible_collections/ns/coll/roles/NAME`.
fn collection_of(dir: &Path) -> Option<String> {
    let parts: Vec<&str> = dir.iter().filter_map(|p| p.to_str()).collect();
    let at = parts.iter().rposition(|p| *p == "ansible_collections")?;
    match &parts[at + 1..] {
        [ns, coll, "roles", _] => Some(format!("{ns}.{coll}")),
        _ => None,
    }
}

/// `DIR/SUB/BASE.yml`, `.yaml`, or `DIR/SUB/BASE` (with an extension given).
fn role_main(dir: &Path, sub: &str, base: &str) -> Option<PathBuf> {
    let d = dir.join(sub);
    [
        format!("{base}.yml"),
        format!("{base}.yaml"),
        base.to_string(),
    ]
    .iter()
    .map(|f| d.join(f))
    .find(|p| p.is_file())
}

/// A role given by path is named after its directory, as Ansible shows it.
fn role_name(name: &str) -> String {
    Path::new(name)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.to_string())
}
