//! The wire protocol to a target, shared by modules and transports: how a value is quoted
//! (`quote`), what a task's program is made of (`script`: `lib.sh`, assignments, a module
//! body), and how a script becomes a command that reads it from stdin. Transports import this
//! and never `modules`.

pub mod quote;
pub mod script;

pub use script::Program;

/// `exec sh -c '<script>'`: the command a login shell (which may not be POSIX) is given to run
/// a POSIX sh script; `exec` saves it a fork. The one place a script becomes a command line.
pub fn sh_command(script: &[u8]) -> Result<Vec<u8>, String> {
    let mut command = b"exec sh -c ".to_vec();
    command.extend(quote::quote(script)?);
    Ok(command)
}

/// A command that reads `script` from the front of its stdin and runs it, and those bytes to
/// send before the command's own stdin. A script's assignments hold module arguments (`no_log`
/// values, `environment:` values, checksums): on stdin they never stand in argv, where every
/// local user of the target could read them with `ps`. The bytes end in a line with a random
/// nonce, so a script cut short (the controller killed, the connection lost) is refused whole
/// instead of run in part.
pub fn script_on_stdin(script: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    let tail = format!("\n#rconf-end-{:016x}\n", rand::random::<u64>());
    let mut stdin = script.to_vec();
    stdin.extend_from_slice(tail.as_bytes());
    let reader = format!(
        "rc_s=$(head -c {}; echo x); case $rc_s in *'{tail}x') ;; *) exit 3;; esac; \
         eval \"${{rc_s%x}}\"",
        stdin.len()
    );
    Ok((sh_command(reader.as_bytes())?, stdin))
}
