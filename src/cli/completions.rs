//! `rconf completions SHELL`: bash, zsh and fish completions generated from the same clap
//! definitions as `--help`, so they cannot drift from the real options.

use std::io::Write;

use clap::{Args, CommandFactory, ValueEnum};
use clap_complete::Shell as Generator;

use super::Cli;
use crate::run::exit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Args)]
#[command(after_help = "Install, for example:\n  \
    rconf completions bash > ~/.local/share/bash-completion/completions/rconf\n  \
    rconf completions zsh > \"${fpath[1]}/_rconf\"\n  \
    rconf completions fish > ~/.config/fish/completions/rconf.fish")]
pub struct CompletionsArgs {
    /// The shell to write completions for.
    #[arg(value_enum)]
    pub shell: Shell,
}

impl CompletionsArgs {
    pub fn execute(&self) -> i32 {
        let generator = match self.shell {
            Shell::Bash => Generator::Bash,
            Shell::Zsh => Generator::Zsh,
            Shell::Fish => Generator::Fish,
        };
        let mut out = Vec::new();
        clap_complete::generate(generator, &mut Cli::command(), "rconf", &mut out);
        finish(&out)
    }
}

/// Writes generated text to stdout; a closed pipe (`| head`) ends rconf quietly, as it ends
/// every other command (`closed_pipe`).
pub(super) fn finish(bytes: &[u8]) -> i32 {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => exit::OK,
        // `rconf man | head` closes the pipe early: not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            super::closed_pipe::die_of_sigpipe()
        }
        Err(e) => {
            eprintln!("error: cannot write to stdout: {e}");
            exit::ERROR
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_name_the_subcommands() {
        for shell in [Generator::Bash, Generator::Zsh, Generator::Fish] {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "rconf", &mut out);
            let text = String::from_utf8(out).unwrap();
            assert!(
                text.contains("exec") && text.contains("completions"),
                "{shell:?}"
            );
        }
    }
}
