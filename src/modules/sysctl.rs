//! `sysctl`: a kernel parameter in a sysctl file, optionally applied (sysctl.sh).

use super::args::{Arg, FreeForm, Kind, ModuleSpec, Return};
use super::simple::sh_module;

const BODY: &str = include_str!("../../modules/sysctl.sh");

pub struct Sysctl;

static SPEC: ModuleSpec = ModuleSpec {
    name: "sysctl",
    summary: "Manages kernel parameters in sysctl.conf",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("name", Kind::Str)
            .aliases(&["key"])
            .required()
            .doc("The parameter, dot-separated (`vm.swappiness`)."),
        Arg::new("value", Kind::Str)
            .aliases(&["val"])
            .doc("Its value; required with `state=present`."),
        Arg::new("state", Kind::Str)
            .choices(&["absent", "present"])
            .default("present")
            .doc("Whether the parameter's line should be in `sysctl_file`."),
        Arg::new("sysctl_file", Kind::Str)
            .default("/etc/sysctl.conf")
            .doc("The file that holds the line."),
        Arg::new("reload", Kind::Bool)
            .default("true")
            .doc("Load the file (`sysctl -p`) after changing it."),
        Arg::new("sysctl_set", Kind::Bool)
            .default("false")
            .doc("Also set the running kernel's value (`sysctl -w`) when it differs."),
        Arg::new("ignoreerrors", Kind::Bool)
            .default("false")
            .doc("Do not fail on keys the kernel does not know."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new("name", "str", "success", "The parameter."),
        Return::new("value", "str", "success", "Its value."),
        Return::new("state", "str", "success", "The state asked for."),
    ],
    notes: "",
    example: concat!(
        "- sysctl:\n",
        "    name: vm.swappiness\n",
        "    value: '10'"
    ),
};

sh_module!(Sysctl, SPEC, BODY);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn sets_replaces_and_removes_a_key_in_the_file_only() {
        let t = TestCtx::new();
        let f = t.path("sysctl.conf");
        std::fs::write(&f, "# kernel\nvm.swappiness = 60\nnet.ipv4.ip_forward=0\n").unwrap();
        let set =
            json!({"name": "vm.swappiness", "value": "10", "sysctl_file": f, "reload": false});
        let r = run(&Sysctl, set.clone(), &t.ctx(true));
        assert!(r.changed && !r.failed, "{r:?}");
        assert!(
            std::fs::read_to_string(&f)
                .unwrap()
                .contains("vm.swappiness = 60")
        );
        assert!(run(&Sysctl, set.clone(), &t.ctx(false)).changed);
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "# kernel\nvm.swappiness=10\nnet.ipv4.ip_forward=0\n"
        );
        assert!(!run(&Sysctl, set, &t.ctx(false)).changed);
        let spaced =
            json!({"name": "net.ipv4.ip_forward", "value": 0, "sysctl_file": f, "reload": false});
        assert!(
            !run(&Sysctl, spaced, &t.ctx(false)).changed,
            "same value counts as unchanged"
        );
        let add = json!({"name": "kernel.panic", "value": "5", "sysctl_file": f, "reload": false});
        assert!(run(&Sysctl, add, &t.ctx(false)).changed);
        assert!(
            std::fs::read_to_string(&f)
                .unwrap()
                .ends_with("kernel.panic=5\n")
        );
        let gone =
            json!({"name": "vm.swappiness", "state": "absent", "sysctl_file": f, "reload": false});
        assert!(run(&Sysctl, gone.clone(), &t.ctx(false)).changed);
        assert!(!std::fs::read_to_string(&f).unwrap().contains("swappiness"));
        assert!(!run(&Sysctl, gone, &t.ctx(false)).changed);
    }
}
