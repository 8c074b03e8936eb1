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
use crate::report::adhoc::{Adhoc, Layout};
use crate::report::jsonl::JsonLines;
use crate::report::progress::{self, Progress};
use crate::report::{Fanout, Reporter};
use crate::run::{self, exit};

#[derive(Debug, Args)]
#[command(args_override_self = true)]
pub struct ExecArgs {
    /// Host pattern: `all`, a group, a host, or Ansible patterns like `web:&prod:!web3`.
    pub pattern: String,
    /// Module to run.
    #[arg(
        short,
        long,
        visible_alias = "module-name",
        default_value = "command",
        value_name = "MODULE"
    )]
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
    /// One line per host, as each host finishes, in Ansible's `-o` layout
    /// (`host | CHANGED | rc=0 | (stdout) ...`, `host | SUCCESS => {...}`).
    #[arg(short, long)]
    pub one_line: bool,
    /// JSON lines on stdout, for scripts (the same as `--output jsonl`).
    #[arg(long, conflicts_with_all = ["no_group", "one_line"])]
    pub json: bool,
    /// Run the module in the background for at most SECONDS, as Ansible's `-B` (`async`).
    #[arg(short = 'B', long = "background", value_name = "SECONDS")]
    pub background: Option<u64>,
    /// With `-B`: check on the job every SECONDS (default 15); 0 leaves it running and prints
    /// its job id, as Ansible's `-P` (which, as there, means nothing without `-B`).
    #[arg(short = 'P', long = "poll", value_name = "SECONDS")]
    pub poll: Option<u64>,
    /// Also write each host's result as JSON to DIR/HOST, as Ansible's `-t/--tree`.
    #[arg(short = 't', long = "tree", value_name = "DIR")]
    pub tree: Option<PathBuf>,
    /// List the hosts the pattern selects and exit, contacting none.
    #[arg(long)]
    pub list_hosts: bool,
    /// Stand in for a playbook's directory: `group_vars/`, `host_vars/`, `library/` and
    /// relative files are found there (default: the current directory, without `library/`).
    #[arg(long, value_name = "DIR")]
    pub playbook_dir: Option<PathBuf>,
    /// Accepted as `run` and `check` take it, for scripts that pass it to every command: ad
    /// hoc commands are never recorded in the history.
    #[arg(long)]
    pub no_history: bool,
}

#[derive(Debug, Args)]
#[command(args_override_self = true)]
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
        let mut inventory = Inventory::load(&opts.inventory)?;
        if common.flush_cache
            && let Some(dir) = &opts.fact_cache
        {
            super::run::flush_fact_cache(dir, inventory.hosts.keys());
        }
        // Listing needs no module, as `ansible PATTERN --list-hosts` needs no -m or -a.
        if flags.list_hosts {
            return Ok((opts, None, inventory));
        }
        let playbook = adhoc_playbook(pattern, module, args, flags, &opts)?;
        if flags.playbook_dir.is_some() {
            inventory.load_vars_dirs(&playbook.dir)?;
        }
        if let Some(limit) = &opts.limit {
            inventory.check_limit(pattern, limit)?;
        }
        Ok((opts, Some(playbook), inventory))
    });
    let (opts, playbook, inventory) = match prepared {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {}", e.rendered());
            return exit::BAD_INPUT;
        }
    };
    let Some(playbook) = playbook else {
        return list_hosts(&inventory, pattern, opts.limit.as_deref());
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
    let out = match &flags.tree {
        Some(dir) => Box::new(Fanout(vec![out, Box::new(Tree { dir: dir.clone() })])),
        None => out,
    };
    let mut reporter = Progress::wrap(out, progress::wanted(), color);
    run::run(&opts, playbook, inventory, reporter.as_mut())
        .await
        .exit_code()
}

/// `--list-hosts`: the hosts in Ansible's layout, contacting none.
fn list_hosts(inventory: &Inventory, pattern: &str, limit: Option<&str>) -> i32 {
    let selected = match inventory.select(pattern) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::BAD_INPUT;
        }
    };
    let allowed = limit.map(|l| inventory.select(l).unwrap_or_default());
    let hosts: Vec<String> = selected
        .into_iter()
        .filter(|h| allowed.as_ref().is_none_or(|a| a.contains(h)))
        .collect();
    if hosts.is_empty() {
        eprintln!("[WARNING]: No hosts matched, nothing to do");
    }
    let mut text = format!("  hosts ({}):\n", hosts.len());
    for h in hosts {
        text.push_str(&format!("    {h}\n"));
    }
    print!("{text}");
    exit::OK
}

/// `-t DIR`: each host's result as one line of JSON in `DIR/HOST`, as Ansible's tree callback
/// writes it (skipped hosts get no file).
struct Tree {
    dir: PathBuf,
}

impl Reporter for Tree {
    fn event(&mut self, event: &crate::report::Event) {
        let crate::report::Event::HostResult {
            host,
            result,
            status,
            no_log,
            ..
        } = event
        else {
            return;
        };
        if *status == crate::report::Status::Skipped {
            return;
        }
        let mut shown = if *no_log {
            crate::report::censored(result)
        } else {
            result.to_json()
        };
        if let Value::Object(m) = &mut shown {
            m.retain(|k, _| !k.starts_with('_'));
        }
        let written = std::fs::create_dir_all(&self.dir).and_then(|()| {
            std::fs::write(
                self.dir.join(host),
                crate::report::human::py_json(&shown, None),
            )
        });
        if let Err(e) = written {
            crate::report::progress::eprintln(&format!(
                "[WARNING]: -t: cannot write `{}`: {e}",
                self.dir.join(host).display()
            ));
        }
    }
}

/// One play with one task, checked exactly like a playbook task.
fn adhoc_playbook(
    pattern: &str,
    module_name: &str,
    args: &str,
    flags: &AdhocArgs,
    opts: &crate::run::RunOptions,
) -> Result<Playbook, Error> {
    let here = Location::new("<command line>", 1, 1);
    let dir = match &flags.playbook_dir {
        Some(d) => d.clone(),
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    };
    // As Ansible's ad hoc command: `library/` only beside a --playbook-dir, before -M.
    let mut first = Vec::new();
    if flags.playbook_dir.is_some() {
        first.push(dir.join("library"));
    }
    first.extend(opts.module_path.iter().cloned());
    let finder = std::sync::Arc::new(
        crate::ansible::Finder::new(&dir, &opts.collections_path)
            .with_library(first, opts.library.clone()),
    );
    // A module in the module directories, else rconf's own, else Ansible's, as in a playbook.
    let library = finder
        .library_module(module_name)
        .filter(|f| !f.action_plugin);
    let module = match (library, modules::find(module_name)) {
        (Some(found), _) => ModuleRef::Ansible(found),
        (None, Some(m)) => ModuleRef::Native(m, None),
        (None, None) => match finder.resolve(module_name, &[]) {
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
        return Err(Error::Usage(format!("-a: {}", problems.join("; "))));
    }
    let mut task = Task::synthetic(None, module_name, module, parsed, here);
    if let Some(secs) = flags.background.filter(|&s| s > 0) {
        task.async_secs = Some(Value::from(secs));
        task.poll = Some(Value::from(flags.poll.unwrap_or(15)));
    }
    let play = Play::adhoc(format!("Ad hoc {module_name} on {pattern}"), pattern, task);
    Ok(Playbook {
        path: PathBuf::from("<ad hoc>"),
        dir,
        plays: vec![play],
        warnings: Vec::new(),
        finder,
        files: Vec::new(),
    })
}
