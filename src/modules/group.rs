//! `group`: groups through groupadd/groupmod/groupdel (group.sh).

use super::args::{Arg, FreeForm, Kind, ModuleSpec};
use super::simple::sh_module;

const BODY: &str = include_str!("../../modules/group.sh");

pub struct Group;

static SPEC: ModuleSpec = ModuleSpec {
    name: "group",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("name", Kind::Str).required(),
        Arg::new("gid", Kind::Int),
        Arg::new("state", Kind::Str).choices(&["absent", "present"]),
        Arg::new("system", Kind::Bool),
        Arg::new("non_unique", Kind::Bool),
        Arg::new("local", Kind::Bool),
        Arg::new("force", Kind::Bool),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
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
