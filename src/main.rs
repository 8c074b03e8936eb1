//! The `rconf` binary: parse the command line, run, map the outcome to an exit code.

use clap::{CommandFactory, FromArgMatches};
use rconf::exit;
use rconf::{Cli, Command};

/// The command line, with `--version` (on any subcommand) printing what `ansible --version`
/// prints: only then is the long version worked out.
fn parse() -> Result<Cli, clap::Error> {
    let mut cmd = Cli::command();
    if std::env::args_os().skip(1).any(|a| a == "--version") {
        // Printed once, then the process exits: leaking it is what a static text costs.
        let text: &'static str = Box::leak(rconf::version::long_version().into_boxed_str());
        // `rconf 0.1.0`, not `rconf-run 0.1.0`, whichever subcommand asks.
        cmd = cmd
            .long_version(text)
            .mut_subcommands(|sub| sub.display_name("rconf"));
    }
    let mut matches = cmd.try_get_matches()?;
    Cli::from_arg_matches_mut(&mut matches)
}

fn main() {
    rconf::closed_pipe::install();
    let cli = match parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::BAD_INPUT
            } else {
                exit::OK
            };
            if let Err(err) = e.print()
                && err.kind() == std::io::ErrorKind::BrokenPipe
            {
                rconf::closed_pipe::die_of_sigpipe();
            }
            std::process::exit(code);
        }
    };
    // As Ansible's levels: -vv what is sent to each host for each task, -vvv rconf's own debug logs (who connects where, with which key,
    // the host key known), -vvvv also the SSH library's protocol traces.
    let default_filter = match cli.command.verbosity() {
        0..=1 => "warn",
        2 => "warn,rconf::command=info",
        3 => "warn,rconf=debug",
        _ => "warn,rconf=trace,russh=debug",
    };
    let filter = std::env::var("RCONF_LOG").unwrap_or_else(|_| default_filter.into());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(rconf::log_writer())
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        )
        .init();
    raise_open_files_limit();
    // Files are read recursively on worker threads too (`include_vars`): give them the main
    // thread's 8 MiB, so that what the YAML budget accepts (64 levels) cannot overflow tokio's
    // default 2 MiB there.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 << 20)
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(exit::ERROR);
        }
    };
    let code = runtime.block_on(async {
        match cli.command {
            Command::Run(args) => args.execute().await,
            Command::Exec(args) => args.execute().await,
            Command::Sh(args) => args.execute().await,
            Command::Inventory(args) => args.execute(),
            Command::Completions(args) => args.execute(),
            Command::Man(args) => args.execute(),
            Command::Doc(args) => args.execute(),
            Command::Check(args) => args.execute().await,
            Command::History(args) => args.execute(),
            Command::Pull(args) => args.execute().await,
        }
    });
    std::process::exit(code);
}

/// Each host keeps one SSH connection open for the whole run, so a soft limit of 1024 open
/// files would stop a run at about a thousand hosts: lift it towards the hard limit. Capped,
/// because some programs a run starts walk every possible descriptor when they start.
fn raise_open_files_limit() {
    const ENOUGH: libc::rlim_t = 1 << 16;
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: both calls only read or write the struct they are given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
            let want = lim.rlim_max.min(ENOUGH);
            if lim.rlim_cur < want {
                lim.rlim_cur = want;
                libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
            }
        }
    }
}
