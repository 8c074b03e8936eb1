//! `rconf exec PATTERN -m MODULE -a ARGS` and its shorthand `rconf sh PATTERN -- CMD...`:
//! one module on the matching hosts, as Ansible's `ansible` command does.

use std::path::PathBuf;

use clap::Args;
use indexmap::IndexMap;
use serde_json::{Value, json};

use super::OutputFormat;
use super::run::CommonArgs;
use crate::error::{Error, Location};
use crate::inventory::Inventory;
use crate::modules;
use crate::playbook::{ModuleRef, Play, Playbook, Task};
use crate::report::Reporter;
use crate::report::adhoc::{Adhoc, Layout};
use crate::report::jsonl::JsonLines;
use crate::report::progress::{self, Progress};
use crate::run::{self, exit};

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Host pattern: `all`, a group, a host, or Ansible patterns like `web:&prod:!web3`.
    pub pattern: String,
    /// Module to run.
    #[arg(short, long, default_value = "command", value_name = "MODULE")]
    pub module: String,
    /// Module arguments: `k=v` pairs, or the command line for command/shell.
    #[arg(short, long, default_value = "", value_name = "ARGS")]
    pub args: String,
    #[command(flatten)]
    pub adhoc: AdhocArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Options of the ad hoc commands only.
#[derive(Debug, Args)]
pub struct AdhocArgs {
    /// Print each host's result on its own, as it arrives, instead of grouping hosts whose
    /// output is identical.
    #[arg(long, conflicts_with = "one_line")]
    pub no_group: bool,
    /// One line per host: `host | STATUS | rc=N | output`, as each host finishes.
    #[arg(short, long)]
    pub one_line: bool,
    /// JSON lines on stdout, for scripts (the same as `--output jsonl`).
    #[arg(long, conflicts_with_all = ["no_group", "one_line"])]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShArgs {
    /// Host pattern.
    pub pattern: String,
    #[command(flatten)]
    pub adhoc: AdhocArgs,
    #[command(flatten)]
    pub common: CommonArgs,
    /// The shell command, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
}

impl ShArgs {
    pub async fn execute(&self) -> i32 {
        let command = self.command.join(" ");
        adhoc(&self.pattern, "shell", &command, &self.adhoc, &self.common).await
    }
}

impl ExecArgs {
    pub async fn execute(&self) -> i32 {
        adhoc(
            &self.pattern,
            &self.module,
            &self.args,
            &self.adhoc,
            &self.common,
        )
        .await
    }
}

async fn adhoc(
    pattern: &str,
    module: &str,
    args: &str,
    flags: &AdhocArgs,
    common: &CommonArgs,
) -> i32 {
    let prepared = common.options(PathBuf::from("<ad hoc>")).and_then(|opts| {
        // Before the inventory is read: nothing is worth waiting for with this pattern.
        if crate::inventory::is_empty_pattern(pattern) {
            return Err(Error::Usage(format!(
                "host pattern {pattern:?} is empty: {}",
                crate::inventory::EMPTY_PATTERN
            )));
        }
        let playbook = adhoc_playbook(pattern, module, args)?;
        let inventory = Inventory::load(&opts.inventory)?;
        if let Some(limit) = &opts.limit {
            inventory.check_limit(pattern, limit)?;
        }
        Ok((opts, playbook, inventory))
    });
    let (opts, playbook, inventory) = match prepared {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::BAD_INPUT;
        }
    };
    let color = common.color();
    let out: Box<dyn Reporter> = if flags.json || common.output == OutputFormat::Jsonl {
        let meta = json!({
            "command": "exec", "pattern": pattern, "module": module, "args": args,
            "inventory": opts.inventory, "check": common.check, "diff": common.diff,
        });
        let meta = meta.as_object().cloned().unwrap_or_default();
        Box::new(JsonLines::new(progress::stdout(), meta))
    } else {
        let layout = if flags.one_line {
            Layout::OneLine
        } else if flags.no_group {
            Layout::PerHost
        } else {
            Layout::Grouped
        };
        Box::new(Adhoc::with_layout(progress::stdout(), color, layout))
    };
    let mut reporter = Progress::wrap(out, progress::wanted(), color);
    run::run(&opts, playbook, inventory, reporter.as_mut())
        .await
        .exit_code()
}

/// One play with one task, checked exactly like a playbook task.
fn adhoc_playbook(pattern: &str, module_name: &str, args: &str) -> Result<Playbook, Error> {
    let here = Location::new("<command line>", 1, 1);
    let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let finder = std::sync::Arc::new(crate::ansible::Finder::new(&dir, &[]));
    // rconf's own module, else Ansible's, as in a playbook.
    let module = match modules::find(module_name) {
        Some(m) => ModuleRef::Native(m, None),
        None => match finder.resolve(module_name, &[]) {
            Ok(found) => ModuleRef::Ansible(found),
            Err(_) => {
                return Err(Error::Usage(format!(
                    "unknown module `{module_name}` (see the README's module table; Ansible's own modules run when ansible-core is installed on this controller)"
                )));
            }
        },
    };
    let spec = module.spec();
    let raw = if args.trim().is_empty() {
        Value::Object(Default::default())
    } else {
        Value::String(args.to_string())
    };
    let parsed: IndexMap<String, Value> = spec
        .normalize(&raw)
        .map_err(|e| Error::Usage(format!("-a: module `{}`: {e}", spec.name)))?;
    let problems: Vec<String> = spec.check(&parsed).into_iter().map(|p| p.message).collect();
    if !problems.is_empty() {
        return Err(Error::Usage(format!(
            "-a: module `{}`: {}",
            spec.name,
            problems.join("; ")
        )));
    }
    let task = Task::synthetic(None, module_name, module, parsed, here);
    let play = Play::adhoc(format!("Ad hoc {module_name} on {pattern}"), pattern, task);
    Ok(Playbook {
        path: PathBuf::from("<ad hoc>"),
        dir,
        plays: vec![play],
        warnings: Vec::new(),
        finder,
    })
}
