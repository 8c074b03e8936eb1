//! `service_facts`: the host's services as the fact `services` (service_facts.sh).

use super::args::{FreeForm, ModuleSpec};
use super::simple::sh_module;

const BODY: &str = include_str!("../../modules/service_facts.sh");

pub struct ServiceFacts;

static SPEC: ModuleSpec = ModuleSpec {
    name: "service_facts",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
};

sh_module!(ServiceFacts, SPEC, BODY);
