//! Built-in modules: the registry (`BUILTINS`, the only place a module is registered), the
//! `Module` trait every controller half implements, and the context a module plans in.

// The modules' shared parts; the modules themselves are declared by `registry!` below.
pub mod args;
pub mod copy_tree;
pub mod diff;
pub mod facts_linux;
pub mod free_form;
pub mod http;
#[cfg(test)]
pub(crate) mod http_test_server;
pub mod include_vars_dir;
pub mod kv;
pub mod pyregex;
/// Quoting is the wire protocol's (`crate::remote`); modules reach it here too.
pub use crate::remote::quote;
pub mod script;
pub mod simple;
pub mod tar_tree;
#[cfg(test)]
pub(crate) mod testutil;

use std::path::PathBuf;

use crate::result::TaskResult;
use crate::template::Templar;
use crate::transport::Stdin;

pub use add_host::InventoryChange;
pub use args::{Arg, Args, FreeForm, ModuleSpec};
pub use script::ScriptOutput;

/// What a module may consult while planning one task on one host.
pub struct Ctx<'a> {
    pub check: bool,
    pub diff: bool,
    /// Base directories for relative `src` lookups, most specific first (a role's directory,
    /// then the playbook's). `copy` looks in `<base>/files/` then `<base>/`; `template` in
    /// `<base>/templates/` then `<base>/`.
    pub search_dirs: &'a [PathBuf],
    pub templar: &'a Templar,
    /// Every variable visible to the task on this host.
    pub vars: &'a minijinja::Value,
    /// The host's inventory name (for messages and per-host paths).
    pub host: &'a str,
    /// Random per-run token that separates a script's payload from its JSON result.
    pub marker: &'a str,
}

/// How a task gets done.
pub enum Action {
    /// Finished on the controller: `debug`, `set_fact`, or a controller-side failure such as
    /// a missing `src` file.
    Done(TaskResult),
    /// Exactly one remote command on the host's open connection.
    Remote(RemoteCall),
    /// Wait, then finish with the result (`pause`); the runner waits without blocking others.
    Sleep(std::time::Duration, TaskResult),
    /// Reconnect until the host answers (`wait_for_connection`).
    WaitForConnection(wait_for_connection::Wait),
    /// Reboot the host and wait until it is back (`reboot`).
    Reboot(reboot::Plan),
}

pub struct RemoteCall {
    /// The task's assignments and the module body (`lib.sh` implied).
    pub script: crate::remote::Program,
    pub stdin: Stdin,
}

/// What the runner does with a module's task besides running it and reporting its result.
/// This is the one place the runner learns what a module *is*: it never compares names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Runs and returns a result; facts it returns join the host's `ansible_facts` and
    /// become variables of their own name (`getent_passwd`, `packages`).
    Task,
    /// Gathers facts (`setup`): they become `ansible_facts` and `ansible_<name>`.
    GatherFacts,
    /// Sets host variables (`set_fact`, `include_vars`); a `run_once` gives them to every host.
    /// `templates`: the values are templates, rendered when used (a vars file's); otherwise
    /// data, already rendered (`set_fact`'s), never templated again.
    SetsVars { templates: bool },
    /// Changes the run's live inventory (`group_by`, `add_host`). `bypass_host_loop`: runs once
    /// for the play whatever its hosts, as Ansible's `add_host` does.
    Inventory { bypass_host_loop: bool },
    /// Acted on by the runner itself (`meta`): see `meta::MetaAction`.
    Meta,
    /// Loads tasks while the play runs (`include_tasks`, and `include_role` with `role`).
    Include { role: bool },
    /// Shows only what it was asked to show (`debug`).
    Debug,
}

pub trait Module: Sync {
    fn spec(&self) -> &'static ModuleSpec;

    /// What the runner does with this module's tasks; most modules are plain tasks.
    fn control(&self) -> Control {
        Control::Task
    }

    /// Whether this module gives Ansible's result for these (rendered, validated) arguments.
    /// When it cannot (a Python regular expression the target's POSIX tools cannot express),
    /// Ansible's own module runs the task where it is available, as for an argument the native
    /// module lacks; the reason is the task's failure where it is not.
    fn supports(&self, _args: &Args) -> Result<(), String> {
        Ok(())
    }

    /// Arguments the runner hands over as written, not rendered: conditions the module
    /// evaluates itself (`assert`'s `that`), as Ansible does not template them first.
    fn unrendered(&self) -> &'static [&'static str] {
        &[]
    }

    /// The change to the run's inventory this module's (successful) result asks for: only
    /// `Control::Inventory` modules have one. The module reads its own result keys.
    fn inventory_change(&self, _host: &str, _result: &TaskResult) -> Option<InventoryChange> {
        None
    }

    /// Plans the task from rendered, validated arguments.
    fn plan(&self, args: &Args, ctx: &Ctx) -> Action;

    /// Turns the script's output into the task's result. The default takes the JSON object
    /// as is and adds nothing
    /// (a missing or malformed result is a failed result naming the module).
    fn finish(&self, _args: &Args, out: ScriptOutput) -> TaskResult {
        out.into_result_for(self.spec().name)
    }
}

/// The registry: each line is a module file and the modules it defines. This is the one place
/// a module is registered: the macro declares the file (`pub mod`) and puts its modules in
/// `BUILTINS`, so adding a module is its own files plus one line here.
macro_rules! registry {
    ($($file:ident: [$($module:ident),+ $(,)?]),+ $(,)?) => {
        $(pub mod $file;)+
        /// Every built-in module, by file. Names are matched with and without the
        /// `ansible.builtin.` prefix (`find`).
        pub static BUILTINS: &[&dyn Module] = &[$($(&$file::$module),+),+];
    };
}

registry! {
    add_host: [GroupBy, AddHost],
    apt: [Apt],
    apt_repository: [AptRepository],
    assemble: [Assemble],
    assert: [Fail, Assert],
    async_status: [AsyncStatus],
    authorized_key: [AuthorizedKey],
    blockinfile: [BlockInFile],
    command: [Command, Shell],
    copy: [Copy],
    cron: [Cron],
    debconf: [Debconf],
    debug: [Debug],
    file: [File],
    find: [Find],
    get_url: [GetUrl],
    getent: [Getent],
    git: [Git],
    group: [Group],
    hostname: [Hostname],
    include_tasks: [IncludeTasks, IncludeRole],
    include_vars: [IncludeVars],
    lineinfile: [LineInFile],
    meta: [Meta],
    mount: [Mount],
    package: [PACKAGE, DNF, YUM, APK, PACMAN, ZYPPER],
    package_facts: [PackageFacts],
    pause: [Pause],
    ping: [Ping],
    pip: [Pip],
    raw: [Raw],
    reboot: [Reboot],
    replace: [Replace],
    script_module: [ScriptModule],
    service: [Service, Systemd],
    service_facts: [ServiceFacts],
    set_fact: [SetFact],
    setup: [Setup],
    slurp: [Slurp, Fetch],
    stat: [Stat],
    sysctl: [Sysctl],
    tempfile: [TempFile],
    template: [Template],
    unarchive: [Unarchive],
    uri: [Uri],
    user: [User],
    validate_argument_spec: [ValidateArgumentSpec],
    wait_for: [WaitFor],
    wait_for_connection: [WaitForConnection],
}

/// rconf's modules that Ansible now ships in the ansible.posix collection.
const POSIX: &[&str] = &["mount", "sysctl", "authorized_key"];

/// Finds a module by the name a task uses (`copy`, `ansible.builtin.copy`,
/// `ansible.legacy.copy`).
pub fn find(name: &str) -> Option<&'static dyn Module> {
    let short = name
        .strip_prefix("ansible.builtin.")
        .or_else(|| name.strip_prefix("ansible.legacy."))
        // Modules that moved to the ansible.posix collection, where their short names now lead.
        .or_else(|| {
            name.strip_prefix("ansible.posix.")
                .filter(|m| POSIX.contains(m))
        })
        .unwrap_or(name);
    BUILTINS
        .iter()
        .copied()
        .find(|m| m.spec().name == short || m.spec().aliases.contains(&short))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_are_found_by_short_and_qualified_names() {
        for name in [
            "command",
            "ansible.builtin.shell",
            "ansible.legacy.copy",
            "file",
            "template",
            "debug",
            "set_fact",
            "ansible.posix.mount",
            "ansible.posix.authorized_key",
        ] {
            assert!(find(name).is_some(), "{name}");
        }
        assert!(find("ansible.builtin.nope").is_none());
        assert!(
            find("ansible.posix.copy").is_none(),
            "copy is not in ansible.posix"
        );
    }

    #[test]
    fn every_module_spec_is_consistent() {
        for m in BUILTINS {
            let spec = m.spec();
            let mut names: Vec<&str> = spec
                .args
                .iter()
                .flat_map(|a| std::iter::once(a.name).chain(a.aliases.iter().copied()))
                .collect();
            let n = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), n, "duplicate argument name in `{}`", spec.name);
        }
    }

    /// `find` takes the first module with a name or alias, so two modules must never share
    /// one: the registry's order would then decide.
    #[test]
    fn module_names_and_aliases_are_unique() {
        let mut names: Vec<&str> = BUILTINS
            .iter()
            .flat_map(|m| std::iter::once(m.spec().name).chain(m.spec().aliases.iter().copied()))
            .collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "two modules share a name or alias");
    }
}
