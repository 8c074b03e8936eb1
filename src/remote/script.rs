//! A task's program: `lib.sh`, the task's quoted assignments and the module body, kept apart
//! so a persistent shell can define a body once, and sent whole by an exec of its own.

use serde_json::Value;

use super::quote::quote;
#[cfg(test)]
use crate::transport::{Output, Stdin};

/// Shared helpers every module script starts with.
pub const LIB_SH: &str = include_str!("../../modules/lib.sh");

/// Accumulates one task's assignments. Every value is quoted by `quote::quote`.
pub struct Script {
    buf: Vec<u8>,
}

/// A task's program as the wire protocol sees it. A module's program is its assignment lines
/// (written by `Script`) and its body, run after `lib.sh`: a persistent shell defines the body
/// once as a function and then gets only the assignments per task, with no parsing back. A
/// plain program is a script sent as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// The assignments then the body, or the plain script.
    text: Vec<u8>,
    /// Where the module body starts in `text`; None for a plain script (no `lib.sh`).
    body_at: Option<usize>,
}

impl Program {
    /// A script run as it is, without `lib.sh`.
    pub fn plain(text: Vec<u8>) -> Program {
        Program {
            text,
            body_at: None,
        }
    }

    /// The module's assignments and body, when this is a module's program.
    pub fn parts(&self) -> Option<(&[u8], &[u8])> {
        self.body_at.map(|at| self.text.split_at(at))
    }

    /// Lines run before everything else (the task's `environment` exports).
    pub fn prepend(&mut self, lines: &[u8]) {
        self.text.splice(0..0, lines.iter().copied());
        if let Some(at) = &mut self.body_at {
            *at += lines.len();
        }
    }

    /// The whole script, as an exec of its own runs it.
    pub fn whole(&self) -> Vec<u8> {
        match self.body_at {
            Some(_) => {
                let mut s = Vec::with_capacity(LIB_SH.len() + self.text.len());
                s.extend_from_slice(LIB_SH.as_bytes());
                s.extend_from_slice(&self.text);
                s
            }
            None => self.text.clone(),
        }
    }

    /// The assignments and body (or the plain script), without `lib.sh`: what tests look into.
    pub fn text(&self) -> &[u8] {
        &self.text
    }
}

impl Script {
    /// The protocol variables (`RC_MARK`, `RC_CHECK`, `RC_DIFF`); `lib.sh` comes before them.
    pub fn with(marker: &str, check: bool, diff: bool) -> Result<Script, String> {
        let mut s = Script { buf: Vec::new() };
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

    /// `NAME="$HOME"'rest'`: a target path written `~/rest` (or `~`), which the target's shell
    /// expands to the home directory of the user the task runs as, as Ansible's `path` options
    /// are expanded on the target.
    pub fn home_var(&mut self, name: &str, rest: &[u8]) -> Result<&mut Self, String> {
        debug_assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        let q = quote(rest).map_err(|e| format!("argument `{name}`: {e}"))?;
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.extend_from_slice(b"=\"$HOME\"");
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

    /// The finished program: these assignments, then the module body.
    pub fn finish(mut self, body: &str) -> Program {
        let at = self.buf.len();
        self.buf.extend_from_slice(body.as_bytes());
        Program {
            text: self.buf,
            body_at: Some(at),
        }
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Runs a finished script with `/bin/sh` on this machine: the unit tests' stand-in for a
/// target, with the same byte-level protocol the SSH transport uses.
#[cfg(test)]
pub fn run_local(program: &Program, stdin: &Stdin) -> Output {
    use std::io::Write;
    use std::os::unix::ffi::OsStrExt;
    use std::process::{Command, Stdio};
    // As the transports send a script: on stdin, ahead of the module's own input.
    let (command, mut data) = super::script_on_stdin(&program.whole()).unwrap();
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
        Stdin::Empty => {}
        Stdin::Bytes(b) => data.extend_from_slice(b),
        Stdin::File(p) => data.extend(std::fs::read(p).unwrap()),
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
    use crate::modules::script::ScriptOutput;

    #[test]
    fn lib_json_escaper_produces_parseable_json() {
        let hostile = "a\"b\\c\nd\te\u{1}f 'g' $(h) ü";
        let mut s = Script::with("@M@", false, false).unwrap();
        s.var("X", hostile.as_bytes()).unwrap();
        let script = s.finish("rc_json_str \"$X\"; rc_out \"{\\\"v\\\":$J}\"\n");
        let o = ScriptOutput::parse(run_local(&script, &Stdin::Empty), "@M@");
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
        let o = ScriptOutput::parse(run_local(&script, &Stdin::Empty), "@M@");
        assert_eq!(o.payload, b"it's `x` $(y)\n|1|a b|-c");
    }

    #[test]
    fn a_module_program_keeps_its_body_apart_from_its_assignments() {
        let mut s = Script::with("@M@", false, false).unwrap();
        s.var("A_x", b"a'b\nX='y'\nset -- 'z'\n").unwrap();
        s.argv(&["it's".into(), String::new()]).unwrap();
        let body = "A_y=\"$A_x\"\nset -- \"$@\"\nrc_out '{}'\n";
        let mut program = s.finish(body);
        program.prepend(b"export K='v'\n");
        let (vars, rest) = program.parts().unwrap();
        assert_eq!(rest, body.as_bytes());
        assert!(vars.starts_with(b"export K='v'\n"));
        assert!(vars.ends_with(b"set -- 'it'\\''s' ''\n"));
        assert!(program.whole().starts_with(LIB_SH.as_bytes()));
        assert_eq!(Program::plain(b"true\n".to_vec()).parts(), None);
    }
}
