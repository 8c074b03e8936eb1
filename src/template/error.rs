//! Turns minijinja errors into rconf's one-line messages: what failed, then where.

use minijinja::{Error, ErrorKind};

/// A one-line description: the failure (naming the undefined expression when known), the
/// line, and the causes.
pub fn describe(e: &Error) -> String {
    describe_with(e, true)
}

/// As `describe`, without the line: for one-line expressions it says nothing.
pub fn describe_expr(e: &Error) -> String {
    describe_with(e, false)
}

fn describe_with(e: &Error, with_line: bool) -> String {
    let mut msg = match e.detail() {
        Some(detail) => clean_detail(detail),
        None if e.kind() == ErrorKind::UndefinedError => "a value is undefined".to_string(),
        None => e.kind().to_string(),
    };
    if e.kind() == ErrorKind::SyntaxError {
        msg = format!("syntax error: {msg}");
    }
    if let Some(line) = e.line().filter(|_| with_line) {
        msg.push_str(&format!(" (line {line})"));
    }
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        msg.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    msg
}

/// minijinja appends "(`expr` is undefined)" to the detail of whatever operation met the
/// undefined value; that name is the useful part, so it leads the message.
fn clean_detail(detail: &str) -> String {
    if let Some(start) = detail.find("(`")
        && let Some(end) = detail[start..].find("` is undefined")
    {
        let name = &detail[start + 2..start + end];
        let rest = &detail[..start].trim();
        if rest.is_empty() || rest.starts_with("cannot convert undefined") {
            return format!("`{name}` is undefined");
        }
        return format!("`{name}` is undefined: {rest}");
    }
    detail.to_string()
}
