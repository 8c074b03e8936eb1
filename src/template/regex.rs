//! Regular-expression filters and tests (`regex_replace`, `regex_search`, `regex_findall`,
//! `match`, `search`, `regex`) with Python `re` conventions translated to the regex crate.

use minijinja::value::Kwargs;
use minijinja::{Environment, Error, Value};
use regex::{Regex, RegexBuilder};

use super::env::filter;
use super::filters::{invalid, to_string};

pub fn register(env: &mut Environment<'static>) {
    filter(env, "regex_replace", regex_replace);
    filter(env, "regex_search", regex_search);
    filter(env, "regex_findall", regex_findall);
    filter(env, "regex_escape", |s: &str| regex::escape(s));
    env.add_test("match", |v: &Value, p: &str, kw: Kwargs| {
        test(v, p, kw, Anchor::Start)
    });
    env.add_test("search", |v: &Value, p: &str, kw: Kwargs| {
        test(v, p, kw, Anchor::None)
    });
    env.add_test("regex", regex_test);
}

fn compile(pattern: &str, kwargs: &Kwargs) -> Result<Regex, Error> {
    let ignorecase: Option<bool> = kwargs.get("ignorecase")?;
    let multiline: Option<bool> = kwargs.get("multiline")?;
    RegexBuilder::new(pattern)
        .case_insensitive(ignorecase.unwrap_or(false))
        .multi_line(multiline.unwrap_or(false))
        .build()
        .map_err(|e| invalid(format!("invalid regular expression `{pattern}`: {e}")))
}

/// Python replacement syntax (`\1`, `\g<1>`, `\g<name>`) to the regex crate's (`${1}`).
fn replacement(repl: &str) -> String {
    let mut out = String::new();
    let mut chars = repl.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    let mut num = String::new();
                    while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                        num.push(d);
                        chars.next();
                    }
                    out.push_str(&format!("${{{num}}}"));
                }
                Some('g') => {
                    chars.next();
                    if chars.peek() == Some(&'<') {
                        chars.next();
                        let name: String = chars.by_ref().take_while(|c| *c != '>').collect();
                        out.push_str(&format!("${{{name}}}"));
                    } else {
                        out.push_str("\\g");
                    }
                }
                Some('n') => {
                    chars.next();
                    out.push('\n');
                }
                Some('t') => {
                    chars.next();
                    out.push('\t');
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                _ => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

fn regex_replace(
    v: &Value,
    pattern: &str,
    repl: Option<&str>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let count: Option<usize> = kwargs.get("count")?;
    let mandatory: Option<usize> = kwargs.get("mandatory_count")?;
    let re = compile(pattern, &kwargs)?;
    kwargs.assert_all_used()?;
    let text = to_string(v)?;
    let repl = replacement(repl.unwrap_or(""));
    let count = count.unwrap_or(0);
    let out = re.replacen(&text, count, repl.as_str()).into_owned();
    if let Some(want) = mandatory.filter(|n| *n > 0) {
        let matches = re.find_iter(&text).count();
        let made = if count == 0 {
            matches
        } else {
            matches.min(count)
        };
        if made != want {
            // Ansible's message names `count` (the argument) where it means the matches:
            // kept as it is, as tests match it.
            return Err(invalid(format!(
                "'{pattern}' should match {want} times, but matches {count} times in '{text}'"
            )));
        }
    }
    Ok(out)
}

/// The match (or the requested groups, given as `'\\1'` or `'\\g<name>'`), or None.
fn regex_search(
    v: &Value,
    pattern: &str,
    groups: &[Value],
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let re = compile(pattern, &kwargs)?;
    kwargs.assert_all_used()?;
    let text = to_string(v)?;
    let Some(caps) = re.captures(&text) else {
        return Ok(Value::from(()));
    };
    if groups.is_empty() {
        return Ok(Value::from(&caps[0]));
    }
    let mut out = Vec::new();
    for g in groups {
        let spec = g.as_str().unwrap_or_default();
        let m = if let Some(n) = spec
            .strip_prefix('\\')
            .and_then(|n| n.parse::<usize>().ok())
        {
            caps.get(n)
        } else if let Some(name) = spec.strip_prefix("\\g<").and_then(|n| n.strip_suffix('>')) {
            caps.name(name)
        } else {
            return Err(invalid(format!(
                "regex_search: unknown group `{spec}`, expected '\\\\N' or '\\\\g<name>'"
            )));
        };
        out.push(m.map_or(Value::from(()), |m| Value::from(m.as_str())));
    }
    Ok(Value::from(out))
}

/// Python's `re.findall`: whole matches, the one group, or lists of all groups.
fn regex_findall(v: &Value, pattern: &str, kwargs: Kwargs) -> Result<Value, Error> {
    let re = compile(pattern, &kwargs)?;
    kwargs.assert_all_used()?;
    let text = to_string(v)?;
    let group = |m: Option<regex::Match>| Value::from(m.map_or("", |m| m.as_str()));
    let items: Vec<Value> = re
        .captures_iter(&text)
        .map(|caps| match caps.len() {
            1 => group(caps.get(0)),
            2 => group(caps.get(1)),
            n => Value::from((1..n).map(|i| group(caps.get(i))).collect::<Vec<_>>()),
        })
        .collect();
    Ok(Value::from(items))
}

enum Anchor {
    Start,
    None,
}

fn test(v: &Value, pattern: &str, kwargs: Kwargs, anchor: Anchor) -> Result<bool, Error> {
    let anchored = match anchor {
        Anchor::Start => format!("\\A(?:{pattern})"),
        Anchor::None => pattern.to_string(),
    };
    let re = compile(&anchored, &kwargs)?;
    kwargs.assert_all_used()?;
    Ok(re.is_match(&to_string(v)?))
}

fn regex_test(v: &Value, pattern: &str, kwargs: Kwargs) -> Result<bool, Error> {
    let match_type: Option<String> = kwargs.get("match_type")?;
    let anchor = match match_type.as_deref().unwrap_or("search") {
        "match" => Anchor::Start,
        "search" => Anchor::None,
        other => {
            return Err(invalid(format!(
                "regex: unknown match_type `{other}`, expected match or search"
            )));
        }
    };
    test(v, pattern, kwargs, anchor)
}
