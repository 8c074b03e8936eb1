//! `group`: groups through groupadd/groupmod/groupdel (group.sh).

use super::args::{Arg, FreeForm, Kind, ModuleSpec, Return, Rule};
use super::simple::sh_module;

const BODY: &str = include_str!("../../modules/group.sh");

pub struct Group;

static SPEC: ModuleSpec = ModuleSpec {
    name: "group",
    summary: "Manages groups",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("name", Kind::Str)
            .required()
            .doc("The group's name."),
        Arg::new("gid", Kind::Int).doc("The group's id."),
        Arg::new("state", Kind::Str)
            .choices(&["absent", "present"])
            .default("present")
            .doc("Whether the group should exist."),
        Arg::new("system", Kind::Bool)
            .default("false")
            .doc("Create a system group (a low gid)."),
        Arg::new("non_unique", Kind::Bool)
            .default("false")
            .doc("With `gid`, allow an id another group already has."),
        Arg::new("local", Kind::Bool).doc("Accepted as Ansible does; rconf does not use it."),
        Arg::new("force", Kind::Bool).doc("Accepted as Ansible does; rconf does not use it."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[Rule::RequiredIf {
        key: "non_unique",
        value: "true",
        then: &["gid"],
        any: false,
    }],
    returns: &[
        Return::new("name", "str", "always", "The group's name."),
        Return::new("state", "str", "always", "`present` or `absent`."),
        Return::new("gid", "int", "state=present", "The group's id."),
        Return::new(
            "system",
            "bool",
            "state=present",
            "Whether it was asked to be a system group.",
        ),
    ],
    notes: "",
    example: concat!("- group:\n", "    name: deploy\n", "    gid: 2000"),
};

sh_module!(Group, SPEC, BODY);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn an_existing_group_is_unchanged_and_a_missing_one_is_predicted() {
        let t = TestCtx::new();
        let r = run(&Group, json!({"name": "root"}), &t.ctx(true));
        assert!(!r.failed && !r.changed, "{r:?}");
        assert_eq!(r.data["gid"], 0);
        let r = run(
            &Group,
            json!({"name": "rconf-no-group", "gid": 4242}),
            &t.ctx(true),
        );
        assert!(!r.failed && r.changed, "{r:?}");
        assert_eq!(r.data["gid"], 4242);
    }
}
