//! Splits a free-form `k=v` string into words the way Ansible does before templating: quotes
//! and Jinja blocks (`{{ }}`, `{% %}`, `{# #}`) keep their spaces; quotes stay in the words.

/// Splits `s` at whitespace outside quotes and Jinja blocks.
pub fn split_args(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut jinja = 0usize;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            cur.push(c);
            if c == '\\' && q == '"' {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '{' if matches!(chars.peek(), Some('{' | '%' | '#')) => {
                cur.push(c);
                cur.push(chars.next().unwrap());
                jinja += 1;
            }
            '}' | '%' | '#' if jinja > 0 && chars.peek() == Some(&'}') => {
                cur.push(c);
                cur.push(chars.next().unwrap());
                jinja -= 1;
            }
            '"' | '\'' if jinja == 0 => {
                quote = Some(c);
                cur.push(c);
            }
            c if c.is_whitespace() && jinja == 0 => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if let Some(q) = quote {
        return Err(format!(
            "unbalanced quote `{q}` in `{s}`; expected a closing `{q}`"
        ));
    }
    if jinja > 0 {
        return Err(format!(
            "unbalanced template block in `{s}`; expected a closing `}}}}`"
        ));
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    Ok(words)
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
