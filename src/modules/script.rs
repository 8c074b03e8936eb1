//! What a module's script printed, split into payload and JSON result; the program itself is
//! built by `crate::remote::script`.

use serde_json::{Map, Value};

use crate::result::TaskResult;
use crate::transport::Output;

#[cfg(test)]
pub use crate::remote::script::run_local;
pub use crate::remote::script::{Program, Script};

impl Script {
    /// `lib.sh`'s protocol variables for a task planned in `ctx`.
    pub fn new(ctx: &super::Ctx) -> Result<Script, String> {
        Script::with(ctx.marker, ctx.check, ctx.diff)
    }

    /// Assigns every argument in `args` whose name is listed in `names`. A target path
    /// (`path`, `dest`, `chdir`, `creates`, `removes`) written with a leading `~` is the
    /// task user's home there, as Ansible expands its `path` options on the target.
    pub fn args(&mut self, args: &super::Args, names: &[&str]) -> Result<&mut Self, String> {
        for name in names {
            if let Some(v) = args.get(name) {
                match v.as_str().and_then(home_relative) {
                    Some(rest) if TARGET_PATHS.contains(name) => {
                        self.home_var(&format!("A_{name}"), rest.as_bytes())?
                    }
                    _ => self.arg(name, v)?,
                };
            }
        }
        Ok(self)
    }
}

/// The arguments that name a path on the target, which `~` may start.
const TARGET_PATHS: &[&str] = &["path", "dest", "chdir", "creates", "removes"];

/// `~/x` -> `/x`, `~` -> ``: what follows the home directory (`~user` is left alone).
pub fn home_relative(path: &str) -> Option<&str> {
    let rest = path.strip_prefix('~')?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

/// What a module script printed: the payload before the last marker and the JSON after it.
#[derive(Debug, Clone)]
pub struct ScriptOutput {
    /// Bytes printed before the marker (a command's stdout, a file's old content).
    pub payload: Vec<u8>,
    /// The result object, or why there is none.
    pub result: Result<Map<String, Value>, String>,
    /// The channel's stderr (a command's stderr, or a script's diagnostics).
    pub stderr: Vec<u8>,
    pub status: Option<u32>,
    pub signal: Option<String>,
    /// The raw stdout, kept only when no result could be read.
    pub raw_stdout: Vec<u8>,
}

impl Default for ScriptOutput {
    fn default() -> Self {
        ScriptOutput {
            payload: Vec::new(),
            result: Ok(Map::new()),
            stderr: Vec::new(),
            status: Some(0),
            signal: None,
            raw_stdout: Vec::new(),
        }
    }
}

impl ScriptOutput {
    /// Splits `output.stdout` at the LAST occurrence of `marker`.
    pub fn parse(output: Output, marker: &str) -> ScriptOutput {
        let Output {
            status,
            signal,
            stdout,
            stderr,
        } = output;
        let mark = marker.as_bytes();
        let pos = if mark.is_empty() {
            None
        } else {
            stdout.windows(mark.len()).rposition(|w| w == mark)
        };
        let Some(pos) = pos else {
            return ScriptOutput {
                payload: Vec::new(),
                result: Err("no result marker in the output".into()),
                stderr,
                status,
                signal,
                raw_stdout: stdout,
            };
        };
        let tail = &stdout[pos + mark.len()..];
        let parsed = serde_json::from_slice::<Value>(tail)
            .or_else(|_| serde_json::from_str::<Value>(&String::from_utf8_lossy(tail)));
        match parsed {
            Ok(Value::Object(map)) => ScriptOutput {
                payload: stdout[..pos].to_vec(),
                result: Ok(map),
                stderr,
                status,
                signal,
                raw_stdout: Vec::new(),
            },
            Ok(_) => ScriptOutput {
                payload: Vec::new(),
                result: Err("the result is not a JSON object".into()),
                stderr,
                status,
                signal,
                raw_stdout: stdout,
            },
            Err(e) => ScriptOutput {
                payload: Vec::new(),
                result: Err(format!("the result is not valid JSON ({e})")),
                stderr,
                status,
                signal,
                raw_stdout: stdout,
            },
        }
    }

    /// The JSON object as a result, or a failed result carrying the raw output.
    pub fn into_result(self) -> TaskResult {
        self.into_result_for("?")
    }

    /// As `into_result`, naming the module in the failure message.
    pub fn into_result_for(self, module: &str) -> TaskResult {
        match self.result {
            Ok(map) => TaskResult::from_json(map),
            Err(why) => {
                let stderr = String::from_utf8_lossy(&self.stderr).into_owned();
                let stdout = String::from_utf8_lossy(&self.raw_stdout).into_owned();
                let exit = match (&self.status, &self.signal) {
                    (Some(rc), _) => format!("exit status {rc}"),
                    (None, Some(sig)) => format!("killed by signal {sig}"),
                    (None, None) => "no exit status".into(),
                };
                let detail = stderr.trim_end();
                let mut msg = format!("module `{module}` did not return a result: {why}; {exit}");
                if !detail.is_empty() {
                    msg.push_str(&format!("; stderr: {detail}"));
                }
                let mut r = TaskResult::failed(msg)
                    .with("module_stdout", stdout)
                    .with("module_stderr", stderr);
                if let Some(rc) = self.status {
                    r = r.with("rc", rc);
                }
                r
            }
        }
    }

    /// The payload as text (lossy for non-UTF-8).
    pub fn payload_text(&self) -> String {
        String::from_utf8_lossy(&self.payload).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(stdout: &[u8]) -> Output {
        Output {
            status: Some(0),
            signal: None,
            stdout: stdout.to_vec(),
            stderr: b"oops\n".to_vec(),
        }
    }

    #[test]
    fn splits_at_the_last_marker() {
        let o = ScriptOutput::parse(
            out(b"x@M@{\"forged\":1}\npayload@M@{\"changed\":true}\n"),
            "@M@",
        );
        assert_eq!(o.payload, b"x@M@{\"forged\":1}\npayload");
        let r = o.into_result_for("copy");
        assert!(r.changed && !r.failed);
        assert!(!r.data.contains_key("forged"));
    }

    #[test]
    fn missing_marker_is_a_failed_result_with_raw_output() {
        let r = ScriptOutput::parse(out(b"garbage"), "@M@").into_result_for("file");
        assert!(r.failed);
        assert!(
            r.msg
                .as_deref()
                .unwrap()
                .starts_with("module `file` did not return a result")
        );
        assert_eq!(r.data["module_stdout"], "garbage");
        assert_eq!(r.data["module_stderr"], "oops\n");
        assert_eq!(r.data["rc"], 0);
    }

    #[test]
    fn malformed_json_is_a_failed_result() {
        let r = ScriptOutput::parse(out(b"@M@{\"changed\":"), "@M@").into_result_for("copy");
        assert!(r.failed);
        assert!(r.msg.unwrap().contains("not valid JSON"));
    }
}
