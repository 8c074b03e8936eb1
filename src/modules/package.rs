//! `package` (and `dnf`, `yum`, `apk`, `pacman`, `zypper`): the manager comes from the facts
//! (`ansible_facts.pkg_mgr`), from `use`, or is detected by the script on the target. apt
//! targets run apt.sh; the others run package.sh with the commands of `MANAGERS`.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::script::Script;
use super::{Action, Ctx, Module, RemoteCall, apt};
use crate::result::TaskResult;
use crate::transport::Stdin;

const BODY: &str = include_str!("../../modules/package.sh");

/// How one package manager is driven: sh snippets taking a package name as `$1`, and command
/// prefixes that take the package names as further arguments.
#[derive(Debug)]
pub struct Manager {
    pub name: &'static str,
    /// Exits 0 when `$1` is installed.
    pub installed: &'static str,
    /// Exits 0 when the installed `$1` has a newer version available.
    pub outdated: &'static str,
    pub install: &'static str,
    pub upgrade: &'static str,
    pub remove: &'static str,
    pub refresh: &'static str,
}

pub static MANAGERS: &[Manager] = &[
    Manager {
        name: "dnf",
        installed: r#"rpm -q --quiet --whatprovides -- "$1""#,
        outdated: r#"dnf -q check-update -- "$1"; [ $? = 100 ]"#,
        install: "dnf install -y",
        upgrade: "dnf upgrade -y",
        remove: "dnf remove -y",
        refresh: "dnf makecache -y",
    },
    Manager {
        name: "yum",
        installed: r#"rpm -q --quiet --whatprovides -- "$1""#,
        outdated: r#"yum -q check-update -- "$1"; [ $? = 100 ]"#,
        install: "yum install -y",
        upgrade: "yum update -y",
        remove: "yum remove -y",
        refresh: "yum makecache -y",
    },
    Manager {
        name: "apk",
        installed: r#"apk info -e -- "$1""#,
        outdated: r#"apk version -l '<' -- "$1" | grep -q "^$1-""#,
        install: "apk add --no-progress",
        upgrade: "apk add --upgrade --no-progress",
        remove: "apk del --no-progress",
        refresh: "apk update",
    },
    Manager {
        name: "pacman",
        installed: r#"pacman -Q -- "$1""#,
        outdated: r#"pacman -Qu -- "$1""#,
        install: "pacman -S --noconfirm --noprogressbar --needed",
        upgrade: "pacman -S --noconfirm --noprogressbar",
        remove: "pacman -R --noconfirm --noprogressbar",
        refresh: "pacman -Sy",
    },
    Manager {
        name: "zypper",
        installed: r#"rpm -q --quiet --whatprovides -- "$1""#,
        outdated: r#"zypper --quiet --non-interactive list-updates | grep -q "| $1 ""#,
        install: "zypper --quiet --non-interactive install --auto-agree-with-licenses",
        upgrade: "zypper --quiet --non-interactive update --auto-agree-with-licenses",
        remove: "zypper --quiet --non-interactive remove",
        refresh: "zypper --quiet --non-interactive refresh",
    },
];

/// What a package task does to a set of names (the tests check each manager's command).
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Install,
    Upgrade,
    Remove,
    Refresh,
}

#[cfg(test)]
impl Manager {
    /// The command line this manager runs for `op` on `names` (what the script executes).
    pub fn command(&self, op: Op, names: &[&str]) -> String {
        let prefix = match op {
            Op::Install => self.install,
            Op::Upgrade => self.upgrade,
            Op::Remove => self.remove,
            Op::Refresh => return self.refresh.to_string(),
        };
        std::iter::once(prefix)
            .chain(names.iter().copied())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

pub fn manager(name: &str) -> Option<&'static Manager> {
    let name = match name {
        "dnf5" => "dnf",
        other => other,
    };
    MANAGERS.iter().find(|m| m.name == name)
}

/// A fact by its short name: `ansible_facts.NAME`, else the injected `ansible_NAME`.
pub fn fact(ctx: &Ctx, name: &str) -> Option<String> {
    let from_facts = ctx
        .vars
        .get_attr("ansible_facts")
        .ok()
        .and_then(|f| f.get_attr(name).ok());
    let value = from_facts
        .filter(|v| !v.is_undefined() && !v.is_none())
        .or_else(|| {
            ctx.vars
                .get_attr(&format!("ansible_{name}"))
                .ok()
                .filter(|v| !v.is_undefined() && !v.is_none())
        })?;
    let s = value.to_string();
    (!s.is_empty()).then_some(s)
}

fn define(s: &mut Script, m: &Manager) -> Result<(), String> {
    s.var("PM", m.name.as_bytes())?;
    s.var("PM_INSTALL", m.install.as_bytes())?;
    s.var("PM_UPGRADE", m.upgrade.as_bytes())?;
    s.var("PM_REMOVE", m.remove.as_bytes())?;
    s.var("PM_REFRESH", m.refresh.as_bytes())?;
    Ok(())
}

fn functions(m: &Manager) -> String {
    format!(
        "pm_installed() {{ {}; }}\npm_outdated() {{ {}; }}\n",
        m.installed, m.outdated
    )
}

/// The script for a known non-apt manager.
pub fn script_for(m: &Manager, args: &Args, ctx: &Ctx) -> Result<super::script::Program, String> {
    let mut s = Script::new(ctx)?;
    define(&mut s, m)?;
    common_args(&mut s, args)?;
    Ok(s.finish(&format!("{}{BODY}", functions(m))))
}

fn common_args(s: &mut Script, args: &Args) -> Result<(), String> {
    let names = args.list("name").unwrap_or_default();
    if let Some(bad) = names
        .iter()
        .find(|n| n.trim().is_empty() || n.contains('\n'))
    {
        return Err(format!("package name `{bad}` is not valid"));
    }
    if !names.is_empty() {
        s.var("A_name", names.join("\n").as_bytes())?;
    }
    s.args(args, &["state", "update_cache"])?;
    Ok(())
}

/// The script that finds the manager on the target, then runs apt.sh or package.sh.
pub fn detecting_script(args: &Args, ctx: &Ctx) -> Result<super::script::Program, String> {
    let mut s = Script::new(ctx)?;
    common_args(&mut s, args)?;
    s.var(
        "A_dpkg_opts",
        apt::dpkg_option_words("force-confdef,force-confold")?.as_bytes(),
    )?;
    let mut body = String::from(
        "PM=\nfor RC_C in apt-get:apt dnf:dnf yum:yum apk:apk pacman:pacman zypper:zypper; do\n  \
         if command -v \"${RC_C%%:*}\" > /dev/null 2>&1; then PM=${RC_C#*:}; break; fi\ndone\n\
         if [ \"$PM\" = apt ]; then\n",
    );
    body.push_str(apt::BODY);
    body.push_str("exit 0\nfi\ncase $PM in\n");
    for m in MANAGERS {
        body.push_str(&format!(
            "  {}) PM_INSTALL='{}'; PM_UPGRADE='{}'; PM_REMOVE='{}'; PM_REFRESH='{}'\n{}  ;;\n",
            m.name,
            m.install,
            m.upgrade,
            m.remove,
            m.refresh,
            functions(m)
        ));
    }
    body.push_str(
        "  *) rc_fail \"no supported package manager (apt, dnf, yum, apk, pacman, zypper) found on the target\" ;;\nesac\n",
    );
    body.push_str(BODY);
    Ok(s.finish(&body))
}

/// One package module: `package` (any manager) or a manager's own module name.
pub struct Package {
    spec: &'static ModuleSpec,
    /// The manager a native module drives; `None` for `package`.
    native: Option<&'static str>,
}

const STATES: &[&str] = &["absent", "present", "latest", "installed", "removed"];

/// `package` hands its arguments to the backend module, as Ansible's action plugin does: besides
/// its own, those of apt (checked by apt's rules when apt runs them) and the common ones of
/// dnf/yum (which apt refuses, so a RedHat-only task fails only if it runs on Debian).
static PACKAGE_SPEC: ModuleSpec = ModuleSpec {
    name: "package",
    summary: "Installs or removes packages with the target's own manager",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("name", Kind::List)
            .doc("Packages to act on; their names are those of the target's distribution."),
        Arg::new("state", Kind::Str)
            .choices(&[
                "absent",
                "present",
                "latest",
                "installed",
                "removed",
                "build-dep",
                "fixed",
            ])
            .default("present")
            .doc("`present` installs what is missing, `latest` also upgrades, `absent` removes."),
        Arg::new("use", Kind::Str)
            .choices(&[
                "auto", "apt", "dnf", "dnf5", "yum", "apk", "pacman", "zypper",
            ])
            .default("auto")
            .doc(
                "The manager to use; `auto` takes the `pkg_mgr` fact, else detects it on the \
                 target.",
            ),
        Arg::new("update_cache", Kind::Bool).doc("Refresh the package lists first."),
        Arg::new("cache_valid_time", Kind::Int)
            .doc("Handed to apt on apt hosts (see `rconf doc apt`); other managers refuse it."),
        Arg::new("install_recommends", Kind::Bool)
            .doc("Handed to apt on apt hosts (see `rconf doc apt`); other managers refuse it."),
        Arg::new("purge", Kind::Bool)
            .doc("Handed to apt on apt hosts (see `rconf doc apt`); other managers refuse it."),
        Arg::new("force", Kind::Bool)
            .doc("Handed to apt on apt hosts (see `rconf doc apt`); other managers refuse it."),
        Arg::new("autoremove", Kind::Bool)
            .doc("Handed to apt on apt hosts (see `rconf doc apt`); other managers refuse it."),
        Arg::new("autoclean", Kind::Bool)
            .doc("Handed to apt on apt hosts (see `rconf doc apt`); other managers refuse it."),
        Arg::new("default_release", Kind::Str)
            .doc("Handed to apt on apt hosts (see `rconf doc apt`); other managers refuse it."),
        Arg::new("dpkg_options", Kind::Str)
            .doc("Handed to apt on apt hosts (see `rconf doc apt`); other managers refuse it."),
        Arg::new("only_upgrade", Kind::Bool)
            .doc("Handed to apt on apt hosts (see `rconf doc apt`); other managers refuse it."),
        Arg::new("upgrade", Kind::Str)
            .doc("Handed to apt on apt hosts (see `rconf doc apt`); other managers refuse it."),
        Arg::new("allow_downgrade", Kind::Bool)
            .doc("Handed to apt on apt hosts (see `rconf doc apt`); other managers refuse it."),
        Arg::new("lock_timeout", Kind::Int)
            .doc("Handed to apt on apt hosts (see `rconf doc apt`); other managers refuse it."),
        Arg::new("enablerepo", Kind::List).doc(
            "A dnf/yum option: rconf's support for those managers takes only `name`, `state` \
             and `update_cache`, and apt refuses it, so a task that sets it fails when it \
             runs.",
        ),
        Arg::new("disablerepo", Kind::List).doc(
            "A dnf/yum option: rconf's support for those managers takes only `name`, `state` \
             and `update_cache`, and apt refuses it, so a task that sets it fails when it \
             runs.",
        ),
        Arg::new("disable_gpg_check", Kind::Bool).doc(
            "A dnf/yum option: rconf's support for those managers takes only `name`, `state` \
             and `update_cache`, and apt refuses it, so a task that sets it fails when it \
             runs.",
        ),
        Arg::new("exclude", Kind::List).doc(
            "A dnf/yum option: rconf's support for those managers takes only `name`, `state` \
             and `update_cache`, and apt refuses it, so a task that sets it fails when it \
             runs.",
        ),
        Arg::new("security", Kind::Bool).doc(
            "A dnf/yum option: rconf's support for those managers takes only `name`, `state` \
             and `update_cache`, and apt refuses it, so a task that sets it fails when it \
             runs.",
        ),
        Arg::new("bugfix", Kind::Bool).doc(
            "A dnf/yum option: rconf's support for those managers takes only `name`, `state` \
             and `update_cache`, and apt refuses it, so a task that sets it fails when it \
             runs.",
        ),
        Arg::new("releasever", Kind::Str).doc(
            "A dnf/yum option: rconf's support for those managers takes only `name`, `state` \
             and `update_cache`, and apt refuses it, so a task that sets it fails when it \
             runs.",
        ),
        Arg::new("installroot", Kind::Str).doc(
            "A dnf/yum option: rconf's support for those managers takes only `name`, `state` \
             and `update_cache`, and apt refuses it, so a task that sets it fails when it \
             runs.",
        ),
        Arg::new("conf_file", Kind::Str).doc(
            "A dnf/yum option: rconf's support for those managers takes only `name`, `state` \
             and `update_cache`, and apt refuses it, so a task that sets it fails when it \
             runs.",
        ),
        Arg::new("enable_plugin", Kind::List).doc(
            "A dnf/yum option: rconf's support for those managers takes only `name`, `state` \
             and `update_cache`, and apt refuses it, so a task that sets it fails when it \
             runs.",
        ),
        Arg::new("disable_plugin", Kind::List).doc(
            "A dnf/yum option: rconf's support for those managers takes only `name`, `state` \
             and `update_cache`, and apt refuses it, so a task that sets it fails when it \
             runs.",
        ),
        Arg::new("skip_broken", Kind::Bool).doc(
            "A dnf/yum option: rconf's support for those managers takes only `name`, `state` \
             and `update_cache`, and apt refuses it, so a task that sets it fails when it \
             runs.",
        ),
        Arg::new("allowerasing", Kind::Bool).doc(
            "A dnf/yum option: rconf's support for those managers takes only `name`, `state` \
             and `update_cache`, and apt refuses it, so a task that sets it fails when it \
             runs.",
        ),
        Arg::new("nobest", Kind::Bool).doc(
            "A dnf/yum option: rconf's support for those managers takes only `name`, `state` \
             and `update_cache`, and apt refuses it, so a task that sets it fails when it \
             runs.",
        ),
        Arg::new("download_only", Kind::Bool).doc(
            "A dnf/yum option: rconf's support for those managers takes only `name`, `state` \
             and `update_cache`, and apt refuses it, so a task that sets it fails when it \
             runs.",
        ),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new(
            "cache_updated",
            "bool",
            "success",
            "Whether the package lists were refreshed.",
        ),
        Return::new(
            "stdout",
            "str",
            "success",
            "What the package manager printed.",
        ),
        Return::new(
            "stderr",
            "str",
            "success",
            "What the package manager printed on its standard error.",
        ),
        Return::new(
            "pkg_mgr",
            "str",
            "not apt",
            "The manager that ran (`dnf`, `apk`, ...).",
        ),
        Return::new(
            "installed",
            "list",
            "not apt",
            "The packages installed or upgraded.",
        ),
        Return::new("removed", "list", "not apt", "The packages removed."),
    ],
    notes: "On apt hosts the result is apt's (`rconf doc apt`).",
    example: concat!("- package:\n", "    name: git\n", "    state: latest"),
};

macro_rules! native_spec {
    (
        $id:ident,
        $name:literal,
        $summary:literal,
        $example:expr,
        $name_aliases:expr,
        $cache_aliases:expr
    ) => {
        static $id: ModuleSpec = ModuleSpec {
            name: $name,
            summary: $summary,
            aliases: &[],
            free_form: FreeForm::KeyValue,
            args: &[
                Arg::new("name", Kind::List)
                    .aliases($name_aliases)
                    .required()
                    .doc("Packages to act on, by the names the manager knows them by."),
                Arg::new("state", Kind::Str)
                    .choices(STATES)
                    .default("present")
                    .doc(
                        "`present` installs what is missing, `latest` also upgrades, `absent` \
                         removes (`installed` and `removed` are old names).",
                    ),
                Arg::new("update_cache", Kind::Bool)
                    .aliases($cache_aliases)
                    .default("false")
                    .doc("Refresh the package lists first."),
            ],
            any_args: false,
            required_one_of: &[],
            mutually_exclusive: &[],
            rules: &[],
            returns: NATIVE_RETURNS,
            notes: "rconf drives these managers with `name`, `state` and `update_cache` only; a \
                    task with other arguments runs Ansible's own module (from the ansible-core \
                    installed on the controller).",
            example: $example,
        };
    };
}

/// What `dnf`, `yum`, `apk`, `pacman` and `zypper` return (package.sh).
const NATIVE_RETURNS: &[Return] = &[
    Return::new(
        "installed",
        "list",
        "success",
        "The packages installed or upgraded.",
    ),
    Return::new("removed", "list", "success", "The packages removed."),
    Return::new(
        "cache_updated",
        "bool",
        "success",
        "Whether the package lists were refreshed.",
    ),
    Return::new(
        "stdout",
        "str",
        "success",
        "What the package manager printed.",
    ),
    Return::new(
        "stderr",
        "str",
        "success",
        "What the package manager printed on its standard error.",
    ),
];

native_spec!(
    DNF_SPEC,
    "dnf",
    "Installs or removes packages with dnf",
    concat!("- dnf:\n", "    name: httpd\n", "    state: present"),
    &["pkg"],
    &["expire-cache"]
);
native_spec!(
    YUM_SPEC,
    "yum",
    "Installs or removes packages with yum",
    concat!("- yum:\n", "    name: httpd"),
    &["pkg"],
    &["expire-cache"]
);
native_spec!(
    APK_SPEC,
    "apk",
    "Installs or removes Alpine packages",
    concat!("- apk:\n", "    name: curl\n", "    update_cache: true"),
    &[],
    &[]
);
native_spec!(
    PACMAN_SPEC,
    "pacman",
    "Installs or removes Arch packages",
    concat!("- pacman:\n", "    name: vim\n", "    state: latest"),
    &["package", "pkg"],
    &["update-cache"]
);
native_spec!(
    ZYPPER_SPEC,
    "zypper",
    "Installs or removes SUSE packages",
    concat!("- zypper:\n", "    name: nginx"),
    &["package", "pkg"],
    &["refresh"]
);

pub static PACKAGE: Package = Package {
    spec: &PACKAGE_SPEC,
    native: None,
};
pub static DNF: Package = Package {
    spec: &DNF_SPEC,
    native: Some("dnf"),
};
pub static YUM: Package = Package {
    spec: &YUM_SPEC,
    native: Some("yum"),
};
pub static APK: Package = Package {
    spec: &APK_SPEC,
    native: Some("apk"),
};
pub static PACMAN: Package = Package {
    spec: &PACMAN_SPEC,
    native: Some("pacman"),
};
pub static ZYPPER: Package = Package {
    spec: &ZYPPER_SPEC,
    native: Some("zypper"),
};

/// The script `package` runs for these arguments on this host.
pub fn plan_script(
    args: &Args,
    ctx: &Ctx,
    native: Option<&str>,
) -> Result<super::script::Program, String> {
    let chosen = native
        .map(str::to_string)
        .or_else(|| args.str("use").filter(|u| *u != "auto").map(str::to_string))
        .or_else(|| fact(ctx, "pkg_mgr").filter(|m| m != "unknown"));
    match chosen.as_deref() {
        None => detecting_script(args, ctx),
        // `package` on apt: apt's own rules decide (Ansible runs the apt module with them).
        Some("apt") if native.is_none() => {
            let mut forwarded = args.0.clone();
            forwarded.shift_remove("use");
            let spec = super::Module::spec(&apt::Apt);
            // The spec's message names `apt` itself.
            let apt_args = spec.validate(forwarded)?;
            apt::script(&apt_args, ctx)
        }
        Some("apt") => apt::script(args, ctx),
        Some(other) if native.is_none() => {
            if let Some(extra) = args
                .0
                .keys()
                .find(|k| !matches!(k.as_str(), "name" | "state" | "use" | "update_cache"))
            {
                return Err(format!(
                    "`package` on `{other}`: rconf's {other} support takes name, state and update_cache, not `{extra}`"
                ));
            }
            generic(other, args, ctx)
        }
        Some(other) => generic(other, args, ctx),
    }
}

/// The script of a non-apt manager.
fn generic(other: &str, args: &Args, ctx: &Ctx) -> Result<super::script::Program, String> {
    match manager(other) {
        Some(m) => script_for(m, args, ctx),
        None => Err(format!(
            "package manager `{other}` is not supported; expected one of: apt, {}",
            MANAGERS
                .iter()
                .map(|m| m.name)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

impl Module for Package {
    fn spec(&self) -> &'static ModuleSpec {
        self.spec
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        match plan_script(args, ctx, self.native) {
            Ok(script) => Action::Remote(RemoteCall {
                script,
                stdin: Stdin::Empty,
            }),
            Err(e) => Action::Done(TaskResult::failed(e)),
        }
    }
}

#[cfg(test)]
#[path = "package_tests.rs"]
mod tests;
