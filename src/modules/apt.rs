//! `apt`: Debian packages. The controller checks and shapes the arguments; apt.sh compares the
//! wanted packages with dpkg's database and runs one `apt-get` transaction for all of them.

use serde_json::Value;

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::script::Script;
use super::{Action, Ctx, Module, RemoteCall};
use crate::result::TaskResult;
use crate::transport::Stdin;

pub const BODY: &str = include_str!("../../modules/apt.sh");

pub struct Apt;

static SPEC: ModuleSpec = ModuleSpec {
    name: "apt",
    summary: "Installs, upgrades and removes Debian packages",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("name", Kind::List)
            .aliases(&["package", "pkg"])
            .doc(
                "Packages to act on, in one `apt-get` transaction; `name=version` pins a version.",
            ),
        Arg::new("state", Kind::Str)
            .choices(&[
                "absent",
                "build-dep",
                "latest",
                "present",
                "fixed",
                "installed",
                "removed",
            ])
            .default("present")
            .doc(
                "`present` installs what is missing, `latest` also upgrades, `absent` removes, \
                 `fixed` repairs broken dependencies (`installed` and `removed` are old names). \
                 `build-dep` is not supported.",
            ),
        Arg::new("update_cache", Kind::Bool)
            .aliases(&["update-cache"])
            .doc("Run `apt-get update` first (or only, without `name`)."),
        Arg::new("cache_valid_time", Kind::Int).default("0").doc(
            "With `update_cache`, skip the update when the lists are younger than this many \
             seconds.",
        ),
        Arg::new("deb", Kind::Str).doc("A `.deb` file on the target to install."),
        Arg::new("install_recommends", Kind::Bool)
            .aliases(&["install-recommends"])
            .doc(
                "Whether recommended packages are installed too; unset, the system's apt settings \
                 decide.",
            ),
        Arg::new("purge", Kind::Bool)
            .default("false")
            .doc("With `state=absent` or `autoremove`, remove configuration files too."),
        Arg::new("force", Kind::Bool).default("false").doc(
            "Allow downgrades, removing essential packages and changing held ones (apt-get's \
             `--allow-*` options).",
        ),
        Arg::new("allow_downgrade", Kind::Bool)
            .aliases(&["allow-downgrade", "allow_downgrades", "allow-downgrades"])
            .default("false")
            .doc("Allow installing a version older than the one installed."),
        Arg::new("allow_unauthenticated", Kind::Bool)
            .aliases(&["allow-unauthenticated"])
            .default("false")
            .doc("Install packages that cannot be authenticated."),
        Arg::new("allow_change_held_packages", Kind::Bool)
            .default("false")
            .doc("Allow changing packages that are on hold."),
        Arg::new("default_release", Kind::Str)
            .aliases(&["default-release"])
            .doc(
                "The release packages come from (apt-get's `-t`), for example \
                 `bookworm-backports`.",
            ),
        Arg::new("dpkg_options", Kind::Str)
            .default("force-confdef,force-confold")
            .doc(
                "dpkg options for the transaction, comma-separated; the default keeps changed \
                 configuration files.",
            ),
        Arg::new("autoremove", Kind::Bool)
            .default("false")
            .doc("Remove packages that were installed as dependencies and are no longer needed."),
        Arg::new("autoclean", Kind::Bool)
            .default("false")
            .doc("Remove downloaded package files that can no longer be downloaded."),
        Arg::new("clean", Kind::Bool)
            .default("false")
            .doc("Remove every downloaded package file (`apt-get clean`)."),
        Arg::new("only_upgrade", Kind::Bool)
            .default("false")
            .doc("Upgrade packages that are installed, install none that are not."),
        Arg::new("upgrade", Kind::Str)
            .choices(&["dist", "full", "no", "safe", "yes"])
            .implied_default("no")
            .doc(
                "Upgrade the whole system: `yes`/`safe` (`apt-get upgrade --with-new-pkgs`), \
                 `full`/`dist` (`dist-upgrade`), or `no`.",
            ),
        Arg::new("update_cache_retries", Kind::Int)
            .doc("Accepted as Ansible does; rconf runs `apt-get update` once."),
        Arg::new("update_cache_retry_max_delay", Kind::Int)
            .doc("Accepted as Ansible does; rconf runs `apt-get update` once."),
        Arg::new("lock_timeout", Kind::Int)
            .doc("Accepted as Ansible does; rconf does not wait for the dpkg lock."),
        Arg::new("force_apt_get", Kind::Bool)
            .doc("Accepted as Ansible does; rconf always uses `apt-get`."),
        Arg::new("policy_rc_d", Kind::Int).doc("Accepted as Ansible does; rconf does not use it."),
        Arg::new("fail_on_autoremove", Kind::Bool)
            .doc("Accepted as Ansible does; rconf does not use it."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[&["deb", "name"], &["deb", "upgrade"]],
    rules: &[],
    returns: &[
        Return::new(
            "cache_updated",
            "bool",
            "success",
            "Whether `apt-get update` ran.",
        ),
        Return::new(
            "cache_update_time",
            "int",
            "success",
            "When the lists were last updated, in seconds since the epoch (0 when unknown).",
        ),
        Return::new("stdout", "str", "success", "What `apt-get` printed."),
        Return::new(
            "stderr",
            "str",
            "success",
            "What `apt-get` printed on its standard error.",
        ),
    ],
    notes: "",
    example: concat!(
        "- apt:\n",
        "    name: [nginx, git]\n",
        "    state: present\n",
        "    update_cache: true\n",
        "    cache_valid_time: 3600"
    ),
};

/// Ansible's default: keep the old config file when a package ships a new one.
const DEFAULT_DPKG_OPTIONS: &str = "force-confdef,force-confold";

/// `-o Dpkg::Options::=--X` for each comma-separated dpkg option.
pub fn dpkg_option_words(options: &str) -> Result<String, String> {
    let mut words = Vec::new();
    for opt in options.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        if !opt
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_=./".contains(&b))
        {
            return Err(format!(
                "dpkg option `{opt}` must be a plain word like `force-confold`"
            ));
        }
        words.push(format!("-o Dpkg::Options::=--{opt}"));
    }
    Ok(words.join(" "))
}

/// Builds apt.sh for validated `args` (also used by `package` on apt targets).
pub fn script(args: &Args, ctx: &Ctx) -> Result<super::script::Program, String> {
    if args.str("state") == Some("build-dep") {
        return Err("state `build-dep` is not supported by rconf's apt module".into());
    }
    if let Some(rel) = args.str("default_release")
        && rel.bytes().any(|b| b.is_ascii_whitespace())
    {
        return Err(format!("default_release must be one word, got `{rel}`"));
    }
    let names = args.list("name").unwrap_or_default();
    if let Some(bad) = names
        .iter()
        .find(|n| n.trim().is_empty() || n.contains('\n'))
    {
        return Err(format!("package name `{bad}` is not valid"));
    }
    let mut s = Script::new(ctx)?;
    s.var(
        "A_dpkg_opts",
        dpkg_option_words(args.str("dpkg_options").unwrap_or(DEFAULT_DPKG_OPTIONS))?.as_bytes(),
    )?;
    if !names.is_empty() {
        s.var("A_name", names.join("\n").as_bytes())?;
    }
    s.args(
        args,
        &[
            "state",
            "update_cache",
            "cache_valid_time",
            "deb",
            "install_recommends",
            "purge",
            "force",
            "allow_downgrade",
            "allow_unauthenticated",
            "default_release",
            "autoremove",
            "autoclean",
            "clean",
            "only_upgrade",
            "upgrade",
        ],
    )?;
    if args.bool("allow_change_held_packages", false) {
        s.arg("force", &Value::Bool(true))?;
    }
    Ok(s.finish(BODY))
}

impl Module for Apt {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        if !args.has("name")
            && !args.has("deb")
            && !args.bool("update_cache", false)
            && !args.has("upgrade")
            && !args.bool("autoremove", false)
            && !args.bool("autoclean", false)
            && !args.bool("clean", false)
        {
            return Action::Done(TaskResult::failed(
                "apt needs one of `name`, `deb`, `upgrade`, `update_cache`, `autoremove`, `autoclean` or `clean`",
            ));
        }
        match script(args, ctx) {
            Ok(script) => Action::Remote(RemoteCall {
                script,
                stdin: Stdin::Empty,
            }),
            Err(e) => Action::Done(TaskResult::failed(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn dpkg_options_become_apt_get_words() {
        assert_eq!(
            dpkg_option_words(DEFAULT_DPKG_OPTIONS).unwrap(),
            "-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"
        );
        assert!(dpkg_option_words("force-confold; rm -rf /").is_err());
    }

    #[test]
    fn build_dep_and_nothing_to_do_are_refused_before_running() {
        let t = TestCtx::new();
        let r = run(
            &Apt,
            json!({"name": "x", "state": "build-dep"}),
            &t.ctx(false),
        );
        assert!(r.failed && r.msg.unwrap().contains("build-dep"));
        let r = run(&Apt, json!({"purge": true}), &t.ctx(false));
        assert!(r.failed && r.msg.unwrap().contains("needs one of"));
    }

    #[test]
    fn check_mode_on_an_installed_package_reports_no_change() {
        if std::process::Command::new("dpkg-query")
            .args(["-W", "dpkg"])
            .output()
            .map(|o| !o.status.success())
            .unwrap_or(true)
        {
            eprintln!("SKIPPED: no dpkg on this machine");
            return;
        }
        let t = TestCtx::new();
        let r = run(
            &Apt,
            json!({"name": ["dpkg"], "state": "present"}),
            &t.ctx(true),
        );
        assert!(!r.failed && !r.changed, "{r:?}");
        let r = run(
            &Apt,
            json!({"name": "rconf-surely-not-a-package", "state": "absent"}),
            &t.ctx(true),
        );
        assert!(!r.failed && !r.changed, "{r:?}");
        let r = run(
            &Apt,
            json!({"name": "dpkg", "state": "absent"}),
            &t.ctx(true),
        );
        assert!(!r.failed && r.changed, "{r:?}");
    }
}
