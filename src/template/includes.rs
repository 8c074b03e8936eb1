//! `{% include %}`, `{% import %}` and `{% extends %}` in template files, found as Ansible's
//! template action finds them: beside the including template, then in each search directory's
//! `templates/` and the directory itself (the role, the task's directory, the playbook). Names
//! are resolved to absolute paths, so the environment's cache of loaded templates never mixes
//! two roles' `macros.j2`.

use std::borrow::Cow;
use std::cell::RefCell;
use std::path::{Path, PathBuf};

thread_local! {
    static SEARCH: RefCell<Vec<Vec<PathBuf>>> = const { RefCell::new(Vec::new()) };
}

/// Makes `dirs` the search path of the template file rendered on this thread until the guard
/// is dropped.
pub fn enter(dirs: Vec<PathBuf>) -> Guard {
    SEARCH.with(|s| s.borrow_mut().push(dirs));
    Guard
}

pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        SEARCH.with(|s| s.borrow_mut().pop());
    }
}

/// The path `name` (as written in the template `parent`) names: the first that exists.
pub fn join<'s>(name: &'s str, parent: &'s str) -> Cow<'s, str> {
    if Path::new(name).is_absolute() {
        return Cow::Borrowed(name);
    }
    let beside = Path::new(parent).parent().map(|d| d.join(name));
    let found = beside.into_iter().find(|p| p.is_file()).or_else(|| {
        SEARCH.with(|s| {
            s.borrow().last().and_then(|dirs| {
                dirs.iter()
                    .flat_map(|d| [d.join("templates").join(name), d.join(name)])
                    .find(|p| p.is_file())
            })
        })
    });
    // Absolute (the search directories may be relative to the working directory): the
    // loader reads only absolute paths, and the cache keys on them.
    match found.map(|p| std::fs::canonicalize(&p).unwrap_or(p)) {
        Some(p) => Cow::Owned(p.display().to_string()),
        None => Cow::Borrowed(name),
    }
}

/// The source of the template at `name`, an absolute path `join` found (None: not found).
pub fn load(name: &str) -> Result<Option<String>, minijinja::Error> {
    let path = Path::new(name);
    if !path.is_absolute() || !path.is_file() {
        return Ok(None);
    }
    std::fs::read_to_string(path).map(Some).map_err(|e| {
        minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("cannot read template `{name}`: {e}"),
        )
    })
}
