//! `rconf exec PATTERN -m MODULE -a ARGS` and its shorthand `rconf sh PATTERN -- CMD...`:
//! one module on the matching hosts, as Ansible's `ansible` command does.

use std::path::PathBuf;

use clap::Args;
use indexmap::IndexMap;
use serde_json::Value;

use super::run::CommonArgs;
use crate::error::{Error, Location};
use crate::inventory::Inventory;
use crate::modules;
use crate::playbook::{Play, Playbook, Task};
use crate::report::adhoc::Adhoc;
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
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct ShArgs {
    /// Host pattern.
    pub pattern: String,
    #[command(flatten)]
    pub common: CommonArgs,
    /// The shell command, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
}

impl ShArgs {
    pub async fn execute(&self) -> i32 {
        adhoc(
            &self.pattern,
            "shell",
            &self.command.join(" "),
            &self.common,
        )
        .await
    }
}

impl ExecArgs {
    pub async fn execute(&self) -> i32 {
        adhoc(&self.pattern, &self.module, &self.args, &self.common).await
    }
}

async fn adhoc(pattern: &str, module: &str, args: &str, common: &CommonArgs) -> i32 {
    let prepared = common.options(PathBuf::from("<ad hoc>")).and_then(|opts| {
        let playbook = adhoc_playbook(pattern, module, args)?;
        let inventory = Inventory::load(&opts.inventory)?;
        Ok((opts, playbook, inventory))
    });
    let (opts, playbook, inventory) = match prepared {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::BAD_INPUT;
        }
    };
    let mut reporter = Adhoc::new(Box::new(std::io::stdout()), common.color());
    run::run(&opts, playbook, inventory, &mut reporter)
        .await
        .exit_code()
}

/// One play with one task, checked exactly like a playbook task.
fn adhoc_playbook(pattern: &str, module_name: &str, args: &str) -> Result<Playbook, Error> {
    let here = Location::new("<command line>", 1, 1);
    let module = modules::find(module_name).ok_or_else(|| {
        Error::Usage(format!(
            "unknown module `{module_name}` (see the README's module table)"
        ))
    })?;
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
    let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    Ok(Playbook {
        path: PathBuf::from("<ad hoc>"),
        dir,
        plays: vec![play],
    })
}
