//! The command line (clap): `rconf run` and the options shared between subcommands.

pub mod ansible_cfg;
pub mod check;
pub mod closed_pipe;
pub mod completions;
pub mod doc;
pub mod exec;
mod extra_vars;
pub mod history;
pub mod inventory;
mod listing;
pub mod lock;
pub mod man;
mod private_tmp;
pub mod pull;
mod quiet;
pub mod run;
pub mod shard;
pub mod vault;
pub mod version;

use clap::{Parser, Subcommand, ValueEnum};

pub use extra_vars::parse_extra_vars;

#[derive(Debug, Parser)]
#[command(
    name = "rconf",
    version,
    propagate_version = true,
    about = "Agentless configuration management over SSH that runs Ansible playbooks",
    long_about = "rconf applies Ansible-syntax playbooks to the hosts of an Ansible inventory over SSH. \
                  Targets need only sshd and a POSIX sh: no Python, no agent.",
    after_help = "Exit codes: 0 success, 2 a host failed, 4 a host was unreachable, 5 bad input or usage \
                  (nothing was contacted), 1 internal error or a report file not written, 3 drift found (`check` only), \
                  6 another run of the same playbook and inventory holds the lock."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply a playbook to the hosts of an inventory.
    Run(run::RunArgs),
    /// Check for drift: a check-mode run with diffs; exit 3 when a host would change.
    Check(check::CheckArgs),
    /// Run one module on the hosts matching a pattern (Ansible's `ansible PATTERN -m M -a A`).
    Exec(exec::ExecArgs),
    /// Run a shell command on the hosts matching a pattern: `rconf sh web -- uptime`.
    Sh(exec::ShArgs),
    /// Show an inventory (`--list`, `--host`, `--graph`) or the hosts a pattern selects.
    Inventory(inventory::InventoryArgs),
    /// Show recorded runs, a host's drift timeline, or a stored report.
    History(history::HistoryCmd),
    /// On this host: fetch a git repository and apply its playbook locally when it changed
    /// (ansible-pull).
    Pull(pull::PullArgs),
    /// Describe the built-in modules: `rconf doc -l` lists them, `rconf doc apt` shows one, `-s` a task snippet.
    Doc(doc::DocArgs),
    /// Print shell completions: `rconf completions bash|zsh|fish`.
    Completions(completions::CompletionsArgs),
    /// Print the rconf(1) man page (roff).
    Man(man::ManArgs),
}

impl Command {
    /// How many `-v` were given, for the log level chosen before the command runs.
    pub fn verbosity(&self) -> u8 {
        match self {
            Command::Run(a) => a.common.verbose,
            Command::Exec(a) => a.common.verbose,
            Command::Sh(a) => a.common.verbose,
            Command::Check(a) => a.common.verbose,
            Command::Inventory(a) => a.verbose,
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HostKeyChecking {
    /// Refuse unknown and changed host keys (OpenSSH's StrictHostKeyChecking=yes).
    Yes,
    /// Record unknown host keys in ~/.ssh/known_hosts; refuse changed ones.
    AcceptNew,
    /// Accept any host key. Only for throwaway hosts.
    No,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Ansible-familiar text.
    Human,
    /// One JSON object per event, as it happens (schema family `rconf.report/1`).
    Jsonl,
}
