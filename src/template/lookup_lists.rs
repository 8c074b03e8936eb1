//! Lookups that shape their terms into lists: `items`, `list`, `dict`, `indexed_items`,
//! `sequence`, `nested`, `together` and `subelements`.

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

/// A term as a list: a list as is, anything else as a list of itself.
fn as_list(t: &Value) -> Result<Vec<Value>, String> {
    if t.kind() == ValueKind::Seq {
        Ok(t.try_iter().map_err(|e| e.to_string())?.collect())
    } else {
        Ok(vec![t.clone()])
    }
}

/// Every combination of one element of each term, in order (`with_nested`).
pub fn nested(call: &mut Call) -> Result<Vec<Value>, String> {
    if call.terms.is_empty() {
        return Err("with_nested requires at least one element in the nested list".into());
    }
    let mut combos: Vec<Vec<Value>> = vec![Vec::new()];
    for t in &call.terms {
        let column = as_list(t)?;
        combos = combos
            .into_iter()
            .flat_map(|c| {
                column.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push(v.clone());
                    c
                })
            })
            .collect();
    }
    Ok(combos.into_iter().map(Value::from).collect())
}

/// The terms side by side, shorter ones padded with `None` (`with_together`).
pub fn together(call: &mut Call) -> Result<Vec<Value>, String> {
    if call.terms.is_empty() {
        return Err("with_together requires at least one element in each list".into());
    }
    let columns = call
        .terms
        .iter()
        .map(as_list)
        .collect::<Result<Vec<_>, _>>()?;
    let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
    Ok((0..rows)
        .map(|i| {
            Value::from(
                columns
                    .iter()
                    .map(|c| c.get(i).cloned().unwrap_or(Value::from(())))
                    .collect::<Vec<_>>(),
            )
        })
        .collect())
}

/// `[item, element]` for each element of each item's list under the key path
/// (`with_subelements: [users, groups]`, or `[users, a.b, {skip_missing: true}]`), with
/// Ansible's checks and messages; the item comes without the list it was split on.
pub fn subelements(call: &mut Call) -> Result<Vec<Value>, String> {
    use super::convert::py_repr;
    let terms_error =
        |msg: &str| format!("subelements lookup expects a list of two or three items, {msg}");
    let (items, path, flags) = match call.terms.as_slice() {
        [items, path] => (items, path, None),
        [items, path, flags] => (items, path, Some(flags)),
        _ => return Err(terms_error("")),
    };
    let (true, Some(path)) = (
        matches!(items.kind(), ValueKind::Seq | ValueKind::Map),
        path.as_str(),
    ) else {
        return Err(terms_error(
            "first a dict or a list, second a string pointing to the subkey",
        ));
    };
    let skip_missing = match flags {
        None => false,
        Some(f) if f.kind() == ValueKind::Map => match f.get_attr("skip_missing") {
            Ok(v) if !v.is_undefined() => v.is_true() || v.as_str() == Some("yes"),
            _ => false,
        },
        Some(_) => {
            return Err(terms_error(
                "the optional third item must be a dict with flags ('skip_missing',)",
            ));
        }
    };
    let is_skipped = |v: &Value| {
        v.get_attr("skipped")
            .is_ok_and(|s| !s.is_undefined() && s != Value::from(false))
    };
    let items: Vec<Value> = match items.kind() {
        ValueKind::Map if is_skipped(items) => return Ok(Vec::new()),
        ValueKind::Map => items
            .try_iter()
            .map_err(|e| e.to_string())?
            .map(|k| items.get_item(&k).unwrap_or_default())
            .collect(),
        _ => items.try_iter().map_err(|e| e.to_string())?.collect(),
    };
    let keys: Vec<&str> = path.split('.').collect();
    let mut out = Vec::new();
    'items: for item in items {
        if item.kind() != ValueKind::Map {
            return Err(format!(
                "subelements lookup expects a dictionary, got '{}'",
                py_repr(&item)
            ));
        }
        if is_skipped(&item) {
            continue;
        }
        let mut cur = item.clone();
        for (i, key) in keys.iter().enumerate() {
            let last = i + 1 == keys.len();
            let next = match cur.get_attr(key) {
                Ok(v) if !v.is_undefined() => v,
                _ if skip_missing => continue 'items,
                _ => {
                    return Err(format!(
                        "could not find '{key}' key in iterated item '{}'",
                        py_repr(&cur)
                    ));
                }
            };
            match (last, next.kind()) {
                (false, ValueKind::Map) | (true, ValueKind::Seq) => cur = next,
                (false, _) if skip_missing => continue 'items,
                (false, _) => {
                    return Err(format!(
                        "the key {key} should point to a dictionary, got '{}'",
                        py_repr(&next)
                    ));
                }
                (true, _) => {
                    return Err(format!(
                        "the key {key} should point to a list, got '{}'",
                        py_repr(&next)
                    ));
                }
            }
        }
        let parent = without(&item, path)?;
        for element in cur.try_iter().map_err(|e| e.to_string())? {
            out.push(Value::from(vec![parent.clone(), element]));
        }
    }
    Ok(out)
}

/// `item` without the key at the end of the dotted `path`.
fn without(item: &Value, path: &str) -> Result<Value, String> {
    let mut json = super::convert::from_jinja(item)?;
    let mut cur = &mut json;
    let mut keys = path.split('.').peekable();
    while let Some(key) = keys.next() {
        let Some(map) = cur.as_object_mut() else {
            break;
        };
        if keys.peek().is_none() {
            map.shift_remove(key);
            break;
        }
        match map.get_mut(key) {
            Some(next) => cur = next,
            None => break,
        }
    }
    Ok(super::convert::to_jinja(&json))
}
