//! Ansible's `split_args` and `join_args` for the free-form text of `command`, `shell`,
//! `raw` and `script`: the words the options are taken from, and the command as Ansible
//! rebuilds it from the rest (newlines and runs of spaces kept, a ` \` line continuation
//! joined, the final newline of a `|` block kept), which is what runs and what `cmd` shows.

/// The words of `args`, reassembled across quotes and Jinja blocks as `split_args` does; an
/// error for an unbalanced quote or block.
pub fn split_args(args: &str) -> Result<Vec<String>, String> {
    let mut params: Vec<String> = Vec::new();
    if args.is_empty() {
        return Ok(params);
    }
    let items: Vec<&str> = args.split('\n').collect();
    let mut quote: Option<char> = None;
    let (mut print, mut block, mut comment) = (0i64, 0i64, 0i64);
    for (itemidx, item) in items.iter().enumerate() {
        let mut continuation = false;
        for (idx, token) in item.split(' ').enumerate() {
            if token.is_empty() && idx != 0 {
                if params.is_empty() {
                    params.push(String::new());
                }
                params.last_mut().expect("pushed").push(' ');
                continue;
            }
            if token == "\\" && quote.is_none() {
                continuation = true;
                continue;
            }
            let was_inside = quote.is_some();
            quote = quote_state(token, quote);
            let inside = quote.is_some();
            let mut appended = false;
            let in_jinja = print != 0 || block != 0 || comment != 0;
            if inside && !was_inside && !in_jinja {
                params.push(token.to_string());
                appended = true;
            } else if in_jinja || inside || was_inside {
                let last = match params.last_mut() {
                    Some(l) => l,
                    None => {
                        params.push(String::new());
                        params.last_mut().expect("pushed")
                    }
                };
                if !(idx == 0 && was_inside) && idx > 0 {
                    last.push(' ');
                }
                last.push_str(token);
                appended = true;
            }
            for (depth, open, close) in [
                (&mut print, "{{", "}}"),
                (&mut block, "{%", "%}"),
                (&mut comment, "{#", "#}"),
            ] {
                let before = *depth;
                *depth = blocks(token, *depth, open, close)?;
                if *depth != before && !appended {
                    params.push(token.to_string());
                    appended = true;
                }
            }
            let in_jinja = print != 0 || block != 0 || comment != 0;
            if !in_jinja && quote.is_none() && !appended && !token.is_empty() {
                params.push(token.to_string());
            }
        }
        if items.len() > 1 && itemidx != items.len() - 1 && !continuation {
            if params.is_empty() {
                params.push(String::new());
            }
            params.last_mut().expect("pushed").push('\n');
        }
    }
    if print != 0 || block != 0 || comment != 0 || quote.is_some() {
        return Err(format!(
            "failed at splitting arguments, either an unbalanced jinja2 block or quotes: {args}"
        ));
    }
    Ok(params)
}

/// The words joined back as `join_args` does: a space between them, none after a newline.
pub fn join_args(words: &[String]) -> String {
    let mut out = String::new();
    for w in words {
        if !(out.is_empty() || out.ends_with('\n')) {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// The quote still open after `token`, as `_get_quote_state` tracks it.
fn quote_state(token: &str, mut quote: Option<char>) -> Option<char> {
    let mut prev: Option<char> = None;
    for c in token.chars() {
        if (c == '"' || c == '\'') && prev != Some('\\') {
            match quote {
                Some(q) if q == c => quote = None,
                Some(_) => {}
                None => quote = Some(c),
            }
        }
        prev = Some(c);
    }
    quote
}

fn blocks(token: &str, depth: i64, open: &str, close: &str) -> Result<i64, String> {
    let (o, c) = (
        token.matches(open).count() as i64,
        token.matches(close).count() as i64,
    );
    let depth = depth + o - c;
    if depth < 0 {
        return Err(format!("invalid templating: `{close}` without `{open}`"));
    }
    Ok(depth)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The raw command Ansible's parse_kv(check_raw=True) leaves, for texts without options.
    fn raw(s: &str) -> String {
        join_args(&split_args(s).unwrap())
    }

    #[test]
    fn rebuilds_the_command_as_ansible_does() {
        // Outputs recorded from ansible-core 2.19's parse_kv.
        assert_eq!(
            raw(
                "echo this is a \\\n\"multiline echo\" \\\n\"with a new line\nin quotes\" \\\n| python -c x\necho \"second\"\n"
            ),
            "echo this is a \"multiline echo\" \"with a new line\nin quotes\" | python -c x\necho \"second\"\n"
        );
        assert_eq!(
            raw("cat <<EOF\nOne\n  Two\n    Three\nEOF\n"),
            "cat <<EOF\nOne\n  Two\n    Three\nEOF\n"
        );
        assert_eq!(raw("echo a  b\n"), "echo a  b\n");
        assert_eq!(raw("echo a\\b \\\nc"), "echo a\\b c");
        assert_eq!(raw("echo {{ a  }} 'x  y'"), "echo {{ a  }} 'x  y'");
        assert!(split_args("echo 'open").is_err());
    }
}
