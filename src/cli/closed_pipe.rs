//! A closed stdout or stderr (`rconf history | head -c 5`) ends rconf quietly, as it ends `cat`.
//!
//! Rust ignores SIGPIPE, so a write to a closed pipe is an error, and `print!` turns it into a
//! panic with a backtrace hint and exit code 101. Restoring SIGPIPE's default action for the
//! whole process is no cure: rconf writes into pipes of the programs it starts (local tasks,
//! inventory scripts), and one of those exiting early must not kill the run. So the printing
//! stays as it is and a panic hook recognises the one panic a closed output causes, then ends
//! the process the way the default SIGPIPE action would have: killed by SIGPIPE, no message,
//! which shells report as 141 and which `set -o pipefail` treats as it treats `yes | head`.

/// Installs the hook; any other panic still gets the default report.
pub fn install() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if is_closed_output(message) {
            die_of_sigpipe();
        }
        default(info);
    }));
}

/// Whether a panic message is `print!`'s (or `eprint!`'s) on a closed pipe: the standard
/// library's own wording, with EPIPE's number rather than its locale-dependent text.
fn is_closed_output(message: &str) -> bool {
    (message.starts_with("failed printing to stdout")
        || message.starts_with("failed printing to stderr"))
        && message.contains(&format!("(os error {})", libc::EPIPE))
}

/// Ends the process as the default SIGPIPE action does; `exit(141)` if the signal is somehow
/// not fatal.
pub fn die_of_sigpipe() -> ! {
    // SAFETY: restoring a default signal action and raising it touch no memory of ours.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::raise(libc::SIGPIPE);
    }
    std::process::exit(128 + libc::SIGPIPE);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_failed_print_to_a_closed_pipe_is_quiet() {
        assert!(is_closed_output(
            "failed printing to stdout: Broken pipe (os error 32)"
        ));
        assert!(is_closed_output(
            "failed printing to stderr: Broken pipe (os error 32)"
        ));
        assert!(!is_closed_output(
            "failed printing to stdout: No space left on device (os error 28)"
        ));
        assert!(!is_closed_output("index out of bounds (os error 32)"));
    }
}
