//! `rconf history` (list runs, one host's drift timeline, a stored report, pruning), and the
//! `--history`/`--no-history`/`--keep` options with which `run` and `check` record themselves.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::{Map, Value};

use super::private_tmp::PrivateDir;
use crate::history::{self, HistoryStore, HostEvent, Keep, RunRecord, timeline};
use crate::report::json::JsonReport;
use crate::report::{Event, Reporter};
use crate::run::exit;

/// How a run or check is recorded in the history.
#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    /// History to record into: a SQLite file, or a shared PostgreSQL database
    /// (`postgresql://user@host/db?sslmode=require`) [default: RCONF_HISTORY_URL, else
    /// `history` in ansible.cfg's [rconf] section, else $XDG_STATE_HOME/rconf/history.db, else
    /// ~/.local/state/rconf/history.db].
    #[arg(long = "history", value_name = "PATH|URL")]
    pub history: Option<String>,
    /// Do not record this run in the history.
    #[arg(long, conflicts_with = "history")]
    pub no_history: bool,
    /// After recording, keep only the newest N runs (`100`) or the last N days (`30d`).
    #[arg(long, value_name = "N|Nd", env = "RCONF_HISTORY_KEEP")]
    pub keep: Option<Keep>,
    /// Record the run under this project [default: the playbook's directory]. A host's
    /// history is read per project, so two projects' `web01` stay apart.
    #[arg(long, value_name = "NAME", env = "RCONF_PROJECT")]
    pub project: Option<String>,
}

/// The history in use: `--history`, else `RCONF_HISTORY_URL`, else ansible.cfg's `[rconf]
/// history`, else the default file.
pub fn location(given: Option<&str>) -> Option<history::Location> {
    let given = given.map(str::to_string).filter(|s| !s.trim().is_empty());
    let from_env = || {
        std::env::var("RCONF_HISTORY_URL")
            .ok()
            .filter(|s| !s.trim().is_empty())
    };
    let from_cfg = || super::ansible_cfg::load().ok().and_then(|c| c.history);
    match given.or_else(from_env).or_else(from_cfg) {
        Some(s) => Some(history::Location::parse(&s)),
        None => history::default_path().map(history::Location::Sqlite),
    }
}

/// Opens the history, first uploading what the spool kept of a shared one.
fn open_and_drain(
    location: &history::Location,
    existing: bool,
) -> Result<Box<dyn HistoryStore>, history::HistoryError> {
    let mut store = if existing {
        location.open_existing()?
    } else {
        location.open()?
    };
    if let history::Location::Postgres(url) = location
        && let Some(dir) = history::spool::dir(url)
    {
        let n = history::spool::upload(&dir, store.as_mut());
        if n > 0 {
            eprintln!("[INFO]: uploaded {n} run(s) kept while the shared history was unreachable");
        }
    }
    Ok(store)
}

impl HistoryArgs {
    /// The history to record into, or `None` when recording is off.
    pub fn location(&self) -> Option<history::Location> {
        if self.no_history {
            return None;
        }
        location(self.history.as_deref())
    }

    /// The project a run of `playbook` belongs to.
    pub fn project(&self, playbook: &std::path::Path) -> String {
        match self.project.as_deref().map(str::trim) {
            Some(p) if !p.is_empty() => p.to_string(),
            _ => default_project(playbook),
        }
    }

    /// Records a finished run. A history that cannot be written is a warning, never a failed
    /// run: the caller's exit code stands. A shared history that cannot take it gets it next
    /// time, from the spool.
    pub fn record(&self, run: &RunRecord) -> Option<i64> {
        let location = self.location()?;
        let rows = history::Rows::of(run);
        let result = open_and_drain(&location, false).and_then(|mut store| {
            let id = store.insert(&rows)?;
            if let Some(keep) = self.keep {
                store.prune(keep)?;
            }
            Ok(id)
        });
        match (result, &location) {
            (Ok(id), _) => Some(id),
            (Err(e), history::Location::Postgres(url)) => {
                let kept = history::spool::dir(url)
                    .ok_or_else(|| "no state directory (set HOME or XDG_STATE_HOME)".to_string())
                    .and_then(|d| history::spool::save(&d, &rows).map_err(|e| e.to_string()));
                match kept {
                    Ok(path) => eprintln!(
                        "[WARNING]: {e}; the run is kept in `{}` and recorded there by the next run or `rconf history`",
                        path.display()
                    ),
                    Err(why) => eprintln!(
                        "[WARNING]: this run was not recorded in the history: {e}; nor kept locally: {why}"
                    ),
                }
                None
            }
            (Err(e), _) => {
                eprintln!("[WARNING]: this run was not recorded in the history: {e}");
                None
            }
        }
    }
}

/// A run's `rconf.report/1` document, captured through a JSON report in a private temp
/// directory (the report holds results and diffs), removed with it when dropped.
pub struct Capture {
    dir: Option<PrivateDir>,
}

impl Default for Capture {
    fn default() -> Self {
        Capture::new()
    }
}

impl Capture {
    pub fn new() -> Capture {
        let dir = PrivateDir::new("rconf-report")
            .map_err(|e| {
                let tmp = std::env::temp_dir();
                eprintln!(
                    "[WARNING]: cannot create a private directory in `{}` for the run's report: {e}",
                    tmp.display()
                );
            })
            .ok();
        Capture { dir }
    }

    fn path(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.path().join("report.json"))
    }

    /// The reporter that writes the document (nowhere without a directory: `take` is `None`).
    pub fn reporter(&self, meta: Map<String, Value>) -> Box<dyn Reporter> {
        match self.path() {
            Some(path) => Box::new(JsonReport::new(path, meta)),
            None => Box::new(Discard),
        }
    }

    /// The document, once the run is over.
    pub fn take(&self) -> Option<Value> {
        let path = self.path()?;
        let text = std::fs::read(&path).ok()?;
        let _ = std::fs::remove_file(&path);
        serde_json::from_slice(&text).ok()
    }
}

struct Discard;

impl Reporter for Discard {
    fn event(&mut self, _: &Event) {}
}

/// The absolute playbook path, as the history and the lock know it.
pub fn absolute(p: &std::path::Path) -> String {
    std::fs::canonicalize(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}

/// A playbook's project when none is named: its directory, absolute.
pub fn default_project(playbook: &std::path::Path) -> String {
    let abs = std::fs::canonicalize(playbook).unwrap_or_else(|_| playbook.to_path_buf());
    abs.parent()
        .map(|d| d.display().to_string())
        .unwrap_or_default()
}

/// `rconf history`: list recorded runs, one host's timeline, or a stored report.
#[derive(Debug, Args)]
pub struct HistoryCmd {
    #[command(subcommand)]
    pub action: Option<HistoryAction>,
    /// Show this host's timeline: every run that included it, and when drift appeared and was
    /// fixed.
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// How many runs to list, newest first (the shards of one job count as one run).
    #[arg(short = 'n', long, default_value_t = 20, value_name = "N")]
    pub last: u64,
    /// Write the drift timeline of these runs (hosts x runs, where drift appeared and was
    /// fixed) as one self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Only this project's runs (as `rconf run --project` recorded them; by default a
    /// playbook's directory).
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// History to read: a SQLite file or a `postgresql://` URL [default: RCONF_HISTORY_URL,
    /// else ansible.cfg's [rconf] history, else $XDG_STATE_HOME/rconf/history.db, else
    /// ~/.local/state/rconf/history.db].
    #[arg(long = "history", value_name = "PATH|URL", global = true)]
    pub history: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum HistoryAction {
    /// Print the JSON report stored for a run.
    Show {
        /// The run's id, as `rconf history` lists it.
        run: i64,
    },
    /// Delete old runs: keep the newest N (`100`) or the last N days (`30d`).
    Prune {
        #[arg(long, value_name = "N|Nd")]
        keep: Keep,
    },
}

fn command_label(command: &str, check: bool) -> &str {
    match (command, check) {
        ("run", true) => "run -C",
        (c, _) => c,
    }
}

impl HistoryCmd {
    pub fn execute(&self) -> i32 {
        let Some(location) = location(self.history.as_deref()) else {
            eprintln!("error: no history location: set HOME or XDG_STATE_HOME, or pass --history");
            return exit::BAD_INPUT;
        };
        let mut store = match open_and_drain(&location, true) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::ERROR;
            }
        };
        let result = match (&self.action, &self.host) {
            (Some(HistoryAction::Show { run }), _) => match store.report(*run) {
                Ok(Some(report)) => {
                    println!("{report}");
                    Ok(exit::OK)
                }
                Ok(None) => {
                    eprintln!("error: no run `{run}` in the history (see `rconf history`)");
                    Ok(exit::BAD_INPUT)
                }
                Err(e) => Err(e),
            },
            (Some(HistoryAction::Prune { keep }), _) => store.prune(*keep).map(|n| {
                println!("deleted {n} run(s)");
                exit::OK
            }),
            (None, host) if self.html.is_some() => self.html_page(store.as_ref(), host.as_deref()),
            (None, Some(host)) => self.host_timeline(store.as_ref(), host),
            (None, None) => self.list(store.as_ref()),
        };
        result.unwrap_or_else(|e| {
            eprintln!("error: {e}");
            exit::ERROR
        })
    }

    fn html_page(
        &self,
        store: &dyn HistoryStore,
        host: Option<&str>,
    ) -> Result<i32, history::HistoryError> {
        let page =
            crate::report::html::history_from(store, self.last, host, self.project.as_deref())?;
        let path = self.html.as_deref().unwrap_or(std::path::Path::new("-"));
        Ok(if super::check::write_file(path, &page) {
            exit::OK
        } else {
            exit::ERROR
        })
    }

    fn list(&self, store: &dyn HistoryStore) -> Result<i32, history::HistoryError> {
        let runs = store.runs_in(self.last, self.project.as_deref())?;
        if runs.is_empty() {
            println!("no runs recorded in `{}`", store.shown());
            return Ok(exit::OK);
        }
        println!(
            "{:>5}  {:<24}  {:<7}  {:>5}  {:>7}  {:>6}  {:>4}  {:<20}  PLAYBOOK",
            "RUN", "STARTED", "COMMAND", "HOSTS", "DRIFTED", "FAILED", "EXIT", "PROJECT"
        );
        for r in runs {
            println!(
                "{:>5}  {:<24}  {:<7}  {:>5}  {:>7}  {:>6}  {:>4}  {:<20}  {}",
                r.id,
                r.started,
                command_label(&r.command, r.check_mode),
                r.hosts,
                r.drifted,
                r.failed,
                r.exit_code,
                r.project,
                r.playbook
            );
            // Detail lines are indented, so that a reader can tell them from runs.
            if let Some(key) = &r.run_key {
                println!("{:>7}run id {key}: {} shard(s)", "", r.shards);
            }
            if !r.drifted_hosts.is_empty() {
                println!("{:>7}drifted: {}", "", r.drifted_hosts.join(", "));
            }
        }
        Ok(exit::OK)
    }

    /// One timeline per project: the same name in two projects is two hosts.
    fn host_timeline(
        &self,
        store: &dyn HistoryStore,
        host: &str,
    ) -> Result<i32, history::HistoryError> {
        let rows = store.host_rows_in(host, self.project.as_deref())?;
        if rows.is_empty() {
            match &self.project {
                Some(p) => println!("no recorded run of project `{p}` included host `{host}`"),
                None => println!("no recorded run included host `{host}`"),
            }
            return Ok(exit::OK);
        }
        let mut projects: Vec<&str> = Vec::new();
        for r in &rows {
            if !projects.contains(&r.project.as_str()) {
                projects.push(&r.project);
            }
        }
        for (i, project) in projects.iter().enumerate() {
            if i > 0 {
                println!();
            }
            let mine: Vec<_> = rows
                .iter()
                .filter(|r| r.project == *project)
                .cloned()
                .collect();
            project_timeline(host, project, &mine);
        }
        Ok(exit::OK)
    }
}

fn project_timeline(host: &str, project: &str, rows: &[history::HostRow]) {
    println!("history of {host} in project {project}, oldest first");
    println!(
        "{:>5}  {:<24}  {:<7}  {:<11}  {:<14}  PLAYBOOK",
        "RUN", "STARTED", "COMMAND", "STATE", "EVENT"
    );
    let events = timeline(rows);
    for (r, e) in rows.iter().zip(&events) {
        let event = match e {
            Some(HostEvent::Appeared) => "drift appeared",
            Some(HostEvent::Fixed) => "drift fixed",
            None => "",
        };
        println!(
            "{:>5}  {:<24}  {:<7}  {:<11}  {:<14}  {}",
            r.run_id,
            r.started,
            command_label(&r.command, r.check_mode),
            r.state,
            event,
            r.playbook
        );
        if r.check_mode && !r.resources.is_empty() {
            for res in &r.resources {
                println!("{:>7}~ {res}", "");
            }
        }
    }
    for (r, e) in rows.iter().zip(&events) {
        match e {
            Some(HostEvent::Appeared) => println!(
                "drift first seen: run {} at {} ({})",
                r.run_id,
                r.started,
                r.resources.join(", ")
            ),
            Some(HostEvent::Fixed) => println!(
                "drift fixed: run {} at {} ({})",
                r.run_id,
                r.started,
                command_label(&r.command, r.check_mode)
            ),
            None => {}
        }
    }
}
