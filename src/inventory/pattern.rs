//! Host patterns as Ansible evaluates them: `all`, names, globs, `~regex`, unions (`a:b`,
//! `a,b`), intersections (`&b`), exclusions (`!b`) and subscripts (`g[0]`, `g[1:3]`, `g[-1]`).

use std::collections::HashSet;

use regex::Regex;

use super::{Inventory, LOCALHOST_NAMES};
use crate::error::{Error, Result};

pub fn select(inv: &Inventory, pattern: &str) -> Result<Vec<String>> {
    let terms = split_terms(pattern);
    let mut hosts: Vec<String> = Vec::new();
    // The same hosts as a set, so that large inventories are not searched once per host.
    let mut seen: HashSet<String> = HashSet::new();
    for term in order_terms(&terms) {
        if let Some(t) = term.strip_prefix('!') {
            let that: HashSet<String> = match_term(inv, t)?.into_iter().collect();
            hosts.retain(|h| !that.contains(h));
            seen.retain(|h| !that.contains(h));
        } else if let Some(t) = term.strip_prefix('&') {
            let that: HashSet<String> = match_term(inv, t)?.into_iter().collect();
            hosts.retain(|h| that.contains(h));
            seen.retain(|h| that.contains(h));
        } else {
            // A term naming a host is that host, even when a group has the same name.
            let that = if inv.hosts.contains_key(term) {
                vec![term.to_string()]
            } else {
                match_term(inv, term)?
            };
            for h in that {
                if seen.insert(h.clone()) {
                    hosts.push(h);
                }
            }
        }
    }
    Ok(hosts)
}

/// Splits on commas if there are any, else on colons outside `[...]`; an IPv6 address or a
/// `name:port` stays whole, as Ansible does.
pub fn split_terms(pattern: &str) -> Vec<String> {
    let parts: Vec<String> = if pattern.contains(',') {
        pattern.split(',').map(String::from).collect()
    } else if is_single_address(pattern) {
        vec![pattern.to_string()]
    } else {
        let mut parts = Vec::new();
        let mut cur = String::new();
        let mut depth = 0usize;
        for c in pattern.chars() {
            match c {
                '[' => depth += 1,
                ']' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth == 0 && (c == ':' || c.is_whitespace()) {
                parts.push(std::mem::take(&mut cur));
            } else {
                cur.push(c);
            }
        }
        parts.push(cur);
        parts
    };
    parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

fn is_single_address(p: &str) -> bool {
    let bare = p
        .strip_prefix('[')
        .and_then(|r| r.split(']').next())
        .unwrap_or(p);
    if bare.parse::<std::net::Ipv6Addr>().is_ok() {
        return true;
    }
    match p.rsplit_once(':') {
        Some((name, port)) => {
            !name.is_empty()
                && !name.contains(':')
                && !name.starts_with(['!', '&', '~'])
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// Plain terms first, then intersections, then exclusions; only `&`/`!` terms mean `all` first.
fn order_terms(terms: &[String]) -> Vec<&str> {
    let plain: Vec<&str> = terms
        .iter()
        .map(String::as_str)
        .filter(|t| !t.starts_with(['!', '&']))
        .collect();
    let and = terms
        .iter()
        .map(String::as_str)
        .filter(|t| t.starts_with('&'));
    let not = terms
        .iter()
        .map(String::as_str)
        .filter(|t| t.starts_with('!'));
    let mut out = if plain.is_empty() { vec!["all"] } else { plain };
    out.extend(and);
    out.extend(not);
    out
}

/// One term without its operator: its matches, then its subscript applied.
fn match_term(inv: &Inventory, term: &str) -> Result<Vec<String>> {
    let (expr, sub) = split_subscript(term);
    let hosts = enumerate(inv, expr)?;
    Ok(match sub {
        None => hosts,
        Some(s) => s.apply(hosts),
    })
}

#[derive(Debug, PartialEq)]
enum Subscript {
    Index(i64),
    /// Inclusive bounds; `None` end means to the last host.
    Range(usize, Option<usize>),
}

impl Subscript {
    fn apply(&self, hosts: Vec<String>) -> Vec<String> {
        let n = hosts.len() as i64;
        match *self {
            Subscript::Index(i) => {
                let i = if i < 0 { n + i } else { i };
                if i < 0 || i >= n {
                    Vec::new()
                } else {
                    vec![hosts[i as usize].clone()]
                }
            }
            Subscript::Range(start, end) => {
                let end = end.unwrap_or(usize::MAX).min(hosts.len().saturating_sub(1));
                if hosts.is_empty() || start > end {
                    Vec::new()
                } else {
                    hosts[start..=end].to_vec()
                }
            }
        }
    }
}

/// `expr[i]`, `expr[-i]`, `expr[a:b]` and `expr[a:]`; anything else is no subscript.
fn split_subscript(term: &str) -> (&str, Option<Subscript>) {
    // Brackets in a regex are character classes, never subscripts.
    if term.starts_with('~') {
        return (term, None);
    }
    let Some(body) = term.strip_suffix(']') else {
        return (term, None);
    };
    let Some(open) = body.rfind('[') else {
        return (term, None);
    };
    let (expr, inner) = (&body[..open], &body[open + 1..]);
    if expr.is_empty() {
        return (term, None);
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(rest) = inner
        .strip_prefix('-')
        .filter(|r| digits(r))
        .or(Some(inner).filter(|s| digits(s)))
    {
        let n: i64 = rest.parse().unwrap_or(0);
        let n = if inner.starts_with('-') { -n } else { n };
        return (expr, Some(Subscript::Index(n)));
    }
    if let Some((a, b)) = inner.split_once(':')
        && digits(a)
        && (b.is_empty() || digits(b))
    {
        let a: usize = a.parse().unwrap_or(usize::MAX);
        let b = if b.is_empty() { None } else { b.parse().ok() };
        // Ansible reads `[a:0]` as the single host `a`.
        let sub = match b {
            Some(0) => Subscript::Index(a as i64),
            _ => Subscript::Range(a, b),
        };
        return (expr, Some(sub));
    }
    (term, None)
}

/// Groups matching the expression (their hosts), then hosts matching it when no group did or
/// the expression is a glob or regex; an unknown localhost name is the implicit localhost.
fn enumerate(inv: &Inventory, expr: &str) -> Result<Vec<String>> {
    let re = compile(expr)?;
    let mut out: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut push = |h: String, out: &mut Vec<String>| {
        if seen.insert(h.clone()) {
            out.push(h);
        }
    };
    let groups: Vec<&String> = inv.groups.keys().filter(|g| re.is_match(g)).collect();
    for g in &groups {
        for h in inv.group_hosts(g) {
            push(h, &mut out);
        }
    }
    let special = expr.starts_with('~') || expr.contains(['.', '?', '*', '[']);
    if groups.is_empty() || special {
        for h in inv.hosts.keys().filter(|h| re.is_match(h)) {
            push(h.clone(), &mut out);
        }
    }
    if out.is_empty() && LOCALHOST_NAMES.contains(&expr) {
        out.push(expr.to_string());
    }
    Ok(out)
}

/// A glob becomes an anchored regex (`*` crosses dots); `~re` matches from the start of a name.
fn compile(expr: &str) -> Result<Regex> {
    let src = match expr.strip_prefix('~') {
        Some(re) => format!("^(?:{re})"),
        None => format!("^{}$", glob_to_regex(expr)),
    };
    Regex::new(&src).map_err(|e| {
        Error::msg(format!(
            "host pattern `{expr}` is not a valid regular expression: {e}"
        ))
    })
}

fn glob_to_regex(glob: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = glob.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '[' => match chars[i + 1..].iter().position(|&c| c == ']') {
                // `[]` never closes at the first `]` in fnmatch; keep it simple: need one char.
                Some(rel) if rel > 0 => {
                    let body: String = chars[i + 1..i + 1 + rel].iter().collect();
                    let (neg, body) = match body.strip_prefix('!') {
                        Some(b) => (true, b.to_string()),
                        None => (false, body),
                    };
                    out.push('[');
                    if neg {
                        out.push('^');
                    }
                    out.push_str(&body.replace('\\', "\\\\").replace('[', "\\["));
                    out.push(']');
                    i += rel + 1;
                }
                _ => out.push_str("\\["),
            },
            c => out.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting_respects_brackets_commas_and_addresses() {
        assert_eq!(split_terms("a:b:&c:!d"), ["a", "b", "&c", "!d"]);
        assert_eq!(split_terms("a, b ,"), ["a", "b"]);
        assert_eq!(split_terms("web[1:3]:db"), ["web[1:3]", "db"]);
        assert_eq!(split_terms("fe80::1"), ["fe80::1"]);
        assert_eq!(split_terms("h1:2222"), ["h1:2222"]);
    }

    #[test]
    fn subscripts_parse_like_ansible() {
        assert_eq!(split_subscript("g[0]"), ("g", Some(Subscript::Index(0))));
        assert_eq!(split_subscript("g[-1]"), ("g", Some(Subscript::Index(-1))));
        assert_eq!(
            split_subscript("g[1:3]"),
            ("g", Some(Subscript::Range(1, Some(3))))
        );
        assert_eq!(
            split_subscript("g[2:]"),
            ("g", Some(Subscript::Range(2, None)))
        );
        assert_eq!(split_subscript("w[a-c]"), ("w[a-c]", None));
        assert_eq!(split_subscript("~w[12]"), ("~w[12]", None));
    }

    #[test]
    fn globs_translate_like_fnmatch() {
        let m = |g: &str, s: &str| {
            Regex::new(&format!("^{}$", glob_to_regex(g)))
                .unwrap()
                .is_match(s)
        };
        assert!(m("*.example.com", "a.b.example.com"));
        assert!(!m("*.example.com", "example.com"));
        assert!(m("web?", "web1"));
        assert!(m("web[12]", "web2"));
        assert!(!m("web[!12]", "web2"));
        assert!(m("a+b", "a+b"));
        assert!(!m("a.b", "axb"));
    }
}
