//! `rconf run PLAYBOOK -i INVENTORY`: apply a playbook.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde_json::json;

use super::listing;
use super::{ColorChoice, HostKeyChecking, OutputFormat, parse_extra_vars};
use crate::error::Error;
use crate::report::human::Human;
use crate::report::json::JsonReport;
use crate::report::jsonl::JsonLines;
use crate::report::progress::{self, Progress};
use crate::report::{Fanout, Reporter};
use crate::run::{self, ConnectDefaults, RunOptions, TagFilter, exit};
use crate::transport::HostKeyPolicy;

#[derive(Debug, Args)]
#[command(args_override_self = true)]
pub struct RunArgs {
    /// The playbooks to apply (Ansible syntax), one after the other with one recap, as
    /// ansible-playbook runs several.
    #[arg(required = true, value_name = "PLAYBOOK")]
    pub playbooks: Vec<PathBuf>,
    /// Write the run's JSON report (schema `rconf.report/1`) to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Write one self-contained HTML page of the run: hosts x tasks with status colours,
    /// failures with their origin, diffs folded per file.
    #[arg(long, value_name = "FILE")]
    pub report_html: Option<PathBuf>,
    /// Only run tasks with one of these tags (comma-separated or repeated).
    #[arg(short, long, value_delimiter = ',', value_name = "TAGS")]
    pub tags: Vec<String>,
    /// Skip tasks with one of these tags.
    #[arg(long, value_delimiter = ',', value_name = "TAGS")]
    pub skip_tags: Vec<String>,
    /// Start at the first task with this name.
    #[arg(long, value_name = "TASK")]
    pub start_at_task: Option<String>,
    /// Run notified handlers even on hosts where a later task failed.
    #[arg(long)]
    pub force_handlers: bool,
    /// Extra directories to look for roles in (after `roles/` beside the playbook). Repeatable.
    #[arg(long = "roles-path", value_name = "DIR")]
    pub roles_path: Vec<PathBuf>,
    /// Keep gathered facts in DIR (one JSON file per host) and read them back next time, so
    /// `hostvars` knows hosts this run does not gather.
    #[arg(long, value_name = "DIR")]
    pub fact_cache: Option<PathBuf>,
    /// Ask before each task: (y)es, (n)o to skip it, (c)ontinue without asking. Needs a terminal.
    #[arg(long)]
    pub step: bool,
    /// Check the playbook (and inventory) and exit without contacting any host.
    #[arg(long)]
    pub syntax_check: bool,
    /// List the tasks that would run, with their tags, and exit.
    #[arg(long)]
    pub list_tasks: bool,
    /// List each play's hosts and exit.
    #[arg(long)]
    pub list_hosts: bool,
    /// List the tags of each play and exit.
    #[arg(long)]
    pub list_tags: bool,
    /// Print only failures (no task lines, no recap).
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub history: super::history::HistoryArgs,
    #[command(flatten)]
    pub shard: super::shard::ShardArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Options shared by every command that contacts hosts.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Inventory: an INI or YAML file, a directory, or a comma list `h1,h2,`. Repeatable.
    /// Without it, `inventory` from ansible.cfg (or ANSIBLE_INVENTORY); else only the implicit
    /// `localhost` exists.
    #[arg(
        short,
        long = "inventory",
        visible_alias = "inventory-file",
        value_name = "INVENTORY"
    )]
    pub inventory: Vec<String>,
    /// Further limit the selected hosts to this pattern (given twice, the last one counts, as
    /// in Ansible).
    #[arg(short, long, value_name = "PATTERN")]
    pub limit: Option<String>,
    /// Hosts worked on at once (default: `forks` in ansible.cfg, else 50). rconf holds one SSH
    /// connection per host and no process per host, so the default is far above Ansible's 5.
    #[arg(short, long, value_name = "N", value_parser = forks_value)]
    pub forks: Option<usize>,
    /// Extra variables (highest precedence): key=value, a JSON/YAML mapping, or @file. Repeatable.
    #[arg(short, long = "extra-vars", value_name = "VARS")]
    pub extra_vars: Vec<String>,
    /// Report what would change without changing anything.
    #[arg(short = 'C', long)]
    pub check: bool,
    /// Show the differences of changed files.
    #[arg(short = 'D', long)]
    pub diff: bool,
    /// How to reach hosts whose variables name no `ansible_connection`: `ssh` (default; also
    /// `smart` and `paramiko`) or `local` (run on this machine), as Ansible's -c.
    #[arg(short = 'c', long, value_name = "TYPE", value_parser = connection_value)]
    pub connection: Option<String>,
    /// Connect as this user when the inventory does not say (`ansible_user`).
    #[arg(short, long, value_name = "USER")]
    pub user: Option<String>,
    /// Private key file used when the inventory does not name one.
    #[arg(long, visible_alias = "key-file", value_name = "FILE")]
    pub private_key: Option<PathBuf>,
    /// Seconds allowed to connect and authenticate to a host, as Ansible's -T/--timeout
    /// (default: `timeout` in ansible.cfg, else 10).
    #[arg(
        short = 'T',
        long = "timeout",
        visible_alias = "connect-timeout",
        value_name = "SECONDS"
    )]
    pub connect_timeout: Option<u64>,
    /// Seconds a single task may run on a host before it fails (default, and 0: no limit).
    #[arg(long, value_name = "SECONDS")]
    pub task_timeout: Option<u64>,
    /// Host key verification against ~/.ssh/known_hosts (default: yes, or `no` when
    /// ansible.cfg says `host_key_checking = False`).
    #[arg(long, value_enum, value_name = "MODE")]
    pub host_key_checking: Option<HostKeyChecking>,
    /// Ask for the SSH login password on the terminal (hosts without `ansible_password`).
    #[arg(short = 'k', long)]
    pub ask_pass: bool,
    /// Read the SSH login password from the first line of FILE.
    #[arg(long, visible_alias = "conn-pass-file", value_name = "FILE")]
    pub connection_password_file: Option<PathBuf>,
    /// Read the passphrase of encrypted key files from the first line of FILE (else it is
    /// asked on the terminal, once per key).
    #[arg(long, value_name = "FILE")]
    pub key_passphrase_file: Option<PathBuf>,
    /// Run tasks with privilege escalation (`become: true`) unless they say otherwise.
    #[arg(short = 'b', long = "become")]
    pub become_: bool,
    /// Become this user (default `root`).
    #[arg(long, value_name = "USER")]
    pub become_user: Option<String>,
    /// How to become another user: `sudo` (default) or `su`.
    #[arg(long, value_name = "METHOD", value_parser = become_method_value)]
    pub become_method: Option<String>,
    /// Ask for the become (sudo) password on the terminal.
    #[arg(short = 'K', long)]
    pub ask_become_pass: bool,
    /// Read the become password from the first line of FILE.
    #[arg(long, visible_alias = "become-pass-file", value_name = "FILE")]
    pub become_password_file: Option<PathBuf>,
    #[command(flatten)]
    pub vault: super::vault::VaultArgs,
    /// OpenSSH client config file to read instead of ~/.ssh/config.
    #[arg(short = 'F', long = "ssh-config", value_name = "FILE")]
    pub ssh_config: Option<PathBuf>,
    /// Arguments for every SSH connection, as Ansible's `--ssh-common-args`: their `-o
    /// Key=Value` options are honoured as `ansible_ssh_common_args` is (which wins for a host
    /// that sets it); other arguments are ignored, with a warning.
    #[arg(long, value_name = "ARGS", allow_hyphen_values = true)]
    pub ssh_common_args: Option<String>,
    /// Like --ssh-common-args, as Ansible's `--ssh-extra-args` (below `ansible_ssh_extra_args`).
    #[arg(long, value_name = "ARGS", allow_hyphen_values = true)]
    pub ssh_extra_args: Option<String>,
    /// As Ansible's `--scp-extra-args` (below `ansible_scp_extra_args`): rconf copies files
    /// over the host's one SSH connection, so its `-o Key=Value` options apply to that
    /// connection, after the ssh ones; other arguments are ignored, with a warning.
    #[arg(long, value_name = "ARGS", allow_hyphen_values = true)]
    pub scp_extra_args: Option<String>,
    /// As Ansible's `--sftp-extra-args` (below `ansible_sftp_extra_args`), as --scp-extra-args.
    #[arg(long, value_name = "ARGS", allow_hyphen_values = true)]
    pub sftp_extra_args: Option<String>,
    /// Colon-separated directories of Ansible modules (`NAME.py`), as Ansible's -M: searched
    /// after `library/` beside the playbook and before the roles' `library/`, ANSIBLE_LIBRARY
    /// (or `library` in ansible.cfg), ansible-core's own modules and rconf's native ones.
    /// Repeatable.
    #[arg(short = 'M', long = "module-path", value_name = "DIRS")]
    pub module_path: Vec<String>,
    /// Clear the fact cache (`--fact-cache DIR`, else ansible.cfg's `fact_caching = jsonfile`
    /// directory) of every host in the inventory before running, as Ansible's --flush-cache.
    #[arg(long)]
    pub flush_cache: bool,
    /// Seconds of silence after which a host is sent a keepalive; three unanswered ones make
    /// it unreachable (default: `ServerAliveInterval`, else 15).
    #[arg(long, value_name = "SECONDS")]
    pub keepalive: Option<u64>,
    /// Colour in human output (auto: on a terminal, unless NO_COLOR is set).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Output on stdout: `human`, or `jsonl` (one JSON event per line as it happens, for scripts).
    #[arg(long, value_enum, default_value_t = OutputFormat::Human, value_name = "FORMAT")]
    pub output: OutputFormat,
    /// More output, as Ansible's levels: -v the config file in use and every result (not
    /// gathered facts), -vv also each task's path and what is sent to each host (secrets
    /// censored), -vvv results indented, module invocations and connection details (user, key,
    /// known_hosts line), -vvvv the SSH library's protocol traces.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Refuse the playbook, before any host is contacted, for what otherwise fails a task
    /// only if it runs: module arguments rconf's native module does not take (no fallback to
    /// Ansible's module then), and problems in files that `include_tasks` reads at run time.
    #[arg(long, env = "RCONF_STRICT")]
    pub strict: bool,
}

impl CommonArgs {
    /// Run options for `playbook` from these flags, then ansible.cfg and `ANSIBLE_*`
    /// variables for what the flags leave open.
    pub fn options(&self, playbook: PathBuf) -> Result<RunOptions, Error> {
        let cfg = super::ansible_cfg::load()?;
        if self.verbose > 0 && self.output == OutputFormat::Human {
            // As Ansible's first `-v` line (not in a stream of JSON lines).
            match &cfg.path {
                Some(p) => println!(
                    "Using {} as config file",
                    std::path::absolute(p)
                        .unwrap_or_else(|_| p.clone())
                        .display()
                ),
                None => println!("No config file found; using defaults"),
            }
        }
        self.vault.install(&cfg)?;
        let library = cfg.module_search_path();
        let host_key_policy = match self.host_key_checking {
            Some(HostKeyChecking::Yes) => HostKeyPolicy::Strict,
            Some(HostKeyChecking::AcceptNew) => HostKeyPolicy::AcceptNew,
            Some(HostKeyChecking::No) => HostKeyPolicy::Off,
            None if cfg.host_key_checking == Some(false) => HostKeyPolicy::Off,
            None => HostKeyPolicy::Strict,
        };
        let inventory = if self.inventory.is_empty() {
            cfg.inventory.clone()
        } else {
            self.inventory.clone()
        };
        let ssh_config = crate::transport::config::SshConfig::load(self.ssh_config.as_deref())
            .map_err(Error::Usage)?;
        for w in &ssh_config.warnings {
            eprintln!("warning: {w}");
        }
        Ok(RunOptions {
            playbook,
            inventory,
            // A blank limit is no limit, as in Ansible (its `--limit ''` is false).
            limit: self.limit.clone().filter(|l| !l.trim().is_empty()),
            forks: self.forks.or(cfg.forks).unwrap_or(50),
            extra_vars: parse_extra_vars(&self.extra_vars)?,
            check: self.check,
            diff: self.diff,
            // 0 means no limit, as ANSIBLE_TASK_TIMEOUT=0 and `ansible --task-timeout 0` do.
            task_timeout: self
                .task_timeout
                .filter(|&s| s > 0)
                .map(Duration::from_secs),
            connect: ConnectDefaults {
                connection: self.connection.clone(),
                user: self.user.clone().or(cfg.remote_user),
                private_key: self.private_key.clone().or(cfg.private_key_file),
                connect_timeout: Duration::from_secs(
                    self.connect_timeout.or(cfg.timeout).unwrap_or(10),
                ),
                host_key_policy,
                password: secret(
                    self.ask_pass,
                    &self.connection_password_file,
                    "SSH password: ",
                )?,
                key_passphrase: secret(false, &self.key_passphrase_file, "")?,
                become_: self.become_ || cfg.become_.unwrap_or(false),
                become_user: self.become_user.clone().or(cfg.become_user),
                become_method: self.become_method.clone().or(cfg.become_method),
                become_password: secret(
                    self.ask_become_pass,
                    &self.become_password_file,
                    "BECOME password: ",
                )?,
                keepalive: self.keepalive.map(Duration::from_secs),
                ssh_config: std::sync::Arc::new(ssh_config),
                ssh_common_args: ssh_args("--ssh-common-args", &self.ssh_common_args),
                ssh_extra_args: ssh_args("--ssh-extra-args", &self.ssh_extra_args),
                sftp_extra_args: ssh_args("--sftp-extra-args", &self.sftp_extra_args),
                scp_extra_args: ssh_args("--scp-extra-args", &self.scp_extra_args),
            },
            tags: TagFilter::default(),
            start_at_task: None,
            force_handlers: false,
            roles_path: cfg.roles_path,
            gather_by_default: cfg.gather_by_default.unwrap_or(true),
            collections_path: cfg.collections_path,
            module_path: self
                .module_path
                .iter()
                .flat_map(|p| std::env::split_paths(p).collect::<Vec<_>>())
                .filter(|p| !p.as_os_str().is_empty())
                .collect(),
            library,
            strict: self.strict,
            verbosity: self.verbose,
            shard: None,
            fact_cache: cfg.fact_cache,
            step: false,
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

/// The `-o Key=Value` options of `--ssh-common-args`/`--ssh-extra-args` that rconf honours, as
/// the words a host's `ansible_ssh_common_args` would hold; what is ignored is warned about
/// here, once, rather than for each host.
fn ssh_args(flag: &str, value: &Option<String>) -> Option<String> {
    let value = value.as_deref()?;
    let (options, warnings) = crate::transport::config::ssh_args_options(value);
    for w in warnings {
        eprintln!("warning: {flag}: {w}");
    }
    let words: Vec<String> = options
        .into_iter()
        .flat_map(|(k, v)| {
            let option = format!("{k}={v}");
            let quoted = shlex::try_quote(&option)
                .map(|q| q.into_owned())
                .unwrap_or(option);
            ["-o".to_string(), quoted]
        })
        .collect();
    Some(words.join(" "))
}

/// A secret from FILE, or asked on the terminal when `ask` is set.
fn secret(ask: bool, file: &Option<PathBuf>, question: &str) -> Result<Option<String>, Error> {
    use crate::transport::prompt;
    if let Some(path) = file {
        return prompt::first_line_of(path).map(Some).map_err(Error::Usage);
    }
    if !ask {
        return Ok(None);
    }
    prompt::secret(question).map(Some).ok_or_else(|| {
        Error::Usage(format!(
            "`{}` needs a terminal to ask on; give the secret in a file instead",
            question.trim_end_matches(": ")
        ))
    })
}

impl RunArgs {
    /// Runs the playbook and returns the process exit code.
    pub async fn execute(&self) -> i32 {
        let c = &self.common;
        let first = self.playbooks[0].clone();
        let opts = c.options(first.clone()).map(|mut o| {
            o.tags = TagFilter {
                only: self.tags.clone(),
                skip: self.skip_tags.clone(),
            };
            o.start_at_task = self.start_at_task.clone();
            o.force_handlers = self.force_handlers;
            o.roles_path = [self.roles_path.clone(), std::mem::take(&mut o.roles_path)].concat();
            o.fact_cache = self
                .fact_cache
                .clone()
                .map(run::FactCache::new)
                .or(o.fact_cache.take());
            o.step = self.step;
            o
        });
        let opts = opts.and_then(|mut o| {
            o.shard = self.shard.shard().map_err(Error::Usage)?;
            Ok(o)
        });
        let opts = match opts {
            Ok(o) => o,
            Err(e) => {
                eprintln!("error: {}", e.rendered());
                return exit::BAD_INPUT;
            }
        };
        let listing = self.syntax_check || self.list_tasks || self.list_hosts || self.list_tags;
        // Before the inventory is read: a dynamic inventory can be slow, and an overlapping
        // run must be refused at once rather than wait for it too. Listing changes nothing
        // and needs no lock.
        let mut locks = Vec::new();
        if !listing {
            let selection = super::lock::selection(opts.limit.as_deref(), opts.shard);
            for playbook in &self.playbooks {
                match super::lock::guard(playbook, &opts.inventory, &selection) {
                    Ok(l) => locks.push(l),
                    Err(code) => return code,
                }
            }
        }
        let (playbooks, inventory) = match run::prepare_all(&opts, &self.playbooks) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("error: {}", e.rendered());
                return exit::BAD_INPUT;
            }
        };
        if let Err(code) = super::lock::claim(&mut locks, &run::selected_hosts(&opts, &inventory)) {
            return code;
        }
        if c.flush_cache
            && let Some(dir) = &opts.fact_cache
        {
            flush_fact_cache(dir, inventory.hosts.keys());
        }
        if self.step && std::fs::File::open("/dev/tty").is_err() {
            eprintln!("error: --step asks before each task and needs a terminal");
            return exit::BAD_INPUT;
        }
        if listing {
            for playbook in &playbooks {
                print!("{}", listing::render(self, &opts, playbook, &inventory));
            }
            return exit::OK;
        }
        let playbook = concat(playbooks);
        let mut meta = json!({
            "command": "run",
            "playbook": first.display().to_string(),
            "inventory": opts.inventory,
            "check": c.check,
            "diff": c.diff,
        });
        if self.playbooks.len() > 1 {
            let all: Vec<String> = self
                .playbooks
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            meta["playbooks"] = json!(all);
        }
        let meta = meta.as_object().cloned().unwrap_or_default();
        let main: Box<dyn Reporter> = match c.output {
            OutputFormat::Human => {
                let human = Human::new(progress::stdout(), c.color(), c.verbose)
                    .with_result_format(super::ansible_cfg::result_format());
                if self.quiet {
                    Box::new(super::quiet::Quiet::new(human))
                } else {
                    Box::new(human)
                }
            }
            OutputFormat::Jsonl => Box::new(JsonLines::new(progress::stdout(), meta.clone())),
        };
        let mut reporters: Vec<Box<dyn Reporter>> = vec![main];
        let mut report_failed = None;
        if let Some(path) = &self.report {
            let report = JsonReport::new(path.clone(), meta.clone());
            report_failed = Some(report.failed());
            reporters.push(Box::new(report));
        }
        let capture = (self.history.location().is_some() || self.report_html.is_some())
            .then(super::history::Capture::new);
        if let Some(capture) = &capture {
            reporters.push(capture.reporter(meta));
        }
        let wanted = progress::wanted() && !self.quiet;
        let mut reporter = Progress::wrap(Box::new(Fanout(reporters)), wanted, c.color());
        let summary = run::run(&opts, playbook, inventory, reporter.as_mut()).await;
        drop(reporter);
        let code = summary.exit_code();
        // A report that was asked for and not written fails a run that would otherwise pass;
        // failed and unreachable hosts keep their own code (README).
        let unwritten = report_failed.is_some_and(|f| f.load(std::sync::atomic::Ordering::Relaxed));
        let code = if unwritten && code == exit::OK {
            exit::ERROR
        } else {
            code
        };
        let doc = capture.and_then(|c| c.take());
        let html_unwritten = match (&self.report_html, &doc) {
            (Some(path), Some(doc)) => {
                !super::check::write_file(path, &crate::report::html::run_page(doc))
            }
            (Some(path), None) => {
                eprintln!(
                    "error: cannot write `{}`: the run's report could not be read back",
                    path.display()
                );
                true
            }
            (None, _) => false,
        };
        let code = if html_unwritten && code == exit::OK {
            exit::ERROR
        } else {
            code
        };
        if let Some(doc) = doc.filter(|_| self.history.location().is_some()) {
            self.history.record(&crate::history::RunRecord {
                command: "run",
                check_mode: c.check,
                playbook: super::history::absolute(&first),
                inventory: opts
                    .inventory
                    .iter()
                    .map(|i| super::history::absolute(i.as_ref()))
                    .collect(),
                exit_code: code,
                report: &doc,
                project: self.history.project(&first),
                run_key: self.shard.run_id(),
                shard: opts.shard.map(|s| s.to_string()),
            });
        }
        code
    }
}

/// Several playbooks as one run: their plays in order, as ansible-playbook runs them (one
/// recap; `playbook_dir` and the run-wide search path are the first playbook's).
fn concat(playbooks: Vec<crate::playbook::Playbook>) -> crate::playbook::Playbook {
    let mut all = playbooks.into_iter();
    let Some(mut first) = all.next() else {
        unreachable!("clap requires at least one playbook")
    };
    for p in all {
        let shift = first.plays.len();
        first.files.extend(p.files.into_iter().map(|mut f| {
            f.first_play += shift;
            f
        }));
        first.plays.extend(p.plays);
        first.warnings.extend(p.warnings);
    }
    first
}

/// `--flush-cache`: removes the cached facts of `hosts` from the fact cache directory, as
/// Ansible clears the cache of every inventory host before a run.
pub fn flush_fact_cache<'a>(cache: &run::FactCache, hosts: impl Iterator<Item = &'a String>) {
    // A host name that could lead out of the directory names none of its files.
    for file in hosts.filter_map(|h| cache.file(h)) {
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => eprintln!(
                "warning: --flush-cache: cannot remove `{}`: {e}",
                file.display()
            ),
        }
    }
}

/// `-f N`: at least 1, with Ansible's message for 0.
fn forks_value(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("The number of processes (--forks) must be >= 1".to_string()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// `-c TYPE`: the connection plugins rconf has, by any name Ansible gives them (`ssh` also as
/// `smart` and `paramiko`, fully qualified or not); another is refused before anything runs.
fn connection_value(s: &str) -> Result<String, String> {
    let short = s
        .strip_prefix("ansible.builtin.")
        .or_else(|| s.strip_prefix("ansible.legacy."))
        .unwrap_or(s);
    match short {
        "local" => Ok("local".into()),
        "ssh" | "smart" | "paramiko" | "paramiko_ssh" => Ok("ssh".into()),
        _ => Err(format!(
            "rconf connects with `ssh` (also named `smart` or `paramiko`) or `local`; \
             connection type `{s}` is not supported"
        )),
    }
}

/// `--become-method METHOD`: the methods rconf has; another is refused before anything runs.
fn become_method_value(s: &str) -> Result<String, String> {
    let short = s
        .strip_prefix("ansible.builtin.")
        .or_else(|| s.strip_prefix("ansible.legacy."))
        .unwrap_or(s);
    crate::transport::privilege::Method::parse(short)
        .map(|_| short.to_string())
        .map_err(|_| {
            format!(
                "rconf becomes another user with {}; become method `{s}` is not supported",
                crate::transport::privilege::Method::NAMES
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        })
}
