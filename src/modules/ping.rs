//! `ping`: the host answers and runs a module (ping.sh); `rconf exec all -m ping` as
//! `ansible all -m ping`.

use super::args::{Arg, FreeForm, Kind, ModuleSpec, Return};
use super::simple::sh_module;

const BODY: &str = include_str!("../../modules/ping.sh");

pub struct Ping;

static SPEC: ModuleSpec = ModuleSpec {
    name: "ping",
    summary: "Checks that the host answers and runs a module: returns pong",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[Arg::new("data", Kind::Str).default("pong").doc(
        "What to return as `ping`; the value `crash` makes the module fail instead, to \
         test failure handling.",
    )],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[Return::new(
        "ping",
        "str",
        "success",
        "The value of `data`.",
    )],
    notes: "",
    example: "- ping:",
};

sh_module!(Ping, SPEC, BODY);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn pong_or_the_data_given_and_crash_fails() {
        let t = TestCtx::new();
        let r = run(&Ping, json!({}), &t.ctx(false));
        assert!(!r.changed && !r.failed, "{r:?}");
        assert_eq!(r.data["ping"], "pong");
        assert_eq!(
            run(&Ping, json!({"data": "it's me"}), &t.ctx(false)).data["ping"],
            "it's me"
        );
        assert!(run(&Ping, json!({"data": "crash"}), &t.ctx(false)).failed);
    }
}
