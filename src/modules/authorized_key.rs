//! `authorized_key`: SSH keys in a user's authorized_keys (authorized_key.sh edits the file).

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::simple::{arg_names, remote};
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

const BODY: &str = include_str!("../../modules/authorized_key.sh");

pub struct AuthorizedKey;

static SPEC: ModuleSpec = ModuleSpec {
    name: "authorized_key",
    summary: "Adds or removes SSH authorized keys",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("user", Kind::Str)
            .required()
            .doc("The account whose `authorized_keys` file is edited."),
        Arg::new("key", Kind::Str)
            .required()
            .doc("The public key, or several, one a line; URLs are not supported."),
        Arg::new("path", Kind::Str)
            .doc("The file to edit instead of `~user/.ssh/authorized_keys`."),
        Arg::new("state", Kind::Str)
            .choices(&["absent", "present"])
            .default("present")
            .doc("Whether the keys should be in the file."),
        Arg::new("exclusive", Kind::Bool)
            .default("false")
            .doc("Remove every other key from the file."),
        Arg::new("manage_dir", Kind::Bool)
            .default("true")
            .doc("Create the `.ssh` directory when missing, owned by the user and private."),
        Arg::new("key_options", Kind::Str)
            .doc("Options to put before the key (`from=\"10.0.0.0/8\",no-pty`)."),
        Arg::new("comment", Kind::Str)
            .doc("The comment to give the key, replacing the one it has."),
        Arg::new("follow", Kind::Bool).doc("Accepted as Ansible does; rconf does not use it."),
        Arg::new("validate_certs", Kind::Bool).doc(
            "Accepted as Ansible does; it concerns keys from URLs, which rconf does not fetch.",
        ),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new("user", "str", "success", "The account."),
        Return::new("key", "str", "success", "The keys as given."),
        Return::new("keyfile", "str", "success", "The file edited."),
        Return::new("path", "str", "success", "The file edited."),
        Return::new("state", "str", "success", "The state asked for."),
        Return::new(
            "exclusive",
            "bool",
            "success",
            "Whether other keys were removed.",
        ),
        Return::new(
            "manage_dir",
            "bool",
            "success",
            "Whether the `.ssh` directory was managed.",
        ),
    ],
    notes: "",
    example: concat!(
        "- authorized_key:\n",
        "    user: deploy\n",
        "    key: \"{{ lookup('file', 'id_ed25519.pub') }}\""
    ),
};

impl Module for AuthorizedKey {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        let key = args.str("key").unwrap_or_default();
        if key.starts_with("http://") || key.starts_with("https://") {
            return Action::Done(TaskResult::failed(
                "keys from a URL are not supported; use `lookup('url', ...)` on the controller",
            ));
        }
        remote(args, ctx, &arg_names(&SPEC), BODY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    const K1: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOne one@a";
    const K2: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITwo two@b";

    #[test]
    fn keys_are_added_once_replaced_in_place_and_removed() {
        let t = TestCtx::new();
        let path = t.path("ak");
        std::fs::write(&path, format!("# mine\n{K2}\n")).unwrap();
        let args = json!({"user": "root", "key": K1, "path": path});
        let r = run(&AuthorizedKey, args.clone(), &t.ctx(true));
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("# mine\n{K2}\n")
        );
        let r = run(&AuthorizedKey, args.clone(), &t.ctx(false));
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("# mine\n{K2}\n{K1}\n")
        );
        let r = run(&AuthorizedKey, args, &t.ctx(false));
        assert!(!r.changed, "{r:?}");

        let opts = json!({"user": "root", "key": K1, "path": path, "key_options": "no-pty", "comment": "new"});
        let r = run(&AuthorizedKey, opts, &t.ctx(false));
        assert!(r.changed);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("# mine\n{K2}\nno-pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOne new\n")
        );

        let excl = json!({"user": "root", "key": K2, "path": path, "exclusive": true});
        assert!(run(&AuthorizedKey, excl.clone(), &t.ctx(false)).changed);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("# mine\n{K2}\n")
        );
        assert!(!run(&AuthorizedKey, excl, &t.ctx(false)).changed);

        let gone = json!({"user": "root", "key": K2, "path": path, "state": "absent"});
        assert!(run(&AuthorizedKey, gone.clone(), &t.ctx(false)).changed);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");
        assert!(!run(&AuthorizedKey, gone, &t.ctx(false)).changed);
    }

    #[test]
    fn garbage_keys_fail_and_url_keys_are_refused() {
        let t = TestCtx::new();
        let r = run(
            &AuthorizedKey,
            json!({"user": "root", "key": "not a key", "path": t.path("x")}),
            &t.ctx(false),
        );
        assert!(r.failed && r.msg.unwrap().contains("invalid key"), "");
        let r = run(
            &AuthorizedKey,
            json!({"user": "root", "key": "https://github.com/x.keys"}),
            &t.ctx(false),
        );
        assert!(r.failed);
    }
}
