//! Whether a condition copes with one of its variables being undefined: the value the
//! variable starts reaches `is defined`/`is undefined`/`is none`, or `default`/`d`/`mandatory`,
//! through attributes, subscripts, filters and the calls it is an argument of, as Jinja passes
//! an undefined value along them.

/// Whether some use of `name` in `expr` is guarded (see the module's comment): `x is
/// defined`, `x.a[0] | default(1)`, `'k' | extract(x, 'sub') | default('a')`,
/// `(y | f(x)).z is undefined`. A binary operator or another test ends the chain first
/// (`x == 3 or y | default(1)` does not guard `x`).
pub(super) fn guarded(expr: &str, name: &str) -> bool {
    word_ends(expr, name).any(|end| reaches_guard(&expr.as_bytes()[end..]))
}

/// The end offsets of each occurrence of `name` as a whole identifier outside string literals.
fn word_ends<'a>(expr: &'a str, name: &'a str) -> impl Iterator<Item = usize> + 'a {
    let b = expr.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut quote: Option<u8> = None;
    let mut ends = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match (quote, b[i]) {
            (Some(_), b'\\') => i += 1,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, c @ (b'\'' | b'"')) => quote = Some(c),
            (None, _) if b[i..].starts_with(name.as_bytes()) => {
                let end = i + name.len();
                let before = i == 0 || !(ident(b[i - 1]) || b[i - 1] == b'.');
                if before && b.get(end).is_none_or(|c| !ident(*c)) {
                    ends.push(end);
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    ends.into_iter()
}

/// Whether the expression text after a variable carries its value to a guard.
fn reaches_guard(b: &[u8]) -> bool {
    let mut i = 0;
    loop {
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let Some(&c) = b.get(i) else {
            return false;
        };
        match c {
            b'.' => i = skip_ident(b, i + 1),
            b'[' | b'(' => i = skip_group(b, i),
            // The value is an argument of a call: the rest of the arguments do not matter,
            // the call's result goes on.
            b',' => match close_of_enclosing(b, i) {
                Some(close) => i = close + 1,
                None => return false,
            },
            b')' | b']' => i += 1,
            b'|' => {
                let start = {
                    let mut j = i + 1;
                    while b.get(j).is_some_and(u8::is_ascii_whitespace) {
                        j += 1;
                    }
                    j
                };
                let end = skip_ident(b, start);
                if matches!(&b[start..end], b"default" | b"d" | b"mandatory") {
                    return true;
                }
                i = end;
            }
            b'i' if b[i..].starts_with(b"is")
                && b.get(i + 2).is_some_and(u8::is_ascii_whitespace) =>
            {
                let mut j = i + 2;
                while b.get(j).is_some_and(u8::is_ascii_whitespace) {
                    j += 1;
                }
                if b[j..].starts_with(b"not") {
                    j += 3;
                    while b.get(j).is_some_and(u8::is_ascii_whitespace) {
                        j += 1;
                    }
                }
                let end = skip_ident(b, j);
                return matches!(&b[j..end], b"defined" | b"undefined" | b"none");
            }
            _ => return false,
        }
    }
}

/// The operands of `expr` when it is a chain of one boolean operator (`a and b and c`, or the
/// same with `or`) at its top level, with that operator; `None` for anything else (a single
/// term, or `and` mixed with `or`, whose precedence this does not model).
pub(super) fn boolean_chain(expr: &str) -> Option<(&'static str, Vec<&str>)> {
    let b = expr.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let (mut depth, mut quote) = (0usize, None::<u8>);
    let mut cuts: Vec<(usize, usize, &'static str)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match (quote, b[i]) {
            (Some(_), b'\\') => i += 1,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, c @ (b'\'' | b'"')) => quote = Some(c),
            (None, b'(' | b'[' | b'{') => depth += 1,
            (None, b')' | b']' | b'}') => depth = depth.saturating_sub(1),
            (None, _) if depth == 0 && (i == 0 || !ident(b[i - 1])) => {
                for op in ["and", "or"] {
                    let end = i + op.len();
                    if b[i..].starts_with(op.as_bytes()) && b.get(end).is_some_and(|c| !ident(*c)) {
                        cuts.push((i, end, op));
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    let op = cuts.first()?.2;
    if cuts.iter().any(|c| c.2 != op) {
        return None;
    }
    let mut terms = Vec::new();
    let mut start = 0;
    for (from, to, _) in cuts {
        terms.push(expr[start..from].trim());
        start = to;
    }
    terms.push(expr[start..].trim());
    terms.iter().all(|t| !t.is_empty()).then_some((op, terms))
}

fn skip_ident(b: &[u8], mut i: usize) -> usize {
    while b
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        i += 1;
    }
    i
}

/// The index after the group (`(...)` or `[...]`) that opens at `i`, string literals skipped.
fn skip_group(b: &[u8], i: usize) -> usize {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut j = i;
    while j < b.len() {
        match (quote, b[j]) {
            (Some(_), b'\\') => j += 1,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, c @ (b'\'' | b'"')) => quote = Some(c),
            (None, b'(' | b'[' | b'{') => depth += 1,
            (None, b')' | b']' | b'}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
        j += 1;
    }
    b.len()
}

/// The index of the `)` or `]` that closes the group the text at `i` is inside.
fn close_of_enclosing(b: &[u8], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut j = i;
    while j < b.len() {
        match (quote, b[j]) {
            (Some(_), b'\\') => j += 1,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, c @ (b'\'' | b'"')) => quote = Some(c),
            (None, b'(' | b'[' | b'{') => depth += 1,
            (None, b')' | b']' | b'}') if depth == 0 => return Some(j),
            (None, b')' | b']' | b'}') => depth -= 1,
            _ => {}
        }
        j += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::guarded;

    #[test]
    fn a_guard_reached_through_attributes_filters_and_calls_counts() {
        for (expr, name) in [
            ("x is defined", "x"),
            ("x.a['b'][0] is not defined", "x"),
            ("x | default(1) == 1", "x"),
            ("x.y | d('z')", "x"),
            ("'k' | extract(x) | default('a') == 'a'", "x"),
            ("'k' | extract(x, 'sub') | default('a') == 'a'", "x"),
            ("('k' | extract(x)).sub | default('a') == 'a'", "x"),
            ("x | lower | default('')", "x"),
            ("a is defined and (x | mandatory)", "x"),
        ] {
            assert!(guarded(expr, name), "{expr}");
        }
    }

    #[test]
    fn a_chain_of_one_boolean_operator_splits_into_its_terms() {
        use super::boolean_chain;
        assert_eq!(
            boolean_chain("a is defined and a.b != '' and (c or d)"),
            Some(("and", vec!["a is defined", "a.b != ''", "(c or d)"]))
        );
        assert_eq!(
            boolean_chain("x == 'a or b' or y"),
            Some(("or", vec!["x == 'a or b'", "y"]))
        );
        assert_eq!(boolean_chain("a and b or c"), None);
        assert_eq!(boolean_chain("android == 1"), None);
        assert_eq!(boolean_chain("not x"), None);
    }

    #[test]
    fn an_operator_or_another_test_before_the_guard_leaves_it_unguarded() {
        for (expr, name) in [
            ("x == 3", "x"),
            ("x == 3 or y | default(1)", "x"),
            ("x is string", "x"),
            ("x + 1 | default(2)", "x"),
            ("'x is defined'", "x"),
            ("y.x is defined", "x"),
            ("xx is defined", "x"),
        ] {
            assert!(!guarded(expr, name), "{expr}");
        }
    }
}
