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
        Action::WaitForConnection(_) | Action::Reboot(_) => TaskResult::ok(),
        Action::Remote(call) => {
            let out = run_local(&call.script, &call.stdin);
            module.finish(&args, ScriptOutput::parse(out, ctx.marker))
        }
    }
}

/// Plans `raw` with `module` under the given facts and runs the script with the fake tools in
/// `<dir>/bin` first on PATH (they log to `<dir>/log`); returns the result and the log, which
/// is emptied for the next call.
pub fn run_with_fakes(
    t: &TestCtx,
    module: &dyn Module,
    raw: Value,
    facts: minijinja::Value,
    check: bool,
) -> (TaskResult, String) {
    use std::os::unix::ffi::OsStrExt;
    let spec = module.spec();
    let args = spec.validate(spec.normalize(&raw).unwrap()).unwrap();
    let vars = minijinja::context! { ansible_facts => facts };
    let ctx = Ctx {
        vars: &vars,
        ..t.ctx(check)
    };
    let Action::Remote(call) = module.plan(&args, &ctx) else {
        panic!("`{}` did not plan a remote call", spec.name);
    };
    let out = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(std::ffi::OsStr::from_bytes(&call.script.whole()))
        .env("PATH", format!("{}/bin:/usr/bin:/bin", t.dir()))
        .env("FAKE", t.dir())
        // Modules that edit system files (apt_repository) look under this root instead of /.
        .env("RCONF_APT_ROOT", t.dir())
        .output()
        .unwrap();
    let out = crate::transport::Output {
        status: out.status.code().map(|c| c as u32),
        signal: None,
        stdout: out.stdout,
        stderr: out.stderr,
    };
    let r = module.finish(&args, ScriptOutput::parse(out, &t.marker));
    let log = std::fs::read_to_string(t.path("log")).unwrap();
    std::fs::write(t.path("log"), "").unwrap();
    (r, log)
}
