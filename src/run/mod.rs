//! The runner: for each play, select hosts, split them into `serial` batches, and run the
//! play's task lists on every host concurrently (at most `forks` at once). A failed or
//! unreachable host stops only itself; blocks, handlers and strategies live in `play`.

mod catch_panic;
mod command_log;
mod connect;
mod delegates;
mod exec;
mod facts_cache;
pub use facts_cache::FactCache;
mod flow;
mod host;
mod inventory_changes;
mod play;
mod reboot;
mod select;
pub mod shard;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use indexmap::IndexMap;
use minijinja::value::Value as JValue;
use serde_json::Value;

pub use connect::ConnectDefaults;
use host::HostState;
use play::PlayRunner;
pub use select::TagFilter;

use crate::error::Error;
use crate::inventory::Inventory;
use crate::playbook::{self, LoadOptions, Playbook};
use crate::report::{Event, Reporter, Stats};
use crate::template::{Templar, to_jinja};
use crate::vars::{Layer, layer_from_json};

/// Exit codes, documented in the README. Ansible's numbers where Ansible has one.
pub mod exit {
    pub const OK: i32 = 0;
    /// An internal error (a bug) or an I/O failure of the controller, such as a `--report`
    /// file that could not be written by a run that would otherwise exit OK.
    pub const ERROR: i32 = 1;
    /// At least one host had a failed task.
    pub const FAILED: i32 = 2;
    /// At least one host was unreachable (takes precedence over FAILED, as in Ansible).
    pub const UNREACHABLE: i32 = 4;
    /// Bad input (playbook, inventory, variables) or bad usage: nothing was contacted.
    pub const BAD_INPUT: i32 = 5;
    /// `rconf check` only: every host answered, none failed, and at least one has drifted
    /// (a task would change it). UNREACHABLE and FAILED take precedence over it.
    pub const DRIFT: i32 = 3;
    /// Another rconf run of the same playbook and inventory holds the lock: nothing was done.
    pub const LOCKED: i32 = 6;
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub playbook: PathBuf,
    pub inventory: Vec<String>,
    pub limit: Option<String>,
    pub forks: usize,
    pub extra_vars: IndexMap<String, Value>,
    pub check: bool,
    pub diff: bool,
    pub task_timeout: Option<Duration>,
    pub connect: ConnectDefaults,
    pub tags: TagFilter,
    /// Start at the first task with this name (`--start-at-task`).
    pub start_at_task: Option<String>,
    /// Run notified handlers even on hosts that failed (`--force-handlers`).
    pub force_handlers: bool,
    pub roles_path: Vec<PathBuf>,
    /// Plays without `gather_facts` gather (ansible.cfg's `gathering`, default implicit).
    pub gather_by_default: bool,
    /// Facts are read from and written to `DIR/<host>` (JSON), as Ansible's jsonfile cache.
    pub fact_cache: Option<FactCache>,
    /// Ask on the terminal before each task (`--step`).
    pub step: bool,
    /// Directories of Ansible collections (ansible.cfg's `collections_path`).
    pub collections_path: Vec<PathBuf>,
    /// `-M`: directories of Ansible modules searched first.
    pub module_path: Vec<PathBuf>,
    /// ANSIBLE_LIBRARY or ansible.cfg's `library`: module directories searched after those
    /// beside the playbook (empty: Ansible's defaults).
    pub library: Vec<PathBuf>,
    /// `--strict`: see `playbook::LoadOptions::strict`.
    pub strict: bool,
    /// `-v` count, passed to Ansible's modules as `_ansible_verbosity`.
    pub verbosity: u8,
    /// `--shard K/N`: only the inventory hosts whose name hashes to K (`shard`).
    pub shard: Option<shard::Shard>,
}

/// Read-only state shared by every host task of a run.
pub struct Shared {
    pub templar: Templar,
    pub extra_vars: Layer,
    pub check: bool,
    pub diff: bool,
    pub playbook_dir: PathBuf,
    pub marker: String,
    pub omit: String,
    pub task_timeout: Option<Duration>,
    pub connect: ConnectDefaults,
    /// The inventory as `group_by` and `add_host` have changed it, and their changes not yet
    /// applied (`inventory_changes`).
    pub live_inventory: std::sync::Mutex<Inventory>,
    pub inventory_changes: std::sync::Mutex<Vec<crate::modules::InventoryChange>>,
    /// Counts the changes applied to `live_inventory`, so runners know when to re-read it.
    pub inventory_generation: std::sync::atomic::AtomicU64,
    /// Connections to hosts that tasks are delegated to: one per delegate host; hosts that
    /// ask while it connects share that attempt's outcome (`delegates.rs`).
    pub delegates: delegates::Delegates,
    /// One semaphore per `throttle`d task (by its place), shared by the steps and, under the
    /// free strategy, by the hosts that run it.
    pub throttles: std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Semaphore>>>,
    pub tags: TagFilter,
    /// Tasks run on one persistent remote shell per connection (the default), not one SSH
    /// exec each; `RCONF_PERSISTENT_SHELL=0` turns it off.
    pub persistent_shell: bool,
    /// `--step`: still asking before each task (false once answered `c`).
    pub step: std::sync::atomic::AtomicBool,
    /// Where Ansible's own modules and collections are, for tasks that run them.
    pub finder: Arc<crate::ansible::Finder>,
    /// `-v` count.
    pub verbosity: u8,
}

/// The result of a whole run: per-host stats and the exit code they imply.
#[derive(Debug)]
pub struct RunSummary {
    pub stats: IndexMap<String, Stats>,
}

impl RunSummary {
    pub fn exit_code(&self) -> i32 {
        if self.stats.values().any(|s| s.unreachable > 0) {
            exit::UNREACHABLE
        } else if self.stats.values().any(|s| s.failed > 0) {
            exit::FAILED
        } else {
            exit::OK
        }
    }

    /// Hosts on which some task reported `changed`: in check mode, the hosts that drifted.
    pub fn changed_hosts(&self) -> Vec<&str> {
        self.stats
            .iter()
            .filter(|(_, s)| s.changed > 0)
            .map(|(h, _)| h.as_str())
            .collect()
    }

    /// The exit code of a drift check: UNREACHABLE, then FAILED, then DRIFT, then OK.
    pub fn check_exit_code(&self) -> i32 {
        match self.exit_code() {
            exit::OK if !self.changed_hosts().is_empty() => exit::DRIFT,
            code => code,
        }
    }
}

/// Everything statically checkable, before any host is contacted.
pub fn prepare(opts: &RunOptions) -> Result<(Playbook, Inventory), Error> {
    let (mut playbooks, inventory) = prepare_all(opts, std::slice::from_ref(&opts.playbook))?;
    Ok((playbooks.remove(0), inventory))
}

/// `prepare` for several playbooks run one after the other (`rconf run a.yml b.yml`): each
/// loaded on its own, one inventory for all of them with the `group_vars/` and `host_vars/`
/// beside each playbook.
pub fn prepare_all(
    opts: &RunOptions,
    paths: &[PathBuf],
) -> Result<(Vec<Playbook>, Inventory), Error> {
    let mut errors = Vec::new();
    let load_opts = LoadOptions {
        roles_path: opts.roles_path.clone(),
        gather_by_default: opts.gather_by_default,
        collections_path: opts.collections_path.clone(),
        module_path: opts.module_path.clone(),
        library: opts.library.clone(),
        strict: opts.strict,
        extra_vars: opts.extra_vars.clone(),
    };
    let mut playbooks = Vec::new();
    let mut all_loaded = true;
    for path in paths {
        match playbook::load(path, &load_opts) {
            Ok(p) => playbooks.push(p),
            Err(e) => {
                collect(&mut errors, e);
                all_loaded = false;
            }
        }
    }
    for w in playbooks.iter().flat_map(|p| p.warnings.iter()) {
        eprintln!("warning: {w}");
    }
    let mut inventory = Inventory::load(&opts.inventory)
        .map_err(|e| collect(&mut errors, e))
        .ok();
    if let (Some(inv), Some(limit)) = (inventory.as_ref(), opts.limit.as_deref())
        && let Err(e) = inv.check_limit("all", limit)
    {
        collect(&mut errors, e);
    }
    // group_vars/ and host_vars/ beside the playbook win over those beside the inventory.
    let mut dirs: Vec<&Path> = Vec::new();
    for pb in &playbooks {
        if !dirs.contains(&pb.dir.as_path()) {
            dirs.push(&pb.dir);
        }
    }
    if let Some(inv) = inventory.as_mut() {
        for dir in dirs {
            if let Err(e) = inv.load_vars_dirs(dir) {
                collect(&mut errors, e);
            }
        }
    }
    for (name, at) in playbooks
        .iter()
        .flat_map(|p| p.plays.iter())
        .flat_map(|p| p.prompts.iter())
    {
        if !opts.extra_vars.contains_key(name) {
            let msg = format!(
                "`vars_prompt` `{name}` has no value: rconf does not prompt; pass it with `-e {name}=...`"
            );
            errors.push(crate::error::Diagnostic::at(at.clone(), msg));
        }
    }
    match inventory {
        Some(i) if errors.is_empty() && all_loaded => Ok((playbooks, i)),
        _ => Err(Error::Input(errors)),
    }
}

fn collect(into: &mut Vec<crate::error::Diagnostic>, e: Error) {
    match e {
        Error::Input(ds) => into.extend(ds),
        Error::Usage(m) => into.push(crate::error::Diagnostic::new(m)),
    }
}

/// Runs a loaded playbook against the inventory, sending every event to `reporter`.
pub async fn run(
    opts: &RunOptions,
    playbook: Playbook,
    inventory: Inventory,
    reporter: &mut dyn Reporter,
) -> RunSummary {
    // Hosts `add_host` adds later belong to every shard: the shard owns the hosts it adds.
    let known: std::collections::HashSet<String> = inventory.hosts.keys().cloned().collect();
    let shared = Arc::new(shared(opts, &playbook, inventory));
    let limit: Option<std::collections::HashSet<String>> = opts.limit.as_ref().map(|pattern| {
        select_or_warn(&shared.inventory(), pattern, reporter)
            .into_iter()
            .collect()
    });
    // Every inventory host has a state from the start, so `hostvars` knows hosts no play has
    // reached yet (their inventory variables, and their facts from the fact cache).
    let source = inventory_source(&opts.inventory);
    let new_state = |h: &String| host_state(&shared, opts, source.as_ref(), h);
    // The names first: `new_state` reads the inventory under its lock too.
    let mut names: Vec<String> = shared.inventory().hosts.keys().cloned().collect();
    // Ansible's implicit localhost too, when the inventory lacks one: `hostvars['localhost']`
    // finds it, and facts delegated to it (`delegate_facts`) stay there.
    if shared.inventory().is_implicit_localhost("localhost") {
        names.push("localhost".to_string());
    }
    let mut states: IndexMap<String, HostState> =
        names.iter().map(|h| (h.clone(), new_state(h))).collect();
    let mut stats: IndexMap<String, Stats> = IndexMap::new();
    let run_magic = run_magic(opts);
    let playbook = Arc::new(playbook);
    let mut start_at = opts.start_at_task.clone();
    let announce = |at: usize, reporter: &mut dyn Reporter| {
        for f in playbook.files.iter().filter(|f| f.first_play == at) {
            reporter.event(&Event::PlaybookStart {
                path: &f.path,
                plays: f.plays,
            });
        }
    };
    for (pi, play) in playbook.plays.iter().enumerate() {
        announce(pi, reporter);
        // group_by and add_host of earlier plays count from here on.
        match inventory_changes::apply(&shared) {
            Ok(_) => inventory_changes::refresh_group_names(&shared, &mut states),
            Err(e) => reporter.event(&Event::Warning(&e)),
        }
        let mut hosts: Vec<String> = select_or_warn(&shared.inventory(), &play.hosts, reporter)
            .into_iter()
            .filter(|h| limit.as_ref().is_none_or(|l| l.contains(h)))
            .filter(|h| in_shard(opts, |h| known.contains(h), h))
            .collect();
        play.order.apply(&mut hosts);
        reporter.event(&Event::PlayStart {
            name: &play.name,
            hosts: &hosts,
        });
        if hosts.is_empty() {
            let msg = format!(
                "no hosts matched for play `{}` (pattern `{}`)",
                play.name, play.hosts
            );
            reporter.event(&Event::Warning(&msg));
            continue;
        }
        for h in &hosts {
            states.entry(h.clone()).or_insert_with(|| new_state(h));
            stats.entry(h.clone()).or_default();
        }
        let batches = match select::batches(&hosts, &play.serial) {
            Ok(b) => b,
            Err(e) => {
                reporter.event(&Event::Warning(&e));
                vec![hosts.clone()]
            }
        };
        let magic = play_magic(opts, &shared, play, &hosts, &playbook.dir, &run_magic);
        for batch in batches {
            let mut runner = PlayRunner::new(&shared, &playbook, pi, &magic, batch, opts);
            runner.start_at = start_at.take();
            runner.run_batch(&mut states, &mut stats, reporter).await;
            start_at = runner.start_at.take();
            let all_failed = runner
                .hosts
                .iter()
                .all(|h| states.get(h).is_none_or(|s| s.failed || s.unreachable));
            if runner.aborted || all_failed {
                break;
            }
        }
    }
    if let Some(dir) = &opts.fact_cache {
        for (name, state) in &states {
            if let Err(e) = facts_cache::write(dir, name, state) {
                reporter.event(&Event::Warning(&e));
            }
        }
    }
    reporter.event(&Event::Recap { stats: &stats });
    close_connections(states).await;
    for conn in shared.delegates.take_all() {
        if let Ok(conn) = Arc::try_unwrap(conn) {
            conn.close().await;
        }
    }
    RunSummary { stats }
}

impl Shared {
    /// The semaphore of a task with `throttle: n`.
    pub fn throttle(&self, task: &crate::playbook::Task, n: usize) -> Arc<tokio::sync::Semaphore> {
        self.throttles
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(task.location.to_string())
            .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(n)))
            .clone()
    }

    /// The live inventory (as `group_by` and `add_host` have changed it so far).
    pub fn inventory(&self) -> std::sync::MutexGuard<'_, Inventory> {
        self.live_inventory
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The run's read-only state (and the live inventory that `group_by`/`add_host` change).
fn shared(opts: &RunOptions, playbook: &Playbook, inventory: Inventory) -> Shared {
    let marker = random_token();
    Shared {
        templar: Templar::new(),
        extra_vars: layer_from_json(&opts.extra_vars),
        check: opts.check,
        diff: opts.diff,
        playbook_dir: playbook.dir.clone(),
        omit: format!("__omit_place_holder__{marker}"),
        marker: format!("\u{1e}rconf-result-{marker}\u{1e}"),
        task_timeout: opts.task_timeout,
        connect: opts.connect.clone(),
        live_inventory: std::sync::Mutex::new(inventory),
        inventory_changes: std::sync::Mutex::new(Vec::new()),
        inventory_generation: std::sync::atomic::AtomicU64::new(0),
        delegates: delegates::Delegates::default(),
        throttles: std::sync::Mutex::default(),
        tags: opts.tags.clone(),
        persistent_shell: std::env::var("RCONF_PERSISTENT_SHELL").map_or(true, |v| v != "0"),
        step: std::sync::atomic::AtomicBool::new(opts.step),
        finder: playbook.finder.clone(),
        verbosity: opts.verbosity,
    }
}

/// A host's state before its first task: its inventory variables, the magic variables of its
/// inventory entry as Ansible sets them, and its facts from the fact cache.
fn host_state(
    shared: &Shared,
    opts: &RunOptions,
    source: Option<&(String, Option<String>)>,
    h: &str,
) -> HostState {
    let inventory = shared.inventory();
    let mut vars = layer_from_json(&inventory.host_vars(h));
    let names = JValue::from_iter(inventory.group_names(h).into_iter().map(JValue::from));
    vars.insert("group_names".into(), names);
    if let Some((dir, file)) = source {
        vars.insert("inventory_dir".into(), JValue::from(dir.as_str()));
        if let Some(file) = file {
            vars.insert("inventory_file".into(), JValue::from(file.as_str()));
        }
    }
    drop(inventory);
    let mut state = HostState::new(h.to_string(), Arc::new(vars));
    if let Some(facts) = opts
        .fact_cache
        .as_ref()
        .and_then(|d| facts_cache::read(d, h))
    {
        let (facts, cacheable) = facts_cache::split(facts);
        state.set_facts(&facts);
        for (k, v) in &cacheable {
            state.set_data(k, crate::template::to_jinja(v));
        }
        state.cacheable = cacheable;
    }
    state
}

/// The magic variables every host of a play sees (the batch's own are added per batch).
fn play_magic(
    opts: &RunOptions,
    shared: &Shared,
    play: &crate::playbook::Play,
    hosts: &[String],
    playbook_dir: &std::path::Path,
    run_magic: &Layer,
) -> Layer {
    let mut magic = Layer::new();
    magic.insert("groups".into(), inventory_changes::groups(shared));
    let all_hosts = JValue::from_iter(hosts.iter().map(|h| JValue::from(h.as_str())));
    magic.insert("ansible_play_hosts_all".into(), all_hosts);
    magic.insert("ansible_play_name".into(), JValue::from(play.name.as_str()));
    magic.insert("ansible_check_mode".into(), JValue::from(opts.check));
    magic.insert("ansible_diff_mode".into(), JValue::from(opts.diff));
    magic.insert("playbook_dir".into(), JValue::from(absolute(playbook_dir)));
    magic.insert("omit".into(), JValue::from(shared.omit.as_str()));
    for (k, v) in run_magic {
        magic.insert(k.clone(), v.clone());
    }
    magic
}

/// Closes every connection the run opened (their shells end, abandoned commands are killed).
async fn close_connections(states: IndexMap<String, HostState>) {
    for (_, s) in states {
        for (_, c) in s.conn.into_iter().chain(s.other_conns) {
            if let Ok(conn) = Arc::try_unwrap(c) {
                conn.close().await;
            }
        }
    }
}

/// Whether the run's shard has `host`. A host that `add_host` brought in belongs to the
/// shard that added it: no other shard knows it.
/// Whether the run's shard (all, without one) owns `host`; `known` says whether the host was
/// in the inventory the run started with (a host added later belongs to the shard adding it).
fn in_shard(opts: &RunOptions, known: impl Fn(&str) -> bool, host: &str) -> bool {
    opts.shard.is_none_or(|s| s.owns(host) || !known(host))
}

/// The inventory hosts a run may touch: those `--limit` leaves (all without one) in the
/// run's shard; the run lock claims them. An inventory without hosts has the implicit
/// `localhost`.
pub fn selected_hosts(opts: &RunOptions, inventory: &Inventory) -> Vec<String> {
    if inventory.hosts.is_empty() {
        return vec!["localhost".into()];
    }
    let pattern = opts.limit.as_deref().unwrap_or("all");
    let mut hosts = inventory.select(pattern).unwrap_or_default();
    hosts.retain(|h| in_shard(opts, |h| inventory.hosts.contains_key(h), h));
    hosts
}

fn select_or_warn(
    inventory: &Inventory,
    pattern: &str,
    reporter: &mut dyn Reporter,
) -> Vec<String> {
    match inventory.select(pattern) {
        Ok(h) => h,
        Err(e) => {
            reporter.event(&Event::Warning(&e.to_string()));
            Vec::new()
        }
    }
}

fn absolute(p: &std::path::Path) -> String {
    std::fs::canonicalize(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}

/// A random hex token: separates a script's payload from its result, and names `omit`.
fn random_token() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..16)
        .map(|_| format!("{:x}", rng.random_range(0..16u8)))
        .collect()
}

/// The ansible-core release whose behaviour rconf follows, as `ansible_version` reports it to
/// playbooks that check it.
pub const ANSIBLE_COMPAT: (u32, u32, u32) = (2, 19, 0);

/// Magic variables of the run: `ansible_version`, `ansible_run_tags`, `ansible_skip_tags`,
/// `ansible_forks`, `ansible_playbook_python`, `ansible_inventory_sources` and, with `-l`,
/// `ansible_limit`.
fn run_magic(opts: &RunOptions) -> Layer {
    let (major, minor, revision) = ANSIBLE_COMPAT;
    let full = format!("{major}.{minor}.{revision}");
    let mut m = Layer::new();
    m.insert(
        "ansible_version".into(),
        to_jinja(&serde_json::json!({
            "full": full, "major": major, "minor": minor, "revision": revision, "string": full,
        })),
    );
    let tags = |t: &[String], default: &[&str]| {
        if t.is_empty() {
            JValue::from_iter(default.iter().map(|s| JValue::from(*s)))
        } else {
            JValue::from_iter(t.iter().map(|s| JValue::from(s.as_str())))
        }
    };
    m.insert("ansible_run_tags".into(), tags(&opts.tags.only, &["all"]));
    m.insert("ansible_skip_tags".into(), tags(&opts.tags.skip, &[]));
    m.insert("ansible_forks".into(), JValue::from(opts.forks));
    if let Some(py) = crate::ansible::controller_python() {
        let py = py.display().to_string();
        m.insert("ansible_playbook_python".into(), JValue::from(py));
    }
    let sources = opts.inventory.iter().map(|i| {
        let p = Path::new(i);
        JValue::from(if p.exists() { absolute(p) } else { i.clone() })
    });
    m.insert(
        "ansible_inventory_sources".into(),
        JValue::from_iter(sources),
    );
    if let Some(limit) = &opts.limit {
        m.insert("ansible_limit".into(), JValue::from(limit.as_str()));
    }
    m
}

/// `inventory_dir` and `inventory_file` when the inventory is one file or directory (a comma
/// list has neither, as in Ansible).
fn inventory_source(inventory: &[String]) -> Option<(String, Option<String>)> {
    let [only] = inventory else {
        return None;
    };
    let path = Path::new(only);
    if path.is_dir() {
        Some((absolute(path), None))
    } else if path.is_file() {
        let file = absolute(path);
        let dir = Path::new(&file)
            .parent()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        Some((dir, Some(file)))
    } else {
        None
    }
}
