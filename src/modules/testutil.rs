//! Test harness: runs a module end to end (normalize, validate, plan, `/bin/sh -c`, finish)
//! against a temp dir on this machine.

use std::path::PathBuf;

use serde_json::Value;

use super::script::{ScriptOutput, run_local};
use super::{Action, Ctx, Module};
use crate::result::TaskResult;
use crate::template::Templar;

pub struct TestCtx {
    pub tmp: tempfile::TempDir,
    pub marker: String,
    pub templar: Templar,
    pub vars: minijinja::Value,
    pub search: Vec<PathBuf>,
    pub diff: bool,
}

impl TestCtx {
    pub fn new() -> TestCtx {
        let tmp = tempfile::tempdir().unwrap();
        let search = vec![tmp.path().join("play")];
        TestCtx {
            tmp,
            marker: format!("@@RCONF-{:016x}@@", rand::random::<u64>()),
            templar: Templar::new(),
            vars: minijinja::context! { who => "world" },
            search,
            diff: false,
        }
    }

    pub fn ctx(&self, check: bool) -> Ctx<'_> {
        Ctx {
            check,
            diff: self.diff,
            search_dirs: &self.search,
            templar: &self.templar,
            vars: &self.vars,
            host: "testhost",
            marker: &self.marker,
        }
    }

    pub fn dir(&self) -> String {
        self.tmp.path().to_str().unwrap().to_string()
    }

    pub fn path(&self, name: &str) -> String {
        format!("{}/{name}", self.dir())
    }
}

/// Runs `raw` arguments through `module` like the runner would (minus templating).
pub fn run(module: &dyn Module, raw: Value, ctx: &Ctx) -> TaskResult {
    let spec = module.spec();
    let map = spec.normalize(&raw).unwrap();
    let args = spec.validate(map).unwrap();
    match module.plan(&args, ctx) {
        Action::Done(r) | Action::Sleep(_, r) => r,
        Action::WaitForConnection(_) => TaskResult::ok(),
        Action::Remote(call) => {
            let out = run_local(&call.script, &call.stdin);
            module.finish(&args, ScriptOutput::parse(out, ctx.marker))
        }
    }
}
