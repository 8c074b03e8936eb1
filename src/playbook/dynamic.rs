//! `include_tasks`, and `include_role` with a loop or a templated name: what they load is known
//! only per host at run time, so the include keeps what loading it then needs (the keywords its
//! tasks inherit, where to look), and loads it when the runner asks.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::TaskList;
use super::load::Loader;
use super::node::{self, Node};
use super::tasks::Inherit;
use crate::ansible::Finder;
use crate::error::Error;

/// What an include loads.
pub(super) enum Kind {
    /// A task file.
    Tasks,
    /// A role's tasks (`tasks_from`, default `main`), with its defaults, vars and handlers;
    /// `at` is the include's arguments (`tasks_from`, `vars_from`, ...), where it is written.
    Role { at: Box<Node> },
}

/// A loaded include: its tasks, and for a role the handlers it brings.
pub struct Loaded {
    pub tasks: TaskList,
    pub handlers: TaskList,
    /// Problems that fail a loaded task only if it runs, with their locations.
    pub warnings: Vec<String>,
}

pub struct DynamicInclude {
    pub(super) kind: Kind,
    /// What the included tasks inherit: enclosing blocks, the include's own `vars` and
    /// connection keywords (not its `when` and `tags`, which are the include's alone).
    pub(super) inherit: Inherit,
    pub(super) playbook_dir: PathBuf,
    pub(super) roles_path: Vec<PathBuf>,
    /// The file the include is written in.
    pub(super) file: PathBuf,
    pub(super) finder: Arc<Finder>,
    pub(super) strict: bool,
}

impl std::fmt::Debug for DynamicInclude {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamicInclude")
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl DynamicInclude {
    /// The absolute path of the task file `name` names (as `load` would find it), for the
    /// `included: PATH for HOST` line Ansible prints; `None` for a role or a missing file.
    pub fn resolve(&self, name: &str) -> Option<String> {
        if self.is_role() {
            return None;
        }
        let loader = self.loader();
        let path = loader.find_task_file(name, &self.inherit)?;
        Some(
            std::fs::canonicalize(&path)
                .unwrap_or(path)
                .display()
                .to_string(),
        )
    }

    /// Whether this includes a role (else a task file).
    pub fn is_role(&self) -> bool {
        matches!(self.kind, Kind::Role { .. })
    }

    /// Finds `name` as a static include would (beside the including file, in the role, beside
    /// the playbook) and reads its tasks, checked as strictly as at load time. The error text
    /// lists every problem with its `file:line:col`.
    pub fn load(&self, name: &str) -> Result<Loaded, String> {
        let mut loader = self.loader();
        if let Kind::Role { at } = &self.kind {
            let mut tasks = TaskList::default();
            let call = super::roles::RoleCall::imported(&mut loader, name.to_string(), at, false);
            loader.role_into(call, at, &self.inherit, &mut tasks, None);
            let errors = loader.take_errors();
            if !errors.is_empty() {
                return Err(describe(&Error::Input(errors)));
            }
            return Ok(Loaded {
                tasks,
                handlers: std::mem::take(&mut loader.role_handlers),
                warnings: loader.warnings.iter().map(ToString::to_string).collect(),
            });
        }
        let Some(path) = loader.find_task_file(name, &self.inherit) else {
            return Err(format!(
                "Could not find or access `{name}` (looked beside `{}`{} and the playbook)",
                self.file.display(),
                self.inherit
                    .role
                    .as_ref()
                    .map(|r| format!(", in role `{}`", r.name))
                    .unwrap_or_default()
            ));
        };
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let text = crate::source_text::decode(&path, bytes).map_err(|d| d.to_string())?;
        let root = node::parse(&path, &text).map_err(|e| describe(&e))?;
        let mut inner = self.inherit.clone();
        inner.base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        loader.file = path.clone();
        let mut list = TaskList::default();
        loader.task_list(&root, "include_tasks", false, &inner, &mut list, None);
        let errors = loader.take_errors();
        if !errors.is_empty() {
            return Err(describe(&Error::Input(errors)));
        }
        Ok(Loaded {
            tasks: list,
            handlers: TaskList::default(),
            warnings: loader.warnings.iter().map(ToString::to_string).collect(),
        })
    }

    fn loader(&self) -> Loader {
        let mut loader = Loader::new(
            self.file.clone(),
            self.playbook_dir.clone(),
            self.roles_path.clone(),
            self.finder.clone(),
        );
        loader.strict = self.strict;
        loader
    }
}

fn describe(e: &Error) -> String {
    e.to_string().trim_end().to_string()
}
