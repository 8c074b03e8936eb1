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
            // As Ansible's splitter: a backslash escapes the next character in either quote.
            if c == b'\\' {
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
            // An escaped quote outside quotes starts nothing.
            b'\\' if matches!(next, Some(b'"' | b'\'')) => i += 2,
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
#[cfg(test)]
pub fn split_args(s: &str) -> Result<Vec<String>, String> {
    Ok(split_spans(s)?
        .into_iter()
        .map(|(a, b)| s[a..b].to_string())
        .collect())
}

/// Decodes the backslash escapes Ansible decodes in a free-form `k=v` word before it splits
/// it (`content="line\n"` writes a newline): `\\ \' \" \a \b \f \n \r \t \v`, `\xHH`,
/// `\uHHHH` and `\UHHHHHHHH`, as ansible-core 2.19's parser reads them. Anything else stays as
/// written: not octal digits, so a backreference (`replace='"\1"'`) keeps its meaning.
pub fn decode_escapes(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let hex = |from: usize, n: usize| -> Option<char> {
        let digits: String = c.get(from..from + n)?.iter().collect();
        if digits.chars().all(|d| d.is_ascii_hexdigit()) {
            char::from_u32(u32::from_str_radix(&digits, 16).ok()?)
        } else {
            None
        }
    };
    while i < c.len() {
        if c[i] != '\\' || i + 1 == c.len() {
            out.push(c[i]);
            i += 1;
            continue;
        }
        let simple = match c[i + 1] {
            '\\' => Some('\\'),
            '\'' => Some('\''),
            '"' => Some('"'),
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'f' => Some('\x0c'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\x0b'),
            _ => None,
        };
        if let Some(ch) = simple {
            out.push(ch);
            i += 2;
            continue;
        }
        let coded = match c[i + 1] {
            'x' => hex(i + 2, 2).map(|ch| (ch, 4)),
            'u' => hex(i + 2, 4).map(|ch| (ch, 6)),
            'U' => hex(i + 2, 8).map(|ch| (ch, 10)),
            _ => None,
        };
        match coded {
            Some((ch, len)) => {
                out.push(ch);
                i += len;
            }
            None => {
                out.push('\\');
                i += 1;
            }
        }
    }
    out
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

    /// The bytes ansible-playbook 2.19.14 writes for the same `copy: content=... dest=...`.
    #[test]
    fn escapes_decode_as_ansible_decodes_them() {
        assert_eq!(decode_escapes(r#"content="line\n""#), "content=\"line\n\"");
        assert_eq!(decode_escapes(r"a\tb\x41\u00e9\\z"), "a\tbA\u{e9}\\z");
        assert_eq!(decode_escapes(r"'q\'s'"), "'q's'");
        // No octal escapes (ansible-core 2.19 writes `\101` as it is): `\1` stays a
        // backreference.
        assert_eq!(
            decode_escapes(r"\101\0x \q \xZZ end\"),
            r"\101\0x \q \xZZ end\"
        );
        assert_eq!(decode_escapes(r#"replace='"\1"'"#), r#"replace='"\1"'"#);
    }

    #[test]
    fn unbalanced_quote_is_an_error() {
        assert!(split_args("a='x").unwrap_err().contains("unbalanced quote"));
    }
}
