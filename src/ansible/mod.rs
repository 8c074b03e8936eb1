//! Ansible's own modules as the fallback: a module (or an argument set) rconf has no native
//! answer for runs as Ansible runs it, from the controller's ansible-core and collections,
//! packed with its module_utils and run with the host's Python over the host's connection.
//! Native modules never need Python on the host; only these do.

mod locate;
mod payload;
mod run;

pub use locate::{Finder, Found, Missing, controller_python, core, default_library};
pub use run::{Call, delivered, finish, plan};

use crate::modules::{FreeForm, ModuleSpec};

/// The argument rules rconf applies to an Ansible module before it runs: none of its own (the
/// module checks its arguments itself, with Ansible's messages); free-form `k=v` strings are
/// split as Ansible splits them.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "ansible_module",
    summary: "One of Ansible's own modules, run from the controller's ansible-core",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[],
    any_args: true,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[],
    notes: "The module's own result, as Ansible documents it.",
    example: "",
};

/// Ansible modules whose action plugin only runs the module, for the arguments given here:
/// these run without rconf having the plugin. Any other module with an action plugin needs
/// a native rconf module.
pub fn runs_without_its_action_plugin(
    found: &Found,
    args: &indexmap::IndexMap<String, serde_json::Value>,
) -> bool {
    if !found.action_plugin {
        return true;
    }
    let falsy = |k: &str| {
        args.get(k).is_some_and(|v| match v {
            serde_json::Value::Bool(b) => !b,
            serde_json::Value::String(s) => {
                matches!(
                    s.to_ascii_lowercase().as_str(),
                    "no" | "false" | "0" | "off" | "n" | "f"
                )
            }
            _ => false,
        })
    };
    match found.fqcn.as_str() {
        // `remote_src: false` assembles controller files: the plugin's own work.
        "ansible.builtin.assemble" => !falsy("remote_src"),
        // `src` uploads a controller file as the body.
        "ansible.builtin.uri" => !args.contains_key("src"),
        // The plugin only picks dnf or dnf5.
        "ansible.builtin.dnf" => true,
        _ => false,
    }
}
