//! `rconf history` (list runs, one host's drift timeline, a stored report, pruning), and the
//! `--history`/`--no-history`/`--keep` options with which `run` and `check` record themselves.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::{Map, Value};

use super::private_tmp::PrivateDir;
use crate::history::{self, HostEvent, Keep, RunRecord, Store, timeline};
use crate::report::json::JsonReport;
use crate::report::{Event, Reporter};
use crate::run::exit;

/// How a run or check is recorded in the history.
#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    /// History database to record into [default: $XDG_STATE_HOME/rconf/history.db, else
    /// ~/.local/state/rconf/history.db].
    #[arg(long = "history", value_name = "PATH")]
    pub history: Option<PathBuf>,
    /// Do not record this run in the history.
    #[arg(long, conflicts_with = "history")]
    pub no_history: bool,
    /// After recording, keep only the newest N runs (`100`) or the last N days (`30d`).
    #[arg(long, value_name = "N|Nd", env = "RCONF_HISTORY_KEEP")]
    pub keep: Option<Keep>,
}

impl HistoryArgs {
    /// The database to record into, or `None` when recording is off.
    pub fn path(&self) -> Option<PathBuf> {
        if self.no_history {
            return None;
        }
        self.history.clone().or_else(history::default_path)
    }

    /// Records a finished run. A history that cannot be written is a warning, never a failed
    /// run: the caller's exit code stands.
    pub fn record(&self, run: &RunRecord) -> Option<i64> {
        let path = self.path()?;
        let result = Store::open(&path).and_then(|mut store| {
            let id = store.record(run)?;
            if let Some(keep) = self.keep {
                store.prune(keep)?;
            }
            Ok(id)
        });
        match result {
            Ok(id) => Some(id),
            Err(e) => {
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

/// `rconf history`: list recorded runs, one host's timeline, or a stored report.
#[derive(Debug, Args)]
pub struct HistoryCmd {
    #[command(subcommand)]
    pub action: Option<HistoryAction>,
    /// Show this host's timeline: every run that included it, and when drift appeared and was
    /// fixed.
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// How many runs to list, newest first.
    #[arg(short = 'n', long, default_value_t = 20, value_name = "N")]
    pub last: u64,
    /// Write the drift timeline of these runs (hosts x runs, where drift appeared and was
    /// fixed) as one self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// History database [default: $XDG_STATE_HOME/rconf/history.db, else
    /// ~/.local/state/rconf/history.db].
    #[arg(long = "history", value_name = "PATH", global = true)]
    pub history: Option<PathBuf>,
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
        let Some(path) = self.history.clone().or_else(history::default_path) else {
            eprintln!("error: no history location: set HOME or XDG_STATE_HOME, or pass --history");
            return exit::BAD_INPUT;
        };
        let mut store = match Store::open_existing(&path) {
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
            (None, host) if self.html.is_some() => self.html_page(&store, host.as_deref()),
            (None, Some(host)) => self.host_timeline(&store, host),
            (None, None) => self.list(&store),
        };
        result.unwrap_or_else(|e| {
            eprintln!("error: {e}");
            exit::ERROR
        })
    }

    fn html_page(&self, store: &Store, host: Option<&str>) -> Result<i32, history::HistoryError> {
        let page = crate::report::html::history_from(store, self.last, host)?;
        let path = self.html.as_deref().unwrap_or(std::path::Path::new("-"));
        Ok(if super::check::write_file(path, &page) {
            exit::OK
        } else {
            exit::ERROR
        })
    }

    fn list(&self, store: &Store) -> Result<i32, history::HistoryError> {
        let runs = store.runs(self.last)?;
        if runs.is_empty() {
            println!("no runs recorded in `{}`", store.path().display());
            return Ok(exit::OK);
        }
        println!(
            "{:>5}  {:<24}  {:<7}  {:>5}  {:>7}  {:>6}  {:>4}  PLAYBOOK",
            "RUN", "STARTED", "COMMAND", "HOSTS", "DRIFTED", "FAILED", "EXIT"
        );
        for r in runs {
            println!(
                "{:>5}  {:<24}  {:<7}  {:>5}  {:>7}  {:>6}  {:>4}  {}",
                r.id,
                r.started,
                command_label(&r.command, r.check_mode),
                r.hosts,
                r.drifted,
                r.failed,
                r.exit_code,
                r.playbook
            );
        }
        Ok(exit::OK)
    }

    fn host_timeline(&self, store: &Store, host: &str) -> Result<i32, history::HistoryError> {
        let rows = store.host_rows(host)?;
        if rows.is_empty() {
            println!("no recorded run included host `{host}`");
            return Ok(exit::OK);
        }
        println!("history of {host}, oldest first");
        println!(
            "{:>5}  {:<24}  {:<7}  {:<11}  {:<14}  PLAYBOOK",
            "RUN", "STARTED", "COMMAND", "STATE", "EVENT"
        );
        let events = timeline(&rows);
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
        Ok(exit::OK)
    }
}
