//! `getent`: a name service database (passwd, group, hosts, services, ...) as the fact
//! `getent_<database>` (getent.sh).

use super::args::{Arg, FreeForm, Kind, ModuleSpec, Return};
use super::simple::sh_module;

const BODY: &str = include_str!("../../modules/getent.sh");

pub struct Getent;

static SPEC: ModuleSpec = ModuleSpec {
    name: "getent",
    summary: "Reads a name service database (passwd, group, hosts, ...) into the fact getent_<database>",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("database", Kind::Str)
            .required()
            .doc("The database to read: `passwd`, `group`, `shadow`, `hosts`, `services`, ..."),
        Arg::new("key", Kind::Str).doc("One entry to read instead of the whole database."),
        Arg::new("split", Kind::Str).doc(
            "The character that separates an entry's fields; unset, `:` for passwd, shadow, \
             group and gshadow, else whitespace.",
        ),
        Arg::new("fail_key", Kind::Bool)
            .default("true")
            .doc("Fail when `key` is not in the database."),
        Arg::new("service", Kind::Str).doc(
            "Accepted as Ansible does; rconf queries the services the host's nsswitch.conf \
             names.",
        ),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[Return::new(
        "ansible_facts.getent_<database>",
        "dict",
        "success",
        "Each entry's first field mapped to the list of its other fields.",
    )],
    notes: "",
    example: concat!("- getent:\n", "    database: passwd\n", "    key: deploy"),
};

sh_module!(Getent, SPEC, BODY);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn passwd_entries_become_a_fact_keyed_by_name() {
        let t = TestCtx::new();
        let r = run(&Getent, json!({"database": "passwd"}), &t.ctx(false));
        assert!(!r.failed && !r.changed, "{r:?}");
        let root = &r.data["ansible_facts"]["getent_passwd"]["root"];
        assert_eq!(root[1], json!("0"), "uid: {r:?}");
        assert_eq!(root[4], json!("/root"), "home: {r:?}");
        let one = run(
            &Getent,
            json!({"database": "group", "key": "root"}),
            &t.ctx(false),
        );
        let groups = one.data["ansible_facts"]["getent_group"]
            .as_object()
            .unwrap();
        assert_eq!(groups.keys().collect::<Vec<_>>(), ["root"]);
        assert_eq!(groups["root"][1], json!("0"));
    }

    #[test]
    fn a_missing_key_fails_unless_told_otherwise() {
        let t = TestCtx::new();
        let args = json!({"database": "passwd", "key": "rconf-surely-no-such-user"});
        let r = run(&Getent, args.clone(), &t.ctx(false));
        assert_eq!(
            r.msg.as_deref(),
            Some("One or more supplied key could not be found in the database.")
        );
        let mut lenient = args;
        lenient["fail_key"] = json!(false);
        let r = run(&Getent, lenient, &t.ctx(false));
        assert!(!r.failed, "{r:?}");
        assert_eq!(r.data["ansible_facts"]["getent_passwd"], json!({}));
        let r = run(&Getent, json!({"database": "nosuchdb"}), &t.ctx(false));
        assert_eq!(
            r.msg.as_deref(),
            Some("Missing arguments, or database unknown.")
        );
    }
}
