//! Task lists: tasks, blocks (`block`/`rescue`/`always`) and static includes
//! (`import_tasks`, `include_tasks`, `import_role`, `include_role`), flattened into a
//! `TaskList`, with the keywords of enclosing blocks, includes and roles passed down.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;

use super::ModuleRef;
use super::keywords::{BLOCK_KEYS, INCLUDE_KEYS, NOT_YET, did_you_mean, inherited_keys, task_keys};
use super::load::Loader;
use super::node::{Node, NodeValue};
use super::{
    Block, ConnectionKeywords, DynamicInclude, LoopSource, Part, Retry, Role, Task, TaskList,
};
use crate::ansible::Missing;
use crate::modules::{self, BUILTINS};
use crate::template::Templar;

type MakeLoop = fn(Value) -> LoopSource;

/// The lookup a `with_<lookup>` loop keyword names, when rconf knows that lookup.
fn with_lookup(key: &str) -> Option<&str> {
    key.strip_prefix("with_")
        .filter(|name| crate::template::is_lookup(name))
}

/// What a warning from a file read ahead of its run-time include adds.
const DEFERRED: &str =
    " (read ahead: Ansible reads it only when the include runs, and so fails only then)";

/// How deep task files may include task files before rconf calls it a loop.
const MAX_INCLUDE_DEPTH: usize = 32;

/// What enclosing blocks, includes, roles and plays pass down to the tasks inside them.
#[derive(Clone, Default)]
pub(super) struct Inherit {
    pub when: Vec<String>,
    pub tags: Vec<String>,
    pub vars: IndexMap<String, Value>,
    pub ignore_errors: Option<Value>,
    /// A boolean, or a template rendered per host.
    pub no_log: Option<Value>,
    pub check_mode: Option<bool>,
    pub diff: Option<bool>,
    pub environment: Option<Value>,
    pub run_once: Option<bool>,
    /// `throttle`: at most this many hosts run the task at once.
    pub throttle: Option<usize>,
    pub delegate_to: Option<String>,
    pub delegate_facts: Option<bool>,
    pub role: Option<Arc<Role>>,
    pub connection: ConnectionKeywords,
    /// `collections`: where short module names are looked up first, innermost first.
    pub collections: Vec<String>,
    /// Where relative task files are looked up first: the including file's directory.
    pub base_dir: PathBuf,
    pub depth: usize,
}

impl Loader {
    /// Reads the task list at `n` into `list`, inside `block` (`None` at top level).
    pub(super) fn task_list(
        &mut self,
        n: &Node,
        key: &str,
        handler: bool,
        inh: &Inherit,
        list: &mut TaskList,
        block: Option<(usize, Part)>,
    ) {
        match &n.value {
            NodeValue::Null => {}
            NodeValue::Seq(items) => {
                for item in items {
                    self.entry(item, handler, inh, list, block);
                }
            }
            _ => self.err(
                n,
                format!("`{key}` must be a list of tasks, found {}", n.kind()),
            ),
        }
    }

    fn entry(
        &mut self,
        n: &Node,
        handler: bool,
        inh: &Inherit,
        list: &mut TaskList,
        block: Option<(usize, Part)>,
    ) {
        let Some(map) = n.as_map() else {
            self.err(
                n,
                format!("a task is a mapping with a module, found {}", n.kind()),
            );
            return;
        };
        if map.iter().any(|(k, _)| k.key_text() == "block") {
            return self.block(n, handler, inh, list, block);
        }
        if let Some((k, v)) = map
            .iter()
            .find(|(k, _)| INCLUDE_KEYS.contains(&k.key_text().as_str()))
        {
            return self.include(n, k, v, handler, inh, list, block);
        }
        // `action: include_tasks FILE` is the include written as a key, as in Ansible.
        if action_names_include(n)
            && let Some(rewritten) = self.local_action(n)
        {
            return self.entry(&rewritten, handler, inh, list, block);
        }
        if let Some(mut task) = self.task(n, handler, inh) {
            task.block = block;
            list.tasks.push(task);
        }
    }

    fn block(
        &mut self,
        n: &Node,
        handler: bool,
        inh: &Inherit,
        list: &mut TaskList,
        parent: Option<(usize, Part)>,
    ) {
        for (k, _) in n.as_map().unwrap_or_default() {
            let key = k.key_text();
            if !BLOCK_KEYS.contains(&key.as_str()) && !inherited_keys().any(|k| k == key) {
                let hint = did_you_mean(&key, BLOCK_KEYS.iter().copied().chain(inherited_keys()))
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                let what = if NOT_YET.contains(&key.as_str()) {
                    "is not supported by rconf yet"
                } else {
                    "is not valid on a block"
                };
                self.err(k, format!("block keyword `{key}` {what}{hint}"));
            }
        }
        let inner = self.inherit(n, inh);
        let id = list.blocks.len();
        let name = n.get("name").map(|v| self.string(v, "name"));
        list.blocks.push(Block {
            name,
            parent,
            body: 0..0,
            rescue: 0..0,
            always: 0..0,
        });
        for (key, part) in [
            ("block", Part::Body),
            ("rescue", Part::Rescue),
            ("always", Part::Always),
        ] {
            let start = list.tasks.len();
            if let Some(items) = n.get(key) {
                self.task_list(items, key, handler, &inner, list, Some((id, part)));
            }
            let range = start..list.tasks.len();
            let b = &mut list.blocks[id];
            match part {
                Part::Body => b.body = range,
                Part::Rescue => b.rescue = range,
                Part::Always => b.always = range,
            }
        }
    }

    /// `import_tasks`/`include_tasks` read the file now; `import_role`/`include_role` the role.
    #[allow(clippy::too_many_arguments)]
    fn include(
        &mut self,
        n: &Node,
        key_node: &Node,
        value: &Node,
        handler: bool,
        inh: &Inherit,
        list: &mut TaskList,
        block: Option<(usize, Part)>,
    ) {
        let key = key_node.key_text();
        let key = key.trim_start_matches("ansible.builtin.");
        // As in Ansible, `include_tasks` is resolved while the play runs (in handlers too,
        // when the handler runs): its `when` is checked once, it may loop, its file name may
        // be a template.
        if key == "include_tasks" {
            return self.dynamic_include(n, value, handler, inh, list, block);
        }
        if key == "include_role" && !handler {
            return self.dynamic_role(n, value, inh, list, block);
        }
        for (k, _) in n.as_map().unwrap_or_default() {
            let name = k.key_text();
            if name == key
                || name.ends_with(&format!(".{key}"))
                || inherited_keys().any(|k| k == name)
            {
                continue;
            }
            if matches!(
                name.as_str(),
                "loop" | "with_items" | "with_list" | "loop_control"
            ) {
                self.err(k, format!("`{key}` with a loop is not supported by rconf yet; loop inside the included tasks instead"));
            } else {
                self.err(k, format!("`{name}` is not valid on `{key}`"));
            }
        }
        if inh.depth >= MAX_INCLUDE_DEPTH {
            self.err(key_node, format!("`{key}` nests more than {MAX_INCLUDE_DEPTH} levels deep (does a file include itself?)"));
            return;
        }
        let mut inner = self.inherit(n, inh);
        inner.depth += 1;
        match key {
            "import_tasks" | "include_tasks" => {
                let file = match &value.value {
                    NodeValue::Str(s) => Some(free_form_file(s)),
                    NodeValue::Map(_) => value.get("file").map(|f| self.string(f, "file")),
                    _ => None,
                };
                let Some(file) = file else {
                    self.err(
                        value,
                        format!(
                            "`{key}` takes a file name (or `file:`), found {}",
                            value.kind()
                        ),
                    );
                    return;
                };
                let Some(file) = self.static_name(&file, &inner, value, key) else {
                    return;
                };
                let Some(path) = self.find_task_file(&file, inh) else {
                    self.err(value, format!("`{key}`: task file `{file}` not found (looked beside the including file and the playbook)"));
                    return;
                };
                let Some(root) = self.read_yaml(&path, value) else {
                    return;
                };
                let saved = std::mem::replace(&mut self.file, path.clone());
                inner.base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                self.task_list(&root, key, handler, &inner, list, block);
                self.file = saved;
            }
            _ => {
                let value = &*role_args(value);
                let name = match &value.value {
                    NodeValue::Str(s) => Some(s.clone()),
                    NodeValue::Map(_) => value
                        .get("name")
                        .or_else(|| value.get("role"))
                        .map(|v| self.string(v, "name")),
                    _ => None,
                };
                let Some(name) = name else {
                    self.err(value, format!("`{key}` needs the role's `name`"));
                    return;
                };
                if !self.role_file_args_are_strings(value) {
                    return;
                }
                let mut call = super::roles::RoleCall::imported(self, name, value, true);
                call.params = value.get("vars").map(|v| self.vars(v)).unwrap_or_default();
                self.role_into(call, value, &inner, list, block);
            }
        }
    }

    /// `text` (a static import's file or role name) rendered as Ansible does while loading,
    /// with what `inh` sees: the role's defaults, the play's vars, the role's vars, the
    /// enclosing blocks' and the import's own vars, and the extra vars. `None` after
    /// reporting why it cannot be.
    pub(super) fn static_name(
        &mut self,
        text: &str,
        inh: &Inherit,
        at: &Node,
        key: &str,
    ) -> Option<String> {
        let none = IndexMap::new();
        let (defaults, role_vars) = match &inh.role {
            Some(r) => (&r.defaults, &r.vars),
            None => (&none, &none),
        };
        match self.load_time_render(text, &[defaults, &self.play_vars, role_vars, &inh.vars]) {
            Ok(name) => Some(name),
            Err(e) => {
                self.err(
                    at,
                    format!("cannot template the `{key}` name `{text}`: {e}"),
                );
                None
            }
        }
    }

    /// A run-time `include_tasks`: a task of its own (its `when`, loop and `tags` are its
    /// alone), carrying what loading the file later needs. A file name known now is read now
    /// too, so that its mistakes are reported before any host is contacted.
    fn dynamic_include(
        &mut self,
        n: &Node,
        value: &Node,
        handler: bool,
        inh: &Inherit,
        list: &mut TaskList,
        block: Option<(usize, Part)>,
    ) {
        let Some((task, inner)) = self.run_time_include(n, inh, "include_tasks", handler) else {
            return;
        };
        let file = match &value.value {
            NodeValue::Str(s) => Some(free_form_file(s)),
            NodeValue::Map(_) => value
                .get("file")
                .and_then(|f| f.as_str())
                .map(str::to_string),
            _ => None,
        };
        // Ansible reads the file only when the include runs: what is wrong in it is a
        // warning here, and fails the include if it runs (an error under --strict).
        if let Some(file) = file.filter(|f| !Templar::is_template(f)) {
            self.deferred(DEFERRED, |l| match l.find_task_file(&file, inh) {
                None => l.err(value, format!("`include_tasks`: task file `{file}` not found (looked beside the including file and the playbook)")),
                Some(path) => {
                    if let Some(root) = l.read_yaml(&path, value) {
                        let saved = std::mem::replace(&mut l.file, path.clone());
                        let mut checked = inner.clone();
                        checked.base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                        l.task_list(&root, "include_tasks", false, &checked, &mut TaskList::default(), None);
                        l.file = saved;
                    }
                }
            });
        }
        self.push_run_time_include(task, super::dynamic::Kind::Tasks, inner, list, block);
    }

    /// The task of a run-time include (`key`), and what the tasks it loads inherit: the
    /// include's `vars` and connection keywords, not its `when` and `tags`, which are its own.
    fn run_time_include(
        &mut self,
        n: &Node,
        inh: &Inherit,
        key: &str,
        handler: bool,
    ) -> Option<(Task, Inherit)> {
        if inh.depth >= MAX_INCLUDE_DEPTH {
            // Certain to recur whenever it runs: an error even in a file read ahead.
            self.err_always(n, format!("`{key}` nests more than {MAX_INCLUDE_DEPTH} levels deep (does it include itself?)"));
            return None;
        }
        let task = self.task(n, handler, inh)?;
        let mut inner = self.inherit(n, inh);
        inner.when = inh.when.clone();
        inner.tags = inh.tags.clone();
        inner.depth += 1;
        // `apply:` (in `args:` or beside `file:`/`name:`): keywords for every included task.
        let value = n
            .as_map()
            .unwrap_or_default()
            .iter()
            .find(|(k, _)| k.key_text().ends_with(key))
            .map(|(_, v)| v.clone());
        let apply = n
            .get("args")
            .and_then(|a| a.get("apply"))
            .or_else(|| value.as_ref().and_then(|v| v.get("apply")))
            .cloned();
        if let Some(apply) = apply {
            inner = self.inherit(&apply, &inner);
        }
        Some((task, inner))
    }

    /// An action plugin of that name in the `action_plugins/` beside the playbook or in the
    /// task's role (as Ansible finds its own plugins there).
    fn action_plugin_only(&self, key: &str, inh: &Inherit) -> Option<PathBuf> {
        let file = format!("{key}.py");
        let mut dirs = vec![self.playbook_dir.join("action_plugins")];
        if let Some(role) = &inh.role {
            dirs.push(role.dir.join("action_plugins"));
        }
        dirs.into_iter()
            .map(|d| d.join(&file))
            .find(|p| p.is_file())
    }

    /// Adds a run-time include to `list`, carrying what loading it later needs.
    fn push_run_time_include(
        &mut self,
        mut task: Task,
        kind: super::dynamic::Kind,
        inherit: Inherit,
        list: &mut TaskList,
        block: Option<(usize, Part)>,
    ) {
        task.include = Some(Arc::new(DynamicInclude {
            kind,
            inherit,
            playbook_dir: self.playbook_dir.clone(),
            roles_path: self.roles_path.clone(),
            file: self.file.clone(),
            finder: self.finder.clone(),
            strict: self.strict,
        }));
        task.block = block;
        list.tasks.push(task);
    }

    /// A run-time `include_role`, as `dynamic_include` does for task files. A role named
    /// plainly is read now too: its mistakes are reported before any host is contacted, and
    /// its handlers join the play's.
    fn dynamic_role(
        &mut self,
        n: &Node,
        value: &Node,
        inh: &Inherit,
        list: &mut TaskList,
        block: Option<(usize, Part)>,
    ) {
        let Some((task, inner)) = self.run_time_include(n, inh, "include_role", false) else {
            return;
        };
        let value = &*role_args(value);
        if !self.role_file_args_are_strings(value) {
            return;
        }
        let name = value
            .get("name")
            .or_else(|| value.get("role"))
            .and_then(Node::as_str)
            .map(str::to_string);
        // The loader of the run time reads the arguments again (they may be templates then).
        if let Some(name) = name.filter(|r| !Templar::is_template(r)) {
            self.deferred(DEFERRED, |l| {
                let call = super::roles::RoleCall::imported(l, name, value, false);
                l.role_into(call, value, &inner, &mut TaskList::default(), None)
            });
        }
        let kind = super::dynamic::Kind::Role {
            at: Box::new(value.clone()),
        };
        self.push_run_time_include(task, kind, inner, list, block);
    }

    pub(super) fn find_task_file(&self, file: &str, inh: &Inherit) -> Option<PathBuf> {
        let mut candidates = vec![inh.base_dir.join(file)];
        if let Some(role) = &inh.role {
            candidates.push(role.dir.join("tasks").join(file));
        }
        candidates.push(self.playbook_dir.join(file));
        candidates.into_iter().find(|p| p.is_file())
    }

    /// The keywords of a block or include, layered over what encloses it.
    pub(super) fn inherit(&mut self, n: &Node, outer: &Inherit) -> Inherit {
        let mut inh = outer.clone();
        if let Some(w) = n.get("when") {
            inh.when.extend(self.conditions(w, "when"));
        }
        self.add_tags(n.get("tags"), &mut inh.tags);
        if let Some(v) = n.get("vars") {
            inh.vars.extend(self.vars(v));
        }
        if let Some(v) = n.get("ignore_errors") {
            inh.ignore_errors = Some(self.bool_or_template(v, "ignore_errors"));
        }
        if let Some(v) = n.get("no_log") {
            inh.no_log = Some(self.bool_or_template(v, "no_log"));
        }
        if let Some(v) = n.get("check_mode") {
            inh.check_mode = Some(self.boolean(v, "check_mode"));
        }
        if let Some(v) = n.get("diff") {
            inh.diff = Some(self.boolean(v, "diff"));
        }
        if let Some(v) = n.get("environment") {
            inh.environment = self.map_or_template(v, "environment");
        }
        if let Some(v) = n.get("run_once") {
            inh.run_once = Some(self.boolean(v, "run_once"));
        }
        if let Some(v) = n.get("throttle") {
            inh.throttle = self.throttle(v);
        }
        if let Some(v) = n.get("delegate_to") {
            inh.delegate_to = Some(self.string(v, "delegate_to"));
        }
        if let Some(v) = n.get("delegate_facts") {
            inh.delegate_facts = Some(self.boolean(v, "delegate_facts"));
        }
        inh.collections = self.collections(n, &outer.collections);
        let (mut kw, errors) = ConnectionKeywords::read(|k| n.get(k).map(Node::to_json));
        for e in errors {
            self.err(n, e);
        }
        kw.inherit(&outer.connection);
        inh.connection = kw;
        inh
    }

    /// `n`'s own `collections`, searched before the enclosing ones.
    pub(super) fn collections(&mut self, n: &Node, outer: &[String]) -> Vec<String> {
        let mut own = n
            .get("collections")
            .map(|v| self.strings(v, "collections"))
            .unwrap_or_default();
        own.extend(outer.iter().cloned());
        own
    }

    fn task(&mut self, n: &Node, handler: bool, inh: &Inherit) -> Option<Task> {
        let map = n.as_map()?;
        if let Some(rewritten) = self.local_action(n) {
            return self.task(&rewritten, handler, inh);
        }
        let mut found: Option<(&Node, &Node, ModuleRef)> = None;
        let mut invalid_action: Option<String> = None;
        let collections = self.collections(n, &inh.collections);
        let mut ok = true;
        for (k, v) in map {
            let key = k.key_text();
            if task_keys().any(|k| k == key) || with_lookup(&key).is_some() {
                if key == "listen" && !handler {
                    self.err(k, "`listen` is only valid on handlers");
                    ok = false;
                }
                continue;
            }
            // `action: {module: "{{ name }}"}`: Ansible picks the module when the task runs;
            // rconf checks every task's module and arguments at load, so this task fails if
            // it runs (a warning, as Ansible loads it without complaint).
            if Templar::is_template(&key) && found.is_none() {
                let why = format!(
                    "the module name `{key}` is a template: rconf resolves a task's module when \
                     the playbook is loaded, not when the task runs"
                );
                self.warn(k, why.clone());
                invalid_action = Some(why);
                found = Some((k, v, ModuleRef::Unrunnable));
                continue;
            }
            // A `NAME.py` in the module directories replaces a module of that name, as in
            // Ansible, unless an action plugin of that name would run in its stead.
            let library = self
                .finder
                .library_module(&key)
                .filter(|f| !f.action_plugin);
            let module = match library {
                Some(f) => Some(ModuleRef::Ansible(f)),
                None => match modules::find(&key) {
                    Some(m) => Some(ModuleRef::Native(m, None)),
                    None if NOT_YET.contains(&key.as_str()) || key.starts_with("with_") => None,
                    None if BLOCK_KEYS.contains(&key.as_str()) => None,
                    None => match self.finder.resolve(&key, &collections) {
                        Ok(f) => Some(ModuleRef::Ansible(f)),
                        Err(Missing::Removed(why)) => {
                            self.err(k, format!("module `{key}` was removed from Ansible: {why}"));
                            ok = false;
                            continue;
                        }
                        Err(_) => match self.action_plugin_only(&key, inh) {
                            // Ansible runs it through that action plugin; rconf cannot, so the
                            // task fails if it runs, as a Windows module's does.
                            Some(path) => {
                                let why = format!(
                                    "`{key}` is an action plugin ({}), which rconf does not run",
                                    path.display()
                                );
                                self.warn(k, why.clone());
                                invalid_action = Some(why);
                                Some(ModuleRef::Unrunnable)
                            }
                            None => None,
                        },
                    },
                },
            };
            if let Some(m) = module {
                if let Some((prev, _, _)) = &found {
                    self.err(
                        k,
                        format!(
                            "a task runs one module, found `{}` and `{key}`",
                            prev.key_text()
                        ),
                    );
                    ok = false;
                } else {
                    found = Some((k, v, m));
                }
            } else if NOT_YET.contains(&key.as_str()) || key.starts_with("with_") {
                self.err(
                    k,
                    format!("task keyword `{key}` is not supported by rconf yet"),
                );
                ok = false;
            } else if BLOCK_KEYS.contains(&key.as_str()) {
                self.err(
                    k,
                    format!("`{key}` belongs to a block: a task with `{key}` needs `block` too"),
                );
                ok = false;
            } else {
                let candidates = task_keys().chain(BUILTINS.iter().map(|m| m.spec().name));
                let hint = did_you_mean(&key, candidates)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                let ansible = if hint.is_empty() && crate::ansible::core().is_none() {
                    " (rconf runs Ansible's own modules from an ansible-core installed on this \
                     controller, and found none: is `ansible-playbook` on PATH?)"
                } else {
                    ""
                };
                self.err(
                    k,
                    format!("unknown module or task keyword `{key}`{hint}{ansible}"),
                );
                ok = false;
            }
        }
        let Some((mkey, mval, module)) = found else {
            if ok {
                self.err(
                    n,
                    "task has no module (expected a module such as `command`, `copy` or `file`)",
                );
            }
            return None;
        };
        let (module, args, invalid) = match invalid_action {
            // Arguments are not checked against the stand-in module.
            Some(why) => (module, Some(IndexMap::new()), Some(why)),
            None => self.module_args(mkey, mval, n.get("args"), module, &collections),
        };
        let own = self.inherit(n, inh);
        let loop_items = self.loop_source(n);
        // `retries` alone retries until the task succeeds, as in Ansible.
        let retry = (n.get("until").is_some() || n.get("retries").is_some()).then(|| Retry {
            until: n
                .get("until")
                .map(|u| self.conditions(u, "until"))
                .unwrap_or_default(),
            retries: n
                .get("retries")
                .map(|v| self.number_or_template(v, "retries"))
                .unwrap_or(Value::from(3)),
            delay: n
                .get("delay")
                .map(|v| self.number_or_template(v, "delay"))
                .unwrap_or(Value::from(5)),
        });
        let mut tags = own.tags.clone();
        tags.retain(|t| !t.is_empty());
        Some(Task {
            name: n.get("name").map(|v| self.string(v, "name")),
            action: mkey.key_text(),
            module: module.clone(),
            invalid,
            args: args.unwrap_or_default(),
            when: own.when,
            register: n.get("register").map(|v| self.identifier(v, "register")),
            loop_items,
            loop_control: n
                .get("loop_control")
                .map(|v| self.loop_control(v))
                .unwrap_or_default(),
            changed_when: n
                .get("changed_when")
                .map(|v| self.conditions(v, "changed_when")),
            failed_when: n
                .get("failed_when")
                .map(|v| self.conditions(v, "failed_when")),
            ignore_errors: own.ignore_errors.unwrap_or(Value::Bool(false)),
            notify: n
                .get("notify")
                .map(|v| self.strings(v, "notify"))
                .unwrap_or_default(),
            listen: n
                .get("listen")
                .map(|v| self.strings(v, "listen"))
                .unwrap_or_default(),
            tags,
            vars: own.vars,
            no_log: own.no_log.as_ref() == Some(&Value::Bool(true)),
            no_log_template: own
                .no_log
                .as_ref()
                .and_then(Value::as_str)
                .map(str::to_string),
            check_mode: own.check_mode,
            diff: own.diff,
            retry,
            async_secs: n.get("async").map(|v| self.number_or_template(v, "async")),
            poll: n.get("poll").map(|v| self.number_or_template(v, "poll")),
            environment: own.environment,
            // add_host runs once for the play, whatever hosts it has (Ansible's host-loop bypass).
            run_once: own.run_once.unwrap_or(false)
                || module.control()
                    == (crate::modules::Control::Inventory {
                        bypass_host_loop: true,
                    }),
            delegate_to: own.delegate_to,
            delegate_facts: own.delegate_facts.unwrap_or(false),
            // 0 is Ansible's default: no limit but the forks.
            throttle: own.throttle.filter(|&n| n > 0),
            block: None,
            role: own.role,
            connection: own.connection,
            location: self.loc(n),
            include: None,
        })
    }

    /// `action: MODULE ARGS` (or a mapping with `module:`) is the module written as a key;
    /// `local_action` is the same with `delegate_to: localhost`: the task rewritten that way,
    /// when it has one.
    fn local_action(&mut self, n: &Node) -> Option<Node> {
        let map = n.as_map()?;
        let (key, value) = map
            .iter()
            .find(|(k, _)| matches!(k.key_text().as_str(), "local_action" | "action"))?;
        let keyword = key.key_text();
        let local = keyword == "local_action";
        let at = |value: NodeValue| Node {
            value,
            line: key.line,
            col: key.col,
        };
        let (module, args) = match &value.value {
            NodeValue::Str(s) => {
                let s = s.trim();
                let (m, rest) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
                (m.to_string(), at(NodeValue::Str(rest.trim().to_string())))
            }
            NodeValue::Map(pairs) => {
                let Some(m) = value.get("module").and_then(Node::as_str) else {
                    self.err(value, format!("`{keyword}` as a mapping needs `module:`"));
                    return Some(Node {
                        value: NodeValue::Null,
                        line: n.line,
                        col: n.col,
                    });
                };
                let rest: Vec<(Node, Node)> = pairs
                    .iter()
                    .filter(|(k, _)| k.key_text() != "module")
                    .cloned()
                    .collect();
                (m.to_string(), at(NodeValue::Map(rest)))
            }
            _ => {
                self.err(
                    value,
                    format!("`{keyword}` takes `MODULE ARGS`, found {}", value.kind()),
                );
                return Some(Node {
                    value: NodeValue::Null,
                    line: n.line,
                    col: n.col,
                });
            }
        };
        let mut pairs: Vec<(Node, Node)> = map
            .iter()
            .filter(|(k, _)| k.key_text() != keyword)
            .cloned()
            .collect();
        pairs.push((at(NodeValue::Str(module)), args));
        if local && !map.iter().any(|(k, _)| k.key_text() == "delegate_to") {
            pairs.push((
                at(NodeValue::Str("delegate_to".into())),
                at(NodeValue::Str("localhost".into())),
            ));
        }
        Some(Node {
            value: NodeValue::Map(pairs),
            line: n.line,
            col: n.col,
        })
    }

    fn loop_source(&mut self, n: &Node) -> Option<LoopSource> {
        // `with_list` is the `list` lookup: a value that is not a list is one item, as there.
        let kinds: [(&str, MakeLoop); 5] = [
            ("loop", LoopSource::List),
            ("with_items", LoopSource::Items),
            ("with_dict", LoopSource::Dict),
            ("with_fileglob", LoopSource::Fileglob),
            ("with_first_found", LoopSource::FirstFound),
        ];
        let mut present: Vec<(String, LoopSource)> = Vec::new();
        for (k, v) in n.as_map().unwrap_or_default() {
            let key = k.key_text();
            if let Some((_, make)) = kinds.iter().find(|(name, _)| *name == key) {
                present.push((key, make(v.to_json())));
            } else if let Some(lookup) = with_lookup(&key) {
                present.push((key.clone(), LoopSource::Lookup(lookup.into(), v.to_json())));
            }
        }
        if present.len() > 1 {
            let names: Vec<&str> = present.iter().map(|(k, _)| k.as_str()).collect();
            self.err(
                n,
                format!("a task has one loop, found `{}`", names.join("` and `")),
            );
            return None;
        }
        present.pop().map(|(_, source)| source)
    }

    /// Free-form parsing, `args:` merging and load-time argument checks. Arguments the native
    /// module does not take send the task to Ansible's module of that name when there is one
    /// that can run here; else they are a warning, and the task fails if it runs (an error
    /// under `--strict`).
    fn module_args(
        &mut self,
        mkey: &Node,
        mval: &Node,
        extra: Option<&Node>,
        module: ModuleRef,
        collections: &[String],
    ) -> (ModuleRef, Option<IndexMap<String, Value>>, Option<String>) {
        let spec = module.spec();
        let mut args = match spec.normalize(&mval.to_json()) {
            Ok(a) => a,
            Err(e) => {
                // The spec's messages name the module themselves.
                self.err(mval, e);
                return (module, None, None);
            }
        };
        if let Some(extra) = extra {
            match extra.to_json() {
                Value::Object(m) => args.extend(m),
                _ => {
                    self.err(
                        extra,
                        format!("`args` must be a mapping, found {}", extra.kind()),
                    );
                    return (module, None, None);
                }
            }
        }
        let written = mkey.key_text();
        // As Ansible's module argument parser: `_ansible_` names are its own.
        if spec.free_form != crate::modules::args::FreeForm::Command
            && let Some(bad) = args.keys().find(|k| k.starts_with("_ansible_"))
        {
            let at = key_node(mval, bad).unwrap_or(mkey);
            self.err(
                at,
                format!(
                    "Invalid parameter specified beginning with keyword '_ansible_' for action \
                     '{written}': '{bad}'. The prefix '_ansible_' is reserved for internal use only."
                ),
            );
            return (module, None, None);
        }
        if let ModuleRef::Ansible(f) = &module {
            if f.windows {
                let why = format!(
                    "module `{written}` ({}) is a Windows (PowerShell) module, which rconf does \
                     not run",
                    f.fqcn
                );
                self.warn(mkey, why.clone());
                return (module, Some(args), Some(why));
            }
            if !crate::ansible::runs_without_its_action_plugin(f, &args) {
                self.err(mkey, format!("module `{written}` ({}) needs Ansible's controller-side action plugin of that name, which rconf does not have", f.fqcn));
            }
            return (module, Some(args), None);
        }
        let problems = spec.check(&args);
        if problems.is_empty() {
            return (module, Some(args), None);
        }
        // Under --strict the native module's rules are the lint: no fallback.
        let resolved = if self.strict {
            Err(Missing::Unknown)
        } else {
            self.finder.resolve(&written, collections)
        };
        let fallback = match resolved {
            Ok(f) => crate::ansible::runs_without_its_action_plugin(&f, &args).then_some(f),
            Err(_) => None,
        };
        if let (ModuleRef::Native(m, _), Some(f)) = (&module, fallback) {
            tracing::debug!(
                "{}: `{written}` runs Ansible's {} ({})",
                self.loc(mkey),
                f.fqcn,
                problems[0].message
            );
            return (ModuleRef::Native(*m, Some(f)), Some(args), None);
        }
        let mut first = None;
        for problem in &problems {
            let at = problem
                .arg
                .as_deref()
                .and_then(|a| key_node(mval, a).or_else(|| extra.and_then(|e| key_node(e, a))))
                .unwrap_or(mkey);
            // The task's failure says what Ansible's module says; where it is written goes in
            // the load warning and the failure's origin.
            let message = problem.message.clone();
            first.get_or_insert_with(|| message.clone());
            self.warn(at, message);
        }
        (module, Some(args), first)
    }
}

/// `import_role: name=r tasks_from=x`: the `k=v` form as the mapping it stands for (a
/// plain name stays as it is).
pub(super) fn role_args(value: &Node) -> std::borrow::Cow<'_, Node> {
    let NodeValue::Str(s) = &value.value else {
        return std::borrow::Cow::Borrowed(value);
    };
    let Ok((free, kv)) = crate::template::split_kv(s) else {
        return std::borrow::Cow::Borrowed(value);
    };
    if kv.is_empty() {
        return std::borrow::Cow::Borrowed(value);
    }
    let at = |v: NodeValue| Node {
        value: v,
        line: value.line,
        col: value.col,
    };
    let mut pairs: Vec<(Node, Node)> = kv
        .into_iter()
        .map(|(k, v)| (at(NodeValue::Str(k)), at(NodeValue::Str(v))))
        .collect();
    if let Some(name) = free.into_iter().next() {
        pairs.push((at(NodeValue::Str("name".into())), at(NodeValue::Str(name))));
    }
    std::borrow::Cow::Owned(at(NodeValue::Map(pairs)))
}

/// The file of `include_tasks: x.yml` or of the `k=v` form `include_tasks: file=x.yml`.
pub(super) fn free_form_file(s: &str) -> String {
    let t = s.trim();
    t.strip_prefix("file=").unwrap_or(t).to_string()
}

fn key_node<'a>(map: &'a Node, key: &str) -> Option<&'a Node> {
    map.as_map()?
        .iter()
        .find(|(k, _)| k.key_text() == key)
        .map(|(k, _)| k)
}

/// Whether the task's `action:` names an include or import (`action: include_tasks x.yml`, or
/// `action: {module: import_role, name: r}`).
fn action_names_include(n: &Node) -> bool {
    let Some(value) = n.get("action") else {
        return false;
    };
    let module = match &value.value {
        NodeValue::Str(s) => s.split_whitespace().next().map(str::to_string),
        NodeValue::Map(_) => value
            .get("module")
            .and_then(Node::as_str)
            .map(str::to_string),
        _ => None,
    };
    module.is_some_and(|m| INCLUDE_KEYS.contains(&m.as_str()))
}
