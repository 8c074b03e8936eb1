//! `pip`: Python packages in a virtualenv or for the target's pip (pip.sh).

use super::args::{Arg, FreeForm, Kind, ModuleSpec, Return};
use super::simple::sh_module;

const BODY: &str = include_str!("../../modules/pip.sh");

pub struct Pip;

static SPEC: ModuleSpec = ModuleSpec {
    name: "pip",
    summary: "Installs or removes Python packages with pip, in a virtualenv it creates when missing",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("name", Kind::List).doc(
            "Python packages, each possibly with a version specifier (`flask>=3`, \
             `gunicorn==22.0.0`).",
        ),
        Arg::new("version", Kind::Str).doc("The version to install, for a single `name`."),
        Arg::new("state", Kind::Str)
            .choices(&["present", "absent", "latest", "forcereinstall"])
            .default("present")
            .doc(
                "`present` installs what is missing, `latest` upgrades, `forcereinstall` \
                 reinstalls, `absent` uninstalls.",
            ),
        Arg::new("requirements", Kind::Str)
            .doc("A requirements file on the target, instead of `name` (relative to `chdir`)."),
        Arg::new("virtualenv", Kind::Str)
            .doc("The virtualenv to install into; it is created when missing."),
        Arg::new("virtualenv_command", Kind::Str)
            .default("virtualenv")
            .doc("The command that creates the virtualenv, split into words (`python3 -m venv`)."),
        Arg::new("virtualenv_python", Kind::Str)
            .doc("The Python a `virtualenv` command creates the environment for (`-p`)."),
        Arg::new("virtualenv_site_packages", Kind::Bool)
            .default("false")
            .doc("Let a new virtualenv see the system's packages."),
        Arg::new("executable", Kind::Str)
            .doc("The pip to run (`pip3.11`, a path), when there is no `virtualenv`."),
        Arg::new("extra_args", Kind::Str)
            .doc("More arguments for `pip install`, split into words."),
        Arg::new("chdir", Kind::Str).doc("The directory to run pip in."),
    ],
    any_args: false,
    required_one_of: &[&["name", "requirements"]],
    mutually_exclusive: &[&["name", "requirements"], &["executable", "virtualenv"]],
    rules: &[],
    returns: &[
        Return::new("cmd", "str", "success", "The pip command that ran."),
        Return::new("stdout", "str", "success", "What pip printed."),
        Return::new("state", "str", "success", "The state asked for."),
    ],
    notes: "",
    example: concat!(
        "- pip:\n",
        "    name: [flask, gunicorn==22.0.0]\n",
        "    virtualenv: /opt/app/venv\n",
        "    virtualenv_command: python3 -m venv"
    ),
};

sh_module!(Pip, SPEC, BODY);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run_with_fakes};
    use serde_json::json;
    use std::os::unix::fs::PermissionsExt;

    /// A fake pip whose installed set is the file `$FAKE/installed` (freeze lines).
    fn fake_pip(t: &TestCtx) -> String {
        std::fs::create_dir_all(t.path("bin")).unwrap();
        let pip = t.path("bin/pip3");
        std::fs::write(
            &pip,
            "#!/bin/sh\necho \"pip $*\" >> \"$FAKE/log\"\ncase $1 in\n\
             freeze) cat \"$FAKE/installed\" ;;\n\
             install) shift; for a; do case $a in -*) ;; *) echo \"$a==9.9\" >> \"$FAKE/installed\" ;; esac; done ;;\n\
             uninstall) shift; for a; do [ \"$a\" = -y ] || { grep -v \"^$a==\" \"$FAKE/installed\" > \"$FAKE/i2\"; mv \"$FAKE/i2\" \"$FAKE/installed\"; }; done ;;\n\
             esac\n",
        )
        .unwrap();
        std::fs::set_permissions(&pip, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(
            t.path("installed"),
            "Flask_Login==0.6.3\nrequests==2.31.0\n",
        )
        .unwrap();
        std::fs::write(t.path("log"), "").unwrap();
        pip
    }

    #[test]
    fn present_packages_start_no_pip_install_and_missing_ones_do() {
        let t = TestCtx::new();
        let pip = fake_pip(&t);
        let run = |args: serde_json::Value, check: bool| {
            let mut args = args;
            args["executable"] = json!(pip);
            run_with_fakes(&t, &Pip, args, minijinja::Value::UNDEFINED, check)
        };
        // Names compare as PEP 503 folds them; an exact version must match.
        let (r, log) = run(json!({"name": ["flask-login", "requests==2.31.0"]}), false);
        assert!(!r.changed && !r.failed, "{r:?}");
        assert_eq!(
            log.lines().filter(|l| l.contains("install")).count(),
            0,
            "{log}"
        );
        let (r, log) = run(json!({"name": "requests", "version": "2.32.0"}), true);
        assert!(r.changed, "check mode predicts: {r:?}");
        assert!(!log.contains("install"), "{log}");
        let (r, log) = run(json!({"name": ["rich", "requests"]}), false);
        assert!(r.changed, "{r:?}");
        assert!(log.contains("pip install rich requests"), "{log}");
        let (r, _) = run(json!({"name": ["rich"]}), false);
        assert!(!r.changed, "{r:?}");
        let (r, log) = run(
            json!({"name": ["rich", "absent-one"], "state": "absent"}),
            false,
        );
        assert!(r.changed, "{r:?}");
        assert!(
            log.contains("pip uninstall -y rich\n"),
            "only what is installed: {log}"
        );
    }
}
