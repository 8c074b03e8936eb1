//! Privilege escalation (`become`): wraps a task's command in `sudo` or `su`. The password is
//! sent as the first line of the command's stdin, never in argv, and a wrong or missing password
//! ends the command at once with a message instead of waiting for a prompt nobody answers.

use super::Output;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Sudo,
    Su,
}

impl Method {
    /// The `become_method` names rconf runs.
    pub const NAMES: &[&str] = &["sudo", "su"];

    pub fn parse(name: &str) -> Result<Method, String> {
        match name {
            "sudo" => Ok(Method::Sudo),
            "su" => Ok(Method::Su),
            other => Err(format!(
                "`become_method` `{other}` is not supported (expected `sudo` or `su`)"
            )),
        }
    }
}

/// How one task escalates; also the key of the persistent shell that runs such tasks.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Become {
    pub method: Method,
    pub user: String,
    /// Replaces the default flags (`-H` for sudo), as Ansible's `become_flags` does.
    pub flags: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for Become {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Become")
            .field("method", &self.method)
            .field("user", &self.user)
            .field("flags", &self.flags)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

/// The wrapper's own failure line on stderr; the controller turns it into the task's message.
const FAILED: &str = "rconf-become-failed:";

/// A wrapped command: what to exec, and what to send on stdin before the module's own input.
pub struct Wrapped {
    pub command: Vec<u8>,
    pub stdin_prefix: Vec<u8>,
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// What the wrapped command is: its exit status decides how a failure of the wrapper itself
/// can be told from the command's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrapping {
    /// A task's own command: any status is the task's, so the escalation is proven by an
    /// input-less `true` first.
    Command,
    /// The persistent shell (`ssh::worker`), which itself ends only with status 0 or 3: sudo
    /// without a password runs it at once, and sudo's status 1 says sudo refused.
    Shell,
}

impl Become {
    /// Wraps `inner` (a complete command line such as `sh -c '...'`).
    pub fn wrap(&self, inner: &[u8]) -> Result<Wrapped, String> {
        self.wrap_as(inner, Wrapping::Command)
    }

    /// Wraps `inner` as `what` says.
    pub fn wrap_as(&self, inner: &[u8], what: Wrapping) -> Result<Wrapped, String> {
        let user = sh_quote(&self.user);
        let script = match self.method {
            Method::Sudo => self.sudo_script(&user, what),
            Method::Su => self.su_script(&user),
        };
        // The inner command travels as "$1" so it is quoted exactly once, by the caller.
        let mut command = b"exec sh -c ".to_vec();
        command.extend_from_slice(sh_quote(&script).as_bytes());
        command.extend_from_slice(b" rconf-become ");
        command.extend_from_slice(&crate::remote::quote::quote(inner)?);
        let stdin_prefix = match &self.password {
            Some(p) => format!("{p}\n").into_bytes(),
            None => Vec::new(),
        };
        Ok(Wrapped {
            command,
            stdin_prefix,
        })
    }

    fn sudo_script(&self, user: &str, what: Wrapping) -> String {
        let flags = self.flags.as_deref().unwrap_or("-H");
        let needs = format!(
            "printf '{FAILED}sudo to user %s needs a password (or is not allowed): give it \
             with -K/--ask-become-pass or `ansible_become_password`\\n' {user} >&2"
        );
        let Some(_) = &self.password else {
            return match what {
                // One sudo for the shell's whole life: the probe would be a second one.
                Wrapping::Shell => format!(
                    "sudo -n {flags} -u {user} -- sh -c \"$1\"; rconf_st=$?; \
                     if [ $rconf_st = 1 ]; then {needs}; fi; exit $rconf_st"
                ),
                Wrapping::Command => format!(
                    "if sudo -n {flags} -u {user} -- true 2>/dev/null; then \
                     exec sudo -n {flags} -u {user} -- sh -c \"$1\"; fi; {needs}; exit 1"
                ),
            };
        };
        // Without a password requirement sudo would leave the password line in the module's
        // stdin, so that case runs without it. `-k` makes sudo read the password even when a
        // cached credential exists, so the line is always consumed. The first, input-less
        // `sudo true` proves the password, so a wrong one never eats the module's input.
        format!(
            "IFS= read -r rconf_pw || rconf_pw=; \
             if sudo -n {flags} -u {user} -- true 2>/dev/null; then \
             unset rconf_pw; exec sudo -n {flags} -u {user} -- sh -c \"$1\"; fi; \
             if ! rconf_err=$(printf '%s\\n' \"$rconf_pw\" | \
             sudo -k -S -p '' {flags} -u {user} -- true 2>&1 >/dev/null); then \
             printf '{FAILED}sudo to user %s refused the become password: %s\\n' {user} \
             \"$(printf '%s' \"$rconf_err\" | tr '\\n' ' ')\" >&2; exit 1; fi; \
             {{ printf '%s\\n' \"$rconf_pw\"; unset rconf_pw; exec cat; }} | \
             sudo -k -S -p '' {flags} -u {user} -- sh -c \"$1\""
        )
    }

    /// su reads its password from its stdin when there is no terminal (util-linux su through
    /// PAM) but in one `read` of up to a few hundred bytes, which could swallow the start of
    /// the command's input: the command gets the wrapper's stdin on descriptor 3 instead, and
    /// its stderr on 4, away from su's prompt.
    fn su_script(&self, user: &str) -> String {
        let flags = self.flags.as_deref().unwrap_or("");
        let Some(_) = &self.password else {
            return format!(
                "if ! su {flags} -s /bin/sh -c true {user} </dev/null >/dev/null 2>&1; then \
                 printf '{FAILED}su to user %s failed (without a password su works only \
                 when connected as root: give the password with -K/--ask-become-pass or \
                 `ansible_become_password`)\\n' {user} >&2; exit 1; fi; \
                 exec su {flags} -s /bin/sh -c \"$1\" {user}"
            );
        };
        format!(
            "IFS= read -r rconf_pw || rconf_pw=; \
             if ! rconf_err=$(printf '%s\\n' \"$rconf_pw\" | \
             su {flags} -s /bin/sh -c true {user} 2>&1 >/dev/null); then \
             rconf_err=${{rconf_err#Password:}}; \
             printf '{FAILED}su to user %s refused the become password: %s\\n' {user} \
             \"$(printf '%s' \"${{rconf_err# }}\" | tr '\\n' ' ')\" >&2; exit 1; fi; \
             exec 3<&0 4>&2; printf '%s\\n' \"$rconf_pw\" | \
             su {flags} -s /bin/sh -c \"exec <&3 3<&- 2>&4 4>&-; $1\" {user} 2>/dev/null"
        )
    }
}

/// The become failure the wrapper reported in `output`, as the task's message.
pub fn failure(output: &Output) -> Option<String> {
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr
        .lines()
        .find_map(|l| l.strip_prefix(FAILED))
        .map(|m| format!("become failed: {}", m.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sudo(password: Option<&str>) -> Become {
        Become {
            method: Method::Sudo,
            user: "postgres".into(),
            flags: None,
            password: password.map(str::to_string),
        }
    }

    #[test]
    fn the_password_travels_on_stdin_never_in_the_command() {
        let w = sudo(Some("s3cr'et")).wrap(b"sh -c 'id -u'").unwrap();
        let command = String::from_utf8(w.command).unwrap();
        assert!(!command.contains("s3cr"), "{command}");
        assert_eq!(w.stdin_prefix, b"s3cr'et\n");
        assert!(format!("{:?}", sudo(Some("s3cr'et"))).contains("<hidden>"));
    }

    #[test]
    fn the_wrapped_command_runs_the_inner_one_through_sudo() {
        let w = sudo(None).wrap(b"sh -c 'id -u'").unwrap();
        assert!(w.stdin_prefix.is_empty());
        let command = String::from_utf8(w.command).unwrap();
        assert!(command.contains("sudo -n -H -u "), "{command}");
        assert!(
            command.ends_with("rconf-become 'sh -c '\\''id -u'\\'''"),
            "{command}"
        );
    }

    #[test]
    fn su_with_a_password_gets_it_on_stdin_never_in_the_command() {
        let mut b = sudo(Some("s3cr'et"));
        b.method = Method::Su;
        let w = b.wrap(b"true").unwrap();
        assert!(!String::from_utf8(w.command).unwrap().contains("s3cr"));
        assert_eq!(w.stdin_prefix, b"s3cr'et\n");
    }

    #[test]
    fn wrapper_failure_line_becomes_the_message() {
        let out = Output {
            status: Some(1),
            stderr:
                b"noise\nrconf-become-failed:sudo to user root refused the become password: Sorry\n"
                    .to_vec(),
            ..Output::default()
        };
        assert_eq!(
            failure(&out).unwrap(),
            "become failed: sudo to user root refused the become password: Sorry"
        );
        assert_eq!(failure(&Output::default()), None);
    }
}
