//! `service_facts`: the host's services as the fact `services` (service_facts.sh).

use super::args::{FreeForm, ModuleSpec, Return};
use super::simple::sh_module;

const BODY: &str = include_str!("../../modules/service_facts.sh");

pub struct ServiceFacts;

static SPEC: ModuleSpec = ModuleSpec {
    name: "service_facts",
    summary: "Lists the host's services (systemd, or sysvinit init scripts) as the fact services",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[Return::new(
        "ansible_facts.services",
        "dict",
        "always",
        "Each service mapped to `{name, state, status, source}` (`status` only from systemd).",
    )],
    notes: "",
    example: concat!(
        "- service_facts:\n",
        "- debug:\n",
        "    var: ansible_facts.services['nginx.service'].state"
    ),
};

sh_module!(ServiceFacts, SPEC, BODY);
