//! Lookups that shape their terms into lists: `items`, `list`, `dict`, `indexed_items` and
//! `sequence`.

use minijinja::Value;
use minijinja::value::ValueKind;

use super::lookups::{Call, parse_int, split_kv};

/// The terms with list terms flattened one level.
fn flat(call: &Call) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for t in &call.terms {
        if t.kind() == ValueKind::Seq {
            out.extend(t.try_iter().map_err(|e| e.to_string())?);
        } else {
            out.push(t.clone());
        }
    }
    Ok(out)
}

pub fn items(call: &mut Call) -> Result<Vec<Value>, String> {
    flat(call)
}

pub fn list(call: &mut Call) -> Result<Vec<Value>, String> {
    Ok(call.terms.clone())
}

pub fn indexed_items(call: &mut Call) -> Result<Vec<Value>, String> {
    Ok(flat(call)?
        .into_iter()
        .enumerate()
        .map(|(i, v)| Value::from(vec![Value::from(i), v]))
        .collect())
}

/// Each mapping term as `{key, value}` items, in the mapping's order.
pub fn dict(call: &mut Call) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for t in &call.terms {
        if t.kind() != ValueKind::Map {
            return Err(format!("expected a mapping, got `{t}`"));
        }
        for key in t.try_iter().map_err(|e| e.to_string())? {
            let value = t.get_item(&key).map_err(|e| e.to_string())?;
            out.push(Value::from_pairs([("key", key), ("value", value)]));
        }
    }
    Ok(out)
}

/// Numbers from `start` to `end` (inclusive) by `stride`, formatted with `format` (printf
/// style): `start=1 end=5 format=host%02d`, `count=3`, or the short form `[start-]end[/stride][:format]`.
pub fn sequence(call: &mut Call) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    let terms = if call.terms.is_empty() {
        vec![String::new()]
    } else {
        call.str_terms()?
    };
    for term in terms {
        let (free, kv) = split_kv(&term)?;
        let text = |k: &str| kv.get(k).cloned().or_else(|| call.opt_str(k));
        let int = |k: &str| -> Result<Option<i64>, String> {
            text(k)
                .map(|s| {
                    parse_int(s.trim())
                        .ok_or_else(|| format!("`{k}` must be an integer, got `{s}`"))
                })
                .transpose()
        };
        let mut start = int("start")?.unwrap_or(1);
        let mut end = int("end")?;
        let count = int("count")?;
        let mut stride = int("stride")?.unwrap_or(1);
        let mut format = text("format").unwrap_or_else(|| "%d".into());
        if let Some(short) = free.first() {
            (start, end, stride, format) = shortcut(short, start, stride, &format)?;
        }
        let end = match (end.take(), count) {
            (Some(_), Some(_)) => return Err("give `count` or `end`, not both".into()),
            (None, None) => return Err("give `count` or `end`".into()),
            (Some(e), None) => e,
            (None, Some(0)) => continue,
            (None, Some(c)) => {
                if stride == 0 {
                    return Err("`stride` must not be 0 with `count`".into());
                }
                start + (c - 1) * stride
            }
        };
        if stride == 0 {
            continue;
        }
        if stride > 0 && end < start {
            return Err(format!(
                "to count backwards from {start} to {end} make `stride` negative"
            ));
        }
        if stride < 0 && end > start {
            return Err(format!(
                "to count forward from {start} to {end} make `stride` positive"
            ));
        }
        let mut i = start;
        while (stride > 0 && i <= end) || (stride < 0 && i >= end) {
            out.push(Value::from(printf(&format, i)?));
            i += stride;
        }
    }
    Ok(out)
}

/// `[start-]end[/stride][:format]`.
fn shortcut(
    s: &str,
    start: i64,
    stride: i64,
    format: &str,
) -> Result<(i64, Option<i64>, i64, String), String> {
    let re = regex::Regex::new(r"^(?:(-?\w+)-)?(-?\w+)(?:/(-?\w+))?(?::(.+))?$")
        .map_err(|e| e.to_string())?;
    let caps = re
        .captures(s)
        .ok_or_else(|| format!("cannot parse `{s}`, expected `[start-]end[/stride][:format]`"))?;
    let num = |m: Option<regex::Match>, what: &str| -> Result<Option<i64>, String> {
        m.map(|m| {
            parse_int(m.as_str())
                .ok_or_else(|| format!("{what} `{}` in `{s}` is not an integer", m.as_str()))
        })
        .transpose()
    };
    Ok((
        num(caps.get(1), "start")?.unwrap_or(start),
        num(caps.get(2), "end")?,
        num(caps.get(3), "stride")?.unwrap_or(stride),
        caps.get(4)
            .map_or(format.to_string(), |m| m.as_str().to_string()),
    ))
}

/// Python's `format % number` for one conversion: flags `-0+ `, a width, and `d i u x X o s`.
pub fn printf(format: &str, n: i64) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    let mut used = false;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek().filter(|f| "-0+ #".contains(**f)) {
            flags.push(f);
            chars.next();
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let conv = chars
            .next()
            .ok_or_else(|| format!("bad format `{format}`"))?;
        if used {
            return Err(format!("format `{format}` has more than one conversion"));
        }
        used = true;
        let digits = match conv {
            'd' | 'i' | 'u' | 's' => n.abs().to_string(),
            'x' => format!("{:x}", n.abs()),
            'X' => format!("{:X}", n.abs()),
            'o' => format!("{:o}", n.abs()),
            other => return Err(format!("unsupported conversion `%{other}` in `{format}`")),
        };
        let sign = if n < 0 {
            "-"
        } else if flags.contains('+') {
            "+"
        } else if flags.contains(' ') {
            " "
        } else {
            ""
        };
        let width: usize = width.parse().unwrap_or(0);
        let len = sign.len() + digits.len();
        let pad = width.saturating_sub(len);
        if flags.contains('-') {
            out.push_str(&format!("{sign}{digits}{}", " ".repeat(pad)));
        } else if flags.contains('0') {
            out.push_str(&format!("{sign}{}{digits}", "0".repeat(pad)));
        } else {
            out.push_str(&format!("{}{sign}{digits}", " ".repeat(pad)));
        }
    }
    if !used {
        return Err(format!("format `{format}` has no conversion such as `%d`"));
    }
    Ok(out)
}
