//! `user`: accounts through useradd/usermod/userdel (user.sh); the controller only checks
//! arguments and keeps the password hash out of results.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec};
use super::simple::{arg_names, remote};
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

const BODY: &str = include_str!("../../modules/user.sh");

pub struct User;

static SPEC: ModuleSpec = ModuleSpec {
    name: "user",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("name", Kind::Str).aliases(&["user"]).required(),
        Arg::new("state", Kind::Str).choices(&["absent", "present"]),
        Arg::new("uid", Kind::Int),
        Arg::new("non_unique", Kind::Bool),
        Arg::new("group", Kind::Str),
        Arg::new("groups", Kind::List),
        Arg::new("append", Kind::Bool),
        Arg::new("comment", Kind::Str),
        Arg::new("home", Kind::Str),
        Arg::new("move_home", Kind::Bool),
        Arg::new("shell", Kind::Str),
        Arg::new("system", Kind::Bool),
        Arg::new("create_home", Kind::Bool).aliases(&["createhome"]),
        Arg::new("skeleton", Kind::Str),
        Arg::new("password", Kind::Str),
        Arg::new("update_password", Kind::Str).choices(&["always", "on_create"]),
        Arg::new("password_lock", Kind::Bool),
        Arg::new("expires", Kind::Str),
        Arg::new("remove", Kind::Bool),
        Arg::new("force", Kind::Bool),
        Arg::new("local", Kind::Bool),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
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
