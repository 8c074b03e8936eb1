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

/// The bytes of `b` from `from` on that are code: string literals (with their quotes and
/// escapes) left out, each with its index and the bracket depth there relative to `from`
/// (a closing bracket has the depth outside it; below zero past an enclosing group's end).
fn code(b: &[u8], from: usize) -> impl Iterator<Item = (usize, u8, isize)> + '_ {
    let (mut i, mut depth, mut quote) = (from, 0isize, None::<u8>);
    std::iter::from_fn(move || {
        while i < b.len() {
            let (at, c) = (i, b[i]);
            i += 1;
            match (quote, c) {
                (Some(_), b'\\') => i += 1,
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, b'\'' | b'"') => quote = Some(c),
                (None, b'(' | b'[' | b'{') => {
                    depth += 1;
                    return Some((at, c, depth - 1));
                }
                (None, b')' | b']' | b'}') => {
                    depth -= 1;
                    return Some((at, c, depth));
                }
                (None, _) => return Some((at, c, depth)),
            }
        }
        None
    })
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The end offsets of each occurrence of `name` as a whole identifier outside string literals.
fn word_ends<'a>(expr: &'a str, name: &'a str) -> impl Iterator<Item = usize> + 'a {
    let b = expr.as_bytes();
    code(b, 0).filter_map(move |(i, _, _)| {
        let end = i + name.len();
        let before = i == 0 || !(is_ident(b[i - 1]) || b[i - 1] == b'.');
        (b[i..].starts_with(name.as_bytes()) && before && b.get(end).is_none_or(|c| !is_ident(*c)))
            .then_some(end)
    })
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
    let cuts: Vec<(usize, usize, &'static str)> = code(b, 0)
        .filter(|(i, _, depth)| *depth == 0 && (*i == 0 || !is_ident(b[i - 1])))
        .flat_map(|(i, _, _)| {
            ["and", "or"].into_iter().filter_map(move |op| {
                let end = i + op.len();
                (b[i..].starts_with(op.as_bytes()) && b.get(end).is_some_and(|c| !is_ident(*c)))
                    .then_some((i, end, op))
            })
        })
        .collect();
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
    code(b, i)
        .find(|(_, c, depth)| matches!(c, b')' | b']' | b'}') && *depth == 0)
        .map_or(b.len(), |(j, _, _)| j + 1)
}

/// The index of the `)` or `]` that closes the group the text at `i` is inside.
fn close_of_enclosing(b: &[u8], i: usize) -> Option<usize> {
    code(b, i)
        .find(|(_, _, depth)| *depth < 0)
        .map(|(j, _, _)| j)
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
