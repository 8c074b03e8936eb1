//! Dynamic inventory scripts: an executable source run with `--list` (and `--host H` when
//! `_meta.hostvars` is absent), speaking Ansible's JSON protocol.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use super::Inventory;
use crate::error::{Error, Result};

pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// How long one run of an inventory script may take, unless `RCONF_INVENTORY_TIMEOUT` says.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The environment variable that sets the bound, in seconds.
pub const TIMEOUT_VAR: &str = "RCONF_INVENTORY_TIMEOUT";

fn timeout() -> Result<Duration> {
    match std::env::var(TIMEOUT_VAR) {
        Err(_) => Ok(DEFAULT_TIMEOUT),
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(secs) if secs > 0 => Ok(Duration::from_secs(secs)),
            _ => Err(Error::Usage(format!(
                "{TIMEOUT_VAR}={v:?}: expected a number of seconds above 0"
            ))),
        },
    }
}

/// The script as a program to start: a bare name (`inv.sh`) is the file in the current
/// directory, as Ansible reads `-i inv.sh`, never a program of that name found in PATH.
fn program(script: &Path) -> std::path::PathBuf {
    if script.components().count() == 1 && script.is_relative() {
        Path::new(".").join(script)
    } else {
        script.to_path_buf()
    }
}

/// Reads a pipe to its end on a thread of its own, so that neither pipe can fill up and stall
/// the script while the other is read.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    })
}

fn run(script: &Path, args: &[&str]) -> Result<Value> {
    let shown = format!("{} {}", script.display(), args.join(" "));
    let limit = timeout()?;
    let mut cmd = Command::new(program(script));
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so that a timeout ends whatever it started as well.
        .process_group(0);
    // SAFETY: the closure runs in the child between fork and exec and only makes one system
    // call. It makes the script die with rconf (Ctrl-C, a killed cron job) rather than live on.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::msg(format!("cannot run inventory script `{shown}`: {e}")))?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    // Done when the script has exited and closed its output (a background child of its own
    // may hold that open: it is bounded too).
    let deadline = Instant::now() + limit;
    let mut status = None;
    loop {
        if status.is_none() {
            status = child.try_wait().ok().flatten();
        }
        if status.is_some() && stdout.is_finished() && stderr.is_finished() {
            break;
        }
        if Instant::now() >= deadline {
            // SAFETY: kill(2) on the group this function created; no memory is involved.
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            let _ = child.wait();
            return Err(Error::msg(format!(
                "inventory script `{shown}` did not finish within {} s and was killed \
                 (set {TIMEOUT_VAR}=SECONDS to allow longer)",
                limit.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let status = status.expect("checked above");
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    if !status.success() {
        let stderr = String::from_utf8_lossy(&stderr);
        return Err(Error::msg(format!(
            "inventory script `{shown}` failed ({status}): {}",
            stderr.trim()
        )));
    }
    serde_json::from_slice(&stdout).map_err(|e| {
        Error::msg(format!(
            "inventory script `{shown}` printed invalid JSON (expected an object): {e}"
        ))
    })
}

pub fn load(inv: &mut Inventory, script: &Path) -> Result<()> {
    let shown = script.display().to_string();
    let Value::Object(doc) = run(script, &["--list"])? else {
        return Err(Error::msg(format!(
            "inventory script `{shown} --list` must print a JSON object of groups"
        )));
    };
    let has_meta = doc.contains_key("_meta");
    let hosts = apply_list(inv, doc)
        .map_err(|m| Error::msg(format!("inventory script `{shown} --list`: {m}")))?;
    if !has_meta {
        for h in hosts {
            match run(script, &["--host", &h])? {
                Value::Object(v) => inv.hosts[h.as_str()].vars.extend(v),
                Value::Null => {}
                _ => {
                    return Err(Error::msg(format!(
                        "inventory script `{shown} --host {h}` must print a JSON object of variables"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Applies a `--list` document; hosts without `_meta.hostvars` are asked for with `--host`.
fn apply_list(inv: &mut Inventory, mut doc: Map<String, Value>) -> Result<Vec<String>, String> {
    let meta = doc.shift_remove("_meta");
    let mut hosts_seen: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (name, body) in doc {
        inv.add_group(&name);
        let (hosts, vars, children) = match body {
            Value::Array(h) => (h, Map::new(), Vec::new()),
            Value::Object(mut m) => {
                let hosts = match m.shift_remove("hosts") {
                    Some(Value::Array(h)) => h,
                    None | Some(Value::Null) => Vec::new(),
                    Some(_) => return Err(format!("`hosts` of group `{name}` must be a list")),
                };
                let vars = match m.shift_remove("vars") {
                    Some(Value::Object(v)) => v,
                    None | Some(Value::Null) => Map::new(),
                    Some(_) => return Err(format!("`vars` of group `{name}` must be an object")),
                };
                let children = match m.shift_remove("children") {
                    Some(Value::Array(c)) => c,
                    None | Some(Value::Null) => Vec::new(),
                    Some(_) => return Err(format!("`children` of group `{name}` must be a list")),
                };
                (hosts, vars, children)
            }
            _ => {
                return Err(format!(
                    "group `{name}` must be a list of hosts or an object"
                ));
            }
        };
        for h in hosts {
            let Value::String(h) = h else {
                return Err(format!("hosts of group `{name}` must be strings"));
            };
            inv.add_host(&h, Some(&name));
            if seen.insert(h.clone()) {
                hosts_seen.push(h);
            }
        }
        inv.groups[name.as_str()].vars.extend(vars);
        for c in children {
            let Value::String(c) = c else {
                return Err(format!("children of group `{name}` must be strings"));
            };
            inv.add_group(&c);
            inv.add_child(&name, &c);
        }
    }
    let hostvars = meta.as_ref().and_then(|m| m.get("hostvars"));
    for h in &hosts_seen {
        if let Some(Value::Object(hv)) = hostvars.and_then(|hv| hv.get(h)) {
            inv.hosts[h.as_str()].vars.extend(hv.clone());
        }
    }
    Ok(hosts_seen)
}
