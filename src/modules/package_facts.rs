//! `package_facts`: the installed packages as the fact `packages` (package_facts.sh).

use super::args::{Arg, FreeForm, Kind, ModuleSpec, Return};
use super::simple::sh_module;

const BODY: &str = include_str!("../../modules/package_facts.sh");

pub struct PackageFacts;

static SPEC: ModuleSpec = ModuleSpec {
    name: "package_facts",
    summary: "Lists the installed packages (dpkg, rpm or apk) as the fact packages",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("manager", Kind::Str).default("auto").doc(
            "Where to read the packages from: `apt`, `rpm`, `apk`, or `auto` for the first of \
             them found.",
        ),
        Arg::new("strategy", Kind::Str)
            .choices(&["first", "all"])
            .doc("Accepted as Ansible does; rconf reads one manager, the first found."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[Return::new(
        "ansible_facts.packages",
        "dict",
        "always",
        "Each installed package's name mapped to a list of `{name, version, arch, source}` \
         (rpm adds `release` and `epoch`).",
    )],
    notes: "",
    example: concat!(
        "- package_facts:\n",
        "- debug:\n",
        "    msg: nginx is installed\n",
        "  when: \"'nginx' in ansible_facts.packages\""
    ),
};

sh_module!(PackageFacts, SPEC, BODY);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn installed_packages_are_listed_with_version_and_arch() {
        let t = TestCtx::new();
        let r = run(&PackageFacts, json!({}), &t.ctx(false));
        if r.failed && r.msg.as_deref().unwrap_or("").contains("Could not detect") {
            return; // neither dpkg nor rpm nor apk on this machine
        }
        assert!(!r.failed && !r.changed, "{r:?}");
        let facts = &r.data["ansible_facts"];
        let pkgs = facts["packages"].as_object().unwrap();
        // Every Debian and Red Hat system has coreutils.
        let core = &pkgs["coreutils"][0];
        assert_eq!(core["name"], json!("coreutils"));
        assert!(
            core["version"].as_str().is_some_and(|v| !v.is_empty()),
            "{core}"
        );
        assert_eq!(core["source"], facts["pkg_mgr"]);
        let r = run(&PackageFacts, json!({"manager": "nosuch"}), &t.ctx(false));
        assert!(
            r.msg
                .unwrap()
                .starts_with("Unsupported package manager: nosuch")
        );
    }
}
