//! Translates Python regular expressions (what Ansible users write) into POSIX EREs (what awk,
//! grep -E and sed -E on a target speak), refusing constructs that have no POSIX meaning.

/// The characters that are operators in an ERE outside a bracket expression.
const ERE_SPECIAL: &str = ".[]()*+?{}|^$\\";

/// Python regex -> ERE. `numbered_groups` refuses `(?:...)`, whose translation would shift the
/// numbers of later groups (needed when `backrefs` refers to groups by number).
pub fn to_ere(re: &str, numbered_groups: bool) -> Result<String, String> {
    let refuse = |what: &str| {
        Err(format!(
            "regular expression `{re}` uses {what}, which POSIX regular expressions on the target cannot express"
        ))
    };
    let chars: Vec<char> = re.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        if c.is_control() && c != '\t' {
            return refuse("a control character");
        }
        if c == '\\' {
            let Some(&n) = chars.get(i + 1) else {
                return Err(format!(
                    "regular expression `{re}` ends with a lone backslash"
                ));
            };
            i += 2;
            let piece = match (n, in_class) {
                ('d', false) => "[0-9]".to_string(),
                ('d', true) => "0-9".to_string(),
                ('D', false) => "[^0-9]".to_string(),
                ('s', false) => "[[:space:]]".to_string(),
                ('s', true) => "[:space:]".to_string(),
                ('S', false) => "[^[:space:]]".to_string(),
                ('w', false) => "[[:alnum:]_]".to_string(),
                ('w', true) => "[:alnum:]_".to_string(),
                ('W', false) => "[^[:alnum:]_]".to_string(),
                ('D' | 'S' | 'W', true) => return refuse("a negated class escape inside `[...]`"),
                ('b' | 'B', _) if !in_class => return refuse("a word boundary (`\\b`, `\\B`)"),
                ('A', false) => "^".to_string(),
                ('Z' | 'z', false) => "$".to_string(),
                ('t', _) => "\t".to_string(),
                ('r', _) => "\r".to_string(),
                (d, _) if d.is_ascii_digit() => {
                    return refuse("a backreference inside the pattern");
                }
                (a, _) if a.is_alphanumeric() => return refuse(&format!("the escape `\\{a}`")),
                (p, false) if ERE_SPECIAL.contains(p) => format!("\\{p}"),
                (p, false) => p.to_string(),
                (p, true) if matches!(p, '\\' | ']' | '[' | '^' | '-') => format!("\\{p}"),
                (p, true) => p.to_string(),
            };
            out.push_str(&piece);
            continue;
        }
        if in_class {
            if c == ']' && !out.ends_with('[') && !out.ends_with("[^") {
                in_class = false;
            }
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push('[');
                i += 1;
                // A leading `]` (after an optional `^`) is a literal member in both dialects.
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    out.push(']');
                    i += 1;
                }
                continue;
            }
            '(' if chars.get(i + 1) == Some(&'?') => {
                let rest: String = chars[i + 2..].iter().take(3).collect();
                if rest.starts_with(':') {
                    if numbered_groups {
                        return refuse("a non-capturing group `(?:` together with `backrefs`");
                    }
                    out.push('(');
                    i += 3;
                } else if let Some(close) = rest
                    .strip_prefix("P<")
                    .and(chars[i + 4..].iter().position(|&c| c == '>'))
                {
                    out.push('(');
                    i += 4 + close + 1;
                } else if rest.starts_with('=')
                    || rest.starts_with('!')
                    || rest.starts_with("<=")
                    || rest.starts_with("<!")
                {
                    return refuse("a lookaround assertion");
                } else {
                    return refuse("an inline flag or extension group `(?...)`");
                }
                continue;
            }
            '*' | '+' | '?' | '}' if matches!(chars.get(i + 1), Some('?') | Some('+')) => {
                return refuse("a non-greedy or possessive quantifier");
            }
            _ => out.push(c),
        }
        i += 1;
    }
    if in_class {
        return Err(format!("regular expression `{re}` has an unterminated `[`"));
    }
    Ok(out)
}

/// As `to_ere`, for a pattern whose match is replaced or whose groups are used (`replace`,
/// `lineinfile` with `backrefs`). There an alternation is refused too: POSIX takes the
/// longest alternative, Python the first that matches (`a|ab` on `ab`: `ab` against `a`), so
/// the replaced text would differ.
pub fn to_ere_for_substitution(re: &str, numbered_groups: bool) -> Result<String, String> {
    let ere = to_ere(re, numbered_groups)?;
    let chars: Vec<char> = re.chars().collect();
    let (mut i, mut in_class) = (0, false);
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' if !in_class => {
                in_class = true;
                // A `]` right after `[` or `[^` is a member, not the end.
                if chars.get(i + 1) == Some(&'^') {
                    i += 1;
                }
                if chars.get(i + 1) == Some(&']') {
                    i += 1;
                }
            }
            ']' if in_class => in_class = false,
            '|' if !in_class => {
                return Err(format!(
                    "regular expression `{re}` uses an alternation `|` in a replacement, where \
                     POSIX regular expressions on the target pick another alternative than Python"
                ));
            }
            _ => {}
        }
        i += 1;
    }
    Ok(ere)
}

/// Python `Match.expand` template (`\1`, `\g<1>`) -> a sed replacement (`\1`, `&` escaped).
pub fn to_sed_replacement(template: &str) -> Result<String, String> {
    let chars: Vec<char> = template.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let n = chars.get(i + 1).copied().unwrap_or('\\');
                i += 2;
                match n {
                    d if d.is_ascii_digit() && d != '0' => {
                        out.push('\\');
                        out.push(d);
                    }
                    'g' if chars.get(i) == Some(&'<') => {
                        let end = chars[i..]
                            .iter()
                            .position(|&c| c == '>')
                            .ok_or_else(|| format!("unterminated `\\g<` in `{template}`"))?;
                        let name: String = chars[i + 1..i + end].iter().collect();
                        match name.parse::<u8>() {
                            Ok(n @ 1..=9) => out.push_str(&format!("\\{n}")),
                            _ => {
                                return Err(format!(
                                    "group reference `\\g<{name}>` in `{template}` is not supported; expected a group number 1-9"
                                ));
                            }
                        }
                        i += end + 1;
                    }
                    't' => out.push('\t'),
                    '\\' => out.push_str("\\\\"),
                    'n' => return Err(format!("`line` `{template}` would contain a newline")),
                    other => {
                        out.push_str("\\\\");
                        if other == '&' {
                            out.push('\\');
                        }
                        out.push(other);
                    }
                }
            }
            '&' => {
                out.push_str("\\&");
                i += 1;
            }
            '\n' => return Err(format!("`line` `{template}` contains a newline")),
            c if c.is_control() && c != '\t' => {
                return Err(format!("`line` `{template}` contains a control character"));
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternation_is_refused_only_where_the_match_is_replaced() {
        assert!(to_ere("a|ab", false).is_ok());
        let e = to_ere_for_substitution("(a|ab)c", false).unwrap_err();
        assert!(e.contains("alternation"), "{e}");
        assert_eq!(
            to_ere_for_substitution(r"[|]x\|y", false).unwrap(),
            r"[|]x\|y"
        );
    }

    #[test]
    fn common_python_escapes_become_posix_classes() {
        assert_eq!(
            to_ere(r"^\s*port\s*=\s*\d+", false).unwrap(),
            "^[[:space:]]*port[[:space:]]*=[[:space:]]*[0-9]+"
        );
        assert_eq!(
            to_ere(r"[\w.-]+\.conf$", false).unwrap(),
            r"[[:alnum:]_.-]+\.conf$"
        );
        assert_eq!(
            to_ere(r"^(?P<k>\w+)=(?:a|b)", false).unwrap(),
            "^([[:alnum:]_]+)=(a|b)"
        );
        assert_eq!(to_ere(r"a\/b\-c", false).unwrap(), "a/b-c");
    }

    #[test]
    fn untranslatable_constructs_are_refused_clearly() {
        for re in [
            r"foo(?=bar)",
            r"(?<!x)y",
            r"a.*?b",
            r"\bword\b",
            r"(?i)abc",
            r"(a)\1",
        ] {
            let e = to_ere(re, false).unwrap_err();
            assert!(e.contains("cannot express"), "{re}: {e}");
        }
        assert!(to_ere("(?:a)(b)", true).is_err());
    }

    #[test]
    fn translated_patterns_behave_the_same_in_grep() {
        let cases = [
            (r"^\s*Listen\s+\d+$", "  Listen 80", true),
            (r"^\s*Listen\s+\d+$", "Listen eighty", false),
            (r"^#?\s*PermitRootLogin", "#PermitRootLogin yes", true),
        ];
        for (re, text, expect) in cases {
            let ere = to_ere(re, false).unwrap();
            let st = std::process::Command::new("grep")
                .args(["-qE", "--", &ere])
                .stdin(std::process::Stdio::piped())
                .spawn()
                .and_then(|mut c| {
                    use std::io::Write;
                    c.stdin
                        .take()
                        .unwrap()
                        .write_all(format!("{text}\n").as_bytes())?;
                    c.wait()
                })
                .unwrap();
            assert_eq!(st.success(), expect, "{re} on {text}");
        }
    }

    #[test]
    fn sed_replacement_maps_group_references() {
        assert_eq!(
            to_sed_replacement(r"port=\1 & \g<2>").unwrap(),
            r"port=\1 \& \2"
        );
        assert!(to_sed_replacement(r"\g<name>").is_err());
    }
}
