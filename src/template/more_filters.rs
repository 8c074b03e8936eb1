//! More of Ansible's filters: `password_hash`, `to_uuid`, `urlsplit`, path helpers
//! (`splitext`, `expanduser`, `realpath`, `relpath`), sizes (`human_readable`,
//! `human_to_bytes`) and `subelements`.

use std::path::{Component, Path, PathBuf};

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, Value};
use sha1::Digest;

use super::crypt::{self, Scheme};
use super::env::filter;
use super::filters::{invalid, to_string};

pub fn register(env: &mut Environment<'static>) {
    filter(env, "password_hash", password_hash);
    filter(env, "to_uuid", to_uuid);
    filter(env, "urlsplit", urlsplit);
    filter(env, "splitext", splitext);
    filter(env, "expanduser", |p: &str| expanduser(p));
    filter(env, "realpath", |p: &str| realpath(p));
    filter(env, "relpath", relpath);
    filter(env, "human_readable", human_readable);
    filter(env, "human_to_bytes", human_to_bytes);
    filter(env, "subelements", subelements);
}

/// A filter argument given by position or by name.
fn pick<T>(positional: Option<T>, kwargs: &Kwargs, name: &str) -> Result<Option<T>, Error>
where
    T: for<'a> minijinja::value::ArgType<'a, Output = T>,
{
    match positional {
        Some(v) => Ok(Some(v)),
        None => kwargs.get::<Option<T>>(name),
    }
}

fn password_hash(
    v: &Value,
    hashtype: Option<String>,
    salt: Option<Value>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let salt = match salt {
        Some(s) => Some(s),
        None => kwargs.get::<Option<Value>>("salt")?,
    };
    let rounds: Option<u32> = kwargs.get("rounds")?;
    let _ident: Option<String> = kwargs.get("ident")?;
    let hashtype = match hashtype {
        Some(h) => Some(h),
        None => kwargs.get("hashtype")?,
    };
    kwargs.assert_all_used()?;
    let scheme = match hashtype.as_deref().unwrap_or("sha512") {
        "sha512" | "sha512_crypt" => Scheme::Sha512,
        "sha256" | "sha256_crypt" => Scheme::Sha256,
        other => {
            return Err(invalid(format!(
                "password_hash: unsupported hash type `{other}`, expected sha512 or sha256"
            )));
        }
    };
    let salt = match salt.filter(|s| !s.is_none()) {
        Some(s) => to_string(&s)?,
        None => crypt::random_salt(),
    };
    if !crypt::valid_salt(&salt) {
        return Err(invalid(format!(
            "password_hash: salt `{salt}` may only contain letters, digits, `.` and `/`"
        )));
    }
    Ok(crypt::hash(scheme, to_string(v)?.as_bytes(), &salt, rounds))
}

/// A name-based (version 5) UUID in Ansible's namespace, or in the one given.
fn to_uuid(v: &Value, namespace: Option<Value>, kwargs: Kwargs) -> Result<String, Error> {
    let namespace = pick(namespace, &kwargs, "namespace")?;
    kwargs.assert_all_used()?;
    let ns = match namespace {
        Some(n) => n
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| n.to_string()),
        None => "361E6D51-FAEC-444A-9079-341386DA8E2E".into(),
    };
    let hex: String = ns.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(invalid(format!(
            "Invalid value '{ns}' for 'namespace': badly formed hexadecimal UUID string"
        )));
    }
    let mut data: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect();
    data.extend_from_slice(to_string(v)?.as_bytes());
    let mut b: Vec<u8> = sha1::Sha1::digest(&data)[..16].to_vec();
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}

/// Python's `urlsplit` as a mapping, or one of its parts.
fn urlsplit(url: &str, query: Option<String>) -> Result<Value, Error> {
    let mut rest = url;
    let mut scheme = "";
    if let Some(i) = rest.find(':') {
        let s = &rest[..i];
        if !s.is_empty()
            && s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            scheme = s;
            rest = &rest[i + 1..];
        }
    }
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query_part) = rest.split_once('?').unwrap_or((rest, ""));
    let (netloc, path) = match rest.strip_prefix("//") {
        Some(r) => r.split_at(r.find('/').unwrap_or(r.len())),
        None => ("", rest),
    };
    let (userinfo, hostport) = match netloc.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, netloc),
    };
    let (username, password) = match userinfo {
        Some(u) => match u.split_once(':') {
            Some((n, p)) => (Value::from(n), Value::from(p)),
            None => (Value::from(u), Value::from(())),
        },
        None => (Value::from(()), Value::from(())),
    };
    let (host, port) = if let Some(h) = hostport.strip_prefix('[') {
        let (h, after) = h.split_once(']').unwrap_or((h, ""));
        (h, after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = match port.filter(|p| !p.is_empty()) {
        None => Value::from(()),
        Some(p) => Value::from(p.parse::<u16>().map_err(|_| {
            invalid(format!(
                "urlsplit: port `{p}` in `{url}` is not a number in 0..65535"
            ))
        })?),
    };
    let hostname = if host.is_empty() {
        Value::from(())
    } else {
        Value::from(host.to_lowercase())
    };
    let parts: Vec<(&str, Value)> = vec![
        ("fragment", Value::from(fragment)),
        ("hostname", hostname),
        ("netloc", Value::from(netloc)),
        ("password", password),
        ("path", Value::from(path)),
        ("port", port),
        ("query", Value::from(query_part)),
        ("scheme", Value::from(scheme.to_lowercase())),
        ("username", username),
    ];
    match query.filter(|q| !q.is_empty()) {
        None => Ok(Value::from_pairs(parts)),
        Some(q) => parts
            .into_iter()
            .find(|(k, _)| *k == q)
            .map(|(_, v)| v)
            .ok_or_else(|| {
                invalid(format!(
                    "urlsplit: unknown URL component `{q}`, expected fragment, hostname, netloc, password, path, port, query, scheme or username"
                ))
            }),
    }
}

/// Python's `os.path.splitext`: `[root, ext]`, leading dots of the name are not an extension.
fn splitext(path: &str) -> Vec<String> {
    let name_start = path.rfind('/').map_or(0, |i| i + 1);
    let name = &path[name_start..];
    let dots = name.len() - name.trim_start_matches('.').len();
    match name[dots..].rfind('.') {
        Some(i) => {
            let at = name_start + dots + i;
            vec![path[..at].to_string(), path[at..].to_string()]
        }
        None => vec![path.to_string(), String::new()],
    }
}

fn expanduser(path: &str) -> String {
    let Some(rest) = path.strip_prefix('~') else {
        return path.to_string();
    };
    let (user, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let home = if user.is_empty() {
        std::env::var("HOME").ok()
    } else {
        home_of(user)
    };
    match home {
        Some(h) => format!("{}{tail}", h.trim_end_matches('/')),
        None => path.to_string(),
    }
}

fn home_of(user: &str) -> Option<String> {
    let name = std::ffi::CString::new(user).ok()?;
    // SAFETY: getpwnam returns null or a pointer to static storage, read at once.
    unsafe {
        let pw = libc::getpwnam(name.as_ptr());
        if pw.is_null() || (*pw).pw_dir.is_null() {
            return None;
        }
        Some(
            std::ffi::CStr::from_ptr((*pw).pw_dir)
                .to_string_lossy()
                .into_owned(),
        )
    }
}

/// An absolute path with `.` and `..` resolved lexically, as Python's `abspath`.
fn abspath(path: &str) -> PathBuf {
    let base = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let mut out = PathBuf::from("/");
    for c in base.join(path).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            _ => {}
        }
    }
    out
}

/// Python's `realpath`: symlinks resolved as far as the path exists.
fn realpath(path: &str) -> String {
    let abs = abspath(path);
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            let mut out = real;
            out.extend(rest.iter().rev());
            return out.display().to_string();
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return abs.display().to_string(),
        }
    }
}

/// Python's `relpath`: `path` relative to `start` (the current directory by default).
fn relpath(path: &str, start: Option<String>, kwargs: Kwargs) -> Result<String, Error> {
    let start = pick(start, &kwargs, "start")?;
    kwargs.assert_all_used()?;
    if path.is_empty() {
        return Err(invalid("relpath: the path is empty"));
    }
    let target = abspath(path);
    let start = abspath(start.as_deref().unwrap_or("."));
    let t: Vec<_> = target.components().collect();
    let s: Vec<_> = start.components().collect();
    let common = t.iter().zip(&s).take_while(|(a, b)| a == b).count();
    let mut out: Vec<String> = vec!["..".to_string(); s.len() - common];
    out.extend(
        t[common..]
            .iter()
            .map(|c| Path::new(c.as_os_str()).display().to_string()),
    );
    Ok(if out.is_empty() {
        ".".to_string()
    } else {
        out.join("/")
    })
}

const SIZES: [(char, u32); 9] = [
    ('Y', 80),
    ('Z', 70),
    ('E', 60),
    ('P', 50),
    ('T', 40),
    ('G', 30),
    ('M', 20),
    ('K', 10),
    ('B', 0),
];

fn number(v: &Value, filter: &str) -> Result<f64, Error> {
    let parsed = match v.kind() {
        ValueKind::Number => f64::try_from(v.clone()).ok(),
        ValueKind::String => v.as_str().unwrap_or_default().trim().parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| invalid(format!("{filter}: expected a number, got `{v}`")))
}

/// Ansible's `bytes_to_human`: two decimals and the largest unit not above the size.
fn human_readable(
    v: &Value,
    isbits: Option<bool>,
    unit: Option<String>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let isbits = pick(isbits, &kwargs, "isbits")?;
    let unit = pick(unit, &kwargs, "unit")?;
    kwargs.assert_all_used()?;
    let size = number(v, "human_readable")?;
    let isbits = isbits.unwrap_or(false);
    let wanted = unit
        .as_deref()
        .and_then(|u| u.chars().next())
        .map(|c| c.to_ascii_uppercase());
    let (suffix, shift) = SIZES
        .iter()
        .find(|(s, shift)| match wanted {
            Some(w) => w == *s,
            None => size >= (1u128 << shift) as f64,
        })
        .copied()
        .unwrap_or(('B', 0));
    let label = match (shift, isbits) {
        (0, false) => "Bytes".to_string(),
        (0, true) => "bits".to_string(),
        (_, false) => format!("{suffix}B"),
        (_, true) => format!("{suffix}b"),
    };
    Ok(format!("{:.2} {label}", size / (1u128 << shift) as f64))
}

/// Ansible's `human_to_bytes`: `"10 MB"` is 10485760; a bare number is taken as is, or in
/// `default_unit`.
fn human_to_bytes(
    v: &Value,
    default_unit: Option<String>,
    isbits: Option<bool>,
    kwargs: Kwargs,
) -> Result<i64, Error> {
    let default_unit = pick(default_unit, &kwargs, "default_unit")?;
    let isbits = pick(isbits, &kwargs, "isbits")?;
    kwargs.assert_all_used()?;
    let text = to_string(v)?;
    let re = regex::Regex::new(r"^\s*([0-9]*\.?[0-9]+)(?:\s*([A-Za-z]+))?\s*$")
        .map_err(|e| invalid(e.to_string()))?;
    let caps = re.captures(&text).ok_or_else(|| {
        invalid(format!(
            "human_to_bytes: cannot read `{text}`, expected a number and a unit such as `10 MB`"
        ))
    })?;
    let num: f64 = caps[1].parse().unwrap_or(0.0);
    let Some(unit) = caps.get(2).map(|m| m.as_str().to_string()).or(default_unit) else {
        return Ok(num.round_ties_even() as i64);
    };
    let key = unit.chars().next().unwrap_or('B').to_ascii_uppercase();
    let shift = SIZES
        .iter()
        .find(|(s, _)| *s == key)
        .map(|(_, shift)| *shift)
        .ok_or_else(|| {
            invalid(format!(
                "human_to_bytes: unknown unit `{unit}` in `{text}`, expected one of B, K, M, G, T, P, E, Z, Y"
            ))
        })?;
    let (class, class_name) = if isbits.unwrap_or(false) {
        ('b', "bit")
    } else {
        ('B', "byte")
    };
    if unit.len() > 1
        && !unit.to_lowercase().contains(class_name)
        && unit.chars().nth(1) != Some(class)
    {
        return Err(invalid(format!(
            "human_to_bytes: `{text}` has unit `{unit}`, expected `{key}{class}` or `{key}`"
        )));
    }
    Ok((num * (1u128 << shift) as f64).round_ties_even() as i64)
}

/// `[item, subitem]` pairs for each element of each item's list at `key` (dotted for nested).
fn subelements(
    v: &Value,
    key: &str,
    skip_missing: Option<Value>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let skip_missing = pick(skip_missing, &kwargs, "skip_missing")?;
    kwargs.assert_all_used()?;
    let skip = match &skip_missing {
        None => false,
        Some(s) if s.kind() == ValueKind::Map => s
            .get_attr("skip_missing")
            .map(|x| super::filters::ansible_bool(&x))
            .unwrap_or(false),
        Some(s) => super::filters::ansible_bool(s),
    };
    let items: Vec<Value> = if v.kind() == ValueKind::Map {
        v.try_iter()?
            .map(|k| v.get_item(&k))
            .collect::<Result<_, _>>()?
    } else if v.kind() == ValueKind::Seq {
        v.try_iter()?.collect()
    } else {
        return Err(invalid(format!(
            "subelements: expected a list or mapping, got `{v}`"
        )));
    };
    let mut out = Vec::new();
    for item in items {
        let mut sub = item.clone();
        let mut missing = false;
        for part in key.split('.') {
            match sub.get_attr(part) {
                Ok(x) if !x.is_undefined() => sub = x,
                _ => {
                    missing = true;
                    break;
                }
            }
        }
        if missing {
            if skip {
                continue;
            }
            return Err(invalid(format!(
                "subelements: could not find `{key}` in item `{item}`"
            )));
        }
        if sub.kind() != ValueKind::Seq {
            return Err(invalid(format!(
                "subelements: `{key}` must be a list, got `{sub}`"
            )));
        }
        for s in sub.try_iter()? {
            out.push(Value::from(vec![item.clone(), s]));
        }
    }
    Ok(Value::from(out))
}
