//! `cron`: builds the job or variable line from Ansible's arguments here; cron.sh edits the
//! user's crontab or a cron_file around the `#Ansible: NAME` markers.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::simple::remote_with;
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

const BODY: &str = include_str!("../../modules/cron.sh");

pub struct Cron;

static SPEC: ModuleSpec = ModuleSpec {
    name: "cron",
    summary: "Manages cron jobs and variables marked `#Ansible: NAME`",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("name", Kind::Str).doc(
            "The job's name (its `#Ansible: NAME` marker), or the variable's name with `env`.",
        ),
        Arg::new("user", Kind::Str).doc(
            "Whose crontab to edit (`crontab -u`); unset, the connecting user's. In a \
             `cron_file`, the user the job runs as (`root` unset).",
        ),
        Arg::new("job", Kind::Str).aliases(&["value"]).doc(
            "The command to run, or the variable's value with `env`; required with \
             `state=present`.",
        ),
        Arg::new("state", Kind::Str)
            .choices(&["absent", "present"])
            .default("present")
            .doc("Whether the job or variable should be there."),
        Arg::new("cron_file", Kind::Str).doc(
            "A file in `/etc/cron.d` (or an absolute path) to use instead of a user's crontab; \
             with `state=absent` and no `name`, the whole file is removed.",
        ),
        Arg::new("backup", Kind::Bool)
            .default("false")
            .doc("Keep a copy of the old crontab before changing it."),
        Arg::new("minute", Kind::Str)
            .default("*")
            .doc("The minutes the job runs at (`0-59`, `*/5`, ...)."),
        Arg::new("hour", Kind::Str)
            .default("*")
            .doc("The hours the job runs at (`0-23`, ...)."),
        Arg::new("day", Kind::Str)
            .aliases(&["dom"])
            .default("*")
            .doc("The days of the month the job runs on (`1-31`, ...)."),
        Arg::new("month", Kind::Str)
            .default("*")
            .doc("The months the job runs in (`1-12`, ...)."),
        Arg::new("weekday", Kind::Str)
            .aliases(&["dow"])
            .default("*")
            .doc("The days of the week the job runs on (`0-6`, Sunday first)."),
        Arg::new("special_time", Kind::Str)
            .choices(&[
                "annually", "daily", "hourly", "monthly", "reboot", "weekly", "yearly",
            ])
            .doc("A nickname instead of the five time fields (`@daily`, `@reboot`, ...)."),
        Arg::new("disabled", Kind::Bool)
            .default("false")
            .doc("Keep the job, commented out."),
        Arg::new("env", Kind::Bool)
            .default("false")
            .doc("Manage a variable (`NAME=value`) instead of a job."),
        Arg::new("insertafter", Kind::Str).doc("With `env`, put a new variable after this one."),
        Arg::new("insertbefore", Kind::Str).doc("With `env`, put a new variable before this one."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[&["insertafter", "insertbefore"]],
    rules: &[],
    returns: &[
        Return::new(
            "jobs",
            "list",
            "success",
            "The names of the jobs in the crontab after the task.",
        ),
        Return::new(
            "envs",
            "list",
            "success",
            "The names of the variables in the crontab after the task.",
        ),
        Return::new("cron_file", "str", "cron_file given", "The file edited."),
    ],
    notes: "",
    example: concat!(
        "- cron:\n",
        "    name: nightly backup\n",
        "    minute: '0'\n",
        "    hour: '2'\n",
        "    job: /usr/local/bin/backup"
    ),
};

/// The crontab line for the task (a job line, or `NAME=value` with `env`).
pub fn cron_line(args: &Args) -> Result<String, String> {
    let name = args.str("name").unwrap_or_default();
    let job = args.string("job").unwrap_or_default();
    if args.bool("env", false) {
        return Ok(format!("{name}={job}"));
    }
    if job.contains('\n') || name.contains('\n') {
        return Err("a cron `job` or `name` cannot contain a newline".into());
    }
    let prefix = if args.bool("disabled", false) {
        "#"
    } else {
        ""
    };
    let user = match args.str("cron_file") {
        Some(_) => format!("{} ", args.str("user").unwrap_or("root")),
        None => String::new(),
    };
    if let Some(special) = args.str("special_time") {
        if ["minute", "hour", "day", "month", "weekday"]
            .iter()
            .any(|k| args.str(k).is_some_and(|v| v != "*"))
        {
            return Err("You must specify time and date fields or special time.".into());
        }
        return Ok(format!("{prefix}@{special} {user}{job}"));
    }
    let f = |k: &str| args.string(k).unwrap_or_else(|| "*".into());
    Ok(format!(
        "{prefix}{} {} {} {} {} {user}{job}",
        f("minute"),
        f("hour"),
        f("day"),
        f("month"),
        f("weekday")
    ))
}

impl Module for Cron {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        let present = args.str("state").unwrap_or("present") == "present";
        let env = args.bool("env", false);
        // Only removing a whole cron_file needs no name.
        let whole_file = args.has("cron_file") && !present;
        if !args.has("name") && !whole_file {
            return Action::Done(TaskResult::failed(
                "missing argument `name`: cron needs a name to find its job or variable",
            ));
        }
        if present && !args.has("job") {
            return Action::Done(TaskResult::failed(if env {
                "You must specify 'job' to install a new cron variable"
            } else {
                "You must specify 'job' to install a new cron job or variable"
            }));
        }
        if !env && (args.has("insertafter") || args.has("insertbefore")) {
            return Action::Done(TaskResult::failed(
                "Insertafter and insertbefore parameters are valid only with env=yes",
            ));
        }
        if args.str("cron_file").is_some_and(|f| f.contains("..")) {
            return Action::Done(TaskResult::failed("`cron_file` must not contain `..`"));
        }
        let line = match cron_line(args) {
            Ok(l) => l,
            Err(e) => return Action::Done(TaskResult::failed(e)),
        };
        remote_with(
            args,
            ctx,
            &[
                "name",
                "user",
                "state",
                "cron_file",
                "backup",
                "env",
                "insertafter",
                "insertbefore",
            ],
            BODY,
            |s| {
                s.var("A_line", line.as_bytes())?;
                Ok(())
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::script::{ScriptOutput, run_local};
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::{Value, json};

    /// Runs cron with a fake `crontab` (spool in the test dir) first on PATH.
    fn run_fake(t: &TestCtx, raw: Value, check: bool) -> TaskResult {
        let bin = t.path("bin");
        if !std::path::Path::new(&bin).exists() {
            std::fs::create_dir_all(&bin).unwrap();
            std::fs::create_dir_all(t.path("spool")).unwrap();
            let fake = format!(
                "#!/bin/sh\nu=$(id -un); l=; f=\nwhile [ $# -gt 0 ]; do case $1 in -u) u=$2; shift 2;; -l) l=1; shift;; *) f=$1; shift;; esac; done\n\
                 s='{}'/$u\nif [ -n \"$l\" ]; then [ -f \"$s\" ] || {{ echo \"no crontab for $u\" >&2; exit 1; }}; cat \"$s\"; else cat \"$f\" > \"$s\"; fi\n",
                t.path("spool")
            );
            std::fs::write(format!("{bin}/crontab"), fake).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                format!("{bin}/crontab"),
                std::fs::Permissions::from_mode(0o755),
            )
            .unwrap();
        }
        let spec = Cron.spec();
        let args = spec.validate(spec.normalize(&raw).unwrap()).unwrap();
        let ctx = t.ctx(check);
        match Cron.plan(&args, &ctx) {
            Action::Remote(call) => {
                let mut program = call.script;
                program.prepend(format!("PATH='{bin}':$PATH\n").as_bytes());
                let out = run_local(&program, &call.stdin);
                Cron.finish(&args, ScriptOutput::parse(out, ctx.marker))
            }
            Action::Done(r) | Action::Sleep(_, r) => r,
            Action::WaitForConnection(_) | Action::Reboot(_) => {
                unreachable!("cron plans a remote call")
            }
        }
    }

    fn spool(t: &TestCtx, user: &str) -> Option<String> {
        std::fs::read_to_string(t.path(&format!("spool/{user}"))).ok()
    }

    #[test]
    fn user_crontab_jobs_are_added_updated_and_removed() {
        let t = TestCtx::new();
        let me = String::from_utf8(
            std::process::Command::new("id")
                .arg("-un")
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        let me = me.trim();
        let job = json!({"name": "backup 'db' $(x)", "minute": "5", "hour": "2", "job": "/usr/bin/backup > /dev/null 2>&1"});
        let r = run_fake(&t, job.clone(), true);
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(spool(&t, me), None, "check mode installed a crontab");
        let r = run_fake(&t, job.clone(), false);
        assert!(r.changed, "{r:?}");
        assert_eq!(r.data["jobs"], json!(["backup 'db' $(x)"]));
        assert_eq!(
            spool(&t, me).unwrap(),
            "#Ansible: backup 'db' $(x)\n5 2 * * * /usr/bin/backup > /dev/null 2>&1\n"
        );
        assert!(!run_fake(&t, job.clone(), false).changed);
        let mut upd = job.clone();
        upd["disabled"] = json!(true);
        assert!(run_fake(&t, upd, false).changed);
        assert!(
            spool(&t, me)
                .unwrap()
                .contains("\n#5 2 * * * /usr/bin/backup")
        );
        let env = json!({"name": "MAILTO", "job": "ops@example.com", "env": true});
        assert!(run_fake(&t, env.clone(), false).changed);
        assert!(!run_fake(&t, env, false).changed);
        assert!(
            spool(&t, me)
                .unwrap()
                .starts_with("MAILTO=ops@example.com\n#Ansible:")
        );
        let gone = json!({"name": "backup 'db' $(x)", "state": "absent"});
        let r = run_fake(&t, gone.clone(), false);
        assert!(
            r.changed && r.data["jobs"] == json!([]) && r.data["envs"] == json!(["MAILTO"]),
            "{r:?}"
        );
        assert_eq!(spool(&t, me).unwrap(), "MAILTO=ops@example.com\n");
        assert!(!run_fake(&t, gone, false).changed);
    }

    #[test]
    fn other_users_get_crontab_u_and_diff() {
        let mut t = TestCtx::new();
        t.diff = true;
        let r = run_fake(
            &t,
            json!({"name": "r", "special_time": "reboot", "job": "/bin/true", "user": "someone"}),
            false,
        );
        assert!(r.changed, "{r:?}");
        assert_eq!(
            spool(&t, "someone").unwrap(),
            "#Ansible: r\n@reboot /bin/true\n"
        );
        assert_eq!(r.data["diff"]["before"], "");
        assert_eq!(r.data["diff"]["after"], "#Ansible: r\n@reboot /bin/true\n");
    }

    #[test]
    fn cron_file_holds_the_user_and_is_removed_whole() {
        let t = TestCtx::new();
        let f = t.path("cron.d-app");
        let job =
            json!({"name": "tick", "cron_file": f, "user": "www", "minute": "*/5", "job": "run"});
        let r = run(&Cron, job.clone(), &t.ctx(true));
        assert!(r.changed && !std::path::Path::new(&f).exists(), "{r:?}");
        let r = run(&Cron, job.clone(), &t.ctx(false));
        assert!(r.changed && r.data["cron_file"] == json!(f), "{r:?}");
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "#Ansible: tick\n*/5 * * * * www run\n"
        );
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o644
        );
        assert!(!run(&Cron, job, &t.ctx(false)).changed);
        let rm = json!({"cron_file": f, "state": "absent"});
        assert!(run(&Cron, rm.clone(), &t.ctx(false)).changed);
        assert!(!std::path::Path::new(&f).exists());
        assert!(!run(&Cron, rm, &t.ctx(false)).changed);
    }

    #[test]
    fn argument_rules() {
        let t = TestCtx::new();
        let r = run(&Cron, json!({"name": "x"}), &t.ctx(false));
        assert!(r.failed && r.msg.as_deref().unwrap().contains("'job'"));
        let r = run(
            &Cron,
            json!({"name": "x", "job": "y", "special_time": "daily", "hour": "3"}),
            &t.ctx(false),
        );
        assert!(r.failed && r.msg.as_deref().unwrap().contains("special time"));
    }
}
