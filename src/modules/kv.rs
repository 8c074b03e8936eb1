//! Splits a free-form `k=v` string into words the way Ansible does before templating: quotes
//! and Jinja blocks (`{{ }}`, `{% %}`, `{# #}`) keep their spaces; quotes stay in the words.

/// Byte ranges of the words of `s`, split at whitespace outside quotes and Jinja blocks. Each
/// word is exactly `s[start..end]`, so callers can cut words out and keep the rest verbatim.
pub fn split_spans(s: &str) -> Result<Vec<(usize, usize)>, String> {
    let b = s.as_bytes();
    let mut spans = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<u8> = None;
    let mut jinja = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if let Some(q) = quote {
            if c == b'\\' && q == b'"' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if c.is_ascii_whitespace() && jinja == 0 {
            if let Some(st) = start.take() {
                spans.push((st, i));
            }
            i += 1;
            continue;
        }
        start.get_or_insert(i);
        match c {
            b'{' if matches!(next, Some(b'{' | b'%' | b'#')) => {
                jinja += 1;
                i += 2;
            }
            b'}' | b'%' | b'#' if jinja > 0 && next == Some(b'}') => {
                jinja -= 1;
                i += 2;
            }
            b'"' | b'\'' if jinja == 0 => {
                quote = Some(c);
                i += 1;
            }
            _ => i += 1,
        }
    }
    if let Some(q) = quote {
        let q = q as char;
        return Err(format!(
            "unbalanced quote `{q}` in `{s}`; expected a closing `{q}`"
        ));
    }
    if jinja > 0 {
        return Err(format!(
            "unbalanced template block in `{s}`; expected a closing `}}}}`"
        ));
    }
    if let Some(st) = start {
        spans.push((st, b.len()));
    }
    Ok(spans)
}

/// The words of `s` (see `split_spans`).
pub fn split_args(s: &str) -> Result<Vec<String>, String> {
    Ok(split_spans(s)?
        .into_iter()
        .map(|(a, b)| s[a..b].to_string())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_jinja_keep_spaces() {
        assert_eq!(
            split_args(r#"a=1 b="x y" c='p q' d={{ v | default("a b") }} e"#).unwrap(),
            vec![
                "a=1",
                "b=\"x y\"",
                "c='p q'",
                "d={{ v | default(\"a b\") }}",
                "e"
            ]
        );
    }

    #[test]
    fn escaped_double_quote_stays_inside() {
        assert_eq!(
            split_args(r#"msg="say \"hi there\"""#).unwrap(),
            vec![r#"msg="say \"hi there\"""#]
        );
    }

    #[test]
    fn unbalanced_quote_is_an_error() {
        assert!(split_args("a='x").unwrap_err().contains("unbalanced quote"));
    }
}
