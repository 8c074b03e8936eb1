//! Embedded templates in conditions: ansible-core 2.19 renders a string constant of a
//! condition that holds template syntax (`'a' in '{{ l | join(" ") }}'`) before it evaluates
//! the condition (deprecated, with a warning, but done). Templates elsewhere keep such
//! constants as text.

use std::ops::Range;

/// The runs of string literals of `expr` (adjacent literals, which Jinja joins into one
/// constant, make one run) whose joined value holds `{{` or `{%`: their byte range in `expr`
/// and that value.
pub(super) fn templated_constants(expr: &str) -> Vec<(Range<usize>, String)> {
    let b = expr.as_bytes();
    let mut runs: Vec<(Range<usize>, String)> = Vec::new();
    let mut current: Option<(Range<usize>, String)> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\'' || c == b'"' {
            let start = i;
            let mut value = Vec::new();
            i += 1;
            while i < b.len() && b[i] != c {
                if b[i] == b'\\' && i + 1 < b.len() {
                    i += 1;
                    value.push(match b[i] {
                        b'n' => b'\n',
                        b't' => b'\t',
                        b'r' => b'\r',
                        other => other,
                    });
                } else {
                    value.push(b[i]);
                }
                i += 1;
            }
            i += 1;
            let value = String::from_utf8_lossy(&value).into_owned();
            current = Some(match current.take() {
                Some((range, mut joined)) => {
                    joined.push_str(&value);
                    (range.start..i.min(b.len()), joined)
                }
                None => (start..i.min(b.len()), value),
            });
            continue;
        }
        if !c.is_ascii_whitespace()
            && let Some(run) = current.take()
        {
            runs.push(run);
        }
        i += 1;
    }
    runs.extend(current);
    runs.retain(|(_, v)| v.contains("{{") || v.contains("{%"));
    runs
}

/// `s` as a Jinja string literal.
pub(super) fn literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjacent_literals_join_and_only_templated_ones_count() {
        let e = r#"'x' in '{{ l | join(' ') }}' and "plain""#;
        let runs = templated_constants(e);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].1, "{{ l | join() }}");
        assert_eq!(&e[runs[0].0.clone()], "'{{ l | join(' ') }}'");
        assert!(templated_constants("'a' == \"b\"").is_empty());
    }

    #[test]
    fn literals_escape_what_jinja_unescapes() {
        assert_eq!(literal("a\"b\\c\n"), r#""a\"b\\c\n""#);
    }
}
