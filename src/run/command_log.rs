//! The `-vv` line that says what rconf sends a host for a task: the module, its arguments
//! (secrets and `no_log` censored) and whose shell runs it.
//!
//! Ansible's `-vvv` shows the `EXEC /bin/sh -c '...'` it runs; rconf sends a frame with the
//! module's body to a persistent shell, so what the user can act on is the call itself.

use serde_json::Value;

use crate::modules::Args;
use crate::modules::args::ModuleSpec;
use crate::transport::privilege::{Become, Method};

/// The tracing target of these lines: `-vv` turns on just this one.
pub const TARGET: &str = "rconf::command";

/// Ansible's placeholder for a value it will not log.
const HIDDEN: &str = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER";

/// `<h1> EXEC copy {"dest":"/etc/motd","content":"hi"} (persistent shell, become root by sudo)`.
pub fn describe(
    host: &str,
    module: &str,
    args: &Args,
    spec: Option<&ModuleSpec>,
    no_log: bool,
    become_: Option<&Become>,
    persistent: bool,
) -> String {
    let shown = if no_log {
        "(arguments hidden: no_log)".to_string()
    } else {
        let censored: serde_json::Map<String, Value> = args
            .0
            .iter()
            .map(|(k, v)| {
                let value = if is_secret(k, spec) {
                    Value::String(HIDDEN.into())
                } else {
                    v.clone()
                };
                (k.clone(), value)
            })
            .collect();
        Value::Object(censored).to_string()
    };
    let shell = if persistent {
        "persistent shell"
    } else {
        "one exec"
    };
    let who = match become_ {
        None => String::new(),
        Some(b) => {
            let method = match b.method {
                Method::Sudo => "sudo",
                Method::Su => "su",
            };
            format!(", become {} by {method}", b.user)
        }
    };
    format!("<{host}> EXEC {module} {shown} ({shell}{who})")
}

/// An argument a native module marks secret; for Ansible's modules, whose specs rconf does
/// not read, one whose name says it holds a password, as Ansible's own heuristic
/// (`password`, `login_pass`, `passphrase`, `api_token`...) warns about.
fn is_secret(name: &str, spec: Option<&ModuleSpec>) -> bool {
    if let Some(spec) = spec {
        return spec.args.iter().any(|a| a.secret && a.name == name);
    }
    let name = name.to_ascii_lowercase();
    name.split(['_', '-']).any(|w| {
        matches!(
            w,
            "pass" | "passwd" | "password" | "passphrase" | "token" | "secret"
        )
    }) || name.ends_with("password")
        || name.ends_with("passphrase")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, Value)]) -> Args {
        Args(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn secrets_and_no_log_are_censored_and_the_rest_is_shown() {
        let a = args(&[
            ("name", "alice".into()),
            ("password", "s3cret".into()),
            ("url_password", "x".into()),
            ("api_token", "t".into()),
            ("passwordless", true.into()),
        ]);
        let line = describe("h1", "user", &a, None, false, None, true);
        assert_eq!(
            line,
            "<h1> EXEC user {\"name\":\"alice\",\"password\":\"VALUE_SPECIFIED_IN_NO_LOG_PARAMETER\",\
             \"url_password\":\"VALUE_SPECIFIED_IN_NO_LOG_PARAMETER\",\
             \"api_token\":\"VALUE_SPECIFIED_IN_NO_LOG_PARAMETER\",\"passwordless\":true} \
             (persistent shell)"
        );
        let b = Become {
            method: Method::Sudo,
            user: "root".into(),
            flags: None,
            password: Some("pw".into()),
        };
        let line = describe("h1", "copy", &a, None, true, Some(&b), false);
        assert_eq!(
            line,
            "<h1> EXEC copy (arguments hidden: no_log) (one exec, become root by sudo)"
        );
    }
}
