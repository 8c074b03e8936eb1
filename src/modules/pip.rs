//! `pip`: Python packages in a virtualenv or for the target's pip (pip.sh).

use super::args::{Arg, FreeForm, Kind, ModuleSpec};
use super::simple::sh_module;

const BODY: &str = include_str!("../../modules/pip.sh");

pub struct Pip;

static SPEC: ModuleSpec = ModuleSpec {
    name: "pip",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("name", Kind::List),
        Arg::new("version", Kind::Str),
        Arg::new("state", Kind::Str).choices(&["present", "absent", "latest", "forcereinstall"]),
        Arg::new("requirements", Kind::Str),
        Arg::new("virtualenv", Kind::Str),
        Arg::new("virtualenv_command", Kind::Str),
        Arg::new("virtualenv_python", Kind::Str),
        Arg::new("virtualenv_site_packages", Kind::Bool),
        Arg::new("executable", Kind::Str),
        Arg::new("extra_args", Kind::Str),
        Arg::new("chdir", Kind::Str),
    ],
    any_args: false,
    required_one_of: &[&["name", "requirements"]],
    mutually_exclusive: &[&["name", "requirements"], &["executable", "virtualenv"]],
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
