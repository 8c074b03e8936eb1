//! Where Ansible's own modules are on the controller, found as Ansible finds them: ansible-core's
//! package (through the Python of the `ansible-playbook` on PATH), then the collections on
//! Ansible's search path, with the redirects of ansible-core's and each collection's
//! `meta/runtime.yml` followed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde::Deserialize;

/// ansible-core as installed on the controller.
#[derive(Debug)]
pub struct Core {
    /// The `ansible` package directory (`.../site-packages/ansible`).
    pub dir: PathBuf,
    /// `ansible.release.__version__`, e.g. `2.19.14`.
    pub version: String,
    routing: HashMap<String, Route>,
}

/// One of Ansible's modules, resolved.
#[derive(Debug)]
pub struct Found {
    /// The fully qualified name (`community.general.ini_file`, `ansible.builtin.assemble`).
    pub fqcn: String,
    /// The Python module name it runs as (`ansible.modules.assemble`,
    /// `ansible_collections.community.general.plugins.modules.ini_file`).
    pub python_name: String,
    /// The module's source file.
    pub file: PathBuf,
    /// The collection's directory (`.../ansible_collections/community/general`); `None` for
    /// ansible-core's own modules.
    pub collection: Option<PathBuf>,
    /// Whether Ansible runs it through a controller-side action plugin of the same name.
    pub action_plugin: bool,
    /// A Windows module (PowerShell beside a documentation-only `.py`): Ansible resolves it,
    /// rconf cannot run it, so a task naming it fails only if it runs.
    pub windows: bool,
    /// The ansible-core whose module_utils it runs with.
    pub core: &'static Core,
}

/// Why a name has no module.
#[derive(Debug, Clone, PartialEq)]
pub enum Missing {
    /// No ansible-core on this controller, so only rconf's native modules exist.
    NoAnsible,
    /// Ansible has no module by that name here.
    Unknown,
    /// The module was removed (a `tombstone` in the routing metadata), with Ansible's advice.
    Removed(String),
}

#[derive(Debug, Default, Deserialize)]
struct Runtime {
    #[serde(default)]
    plugin_routing: Routing,
}

#[derive(Debug, Default, Deserialize)]
struct Routing {
    #[serde(default)]
    modules: HashMap<String, Route>,
}

#[derive(Debug, Default, Clone, Deserialize)]
struct Route {
    redirect: Option<String>,
    tombstone: Option<serde_json::Value>,
}

/// Resolves module names against one controller's Ansible installation and collections.
pub struct Finder {
    /// Directories that hold `ansible_collections/`, in Ansible's order.
    roots: Vec<PathBuf>,
    cache: Mutex<HashMap<String, Result<Arc<Found>, Missing>>>,
    /// Each collection's routing, read once.
    collection_routing: Mutex<HashMap<PathBuf, Arc<HashMap<String, Route>>>>,
    /// Where `NAME.py` modules are looked for before ansible-core's own, as Ansible's
    /// `ansible.legacy` search: `library/` beside the playbook, `-M`, then each role's
    /// `library/` as its role loads, then the configured module path.
    library: Mutex<Library>,
}

#[derive(Debug, Default)]
struct Library {
    dirs: Vec<PathBuf>,
    /// Where the next role's `library/` goes: after the playbook's, before the configured.
    roles_at: usize,
}

impl std::fmt::Debug for Finder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Finder")
            .field("roots", &self.roots)
            .finish_non_exhaustive()
    }
}

/// How many redirects a name may go through before it is called a loop.
const MAX_REDIRECTS: usize = 10;

impl Finder {
    /// A finder for a playbook in `playbook_dir`, with `configured` collection paths
    /// (ansible.cfg's `collections_path`); `ANSIBLE_COLLECTIONS_PATH` overrides those, and
    /// without either Ansible's defaults apply. Collections beside the playbook come first and
    /// those installed with the `ansible` package (beside ansible-core) last, as in Ansible.
    /// Nothing is looked up until a name is resolved.
    pub fn new(playbook_dir: &Path, configured: &[PathBuf]) -> Finder {
        let mut roots = vec![playbook_dir.join("collections")];
        let env = std::env::var_os("ANSIBLE_COLLECTIONS_PATH")
            .or_else(|| std::env::var_os("ANSIBLE_COLLECTIONS_PATHS"));
        match env {
            Some(paths) => roots.extend(std::env::split_paths(&paths)),
            None if !configured.is_empty() => roots.extend(configured.iter().cloned()),
            None => {
                if let Some(home) = std::env::var_os("HOME") {
                    roots.push(PathBuf::from(home).join(".ansible/collections"));
                }
                roots.push(PathBuf::from("/usr/share/ansible/collections"));
            }
        }
        Finder {
            roots,
            cache: Mutex::new(HashMap::new()),
            collection_routing: Mutex::new(HashMap::new()),
            library: Mutex::new(Library::default()),
        }
    }

    /// This finder with module directories searched before ansible-core's modules: `first`
    /// (`library/` beside the playbook, then `-M`), later the roles' `library/`, then
    /// `configured` (see `default_library`).
    pub fn with_library(self, first: Vec<PathBuf>, configured: Vec<PathBuf>) -> Finder {
        {
            let mut lib = lock(&self.library);
            lib.roles_at = first.len();
            lib.dirs = first;
            // Ansible searches one level of subdirectories of a configured path too.
            for dir in configured {
                lib.dirs.extend(subdirs(&dir));
                lib.dirs.push(dir);
            }
        }
        self
    }

    /// Adds the `library/` of `role_dir` (when it exists) to the module directories, as
    /// Ansible does when a role, or a playbook that `import_playbook` reads, loads: names
    /// resolved from then on see its modules.
    pub fn add_library_of(&self, role_dir: &Path) {
        let dir = role_dir.join("library");
        if !dir.is_dir() {
            return;
        }
        let mut lib = lock(&self.library);
        if lib.dirs.contains(&dir) {
            return;
        }
        let at = lib.roles_at;
        lib.dirs.insert(at, dir);
        lib.roles_at += 1;
        lock(&self.cache).clear();
    }

    /// A module in the module directories (`NAME.py`), for a short name or an
    /// `ansible.legacy.NAME`: as in Ansible, it wins over a built-in module of that name
    /// (rconf's native ones included). `None` without ansible-core, whose module_utils it
    /// runs with.
    pub fn library_module(&self, name: &str) -> Option<Arc<Found>> {
        let short = name.strip_prefix("ansible.legacy.").unwrap_or(name);
        if short.is_empty() || short.contains(['.', '/']) {
            return None;
        }
        let file = lock(&self.library)
            .dirs
            .iter()
            .map(|d| d.join(format!("{short}.py")))
            .find(|f| f.is_file())?;
        let core = core()?;
        Some(Arc::new(Found {
            fqcn: format!("ansible.legacy.{short}"),
            // How AnsiballZ names a module that is in no collection and not ansible-core's.
            python_name: format!("ansible.legacy.{short}"),
            action_plugin: core
                .dir
                .join("plugins/action")
                .join(format!("{short}.py"))
                .is_file(),
            windows: false,
            file,
            collection: None,
            core,
        }))
    }

    /// The module a task names, as Ansible resolves it: a short name in the `collections`
    /// the task's play or role lists, then in ansible-core (following its redirects, as
    /// `ini_file` goes to `community.general.ini_file`); a dotted name in its collection.
    pub fn resolve(&self, name: &str, collections: &[String]) -> Result<Arc<Found>, Missing> {
        let key = format!("{name}\0{}", collections.join(","));
        if let Some(hit) = lock(&self.cache).get(&key) {
            return hit.clone();
        }
        let found = self.resolve_uncached(name, collections);
        lock(&self.cache).insert(key, found.clone());
        found
    }

    fn resolve_uncached(&self, name: &str, collections: &[String]) -> Result<Arc<Found>, Missing> {
        let core = core().ok_or(Missing::NoAnsible)?;
        if !name.contains('.') {
            for c in collections {
                if let Ok(found) = self.qualified(core, &format!("{c}.{name}"), 0) {
                    return Ok(found);
                }
            }
        }
        if !name.contains('.') || name.starts_with("ansible.legacy.") {
            if let Some(found) = self.library_module(name) {
                return Ok(found);
            }
            let short = name.strip_prefix("ansible.legacy.").unwrap_or(name);
            return self.qualified(core, &format!("ansible.builtin.{short}"), 0);
        }
        self.qualified(core, name, 0)
    }

    fn qualified(
        &self,
        core: &'static Core,
        fqcn: &str,
        hops: usize,
    ) -> Result<Arc<Found>, Missing> {
        if hops > MAX_REDIRECTS {
            return Err(Missing::Unknown);
        }
        let mut parts = fqcn.splitn(3, '.');
        let (Some(ns), Some(coll), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Missing::Unknown);
        };
        if matches!((ns, coll), ("ansible", "builtin" | "legacy")) {
            let file = core.dir.join("modules").join(format!("{rest}.py"));
            if !rest.contains('.') && runnable(&file) {
                return Ok(Arc::new(Found {
                    fqcn: format!("ansible.builtin.{rest}"),
                    python_name: format!("ansible.modules.{rest}"),
                    action_plugin: core
                        .dir
                        .join("plugins/action")
                        .join(format!("{rest}.py"))
                        .is_file(),
                    windows: false,
                    file,
                    collection: None,
                    core,
                }));
            }
            return follow(core.routing.get(rest), |to| {
                self.qualified(core, to, hops + 1)
            });
        }
        let Some(dir) = self.collection_dir(Some(core), ns, coll) else {
            return Err(Missing::Unknown);
        };
        let routing = self.routing_of(&dir);
        if let Some(route) = routing.get(rest)
            && (route.redirect.is_some() || route.tombstone.is_some())
        {
            return follow(Some(route), |to| self.qualified(core, to, hops + 1));
        }
        let relative: PathBuf = rest.split('.').collect();
        let file = dir
            .join("plugins/modules")
            .join(relative.with_extension("py"));
        let windows = !runnable(&file) && file.with_extension("ps1").is_file();
        if !runnable(&file) && !windows {
            return Err(Missing::Unknown);
        }
        let last = rest.rsplit('.').next().unwrap_or(rest);
        Ok(Arc::new(Found {
            fqcn: fqcn.to_string(),
            python_name: format!("ansible_collections.{ns}.{coll}.plugins.modules.{rest}"),
            action_plugin: dir
                .join("plugins/action")
                .join(format!("{last}.py"))
                .is_file(),
            windows,
            file,
            collection: Some(dir),
            core,
        }))
    }

    /// The first directory that holds collection `ns.coll` on the search path.
    pub fn collection_dir(&self, core: Option<&Core>, ns: &str, coll: &str) -> Option<PathBuf> {
        let site = core.and_then(|c| c.dir.parent()).map(Path::to_path_buf);
        self.roots.iter().chain(site.as_ref()).find_map(|root| {
            let under = if root.file_name().is_some_and(|n| n == "ansible_collections") {
                root.join(ns).join(coll)
            } else {
                root.join("ansible_collections").join(ns).join(coll)
            };
            under.is_dir().then_some(under)
        })
    }

    /// The directory of role `ns.coll.role` in its collection, as `include_role` names it.
    pub fn collection_role(&self, name: &str) -> Option<PathBuf> {
        let mut parts = name.splitn(3, '.');
        let (ns, coll, role) = (parts.next()?, parts.next()?, parts.next()?);
        if role.contains('.') {
            return None;
        }
        let dir = self
            .collection_dir(core(), ns, coll)?
            .join("roles")
            .join(role);
        dir.is_dir().then_some(dir)
    }

    fn routing_of(&self, dir: &Path) -> Arc<HashMap<String, Route>> {
        let mut all = lock(&self.collection_routing);
        all.entry(dir.to_path_buf())
            .or_insert_with(|| Arc::new(read_routing(&dir.join("meta/runtime.yml"))))
            .clone()
    }
}

/// Ansible's module path when neither ANSIBLE_LIBRARY nor ansible.cfg's `library` sets one:
/// `$ANSIBLE_HOME/plugins/modules` (`~/.ansible`) and `/usr/share/ansible/plugins/modules`.
pub fn default_library() -> Vec<PathBuf> {
    let home = std::env::var_os("ANSIBLE_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".ansible")));
    home.map(|h| h.join("plugins/modules"))
        .into_iter()
        .chain([PathBuf::from("/usr/share/ansible/plugins/modules")])
        .collect()
}

/// The directories one and two levels below `dir`, sorted, as Ansible globs `dir/*` and
/// `dir/*/*` for a configured plugin path.
fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let list = |d: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(d)
            .map(|r| {
                r.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let first = list(dir);
    let second: Vec<PathBuf> = first.iter().flat_map(|d| list(d)).collect();
    first.into_iter().chain(second).collect()
}

/// Whether `file` is a module that runs: ansible-core's files for what its executor does
/// itself (`include_tasks`, `meta`, `set_fact`, ...) hold only documentation.
fn runnable(file: &Path) -> bool {
    std::fs::read(file).is_ok_and(|text| text.windows(8).any(|w| w == b"__main__"))
}

/// Where a redirect or tombstone leads.
fn follow(
    route: Option<&Route>,
    next: impl FnOnce(&str) -> Result<Arc<Found>, Missing>,
) -> Result<Arc<Found>, Missing> {
    match route {
        Some(Route {
            tombstone: Some(t), ..
        }) => Err(Missing::Removed(
            t.get("warning_text")
                .and_then(|w| w.as_str())
                .unwrap_or("it was removed")
                .to_string(),
        )),
        Some(Route {
            redirect: Some(to), ..
        }) => next(to),
        _ => Err(Missing::Unknown),
    }
}

fn read_routing(path: &Path) -> HashMap<String, Route> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_saphyr::from_str::<Runtime>(&text).ok())
        .map(|r| r.plugin_routing.modules)
        .unwrap_or_default()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The controller's ansible-core, looked for once per run and only when a task needs it.
pub fn core() -> Option<&'static Core> {
    static CORE: OnceLock<Option<Core>> = OnceLock::new();
    CORE.get_or_init(find_core).as_ref()
}

/// Asks each candidate Python where its `ansible` package is: the interpreters of the
/// `ansible-playbook` and `ansible` commands on PATH (what a user's Ansible runs with), then
/// `python3`.
fn find_core() -> Option<Core> {
    let mut pythons: Vec<PathBuf> = Vec::new();
    for command in ["ansible-playbook", "ansible"] {
        if let Some(py) = on_path(command).and_then(|p| interpreter_of(&p))
            && !pythons.contains(&py)
        {
            pythons.push(py);
        }
    }
    pythons.push(PathBuf::from("python3"));
    pythons.iter().find_map(|py| ask(py))
}

/// The Python of the controller's Ansible, as `ansible_playbook_python` names it: the
/// interpreter of `ansible-playbook` on PATH, else `python3` on PATH. Read from the script's
/// `#!` line, so no interpreter starts for it.
pub fn controller_python() -> Option<PathBuf> {
    let py = on_path("ansible-playbook")
        .and_then(|p| interpreter_of(&p))
        .unwrap_or_else(|| PathBuf::from("python3"));
    if py.is_absolute() {
        Some(py)
    } else {
        on_path(&py.to_string_lossy())
    }
}

fn on_path(command: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(command))
        .find(|p| p.is_file())
}

/// The interpreter a script's `#!` line names (`#!/usr/bin/env python3` included).
fn interpreter_of(script: &Path) -> Option<PathBuf> {
    use std::io::Read;
    let mut head = [0u8; 256];
    let n = std::fs::File::open(script).ok()?.read(&mut head).ok()?;
    let line = head[..n].strip_prefix(b"#!")?;
    let line = String::from_utf8_lossy(line.split(|&b| b == b'\n').next()?).into_owned();
    let mut words = line.split_whitespace();
    let first = words.next()?;
    if first.ends_with("/env") {
        return words.find(|w| !w.starts_with('-')).map(PathBuf::from);
    }
    Some(PathBuf::from(first))
}

fn ask(python: &Path) -> Option<Core> {
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import ansible, ansible.release, os\n\
             print(os.path.dirname(os.path.abspath(ansible.__file__)))\n\
             print(ansible.release.__version__)",
        ])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let mut lines = text.lines();
    let dir = PathBuf::from(lines.next()?);
    let version = lines.next()?.to_string();
    if !dir.join("modules").is_dir() || !dir.join("module_utils").is_dir() {
        return None;
    }
    let routing = read_routing(&dir.join("config/ansible_builtin_runtime.yml"));
    tracing::debug!("ansible-core {version} found in {}", dir.display());
    Some(Core {
        dir,
        version,
        routing,
    })
}
