//! One task of an Ansible module: the remote call (the shared `ansible_module` script, the
//! zips and the JSON arguments on stdin, module_utils only on the first call per host and
//! user), and the result read the way Ansible's controller reads it.

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex};

use serde_json::{Map, Value, json};

use super::locate::{Finder, Found};
use super::payload;
use crate::modules::script::Script;
use crate::modules::{Ctx, RemoteCall, ScriptOutput, quote};
use crate::result::TaskResult;
use crate::transport::Stdin;

/// The shell half, with the Python wrapper as its `RC_PY` (defined once per persistent shell,
/// like every module body).
static BODY: LazyLock<String> = LazyLock::new(|| {
    let sh = include_str!("../../modules/ansible_module.sh");
    let py = include_str!("../../modules/ansible_module.py");
    let quoted = String::from_utf8(quote::quote(py.as_bytes()).expect("the wrapper quotes"))
        .expect("the wrapper is UTF-8");
    // After the header comment: a body that opened with an assignment would be taken for
    // per-task arguments by the persistent shell.
    sh.replacen("\nPY=", &format!("\nRC_PY={quoted}\nPY="), 1)
});

/// Which (target, user) already hold this run's module_utils, so each gets them once.
static SENT: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(Default::default);

/// What the task adds to the module's own arguments.
pub struct Call<'a> {
    /// The module name as the task writes it (Ansible's `_ansible_module_name`).
    pub written: &'a str,
    pub no_log: bool,
    pub verbosity: u8,
    /// The host and user the call runs on and as (`web1\0root`): where module_utils are cached.
    pub target: String,
}

/// The remote call for `found` with `args`. The caller reports it `delivered` once the host
/// answered, so the next call there leaves module_utils out.
pub fn plan(
    found: &Found,
    finder: &Finder,
    args: &Map<String, Value>,
    ctx: &Ctx,
    call: &Call,
) -> Result<RemoteCall, String> {
    let lib = payload::library(found.core)?;
    let module = payload::module(found, finder)?;
    let send_lib = !lock(&SENT).contains(&sent_key(&call.target, &lib.sha1));
    let mut module_args = args.clone();
    for (k, v) in [
        ("_ansible_check_mode", json!(ctx.check)),
        ("_ansible_no_log", json!(call.no_log)),
        ("_ansible_debug", json!(false)),
        ("_ansible_diff", json!(ctx.diff)),
        ("_ansible_verbosity", json!(call.verbosity)),
        ("_ansible_version", json!(found.core.version)),
        ("_ansible_module_name", json!(call.written)),
        ("_ansible_syslog_facility", json!("LOG_USER")),
        (
            "_ansible_selinux_special_fs",
            json!(["fuse", "nfs", "vboxsf", "ramfs", "9p", "vfat"]),
        ),
        ("_ansible_socket", Value::Null),
        ("_ansible_shell_executable", json!("/bin/sh")),
        ("_ansible_keep_remote_files", json!(false)),
        ("_ansible_remote_tmp", json!("~/.ansible/tmp")),
        ("_ansible_ignore_unknown_opts", json!(false)),
        ("_ansible_target_log_info", Value::Null),
        ("_ansible_tracebacks_for", json!([])),
    ] {
        module_args.insert(k.to_string(), v);
    }
    let params = serde_json::to_vec(&json!({ "ANSIBLE_MODULE_ARGS": module_args }))
        .map_err(|e| format!("cannot encode the module's arguments: {e}"))?;
    let mut script = Script::new(ctx)?;
    script
        .var("A_module", call.written.as_bytes())?
        .var("A_fqn", found.python_name.as_bytes())?
        .var("A_lib_sha", lib.sha1.as_bytes())?
        .var(
            "A_lib_size",
            if send_lib { lib.bytes.len() } else { 0 }
                .to_string()
                .as_bytes(),
        )?
        .var("A_zip_size", module.bytes.len().to_string().as_bytes())?;
    if let Some(python) = interpreter(ctx) {
        script.var("A_python", python.as_bytes())?;
    }
    let mut stdin = Vec::with_capacity(lib.bytes.len() + module.bytes.len() + params.len());
    if send_lib {
        stdin.extend_from_slice(&lib.bytes);
    }
    stdin.extend_from_slice(&module.bytes);
    stdin.extend(params);
    Ok(RemoteCall {
        script: script.finish(&BODY),
        stdin: Stdin::Bytes(stdin),
    })
}

/// Records that `target` answered a call that carried module_utils (or found them cached).
pub fn delivered(found: &Found, target: &str) {
    if let Ok(lib) = payload::library(found.core) {
        lock(&SENT).insert(sent_key(target, &lib.sha1));
    }
}

fn sent_key(target: &str, sha: &str) -> String {
    format!("{target}\0{sha}")
}

/// `ansible_python_interpreter`, unless it asks for discovery (`auto`, `auto_silent`, ...).
fn interpreter(ctx: &Ctx) -> Option<String> {
    let v = ctx.vars.get_attr("ansible_python_interpreter").ok()?;
    if v.is_undefined() || v.is_none() {
        return None;
    }
    let text = v
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string());
    let rendered = match ctx.templar.render_str(&text, ctx.vars) {
        Ok(Value::String(s)) => s,
        _ => text,
    };
    (!rendered.starts_with("auto") && !rendered.trim().is_empty()).then_some(rendered)
}

/// The module's result as Ansible's controller reads it: a result with a non-zero `rc` and no
/// `failed` key failed; internal `_ansible_*` keys are dropped.
pub fn finish(written: &str, out: ScriptOutput) -> TaskResult {
    let out = match out.result {
        Ok(mut map) => {
            if !map.contains_key("failed")
                && map
                    .get("rc")
                    .is_some_and(|rc| !(rc == &json!(0) || rc == &json!("0")))
            {
                map.insert("failed".into(), json!(true));
            }
            map.retain(|k, _| !k.starts_with("_ansible_"));
            ScriptOutput {
                result: Ok(map),
                ..out
            }
        }
        Err(_) => out,
    };
    out.into_result_for(written)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
