//! Builds a module's remote script (lib.sh, quoted assignments, module body) and splits what it
//! printed into payload and JSON result.

use serde_json::{Map, Value};

use super::Ctx;
use super::args::Args;
use super::quote::quote;
use crate::result::TaskResult;
use crate::transport::Output;

/// Shared helpers every module script starts with.
pub const LIB_SH: &str = include_str!("../../modules/lib.sh");

/// Accumulates one remote script. Every value is quoted by `quote::quote`.
pub struct Script {
    buf: Vec<u8>,
}

impl Script {
    /// lib.sh plus the protocol variables (`RC_MARK`, `RC_CHECK`, `RC_DIFF`).
    pub fn new(ctx: &Ctx) -> Result<Script, String> {
        Script::with(ctx.marker, ctx.check, ctx.diff)
    }

    pub fn with(marker: &str, check: bool, diff: bool) -> Result<Script, String> {
        let mut s = Script {
            buf: LIB_SH.as_bytes().to_vec(),
        };
        s.var("RC_MARK", marker.as_bytes())?;
        s.var("RC_CHECK", if check { b"1" } else { b"0" })?;
        s.var("RC_DIFF", if diff { b"1" } else { b"0" })?;
        Ok(s)
    }

    /// `NAME='value'` on its own line; `name` must be a shell identifier we chose.
    pub fn var(&mut self, name: &str, value: &[u8]) -> Result<&mut Self, String> {
        debug_assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        let q = quote(value).map_err(|e| format!("argument `{name}`: {e}"))?;
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(b'=');
        self.buf.extend(q);
        self.buf.push(b'\n');
        Ok(self)
    }

    /// `A_<name>=...` for an argument that is set: strings verbatim, bools `1`/`0`, numbers in
    /// decimal, lists one item per line. Unset (null) arguments are not assigned.
    pub fn arg(&mut self, name: &str, value: &Value) -> Result<&mut Self, String> {
        let text = match value {
            Value::Null => return Ok(self),
            Value::String(s) => s.clone(),
            Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Array(items) => items.iter().map(scalar_text).collect::<Vec<_>>().join("\n"),
            Value::Object(_) => value.to_string(),
        };
        self.var(&format!("A_{name}"), text.as_bytes())
    }

    /// Assigns every argument in `args` whose name is listed in `names`.
    pub fn args(&mut self, args: &Args, names: &[&str]) -> Result<&mut Self, String> {
        for name in names {
            if let Some(v) = args.get(name) {
                self.arg(name, v)?;
            }
        }
        Ok(self)
    }

    /// `set -- 'a' 'b' ...` so the body can run `"$@"` as an argv with no shell parsing.
    pub fn argv(&mut self, items: &[String]) -> Result<&mut Self, String> {
        self.buf.extend_from_slice(b"set --");
        for item in items {
            self.buf.push(b' ');
            self.buf
                .extend(quote(item.as_bytes()).map_err(|e| format!("command argument: {e}"))?);
        }
        self.buf.push(b'\n');
        Ok(self)
    }

    /// Appends the module body and returns the finished script.
    pub fn finish(mut self, body: &str) -> Vec<u8> {
        self.buf.extend_from_slice(body.as_bytes());
        self.buf
    }
}

/// Splits a finished script (without `lib.sh`) into its leading assignment lines, exactly as
/// `Script` writes them (`NAME='...'` and `set -- '...'`), and the module body after them, so a
/// persistent shell can define the body once and get only the assignments per task.
pub fn split_assignments(script: &[u8]) -> (&[u8], &[u8]) {
    let mut at = 0;
    while let Some(end) = assignment_line(&script[at..]) {
        at += end;
    }
    script.split_at(at)
}

/// The length of the assignment line `s` starts with (newline included), if it is one.
fn assignment_line(s: &[u8]) -> Option<usize> {
    let end = if let Some(rest) = s.strip_prefix(b"set --") {
        let mut i = s.len() - rest.len();
        while s.get(i) == Some(&b' ') {
            i = quoted_word(s, i + 1)?;
        }
        i
    } else {
        let name = s
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))?;
        if name == 0 || s[0].is_ascii_digit() || s[name] != b'=' {
            return None;
        }
        quoted_word(s, name + 1)?
    };
    (s.get(end) == Some(&b'\n')).then_some(end + 1)
}

/// Where the word `quote::quote` wrote at `s[start..]` ends: `'...'` pieces joined by `\'`.
fn quoted_word(s: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    loop {
        if s.get(i) != Some(&b'\'') {
            return None;
        }
        i += 1 + s[i + 1..].iter().position(|&b| b == b'\'')? + 1;
        if !s[i..].starts_with(b"\\''") {
            return Some(i);
        }
        i += 2;
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
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

/// Runs a finished script with `/bin/sh` on this machine: the unit tests' stand-in for a
/// target, with the same byte-level protocol the SSH transport uses.
#[cfg(test)]
pub fn run_local(script: &[u8], stdin: &crate::transport::Stdin) -> Output {
    use std::io::Write;
    use std::os::unix::ffi::OsStrExt;
    use std::process::{Command, Stdio};
    // As the transports send a script: on stdin, ahead of the module's own input.
    let (command, mut data) = crate::transport::script_on_stdin(script).unwrap();
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(std::ffi::OsStr::from_bytes(&command))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn /bin/sh");
    let mut pipe = child.stdin.take().unwrap();
    match stdin {
        crate::transport::Stdin::Empty => {}
        crate::transport::Stdin::Bytes(b) => data.extend_from_slice(b),
        crate::transport::Stdin::File(p) => data.extend(std::fs::read(p).unwrap()),
    }
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    use std::os::unix::process::ExitStatusExt;
    Output {
        status: out.status.code().map(|c| c as u32),
        signal: out.status.signal().map(|s| s.to_string()),
        stdout: out.stdout,
        stderr: out.stderr,
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

    #[test]
    fn lib_json_escaper_produces_parseable_json() {
        let hostile = "a\"b\\c\nd\te\u{1}f 'g' $(h) ü";
        let mut s = Script::with("@M@", false, false).unwrap();
        s.var("X", hostile.as_bytes()).unwrap();
        let script = s.finish("rc_json_str \"$X\"; rc_out \"{\\\"v\\\":$J}\"\n");
        let o = ScriptOutput::parse(run_local(&script, &crate::transport::Stdin::Empty), "@M@");
        let r = o.into_result_for("t");
        assert_eq!(r.data["v"], hostile, "{r:?}");
    }

    #[test]
    fn arg_assignments_keep_values_byte_exact() {
        let mut s = Script::with("@M@", false, false).unwrap();
        s.arg("x", &Value::String("it's `x` $(y)\n".into()))
            .unwrap();
        s.arg("b", &Value::Bool(true)).unwrap();
        s.argv(&["a b".into(), "-c".into()]).unwrap();
        let script =
            s.finish("printf '%s|%s|%s|%s' \"$A_x\" \"$A_b\" \"$1\" \"$2\"; rc_out '{}'\n");
        let o = ScriptOutput::parse(run_local(&script, &crate::transport::Stdin::Empty), "@M@");
        assert_eq!(o.payload, b"it's `x` $(y)\n|1|a b|-c");
    }

    #[test]
    fn assignments_split_from_the_body_exactly_where_script_wrote_them() {
        let mut s = Script::with("@M@", false, false).unwrap();
        s.var("A_x", b"a'b\nX='y'\nset -- 'z'\n").unwrap();
        s.argv(&["it's".into(), String::new()]).unwrap();
        let body = "A_y=\"$A_x\"\nset -- \"$@\"\nrc_out '{}'\n";
        let script = s.finish(body);
        let rest = script.strip_prefix(LIB_SH.as_bytes()).unwrap();
        let (vars, rest_body) = split_assignments(rest);
        assert_eq!(rest_body, body.as_bytes());
        assert!(vars.ends_with(b"set -- 'it'\\''s' ''\n"));
        assert_eq!(
            split_assignments(b"echo hi\n"),
            (&b""[..], &b"echo hi\n"[..])
        );
    }
}
