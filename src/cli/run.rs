//! `rconf run PLAYBOOK -i INVENTORY`: apply a playbook.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde_json::json;

use super::{ColorChoice, HostKeyChecking, parse_extra_vars};
use crate::error::Error;
use crate::report::human::Human;
use crate::report::json::JsonReport;
use crate::report::{Fanout, Reporter};
use crate::run::{self, ConnectDefaults, RunOptions, exit};
use crate::transport::HostKeyPolicy;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The playbook to apply (Ansible syntax).
    pub playbook: PathBuf,
    /// Write the run's JSON report (schema `rconf.report/1`) to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Print only failures (no task lines, no recap).
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub history: super::history::HistoryArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Options shared by every command that contacts hosts.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Inventory: an INI or YAML file, a directory, or a comma list `h1,h2,`. Repeatable.
    /// Without it only the implicit `localhost` exists.
    #[arg(short, long = "inventory", value_name = "INVENTORY")]
    pub inventory: Vec<String>,
    /// Further limit the selected hosts to this pattern.
    #[arg(short, long, value_name = "PATTERN")]
    pub limit: Option<String>,
    /// Hosts worked on at once. rconf holds one SSH connection per host and no process per
    /// host, so the default is far above Ansible's 5.
    #[arg(short, long, default_value_t = 50, value_name = "N")]
    pub forks: usize,
    /// Extra variables (highest precedence): key=value, a JSON/YAML mapping, or @file. Repeatable.
    #[arg(short, long = "extra-vars", value_name = "VARS")]
    pub extra_vars: Vec<String>,
    /// Report what would change without changing anything.
    #[arg(short = 'C', long)]
    pub check: bool,
    /// Show the differences of changed files.
    #[arg(short = 'D', long)]
    pub diff: bool,
    /// Connect as this user when the inventory does not say (`ansible_user`).
    #[arg(short, long, value_name = "USER")]
    pub user: Option<String>,
    /// Private key file used when the inventory does not name one.
    #[arg(long, value_name = "FILE")]
    pub private_key: Option<PathBuf>,
    /// Seconds allowed to connect and authenticate to a host.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub connect_timeout: u64,
    /// Seconds a single task may run on a host before it fails (default: no limit).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Host key verification against ~/.ssh/known_hosts.
    #[arg(long, value_enum, default_value_t = HostKeyChecking::Yes, value_name = "MODE")]
    pub host_key_checking: HostKeyChecking,
    /// Colour in human output (auto: on a terminal, unless NO_COLOR is set).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// More output: -v shows every result, -vvv pretty-prints them.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

impl CommonArgs {
    /// Run options for `playbook` from these flags.
    pub fn options(&self, playbook: PathBuf) -> Result<RunOptions, Error> {
        let host_key_policy = match self.host_key_checking {
            HostKeyChecking::Yes => HostKeyPolicy::Strict,
            HostKeyChecking::AcceptNew => HostKeyPolicy::AcceptNew,
            HostKeyChecking::No => HostKeyPolicy::Off,
        };
        Ok(RunOptions {
            playbook,
            inventory: self.inventory.clone(),
            limit: self.limit.clone(),
            forks: self.forks,
            extra_vars: parse_extra_vars(&self.extra_vars)?,
            check: self.check,
            diff: self.diff,
            task_timeout: self.timeout.map(Duration::from_secs),
            connect: ConnectDefaults {
                user: self.user.clone(),
                private_key: self.private_key.clone(),
                connect_timeout: Duration::from_secs(self.connect_timeout),
                host_key_policy,
            },
        })
    }

    /// Whether human output gets colour.
    pub fn color(&self) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

impl RunArgs {
    /// Runs the playbook and returns the process exit code.
    pub async fn execute(&self) -> i32 {
        let c = &self.common;
        let result = c
            .options(self.playbook.clone())
            .and_then(|o| run::prepare(&o).map(|(p, i)| (o, p, i)));
        let (opts, playbook, inventory) = match result {
            Ok(x) => x,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        };
        let _lock = match super::lock::guard(&self.playbook, &c.inventory) {
            Ok(l) => l,
            Err(code) => return code,
        };
        let human = Human::new(Box::new(std::io::stdout()), c.color(), c.verbose);
        let mut reporters: Vec<Box<dyn Reporter>> = vec![if self.quiet {
            Box::new(super::quiet::Quiet::new(human))
        } else {
            Box::new(human)
        }];
        let meta = json!({
            "command": "run",
            "playbook": self.playbook.display().to_string(),
            "inventory": c.inventory,
            "check": c.check,
            "diff": c.diff,
        });
        let meta = meta.as_object().cloned().unwrap_or_default();
        if let Some(path) = &self.report {
            reporters.push(Box::new(JsonReport::new(path.clone(), meta.clone())));
        }
        let capture = self.history.path().map(|_| super::history::Capture::new());
        if let Some(capture) = &capture {
            reporters.push(capture.reporter(meta));
        }
        let mut fanout = Fanout(reporters);
        let summary = run::run(&opts, playbook, inventory, &mut fanout).await;
        drop(fanout);
        let code = summary.exit_code();
        if let Some(doc) = capture.and_then(|c| c.take()) {
            self.history.record(&crate::history::RunRecord {
                command: "run",
                check_mode: c.check,
                playbook: super::history::absolute(&self.playbook),
                inventory: c
                    .inventory
                    .iter()
                    .map(|i| super::history::absolute(i.as_ref()))
                    .collect(),
                exit_code: code,
                report: &doc,
            });
        }
        code
    }
}
