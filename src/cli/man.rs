//! `rconf man`: the `rconf(1)` man page in roff, generated from the clap definitions at run
//! time (no build script, and it always matches the binary that prints it).

use clap::{Args, CommandFactory};

use super::Cli;
use super::completions::finish;
use crate::run::exit;

#[derive(Debug, Args)]
#[command(after_help = "Install, for example:\n  \
    rconf man > /usr/local/share/man/man1/rconf.1\n  \
    rconf man | man -l -")]
pub struct ManArgs {}

impl ManArgs {
    pub fn execute(&self) -> i32 {
        match man_page() {
            Ok(page) => finish(&page),
            Err(e) => {
                eprintln!("error: cannot render the man page: {e}");
                exit::ERROR
            }
        }
    }
}

/// `rconf(1)` in roff: the command, then one section per subcommand with its synopsis and
/// options (one page is easier to search than one page per subcommand).
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let cmd = Cli::command();
    let mut out = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("rconf {}", sub.get_name());
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        let sub_man = clap_mangen::Man::new(sub.clone().bin_name(name.clone()));
        let mut part = Vec::new();
        sub_man.render_synopsis_section(&mut part)?;
        sub_man.render_options_section(&mut part)?;
        let heading = format!(
            ".SH \"{}\"\n{}\n.PP",
            name.to_uppercase(),
            roff_text(&about)
        );
        let text = String::from_utf8_lossy(&part)
            .replacen(".SH SYNOPSIS", &heading, 1)
            .replacen(".SH OPTIONS", ".SS Options", 1);
        out.extend_from_slice(text.as_bytes());
    }
    let exit_codes = Cli::command()
        .get_after_help()
        .map(|h| h.to_string())
        .unwrap_or_default();
    out.extend_from_slice(format!(".SH \"EXIT STATUS\"\n{}\n", roff_text(&exit_codes)).as_bytes());
    man.render_version_section(&mut out)?;
    Ok(out)
}

/// Plain text safe in a roff paragraph: escaped backslashes and dashes, no leading dot.
fn roff_text(s: &str) -> String {
    let s = s.replace('\\', "\\e").replace('-', "\\-");
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn man_page_documents_every_subcommand_and_option() {
        let page = String::from_utf8(man_page().unwrap()).unwrap();
        assert!(page.contains(".TH rconf 1"), "{page}");
        for needle in [
            "RCONF EXEC",
            "RCONF SH",
            "RCONF RUN",
            "\\-\\-one\\-line",
            "\\-\\-limit",
            "EXIT STATUS",
            "unreachable",
        ] {
            assert!(page.contains(needle), "man page lacks `{needle}`");
        }
    }
}
