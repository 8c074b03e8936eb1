//! `hostname`: sets the running and the permanent host name (/etc/hostname, or hostnamectl
//! under systemd) in hostname.sh, and returns the new name as facts.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::simple::remote_with;
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

const BODY: &str = include_str!("../../modules/hostname.sh");

/// Where the permanent name lives on every supported strategy.
pub const HOSTNAME_FILE: &str = "/etc/hostname";

pub struct Hostname;

static SPEC: ModuleSpec = ModuleSpec {
    name: "hostname",
    summary: "Sets the host name (running and in /etc/hostname)",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("name", Kind::Str)
            .required()
            .doc("The host name to set."),
        Arg::new("use", Kind::Str)
            .choices(&[
                "alpine", "debian", "freebsd", "generic", "macos", "macosx", "darwin", "openbsd",
                "openrc", "redhat", "sles", "solaris", "systemd",
            ])
            .doc(
                "How to set it: `systemd` (`hostnamectl`), or `debian`, `redhat`, `alpine`, \
                 `openrc`, `sles`, `generic` (`/etc/hostname` and `hostname`); unset, detected on \
                 the target. The other choices fail.",
            ),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new("name", "str", "success", "The host name."),
        Return::new(
            "ansible_facts",
            "dict",
            "success",
            "`ansible_hostname`, `ansible_nodename`, `ansible_fqdn` and `ansible_domain` for the \
             new name.",
        ),
    ],
    notes: "",
    example: concat!("- hostname:\n", "    name: web1.example.org"),
};

impl Module for Hostname {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        let name = args.str("name").unwrap_or_default();
        let valid = !name.is_empty()
            && name.len() <= 253
            && name.split('.').all(|l| {
                !l.is_empty()
                    && !l.starts_with('-')
                    && l.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            });
        if !valid {
            return Action::Done(TaskResult::failed(format!(
                "invalid host name `{name}`; expected letters, digits, `-` and `_` in dot-separated labels"
            )));
        }
        let strategy = match args.str("use") {
            None | Some("systemd") => None,
            Some("alpine" | "debian" | "generic" | "openrc" | "redhat" | "sles") => Some("generic"),
            Some(other) => {
                return Action::Done(TaskResult::failed(format!(
                    "hostname strategy `{other}` is not supported; expected systemd, debian, redhat, alpine, openrc, sles or generic"
                )));
            }
        };
        remote_with(args, ctx, &["name"], BODY, |s| {
            s.var("A_file", HOSTNAME_FILE.as_bytes())?;
            match (strategy, args.str("use")) {
                (Some(g), _) => s.var("A_use", g.as_bytes())?,
                (None, Some(u)) => s.var("A_use", u.as_bytes())?,
                (None, None) => s,
            };
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::script::{ScriptOutput, run_local};
    use crate::modules::testutil::TestCtx;
    use serde_json::{Value, json};
    use std::os::unix::fs::PermissionsExt;

    /// Runs the module with fake `hostname`/`hostnamectl` first on PATH and the permanent
    /// name in the test dir: a unit test must never rename the machine.
    fn run_fake(t: &TestCtx, raw: Value, check: bool) -> TaskResult {
        let bin = t.path("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let state = t.path("running");
        if !std::path::Path::new(&state).exists() {
            std::fs::write(&state, "old\n").unwrap();
        }
        for (tool, body) in [
            (
                "hostname",
                format!(
                    "#!/bin/sh\nif [ $# -eq 0 ]; then cat '{state}'; else echo \"$1\" > '{state}'; fi\n"
                ),
            ),
            (
                "hostnamectl",
                format!(
                    "#!/bin/sh\necho \"$2\" > '{state}'; echo \"$2\" > '{}'\n",
                    t.path("hostname")
                ),
            ),
        ] {
            let p = format!("{bin}/{tool}");
            std::fs::write(&p, body).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let spec = Hostname.spec();
        let args = spec.validate(spec.normalize(&raw).unwrap()).unwrap();
        let ctx = t.ctx(check);
        let Action::Remote(call) = Hostname.plan(&args, &ctx) else {
            panic!("hostname did not plan a remote call");
        };
        let script = String::from_utf8(call.script.whole()).unwrap();
        let real = format!("A_file='{HOSTNAME_FILE}'");
        assert!(script.contains(&real));
        let script = format!(
            "PATH='{bin}':$PATH\n{}",
            script.replace(&real, &format!("A_file='{}'", t.path("hostname")))
        );
        let out = run_local(
            &crate::remote::Program::plain(script.into_bytes()),
            &call.stdin,
        );
        Hostname.finish(&args, ScriptOutput::parse(out, ctx.marker))
    }

    fn read(t: &TestCtx, f: &str) -> String {
        std::fs::read_to_string(t.path(f)).unwrap_or_default()
    }

    #[test]
    fn sets_file_and_running_name_once() {
        let mut t = TestCtx::new();
        t.diff = true;
        let args = json!({"name": "web1.example.org", "use": "debian"});
        let r = run_fake(&t, args.clone(), true);
        assert!(r.changed, "{r:?}");
        assert_eq!(read(&t, "running"), "old\n");
        assert_eq!(read(&t, "hostname"), "");
        let r = run_fake(&t, args.clone(), false);
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(read(&t, "running"), "web1.example.org\n");
        assert_eq!(read(&t, "hostname"), "web1.example.org\n");
        assert_eq!(r.data["ansible_facts"]["ansible_hostname"], "web1");
        assert_eq!(r.data["ansible_facts"]["ansible_domain"], "example.org");
        assert_eq!(r.data["diff"]["before"], "hostname = old\n");
        assert_eq!(r.data["diff"]["after"], "hostname = web1.example.org\n");
        assert!(!run_fake(&t, args, false).changed);
    }

    #[test]
    fn systemd_uses_hostnamectl_and_bad_names_fail() {
        let t = TestCtx::new();
        let r = run_fake(&t, json!({"name": "db2", "use": "systemd"}), false);
        assert!(r.changed, "{r:?}");
        assert_eq!(read(&t, "running"), "db2\n");
        assert_eq!(read(&t, "hostname"), "db2\n");
        let spec = Hostname.spec();
        for bad in ["a b", "-x", "x..y", "$(reboot)"] {
            let args = spec
                .validate(spec.normalize(&json!({"name": bad})).unwrap())
                .unwrap();
            let Action::Done(r) = Hostname.plan(&args, &t.ctx(false)) else {
                panic!("`{bad}` was accepted");
            };
            assert!(r.failed && r.msg.unwrap().contains("invalid host name"));
        }
    }
}
