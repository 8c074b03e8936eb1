//! `service` and `systemd` (`systemd_service`): the controller picks the service manager from
//! `use`, the facts (`ansible_facts.service_mgr`) or leaves it to detection in service.sh.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::package::fact;
use super::script::Script;
use super::{Action, Ctx, Module, RemoteCall};
use crate::result::TaskResult;
use crate::transport::Stdin;

const BODY: &str = include_str!("../../modules/service.sh");

const STATES: &[&str] = &["reloaded", "restarted", "started", "stopped"];

pub struct Service;
pub struct Systemd;

static SERVICE_SPEC: ModuleSpec = ModuleSpec {
    name: "service",
    summary: "Starts, stops and enables services (systemd, sysvinit, OpenRC)",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("name", Kind::Str)
            .required()
            .doc("The service's name."),
        Arg::new("state", Kind::Str).choices(STATES).doc(
            "`started` and `stopped` act only when needed; `restarted` always restarts; \
             `reloaded` always reloads (or starts a stopped service).",
        ),
        Arg::new("enabled", Kind::Bool).doc("Whether the service starts at boot."),
        Arg::new("pattern", Kind::Str).doc(
            "For init scripts with no useful `status`: the service counts as running when a \
             process's command line contains this text.",
        ),
        Arg::new("sleep", Kind::Int)
            .doc("With `state=restarted` on init scripts, seconds to wait between stop and start."),
        Arg::new("arguments", Kind::Str)
            .aliases(&["args"])
            .doc("More arguments for the init script's command line (not for systemd)."),
        Arg::new("runlevel", Kind::Str)
            .implied_default("default")
            .doc(
                "The OpenRC runlevel `enabled` applies to; for update-rc.d, the runlevels to \
                 enable or disable, when given.",
            ),
        Arg::new("use", Kind::Str).default("auto").doc(
            "The service manager: `systemd`, `sysvinit` or `openrc`; `auto` takes the \
             `service_mgr` fact, else detects it on the target.",
        ),
    ],
    any_args: false,
    required_one_of: &[&["state", "enabled"]],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new("name", "str", "success", "The service's name."),
        Return::new(
            "state",
            "str",
            "state given",
            "`started` or `stopped`, after the task.",
        ),
        Return::new(
            "enabled",
            "bool",
            "enabled given",
            "Whether the service starts at boot, after the task.",
        ),
        Return::new(
            "status",
            "dict",
            "systemd",
            "The unit's properties, as `systemctl show` lists them.",
        ),
    ],
    notes: "",
    example: concat!(
        "- service:\n",
        "    name: nginx\n",
        "    state: started\n",
        "    enabled: true"
    ),
};

static SYSTEMD_SPEC: ModuleSpec = ModuleSpec {
    name: "systemd",
    summary: "Manages systemd units",
    aliases: &["systemd_service"],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("name", Kind::Str)
            .aliases(&["service", "unit"])
            .doc("The unit; without a suffix it is a `.service`."),
        Arg::new("state", Kind::Str).choices(STATES).doc(
            "`started` and `stopped` act only when needed; `restarted` always restarts; \
             `reloaded` always reloads (or starts a stopped service).",
        ),
        Arg::new("enabled", Kind::Bool).doc("Whether the unit starts at boot."),
        Arg::new("force", Kind::Bool)
            .doc("Accepted as Ansible does; rconf does not pass `--force` to systemctl."),
        Arg::new("masked", Kind::Bool)
            .doc("Whether the unit is masked (then it cannot be started at all)."),
        Arg::new("daemon_reload", Kind::Bool)
            .aliases(&["daemon-reload"])
            .default("false")
            .doc(
                "Run `systemctl daemon-reload` first, so that systemd reads changed unit files; \
                 may be the task's only work.",
            ),
        Arg::new("daemon_reexec", Kind::Bool)
            .aliases(&["daemon-reexec"])
            .default("false")
            .doc("Run `systemctl daemon-reexec` first."),
        Arg::new("scope", Kind::Str)
            .choices(&["system", "user", "global"])
            .default("system")
            .doc(
                "Whose manager to talk to: the `system`'s, the `user`'s, or `global` for every \
                 user.",
            ),
        Arg::new("no_block", Kind::Bool)
            .default("false")
            .doc("Queue the start or stop and return without waiting for it."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new("name", "str", "success", "The unit's name."),
        Return::new(
            "state",
            "str",
            "state given",
            "`started` or `stopped`, after the task.",
        ),
        Return::new(
            "enabled",
            "bool",
            "enabled given",
            "Whether the unit starts at boot, after the task.",
        ),
        Return::new(
            "status",
            "dict",
            "success",
            "The unit's properties, as `systemctl show` lists them.",
        ),
    ],
    notes: "",
    example: concat!(
        "- systemd:\n",
        "    name: app\n",
        "    state: restarted\n",
        "    daemon_reload: true"
    ),
};

const ARGS: &[&str] = &[
    "name",
    "state",
    "enabled",
    "pattern",
    "sleep",
    "arguments",
    "runlevel",
    "masked",
    "daemon_reload",
    "daemon_reexec",
    "scope",
    "no_block",
];

/// The manager a `service` task uses: `use`, else the facts; `None` means detect on the target.
pub fn service_manager(args: &Args, ctx: &Ctx) -> Option<String> {
    let asked = args.str("use").filter(|u| *u != "auto").map(str::to_string);
    let chosen = match asked {
        Some(u) => u,
        // A PID 1 rconf has no manager for (`tini`, `dumb-init` in a container): Ansible's
        // `service` falls back to the init scripts; the target's detection does the same.
        None => fact(ctx, "service_mgr").filter(|m| {
            matches!(
                m.as_str(),
                "systemd" | "sysvinit" | "openrc" | "service" | "sysv" | "init" | "upstart"
            )
        })?,
    };
    // Ansible reports `service` for sysvinit hosts on some platforms; both mean init scripts.
    Some(match chosen.as_str() {
        "service" | "sysv" | "init" | "upstart" => "sysvinit".into(),
        _ => chosen,
    })
}

fn remote(args: &Args, ctx: &Ctx, mgr: Option<&str>) -> Action {
    let built = (|| {
        if let Some(m) = mgr
            && !matches!(m, "systemd" | "sysvinit" | "openrc")
        {
            return Err(format!(
                "service manager `{m}` is not supported; expected systemd, sysvinit or openrc"
            ));
        }
        let mut s = Script::new(ctx)?;
        if let Some(m) = mgr {
            s.var("A_mgr", m.as_bytes())?;
        }
        s.args(args, ARGS)?;
        Ok::<_, String>(s.finish(BODY))
    })();
    match built {
        Ok(script) => Action::Remote(RemoteCall {
            script,
            stdin: Stdin::Empty,
        }),
        Err(e) => Action::Done(TaskResult::failed(e)),
    }
}

impl Module for Service {
    fn spec(&self) -> &'static ModuleSpec {
        &SERVICE_SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        remote(args, ctx, service_manager(args, ctx).as_deref())
    }
}

impl Module for Systemd {
    fn spec(&self) -> &'static ModuleSpec {
        &SYSTEMD_SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        if !args.has("name")
            && !args.bool("daemon_reload", false)
            && !args.bool("daemon_reexec", false)
        {
            return Action::Done(TaskResult::failed(
                "systemd needs `name`, `daemon_reload` or `daemon_reexec`",
            ));
        }
        if args.has("name")
            && !args.has("state")
            && !args.has("enabled")
            && !args.has("masked")
            && !args.bool("daemon_reload", false)
            && !args.bool("daemon_reexec", false)
        {
            return Action::Done(TaskResult::failed(format!(
                "systemd needs one of `state`, `enabled`, `masked` or `daemon_reload` for unit `{}`",
                args.str("name").unwrap_or_default()
            )));
        }
        remote(args, ctx, Some("systemd"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::TestCtx;
    use serde_json::json;
    use std::os::unix::fs::PermissionsExt;

    /// A fake `systemctl` keeping unit state in `$FAKE/units/NAME.{active,enabled}` and
    /// logging every changing call to `$FAKE/log`.
    fn fake_systemctl(t: &TestCtx) {
        let bin = t.tmp.path().join("bin");
        std::fs::create_dir_all(t.tmp.path().join("units")).unwrap();
        std::fs::create_dir_all(&bin).unwrap();
        let body = r#"#!/bin/sh
u=$FAKE/units
for a; do n=$a; done
case $1 in
  show) if [ -e "$u/$n.unit" ]; then echo LoadState=loaded; echo "Description=fake $n"; else echo LoadState=not-found; fi ;;
  is-enabled) [ -e "$u/$n.enabled" ] && { echo enabled; exit 0; }; echo disabled; exit 1 ;;
  is-active) [ -e "$u/$n.active" ] ;;
  start|restart|reload) echo "$1 $n" >> "$FAKE/log"; touch "$u/$n.active" ;;
  stop) echo "stop $n" >> "$FAKE/log"; rm -f "$u/$n.active" ;;
  enable) echo "enable $n" >> "$FAKE/log"; touch "$u/$n.enabled" ;;
  disable) echo "disable $n" >> "$FAKE/log"; rm -f "$u/$n.enabled" ;;
  daemon-reload) echo "daemon-reload" >> "$FAKE/log" ;;
esac
"#;
        let p = bin.join("systemctl");
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(t.path("units/web.unit"), "").unwrap();
        std::fs::write(t.path("log"), "").unwrap();
    }

    fn run_fake(
        t: &TestCtx,
        m: &dyn Module,
        args: serde_json::Value,
        check: bool,
    ) -> (TaskResult, String) {
        let facts = minijinja::context! { service_mgr => "systemd" };
        crate::modules::testutil::run_with_fakes(t, m, args, facts, check)
    }

    #[test]
    fn systemd_starts_and_enables_once_and_check_mode_only_predicts() {
        let t = TestCtx::new();
        fake_systemctl(&t);
        let args = json!({"name": "web", "state": "started", "enabled": true});
        let (r, log) = run_fake(&t, &Systemd, args.clone(), true);
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(log, "");
        let (r, log) = run_fake(&t, &Service, args.clone(), false);
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(log, "enable web\nstart web\n");
        assert_eq!(r.data["state"], "started");
        assert_eq!(r.data["enabled"], true);
        assert_eq!(r.data["status"]["Description"], "fake web");
        let (r, log) = run_fake(&t, &Systemd, args, false);
        assert!(!r.changed, "{r:?}");
        assert_eq!(log, "");
    }

    #[test]
    fn restarted_is_always_changed_and_stopped_stops_a_running_unit() {
        let t = TestCtx::new();
        fake_systemctl(&t);
        let (r, log) = run_fake(
            &t,
            &Systemd,
            json!({"name": "web", "state": "restarted", "daemon_reload": true}),
            false,
        );
        assert!(r.changed);
        assert_eq!(log, "daemon-reload\nrestart web\n");
        let (r, _) = run_fake(
            &t,
            &Systemd,
            json!({"name": "web", "state": "restarted"}),
            false,
        );
        assert!(r.changed);
        let (r, log) = run_fake(
            &t,
            &Systemd,
            json!({"name": "web", "state": "stopped"}),
            false,
        );
        assert!(r.changed && r.data["state"] == "stopped");
        assert_eq!(log, "stop web\n");
    }

    #[test]
    fn a_missing_unit_fails_but_not_in_check_mode() {
        let t = TestCtx::new();
        fake_systemctl(&t);
        let args = json!({"name": "nope", "state": "started"});
        let (r, _) = run_fake(&t, &Systemd, args.clone(), false);
        assert!(r.failed);
        assert!(
            r.msg
                .unwrap()
                .contains("Could not find the requested service nope")
        );
        let (r, log) = run_fake(&t, &Systemd, args, true);
        assert!(!r.failed && r.changed, "{r:?}");
        assert_eq!(log, "");
    }

    #[test]
    fn a_pid_1_without_a_known_manager_falls_back_to_the_targets_detection() {
        let spec = Service.spec();
        let args = spec
            .validate(
                spec.normalize(&json!({"name": "x", "state": "started"}))
                    .unwrap(),
            )
            .unwrap();
        let mut t = TestCtx::new();
        for (pid1, want) in [
            ("tini", None),
            ("systemd", Some("systemd")),
            ("service", Some("sysvinit")),
        ] {
            t.vars = minijinja::context! { ansible_facts => minijinja::context! { service_mgr => pid1 } };
            assert_eq!(
                service_manager(&args, &t.ctx(false)).as_deref(),
                want,
                "{pid1}"
            );
        }
    }

    #[test]
    fn service_needs_state_or_enabled_and_a_known_manager() {
        let spec = Service.spec();
        let p = spec.check(&spec.normalize(&json!({"name": "x"})).unwrap());
        assert!(
            p[0].message.starts_with("one of the following is required: "),
            "{p:?}"
        );
        let t = TestCtx::new();
        let args = spec
            .validate(
                spec.normalize(&json!({"name": "x", "state": "started", "use": "launchd"}))
                    .unwrap(),
            )
            .unwrap();
        let Action::Done(r) = Service.plan(&args, &t.ctx(false)) else {
            panic!("expected a controller-side failure");
        };
        assert!(r.msg.unwrap().contains("`launchd` is not supported"));
    }
}
