//! `rconf check PLAYBOOK -i INVENTORY`: a drift check for cron and CI. A check-mode run with
//! diffs whose exit code says whether every host is in sync, with a drift report as text, JSON
//! and JUnit XML, recorded in the history, and an `--on-drift` hook.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{Value, json};

use super::history::{Capture, HistoryArgs, absolute};
use super::lock;
use super::private_tmp::PrivateDir;
use super::quiet::Quiet;
use super::run::CommonArgs;
use crate::history::RunRecord;
use crate::report::drift::{self, Drift};
use crate::report::human::Human;
use crate::report::{Fanout, Reporter, junit};
use crate::run::{self, exit};

#[derive(Debug, Args)]
#[command(
    args_override_self = true,
    after_help = "Exit codes: 0 every host in sync, 3 drift found, 2 a host failed, \
                        4 a host was unreachable (4 wins over 2, 2 over 3), 6 another run of \
                        this playbook and inventory holds the lock, 5 bad input, 1 internal error or a \
                        --report/--junit file not written (when it would be 0)."
)]
pub struct CheckArgs {
    /// The playbook that describes the wanted state (Ansible syntax).
    pub playbook: PathBuf,
    /// Write the JSON report (schema `rconf.report/1` with a `drift` section) to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Write a JUnit XML report (one test case per host and task; drift is a failure).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write one self-contained HTML page of the check: hosts x tasks, failures with their
    /// origin, diffs folded per file.
    #[arg(long, value_name = "FILE")]
    pub report_html: Option<PathBuf>,
    /// Print only drift and failures (nothing at all when every host is in sync).
    #[arg(short, long)]
    pub quiet: bool,
    /// Run this command (`sh -c`) when drift is found; `RCONF_REPORT` holds the JSON report's
    /// path, `RCONF_DRIFTED_HOSTS` the drifted hosts.
    #[arg(long, value_name = "CMD")]
    pub on_drift: Option<String>,
    #[command(flatten)]
    pub history: HistoryArgs,
    #[command(flatten)]
    pub shard: super::shard::ShardArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

impl CheckArgs {
    pub async fn execute(&self) -> i32 {
        let c = &self.common;
        let mut opts = match c.options(self.playbook.clone()) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("error: {}", e.rendered());
                return exit::BAD_INPUT;
            }
        };
        opts.check = true;
        opts.diff = true;
        opts.shard = match self.shard.shard() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        };
        // Before the inventory is read: a dynamic inventory can be slow, and the next cron
        // check must be refused at once rather than wait for it too.
        let selection = lock::selection(opts.limit.as_deref(), opts.shard);
        let mut locks = match lock::guard(&self.playbook, &opts.inventory, &selection) {
            Ok(l) => vec![l],
            Err(code) => return code,
        };
        let (playbook, inventory) = match run::prepare(&opts) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("error: {}", e.rendered());
                return exit::BAD_INPUT;
            }
        };
        if let Err(code) = lock::claim(&mut locks, &run::selected_hosts(&opts, &inventory)) {
            return code;
        }
        if c.flush_cache
            && let Some(dir) = &opts.fact_cache
        {
            super::run::flush_fact_cache(dir, inventory.hosts.keys());
        }
        let color = c.color();
        let human = Human::new(Box::new(std::io::stdout()), color, c.verbose)
            .with_result_format(super::ansible_cfg::result_format());
        let human: Box<dyn Reporter> = if self.quiet {
            Box::new(Quiet::new(human))
        } else {
            Box::new(human)
        };
        let capture = Capture::new();
        let meta = json!({
            "command": "check",
            "playbook": self.playbook.display().to_string(),
            "inventory": opts.inventory,
            "check": true,
            "diff": true,
        });
        let meta = meta.as_object().cloned().unwrap_or_default();
        let mut fanout = Fanout(vec![human, capture.reporter(meta)]);
        let summary = run::run(&opts, playbook, inventory, &mut fanout).await;
        drop(fanout);
        let code = summary.check_exit_code();
        let Some(mut doc) = capture.take() else {
            eprintln!("error: the run's report could not be read back: no drift report");
            return code;
        };
        let drift = drift::analyze(&doc);
        let run_id = self.history.record(&RunRecord {
            command: "check",
            check_mode: true,
            playbook: absolute(&self.playbook),
            inventory: opts
                .inventory
                .iter()
                .map(|i| absolute(Path::new(i)))
                .collect(),
            exit_code: code,
            report: &doc,
            project: self.history.project(&self.playbook),
            run_key: self.shard.run_id(),
            shard: opts.shard.map(|s| s.to_string()),
        });
        if let Value::Object(m) = &mut doc {
            m.insert("drift".into(), drift.to_json());
            m.insert("exit_code".into(), code.into());
            m.insert("history_run_id".into(), run_id.into());
        }
        let nothing_to_say = drift.drifted().is_empty() && code == exit::OK;
        if !(self.quiet && nothing_to_say) {
            // Like the reporters' output: a reader that went away (`| head`) must not stop
            // the check before its report files, hook and exit code.
            let mut out = std::io::stdout().lock();
            let _ = out
                .write_all(drift.text(self.quiet, color).as_bytes())
                .and_then(|()| out.flush());
        }
        let json = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
        let report_written = self.report.as_deref().map(|path| write_file(path, &json));
        let junit_written = self.junit.as_deref().map(|path| {
            let title = format!("rconf check {}", self.playbook.display());
            write_file(path, &junit::render(&doc, &title))
        });
        let html_written = self
            .report_html
            .as_deref()
            .map(|path| write_file(path, &crate::report::html::run_page(&doc)));
        if let (Some(cmd), false) = (&self.on_drift, drift.drifted().is_empty()) {
            let report = self
                .report
                .as_deref()
                .filter(|_| report_written == Some(true));
            self.on_drift(cmd, report, &json, &drift, code);
        }
        // A report that was asked for and not written fails a check that would otherwise
        // pass; drift, failed and unreachable hosts keep their own code (README).
        let unwritten = [report_written, junit_written, html_written].contains(&Some(false));
        if unwritten && code == exit::OK {
            exit::ERROR
        } else {
            code
        }
    }

    /// Runs the `--on-drift` command with the report's path in `RCONF_REPORT`: the `--report`
    /// file, else a copy in a private temp directory removed afterwards. Its failure is a
    /// warning: the check's exit code stays the check's.
    fn on_drift(&self, cmd: &str, report: Option<&Path>, json: &str, drift: &Drift, code: i32) {
        // Kept until the command is done, then removed with the copy in it.
        let mut private = None;
        let report = match report {
            Some(p) => p.to_path_buf(),
            None => {
                let written = PrivateDir::new("rconf-on-drift").and_then(|dir| {
                    let path = dir.write("report.json", json.as_bytes())?;
                    Ok((dir, path))
                });
                match written {
                    Ok((dir, path)) => {
                        private = Some(dir);
                        path
                    }
                    Err(e) => {
                        eprintln!(
                            "[WARNING]: --on-drift: cannot write the report into a private temp \
                             directory: {e}; RCONF_REPORT is empty"
                        );
                        PathBuf::new()
                    }
                }
            }
        };
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .env("RCONF_REPORT", &report)
            .env("RCONF_DRIFTED_HOSTS", drift.drifted().join(" "))
            .env("RCONF_EXIT_CODE", code.to_string())
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => eprintln!("[WARNING]: the --on-drift command `{cmd}` exited with {s}"),
            Err(e) => eprintln!("[WARNING]: cannot run the --on-drift command `{cmd}`: {e}"),
        }
        drop(private);
    }
}

/// Writes a report file atomically; a failure is printed, and `false`.
/// Writes `text` to `path` whole (a temporary file renamed), or says why not and returns false.
pub(super) fn write_file(path: &Path, text: &str) -> bool {
    let tmp = path.with_extension("rconf-tmp");
    let result = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        eprintln!("error: cannot write `{}`: {e}", path.display());
        return false;
    }
    true
}
