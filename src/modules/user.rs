//! `user`: accounts through useradd/usermod/userdel (user.sh); the controller only checks
//! arguments and keeps the password hash out of results.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::simple::{arg_names, remote};
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

const BODY: &str = include_str!("../../modules/user.sh");

pub struct User;

static SPEC: ModuleSpec = ModuleSpec {
    name: "user",
    summary: "Manages user accounts",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("name", Kind::Str)
            .aliases(&["user"])
            .required()
            .doc("The account's name."),
        Arg::new("state", Kind::Str)
            .choices(&["absent", "present"])
            .default("present")
            .doc("Whether the account should exist."),
        Arg::new("uid", Kind::Int).doc("The account's user id."),
        Arg::new("non_unique", Kind::Bool)
            .default("false")
            .doc("With `uid`, allow an id another account already has."),
        Arg::new("group", Kind::Str).doc(
            "The account's primary group (it must exist); unset, a new account gets a group of \
             its own name.",
        ),
        Arg::new("groups", Kind::List).doc(
            "Supplementary groups; the account leaves the others unless `append` is true. An \
             empty list removes it from all of them.",
        ),
        Arg::new("append", Kind::Bool)
            .default("false")
            .doc("Add the account to `groups` and leave it in its other groups."),
        Arg::new("comment", Kind::Str).doc("The account's description (the GECOS field)."),
        Arg::new("home", Kind::Str).doc("The account's home directory."),
        Arg::new("move_home", Kind::Bool)
            .default("false")
            .doc("With `home`, move the old home directory's contents to the new one."),
        Arg::new("shell", Kind::Str).doc("The account's login shell."),
        Arg::new("system", Kind::Bool)
            .default("false")
            .doc("Create a system account (a low uid, no aging); existing accounts do not change."),
        Arg::new("create_home", Kind::Bool)
            .aliases(&["createhome"])
            .default("true")
            .doc("Create the home directory of a new account."),
        Arg::new("skeleton", Kind::Str)
            .doc("The directory whose files a new home directory starts with."),
        Arg::new("password", Kind::Str).secret().doc(
            "The password as a crypt hash (`{{ 'pw' | password_hash('sha512') }}`); clear text \
             is refused.",
        ),
        Arg::new("update_password", Kind::Str)
            .choices(&["always", "on_create"])
            .default("always")
            .doc(
                "`always` sets `password` when it differs; `on_create` sets it only for a new \
                 account.",
            ),
        Arg::new("password_lock", Kind::Bool)
            .doc("Lock (true) or unlock (false) the password, without removing it."),
        Arg::new("expires", Kind::Str).doc(
            "When the account expires, in seconds since the epoch; a negative value removes \
             the expiry.",
        ),
        Arg::new("remove", Kind::Bool)
            .default("false")
            .doc("With `state=absent`, remove the home directory and mail spool too."),
        Arg::new("force", Kind::Bool)
            .default("false")
            .doc("With `state=absent`, remove the account even while it is logged in."),
        Arg::new("local", Kind::Bool).doc("Accepted as Ansible does; rconf does not use it."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new("name", "str", "always", "The account's name."),
        Return::new("state", "str", "always", "`present` or `absent`."),
        Return::new("uid", "int", "the account exists", "Its user id."),
        Return::new(
            "group",
            "int",
            "the account exists",
            "Its primary group id.",
        ),
        Return::new("home", "str", "the account exists", "Its home directory."),
        Return::new("shell", "str", "the account exists", "Its login shell."),
        Return::new("comment", "str", "the account exists", "Its description."),
        Return::new(
            "groups",
            "str",
            "groups given",
            "The supplementary groups asked for, comma-separated.",
        ),
        Return::new(
            "system",
            "bool",
            "state=present",
            "Whether the account was asked to be a system account.",
        ),
    ],
    notes: "",
    example: concat!(
        "- user:\n",
        "    name: deploy\n",
        "    groups: [sudo]\n",
        "    append: true\n",
        "    shell: /bin/bash"
    ),
};

impl Module for User {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        if let Some(pw) = args.str("password")
            && !pw.starts_with('$')
            && !pw.starts_with('!')
            && !pw.starts_with('*')
        {
            return Action::Done(TaskResult::failed(
                "password must be a crypt hash (e.g. from `password_hash('sha512')`), not clear text",
            ));
        }
        if let Some(name) = args.str("name")
            && (name.is_empty() || name.contains([':', '\n', ',']))
        {
            return Action::Done(TaskResult::failed(format!(
                "user name `{name}` is not valid"
            )));
        }
        remote(args, ctx, &arg_names(&SPEC), BODY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn a_clear_text_password_is_refused_before_contacting_the_host() {
        let t = TestCtx::new();
        let r = run(
            &User,
            json!({"name": "bob", "password": "hunter2"}),
            &t.ctx(false),
        );
        assert!(r.failed && r.msg.unwrap().contains("crypt hash"));
    }

    #[test]
    fn an_existing_user_in_check_mode_is_unchanged_and_reported() {
        let t = TestCtx::new();
        let r = run(&User, json!({"name": "root"}), &t.ctx(true));
        assert!(!r.failed && !r.changed, "{r:?}");
        assert_eq!(r.data["uid"], 0);
        assert_eq!(r.data["home"], "/root");
        let r = run(
            &User,
            json!({"name": "rconf-nobody-here", "state": "absent"}),
            &t.ctx(true),
        );
        assert!(!r.failed && !r.changed, "{r:?}");
    }
}
