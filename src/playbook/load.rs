//! Reads a playbook into `Playbook`: plays, `import_playbook`, `vars_files`, roles and task
//! lists, checking every keyword, module and module argument up front and reporting every
//! problem at once with its `file:line:col`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;

use super::keywords::{NOT_YET, did_you_mean, play_keys};
use super::node::{self, Node, NodeValue};
use super::tasks::Inherit;
use super::{HostOrder, Play, Playbook, Strategy, TaskList};
use crate::ansible::Finder;
use crate::error::{Diagnostic, Error, Location};
use crate::template::Templar;

/// How deep `import_playbook` may nest.
const MAX_IMPORT_DEPTH: usize = 16;

#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Extra directories searched for roles (after `roles/` beside the playbook).
    pub roles_path: Vec<PathBuf>,
    /// Whether a play without `gather_facts` gathers (ansible.cfg's `gathering`).
    pub gather_by_default: bool,
    /// Directories of Ansible collections (ansible.cfg's `collections_path`).
    pub collections_path: Vec<PathBuf>,
    /// `-M`: module directories searched before `library/` beside the playbook.
    pub module_path: Vec<PathBuf>,
    /// The configured module path (ANSIBLE_LIBRARY, ansible.cfg's `library`), searched after
    /// the roles' `library/`; empty: Ansible's default (`ansible::default_library`).
    pub library: Vec<PathBuf>,
    /// `--strict`: what fails a task only if it runs (module arguments, files read by
    /// `include_tasks`) is a load error too.
    pub strict: bool,
    /// `-e`: they template what is read at load time (an `import_playbook` file name), over
    /// every other variable.
    pub extra_vars: IndexMap<String, Value>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            roles_path: Vec::new(),
            gather_by_default: true,
            collections_path: Vec::new(),
            module_path: Vec::new(),
            library: Vec::new(),
            strict: false,
            extra_vars: IndexMap::new(),
        }
    }
}

/// What the `import_playbook` items that brought a play in give it: their `vars` (over the
/// play's own; an outer import's over an inner one's), their `when` (before the tasks' own;
/// outer first) and their `tags` (added to the play's).
#[derive(Debug, Clone, Default)]
struct ImportScope {
    vars: IndexMap<String, Value>,
    when: Vec<String>,
    tags: Vec<String>,
}

/// Loads and checks a playbook. Nothing is contacted; the result is inert data.
pub fn load(path: &Path, options: &LoadOptions) -> Result<Playbook, Error> {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    let text = crate::source_text::read(path, "playbook")?;
    let root = node::parse(path, &text)?;
    let mut roles_path = options.roles_path.clone();
    if let Some(env) = std::env::var_os("ANSIBLE_ROLES_PATH") {
        roles_path.extend(std::env::split_paths(&env));
    }
    // As ansible-playbook adds them: the playbook's `library/` first, then -M.
    let mut first = vec![dir.join("library")];
    first.extend(options.module_path.iter().cloned());
    let configured = if options.library.is_empty() {
        crate::ansible::default_library()
    } else {
        options.library.clone()
    };
    let finder =
        Arc::new(Finder::new(&dir, &options.collections_path).with_library(first, configured));
    let mut loader = Loader::new(path.to_path_buf(), dir.clone(), roles_path, finder);
    loader.gather_by_default = options.gather_by_default;
    loader.strict = options.strict;
    loader.extra_vars = options.extra_vars.clone();
    let mut plays = Vec::new();
    loader.plays(&root, 0, &ImportScope::default(), &mut plays);
    let errors = loader.take_errors();
    if !errors.is_empty() {
        return Err(Error::Input(errors));
    }
    let files = vec![super::PlaybookFile {
        path: path.to_path_buf(),
        first_play: 0,
        plays: plays.len(),
    }];
    Ok(Playbook {
        path: path.to_path_buf(),
        dir,
        files,
        plays,
        warnings: loader.warnings,
        finder: loader.finder,
    })
}

pub(super) struct Loader {
    /// The file being read (changes while reading included files and roles).
    pub file: PathBuf,
    pub diags: Vec<Diagnostic>,
    pub playbook_dir: PathBuf,
    pub roles_path: Vec<PathBuf>,
    /// Roles already added to the current play (a role runs once per play per parameters).
    pub roles_seen: Vec<String>,
    /// Handlers of the current play's roles, added after the play's own.
    pub role_handlers: TaskList,
    /// `gather_facts` when a play does not say.
    pub gather_by_default: bool,
    /// Finds Ansible's own modules for what rconf has no native module for.
    pub finder: Arc<Finder>,
    /// See `LoadOptions::strict`.
    pub strict: bool,
    /// Problems that fail a task only if it runs.
    pub warnings: Vec<Diagnostic>,
    /// Errors that stay errors in a file read ahead (an include that includes itself).
    pub always: Vec<Diagnostic>,
    /// See `LoadOptions::extra_vars`.
    pub extra_vars: IndexMap<String, Value>,
    /// The current play's `vars` and `vars_files` (and its imports' vars): what a static
    /// import's name is templated with.
    pub play_vars: IndexMap<String, Value>,
    /// The defaults and `vars/` of the current play's public roles (`RoleCall::public`).
    pub public_role_defaults: IndexMap<String, Value>,
    pub public_role_vars: IndexMap<String, Value>,
}

impl Loader {
    pub(super) fn new(
        file: PathBuf,
        playbook_dir: PathBuf,
        roles_path: Vec<PathBuf>,
        finder: Arc<Finder>,
    ) -> Loader {
        Loader {
            file,
            diags: Vec::new(),
            playbook_dir,
            roles_path,
            roles_seen: Vec::new(),
            role_handlers: TaskList::default(),
            gather_by_default: true,
            finder,
            strict: false,
            warnings: Vec::new(),
            always: Vec::new(),
            extra_vars: IndexMap::new(),
            play_vars: IndexMap::new(),
            public_role_defaults: IndexMap::new(),
            public_role_vars: IndexMap::new(),
        }
    }

    /// An error wherever it is found, also in a file read ahead of its include.
    pub(super) fn err_always(&mut self, n: &Node, msg: impl Into<String>) {
        let d = Diagnostic::at(self.loc(n), msg);
        self.always.push(d);
    }

    /// Every error found: those that may be deferred and those that may not.
    pub(super) fn take_errors(&mut self) -> Vec<Diagnostic> {
        let mut all = std::mem::take(&mut self.diags);
        all.append(&mut self.always);
        all
    }

    /// A problem that fails the task at `n` only if it runs: a warning now, an error under
    /// `--strict`.
    pub(super) fn warn(&mut self, n: &Node, msg: impl Into<String>) {
        let d = Diagnostic::at(self.loc(n), msg);
        if self.strict {
            self.diags.push(d);
        } else {
            self.warnings.push(d);
        }
    }

    /// Reads what `read` reads as Ansible reads a file it includes at run time: its problems
    /// become warnings (errors under `--strict`), and fail the include only when it runs.
    pub(super) fn deferred<T>(&mut self, note: &str, read: impl FnOnce(&mut Self) -> T) -> T {
        let before = self.diags.len();
        let out = read(self);
        if !self.strict {
            let moved: Vec<Diagnostic> = self.diags.drain(before..).collect();
            self.warnings.extend(moved.into_iter().map(|mut d| {
                d.message.push_str(note);
                d
            }));
        }
        out
    }

    pub(super) fn loc(&self, n: &Node) -> Location {
        n.location(&self.file)
    }

    pub(super) fn err(&mut self, n: &Node, msg: impl Into<String>) {
        let loc = self.loc(n);
        self.diags.push(Diagnostic::at(loc, msg));
    }

    /// Reads and parses another YAML file; problems are reported at `at` (or in the file).
    pub(super) fn read_yaml(&mut self, path: &Path, at: &Node) -> Option<Node> {
        let text = std::fs::read(path).map(|bytes| crate::source_text::decode(path, bytes));
        match text {
            Ok(Err(d)) => {
                self.diags.push(d);
                None
            }
            Ok(Ok(text)) => match node::parse(path, &text) {
                Ok(n) => Some(n),
                Err(Error::Input(ds)) => {
                    self.diags.extend(ds);
                    None
                }
                Err(e) => {
                    self.err(at, e.to_string());
                    None
                }
            },
            Err(e) => {
                self.err(at, format!("cannot read `{}`: {e}", path.display()));
                None
            }
        }
    }

    fn plays(&mut self, root: &Node, depth: usize, scope: &ImportScope, out: &mut Vec<Play>) {
        let NodeValue::Seq(items) = &root.value else {
            self.err(
                root,
                format!("a playbook is a list of plays, found {}", root.kind()),
            );
            return;
        };
        for item in items {
            let import = item
                .get("import_playbook")
                .or_else(|| item.get("ansible.builtin.import_playbook"));
            match import {
                Some(target) => self.import_playbook(item, target, depth, scope, out),
                None => {
                    if let Some(play) = self.play(item, scope) {
                        out.push(play);
                    }
                }
            }
        }
    }

    /// The plays of the file `item` imports, with what `item` gives them (`ImportScope`).
    fn import_playbook(
        &mut self,
        item: &Node,
        target: &Node,
        depth: usize,
        outer: &ImportScope,
        out: &mut Vec<Play>,
    ) {
        let own_vars = item.get("vars").map(|v| self.vars(v)).unwrap_or_default();
        let mut scope = ImportScope {
            vars: own_vars,
            when: outer.when.clone(),
            tags: outer.tags.clone(),
        };
        scope
            .vars
            .extend(outer.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
        if let Some(w) = item.get("when") {
            scope.when.extend(self.conditions(w, "when"));
        }
        self.add_tags(item.get("tags"), &mut scope.tags);
        let written = self.string(target, "import_playbook");
        // As Ansible: the file name is templated with the import's vars and the extra vars
        // (inventory and facts do not exist yet).
        let name = match self.load_time_render(&written, &[&scope.vars]) {
            Ok(name) => name,
            Err(e) => {
                self.err(
                    target,
                    format!("cannot template the `import_playbook` file name `{written}`: {e}"),
                );
                return;
            }
        };
        if depth >= MAX_IMPORT_DEPTH {
            self.err(target, format!("`import_playbook` nests more than {MAX_IMPORT_DEPTH} deep (does a playbook import itself?)"));
            return;
        }
        let base = self
            .file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let path = base.join(&name);
        let Some(root) = self.read_yaml(&path, target) else {
            return;
        };
        if let Some(dir) = path.parent() {
            self.finder.add_library_of(dir);
        }
        let saved = std::mem::replace(&mut self.file, path);
        self.plays(&root, depth + 1, &scope, out);
        self.file = saved;
    }

    /// Renders `text` at load time with `layers` (lowest first) under the extra vars, as
    /// Ansible templates a static import's name: no host exists yet, so neither inventory
    /// variables nor facts. The result must be a string.
    pub(super) fn load_time_render(
        &self,
        text: &str,
        layers: &[&IndexMap<String, Value>],
    ) -> Result<String, String> {
        if !Templar::is_template(text) {
            return Ok(text.to_string());
        }
        match self.load_time_value(text, layers)? {
            Value::String(s) => Ok(s),
            other => Err(format!("it renders to {other}, not a file name")),
        }
    }

    /// As `load_time_render`, the value whatever its type.
    pub(super) fn load_time_value(
        &self,
        text: &str,
        layers: &[&IndexMap<String, Value>],
    ) -> Result<Value, String> {
        let templar = Templar::new();
        let layers: Vec<crate::vars::Layer> = layers
            .iter()
            .copied()
            .chain([&self.extra_vars])
            .map(crate::vars::layer_from_json)
            .collect();
        let refs: Vec<&crate::vars::Layer> = layers.iter().collect();
        let scope = crate::vars::Scope::new(&templar, &refs).into_value();
        templar
            .render_str(text, &scope)
            .map_err(|e| crate::vars::Scope::take_error().unwrap_or(e))
    }

    fn play(&mut self, n: &Node, scope: &ImportScope) -> Option<Play> {
        let Some(map) = n.as_map() else {
            self.err(
                n,
                format!(
                    "a play is a mapping with `hosts` and `tasks`, found {}",
                    n.kind()
                ),
            );
            return None;
        };
        for (k, _) in map {
            let key = k.key_text();
            if play_keys().any(|k| k == key) {
                continue;
            }
            if NOT_YET.contains(&key.as_str()) {
                self.err(
                    k,
                    format!("play keyword `{key}` is not supported by rconf yet"),
                );
            } else {
                let hint = did_you_mean(&key, play_keys())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_else(|| {
                        format!(
                            " (expected one of: {})",
                            play_keys().collect::<Vec<_>>().join(", ")
                        )
                    });
                self.err(k, format!("unknown play keyword `{key}`{hint}"));
            }
        }
        let hosts = match n.get("hosts") {
            Some(h) => self.pattern(h),
            None => {
                self.err(
                    n,
                    "play has no `hosts` (expected a host pattern such as `all` or `web`)",
                );
                String::new()
            }
        };
        let name = n
            .get("name")
            .map(|v| self.string(v, "name"))
            .unwrap_or_else(|| hosts.clone());
        let mut vars = n.get("vars").map(|v| self.vars(v)).unwrap_or_default();
        if let Some(files) = n.get("vars_files") {
            self.vars_files(files, &mut vars);
        }
        let prompts = n
            .get("vars_prompt")
            .map(|v| self.vars_prompt(v, &mut vars))
            .unwrap_or_default();
        vars.extend(scope.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
        // What load-time templates (tags, import names) of this play see.
        self.play_vars = vars.clone();
        let mut tags = Vec::new();
        self.add_tags(n.get("tags"), &mut tags);
        for tag in &scope.tags {
            if !tags.contains(tag) {
                tags.push(tag.clone());
            }
        }
        // Play-level keywords reach every task the way block keywords do (vars excepted:
        // they are the play's own layer). An import's `when` comes first on every task but
        // the handlers, as Ansible prepends it to the blocks of pre_tasks, roles, tasks and
        // post_tasks.
        let mut inh = Inherit {
            base_dir: self.playbook_dir.clone(),
            tags: scope.tags.clone(),
            ..Inherit::default()
        };
        inh = self.inherit(&strip(n, &["when", "vars"]), &inh);
        let handler_inh = inh.clone();
        inh.when = scope.when.clone();
        self.roles_seen.clear();
        self.role_handlers = TaskList::default();
        self.public_role_defaults.clear();
        self.public_role_vars.clear();
        let mut pre_tasks = TaskList::default();
        let mut tasks = TaskList::default();
        let mut post_tasks = TaskList::default();
        if let Some(v) = n.get("pre_tasks") {
            self.task_list(v, "pre_tasks", false, &inh, &mut pre_tasks, None);
        }
        if let Some(v) = n.get("roles") {
            self.play_roles(v, &inh, &mut tasks);
        }
        if let Some(v) = n.get("tasks") {
            self.task_list(v, "tasks", false, &inh, &mut tasks, None);
        }
        if let Some(v) = n.get("post_tasks") {
            self.task_list(v, "post_tasks", false, &inh, &mut post_tasks, None);
        }
        // The roles' handlers come first, as Ansible lists them (they also run first).
        let mut handlers = std::mem::take(&mut self.role_handlers);
        if let Some(v) = n.get("handlers") {
            let mut own = TaskList::default();
            self.task_list(v, "handlers", true, &handler_inh, &mut own, None);
            append(&mut handlers, own);
        }
        self.check_notify(&[&pre_tasks, &tasks, &post_tasks, &handlers], &handlers);
        Some(Play {
            name,
            hosts,
            vars,
            gather_args: ["gather_subset", "gather_timeout", "fact_path"]
                .iter()
                .filter_map(|k| n.get(k).map(|v| (k.to_string(), v.to_json())))
                .collect(),
            connection: inh.connection.clone(),
            gather_facts: n
                .get("gather_facts")
                .map(|v| self.boolean(v, "gather_facts"))
                .unwrap_or(self.gather_by_default),
            gather_when: scope.when.clone(),
            public_role_defaults: std::mem::take(&mut self.public_role_defaults),
            public_role_vars: std::mem::take(&mut self.public_role_vars),
            pre_tasks,
            tasks,
            post_tasks,
            handlers,
            tags,
            serial: n.get("serial").map(|v| self.serial(v)).unwrap_or_default(),
            max_fail_percentage: n.get("max_fail_percentage").and_then(|v| {
                self.number_or_template(v, "max_fail_percentage")
                    .as_f64()
                    .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            }),
            any_errors_fatal: n
                .get("any_errors_fatal")
                .map(|v| self.boolean(v, "any_errors_fatal"))
                .unwrap_or(false),
            strategy_template: n
                .get("strategy")
                .and_then(Node::as_str)
                .filter(|s| Templar::is_template(s))
                .map(str::to_string),
            strategy: n
                .get("strategy")
                .filter(|v| !v.as_str().is_some_and(Templar::is_template))
                .map(|v| self.strategy(v))
                .unwrap_or_default(),
            order: n.get("order").map(|v| self.order(v)).unwrap_or_default(),
            prompts,
            force_handlers: n
                .get("force_handlers")
                .map(|v| self.boolean(v, "force_handlers")),
            location: self.loc(n),
        })
    }

    /// Every `notify` must name a handler of the play (by name, `role : name`, or a `listen`
    /// topic): Ansible stops a run on an unknown one, rconf says so before any host is contacted.
    fn check_notify(&mut self, lists: &[&TaskList], handlers: &TaskList) {
        if handlers
            .tasks
            .iter()
            .any(|h| h.name.as_deref().is_some_and(Templar::is_template))
        {
            return;
        }
        let mut known: Vec<String> = Vec::new();
        for h in &handlers.tasks {
            known.extend(super::notify::handler_topics(h));
        }
        for task in lists.iter().flat_map(|l| &l.tasks) {
            for n in &task.notify {
                if known.contains(n) || Templar::is_template(n) {
                    continue;
                }
                let hint = did_you_mean(n, known.iter().map(String::as_str))
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                self.diags.push(crate::error::Diagnostic::at(
                    task.location.clone(),
                    format!("`notify: {n}`: no handler of this play has that name or `listen` topic{hint}"),
                ));
            }
        }
    }

    fn pattern(&mut self, n: &Node) -> String {
        let pattern = match &n.value {
            NodeValue::Str(s) => s.clone(),
            NodeValue::Null => String::new(),
            NodeValue::Seq(items) => items
                .iter()
                .map(|i| self.string(i, "hosts"))
                .collect::<Vec<_>>()
                .join(","),
            _ => {
                self.err(
                    n,
                    format!(
                        "`hosts` must be a host pattern (a string or a list), found {}",
                        n.kind()
                    ),
                );
                return String::new();
            }
        };
        // An empty pattern would select nothing in Ansible, which refuses it; rconf's pattern
        // code would read it as `all`.
        if crate::inventory::is_empty_pattern(&pattern) {
            let msg = format!("`hosts` is empty: {}", crate::inventory::EMPTY_PATTERN);
            self.err(n, msg);
        }
        pattern
    }

    fn vars_files(&mut self, n: &Node, vars: &mut IndexMap<String, Value>) {
        let entries: Vec<&Node> = match &n.value {
            NodeValue::Seq(items) => items.iter().collect(),
            _ => vec![n],
        };
        for entry in entries {
            // A list entry is a list of alternatives: the first file that exists is used.
            let candidates: Vec<String> = match &entry.value {
                NodeValue::Seq(alts) => alts.iter().map(|a| self.string(a, "vars_files")).collect(),
                _ => vec![self.string(entry, "vars_files")],
            };
            if candidates.iter().any(|c| Templar::is_template(c)) {
                self.err(
                    entry,
                    "`vars_files` with templated file names is not supported by rconf yet",
                );
                continue;
            }
            let base = self
                .file
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let Some(path) = candidates
                .iter()
                .map(|c| base.join(c))
                .find(|p| p.is_file())
            else {
                self.err(
                    entry,
                    format!("vars file `{}` not found", candidates.join("` or `")),
                );
                continue;
            };
            if let Some(root) = self.read_yaml(&path, entry) {
                let saved = std::mem::replace(&mut self.file, path);
                vars.extend(self.vars(&root));
                self.file = saved;
            }
        }
    }

    /// `vars_prompt`: rconf runs unattended, so a prompt's value comes from `-e`, else its
    /// `default` (put in the play's vars); those with neither are returned for the runner to
    /// check against the extra vars.
    fn vars_prompt(
        &mut self,
        n: &Node,
        vars: &mut IndexMap<String, Value>,
    ) -> Vec<(String, Location)> {
        let mut required = Vec::new();
        for item in n.as_seq().unwrap_or_default() {
            let Some(name) = item.get("name") else {
                self.err(item, "a `vars_prompt` entry needs `name`");
                continue;
            };
            let name = self.identifier(name, "name");
            match item.get("default") {
                Some(d) => {
                    vars.insert(name, d.to_json());
                }
                None => required.push((name, self.loc(item))),
            }
        }
        required
    }

    fn serial(&mut self, n: &Node) -> Vec<Value> {
        let one = |me: &mut Self, v: &Node| match &v.value {
            NodeValue::Int(i) if *i >= 0 => Some(Value::from(*i)),
            NodeValue::Str(s)
                if s.trim().trim_end_matches('%').trim().parse::<f64>().is_ok()
                    || Templar::is_template(s) =>
            {
                Some(Value::String(s.trim().to_string()))
            }
            _ => {
                me.err(v, format!("`serial` must be a number, a percentage like `30%`, or a list of them, found {}", v.kind()));
                None
            }
        };
        match &n.value {
            NodeValue::Seq(items) => items.iter().filter_map(|i| one(self, i)).collect(),
            _ => one(self, n).into_iter().collect(),
        }
    }

    fn order(&mut self, n: &Node) -> HostOrder {
        match n.as_str() {
            Some("inventory") => HostOrder::Inventory,
            Some("reverse_inventory") => HostOrder::ReverseInventory,
            Some("sorted") => HostOrder::Sorted,
            Some("reverse_sorted") => HostOrder::ReverseSorted,
            Some("shuffle") => HostOrder::Shuffle,
            _ => {
                self.err(
                    n,
                    format!(
                        "`order` must be one of: inventory, reverse_inventory, sorted, \
                         reverse_sorted, shuffle; found `{}`",
                        n.key_text()
                    ),
                );
                HostOrder::Inventory
            }
        }
    }

    fn strategy(&mut self, n: &Node) -> Strategy {
        match n.as_str() {
            Some("linear") | Some("ansible.builtin.linear") => Strategy::Linear,
            Some("free") | Some("ansible.builtin.free") => Strategy::Free,
            _ => {
                self.err(
                    n,
                    format!(
                        "`strategy` must be `linear` or `free`, found `{}`",
                        n.key_text()
                    ),
                );
                Strategy::Linear
            }
        }
    }
}

/// A copy of a mapping node without some keys.
fn strip(n: &Node, keys: &[&str]) -> Node {
    match &n.value {
        NodeValue::Map(pairs) => Node {
            value: NodeValue::Map(
                pairs
                    .iter()
                    .filter(|(k, _)| !keys.contains(&k.key_text().as_str()))
                    .cloned()
                    .collect(),
            ),
            line: n.line,
            col: n.col,
        },
        _ => n.clone(),
    }
}

/// Appends `more` to `list`, shifting its block references.
fn append(list: &mut TaskList, more: TaskList) {
    let (t0, b0) = (list.tasks.len(), list.blocks.len());
    let shift = |r: std::ops::Range<usize>| (r.start + t0)..(r.end + t0);
    for mut b in more.blocks {
        b.parent = b.parent.map(|(i, p)| (i + b0, p));
        b.body = shift(b.body);
        b.rescue = shift(b.rescue);
        b.always = shift(b.always);
        list.blocks.push(b);
    }
    for mut t in more.tasks {
        t.block = t.block.map(|(i, p)| (i + b0, p));
        list.tasks.push(t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Playbook, String> {
        load_with(text, &LoadOptions::default())
    }

    fn load_with(text: &str, options: &LoadOptions) -> Result<Playbook, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site.yml");
        std::fs::write(&path, text).unwrap();
        load(&path, options).map_err(|e| {
            e.to_string()
                .replace(&format!("{}/", dir.path().display()), "")
        })
    }

    #[test]
    fn reads_plays_tasks_and_both_module_forms() {
        let pb = load_text("- name: web\n  hosts: web\n  become_not_used: 1\n");
        assert_eq!(
            pb.unwrap_err(),
            "site.yml:3:3: unknown play keyword `become_not_used` (expected one of: name, hosts, vars, vars_files, vars_prompt, gather_facts, gather_subset, gather_timeout, fact_path, roles, pre_tasks, tasks, post_tasks, handlers, tags, serial, max_fail_percentage, any_errors_fatal, strategy, order, force_handlers, environment, check_mode, diff, no_log, ignore_errors, collections, throttle, become, become_user, become_method, become_flags, timeout, remote_user, connection, port)"
        );
        let pb = load_text(
            "- hosts: all\n  gather_facts: no\n  tasks:\n    - name: a\n      ansible.builtin.command: uname -a\n      changed_when: false\n    - copy: {content: x, dest: /tmp/x}\n      when: [a, b]\n      loop: \"{{ items }}\"\n",
        )
        .unwrap();
        let play = &pb.plays[0];
        assert!(!play.gather_facts);
        assert_eq!(play.tasks.tasks[0].display_name(), "a");
        assert_eq!(play.tasks.tasks[0].args["_raw_params"], "uname -a");
        assert_eq!(
            play.tasks.tasks[0].changed_when.as_deref(),
            Some(&["False".to_string()][..])
        );
        assert_eq!(play.tasks.tasks[1].display_name(), "copy");
        assert_eq!(play.tasks.tasks[1].when, vec!["a", "b"]);
        assert_eq!(play.tasks.tasks[1].location.line, 7);
    }

    #[test]
    fn a_notify_that_names_no_handler_is_reported_with_its_place() {
        let e = load_text(
            "- hosts: all\n  tasks:\n    - command: ls\n      notify: restart nginxx\n    - command: ls\n      notify: [restart nginx, web changed]\n  handlers:\n    - name: restart nginx\n      command: ls\n    - name: reload\n      command: ls\n      listen: web changed\n",
        )
        .unwrap_err();
        assert_eq!(
            e,
            "site.yml:3:7: `notify: restart nginxx`: no handler of this play has that name or `listen` topic; did you mean `restart nginx`?"
        );
    }

    #[test]
    fn an_argument_problem_is_a_warning_and_fails_its_task_only_if_it_runs() {
        // `copy` has an action plugin in Ansible, so no fallback can take the argument.
        let pb = load_text(
            "- hosts: all\n  tasks:\n    - copy: {dest: /x, content: y, mdoe: '0644'}\n      when: false\n",
        )
        .unwrap();
        let want =
            "site.yml:3:36: unsupported parameter `mdoe` for module `copy`; did you mean `mode`?";
        assert_eq!(pb.warnings.len(), 1);
        assert!(
            pb.warnings[0].to_string().ends_with(want),
            "{}",
            pb.warnings[0]
        );
        let task = &pb.plays[0].tasks.tasks[0];
        assert_eq!(
            task.invalid.as_deref(),
            Some("unsupported parameter `mdoe` for module `copy`; did you mean `mode`?")
        );
    }

    #[test]
    fn an_ansible_prefixed_argument_is_refused_and_a_templated_tag_is_rendered() {
        let err = load_text("- hosts: all\n  tasks:\n    - set_fact:\n        _ansible_foo: bar\n")
            .unwrap_err();
        assert!(
            err.contains("site.yml:4:9: Invalid parameter specified beginning with keyword '_ansible_' for action 'set_fact': '_ansible_foo'"),
            "{err}"
        );
        let pb = load_text(
            "- hosts: all\n  vars: {t: [a, b]}\n  tasks:\n    - debug: {msg: x}\n      tags: \"{{ t }}\"\n",
        )
        .unwrap();
        assert_eq!(pb.plays[0].tasks.tasks[0].tags, ["a", "b"]);
    }

    #[test]
    fn a_templated_module_name_is_a_warning_and_fails_its_task_only_if_it_runs() {
        // Ansible loads it and picks the module when the task runs.
        let pb = load_text(
            "- hosts: all\n  tasks:\n    - action:\n        module: \"{{ m }}\"\n      tags: [never]\n",
        )
        .unwrap();
        assert_eq!(pb.warnings.len(), 1, "{:?}", pb.warnings);
        let want = "the module name `{{ m }}` is a template: rconf resolves a task's module \
                    when the playbook is loaded, not when the task runs";
        assert!(
            pb.warnings[0].to_string().ends_with(want),
            "{}",
            pb.warnings[0]
        );
        let task = &pb.plays[0].tasks.tasks[0];
        assert_eq!(task.invalid.as_deref(), Some(want));
    }

    #[test]
    fn reports_every_problem_at_once_with_its_place() {
        // --strict: argument problems too, which otherwise fail a task only if it runs.
        let strict = LoadOptions {
            strict: true,
            ..LoadOptions::default()
        };
        let e = load_with(
            "- hosts: all\n  tasks:\n    - regster: x\n      command: ls\n    - file: {path: /x, stat: touch}\n    - debugger: always\n      command: ls\n    - {}\n",
            &strict,
        )
        .unwrap_err();
        let lines: Vec<&str> = e.split("\nerror: ").collect();
        assert_eq!(
            lines[0],
            "site.yml:3:7: unknown module or task keyword `regster`; did you mean `register`?"
        );
        assert_eq!(
            lines[1],
            "site.yml:5:24: unsupported parameter `stat` for module `file`; did you mean `state`?"
        );
        assert_eq!(
            lines[2],
            "site.yml:6:7: task keyword `debugger` is not supported by rconf yet"
        );
        assert!(
            lines[3].starts_with("site.yml:8:7: task has no module"),
            "{e}"
        );
        assert_eq!(lines.len(), 4, "{e}");
    }

    #[test]
    fn a_task_runs_one_module_and_one_loop() {
        let e =
            load_text("- hosts: all\n  tasks:\n    - command: ls\n      shell: ls\n").unwrap_err();
        assert_eq!(
            e,
            "site.yml:4:7: a task runs one module, found `command` and `shell`"
        );
        let e = load_text(
            "- hosts: all\n  tasks:\n    - command: ls\n      loop: [1]\n      with_items: [2]\n",
        )
        .unwrap_err();
        assert_eq!(
            e,
            "site.yml:3:7: a task has one loop, found `loop` and `with_items`"
        );
    }

    #[test]
    fn yaml_1_1_booleans_where_booleans_are_expected() {
        let pb = load_text("- hosts: all\n  gather_facts: off\n  tasks:\n    - command: ls\n      ignore_errors: yes\n      no_log: True\n").unwrap();
        let t = &pb.plays[0].tasks.tasks[0];
        assert_eq!(t.ignore_errors, Value::Bool(true));
        assert!(t.no_log);
        let e = load_text("- hosts: all\n  gather_facts: maybe\n").unwrap_err();
        assert_eq!(
            e,
            "site.yml:2:17: `gather_facts` must be a boolean (yes/no, true/false), found `maybe`"
        );
    }

    #[test]
    fn not_a_playbook() {
        assert_eq!(
            load_text("hosts: all\n").unwrap_err(),
            "site.yml:1:1: a playbook is a list of plays, found a mapping"
        );
    }
}
