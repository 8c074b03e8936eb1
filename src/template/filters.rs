//! Scalar filters with Ansible's semantics: conversions (`bool`, `int`, `float`, `string`),
//! `mandatory`, `ternary`, paths, `quote`, base64, hashes and `random`.

use base64::Engine;
use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, ErrorKind, Value};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha1::Digest;

use super::convert::py_repr;
use super::env::filter;

pub fn register(env: &mut Environment<'static>) {
    filter(env, "bool", to_bool);
    filter(env, "int", to_int);
    filter(env, "float", to_float);
    filter(env, "string", to_string);
    filter(env, "mandatory", mandatory);
    filter(env, "ternary", ternary);
    filter(env, "basename", basename);
    filter(env, "dirname", dirname);
    filter(env, "quote", quote);
    filter(env, "b64encode", b64encode);
    filter(env, "b64decode", b64decode);
    filter(env, "hash", hash);
    filter(env, "checksum", |v: &Value| hash(v, None));
    filter(env, "random", random);
    super::regex::register(env);
    super::version::register(env);
}

pub fn invalid(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

/// Ansible's boolean rules: `yes`, `on`, `1`, `true`, `y`, `t` (any case) are true.
pub fn ansible_bool(v: &Value) -> bool {
    match v.kind() {
        ValueKind::Bool => v.is_true(),
        ValueKind::Number => v.as_i64() == Some(1) || f64::try_from(v.clone()).ok() == Some(1.0),
        ValueKind::String => matches!(
            v.as_str()
                .unwrap_or_default()
                .trim()
                .to_lowercase()
                .as_str(),
            "yes" | "on" | "1" | "true" | "y" | "t"
        ),
        _ => false,
    }
}

fn to_bool(v: &Value) -> Result<bool, Error> {
    if v.is_undefined() {
        return v.call_undefined();
    }
    Ok(ansible_bool(v))
}

/// Like Jinja2: text that is not a number converts to the default (0).
fn to_int(
    v: &Value,
    default: Option<i64>,
    base: Option<u32>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let default = match default {
        Some(d) => d,
        None => kwargs.get::<Option<i64>>("default")?.unwrap_or(0),
    };
    let base = match base {
        Some(b) => Some(b),
        None => kwargs.get("base")?,
    };
    kwargs.assert_all_used()?;
    Ok(Value::from(match v.kind() {
        ValueKind::Undefined => return v.call_undefined(),
        ValueKind::Bool => i64::from(v.is_true()),
        ValueKind::Number => match v.as_i64() {
            Some(i) => i,
            None => f64::try_from(v.clone()).map_or(default, |f| f.trunc() as i64),
        },
        ValueKind::String => {
            let s = v.as_str().unwrap_or_default().trim();
            let base = base.unwrap_or(10);
            let digits = match base {
                16 => s.trim_start_matches("0x").trim_start_matches("0X"),
                8 => s.trim_start_matches("0o").trim_start_matches("0O"),
                2 => s.trim_start_matches("0b").trim_start_matches("0B"),
                _ => s,
            };
            i64::from_str_radix(&digits.replace('_', ""), base)
                .ok()
                .or_else(|| {
                    (base == 10)
                        .then(|| s.parse::<f64>().ok().map(|f| f.trunc() as i64))
                        .flatten()
                })
                .unwrap_or(default)
        }
        _ => default,
    }))
}

fn to_float(v: &Value, default: Option<f64>) -> Result<Value, Error> {
    let default = default.unwrap_or(0.0);
    Ok(Value::from(match v.kind() {
        ValueKind::Undefined => return v.call_undefined(),
        ValueKind::Bool => f64::from(u8::from(v.is_true())),
        ValueKind::Number => f64::try_from(v.clone()).unwrap_or(default),
        ValueKind::String => v
            .as_str()
            .unwrap_or_default()
            .trim()
            .parse()
            .unwrap_or(default),
        _ => default,
    }))
}

/// Python's `str()`: collections print as their repr.
pub fn to_string(v: &Value) -> Result<String, Error> {
    Ok(match v.kind() {
        ValueKind::Undefined => return v.call_undefined(),
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable => py_repr(v),
        _ => v.to_string(),
    })
}

fn mandatory(v: &Value, msg: Option<String>) -> Result<Value, Error> {
    if !v.is_undefined() {
        return Ok(v.clone());
    }
    match msg {
        Some(msg) => Err(Error::new(ErrorKind::UndefinedError, msg)),
        None => v.call_undefined(),
    }
}

fn ternary(v: &Value, yes: Value, no: Value, none: Option<Value>) -> Value {
    match none {
        Some(none) if v.is_none() => none,
        _ if v.is_true() => yes,
        _ => no,
    }
}

/// Python's `posixpath.basename`.
fn basename(path: &str) -> String {
    path.rsplit('/').next().unwrap_or_default().to_string()
}

/// Python's `posixpath.dirname`: the head keeps a lone root and drops other trailing slashes.
fn dirname(path: &str) -> String {
    let head = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    if !head.is_empty() && head.chars().any(|c| c != '/') {
        head.trim_end_matches('/').to_string()
    } else {
        head.to_string()
    }
}

/// POSIX sh quoting, as Python's `shlex.quote`.
pub fn shell_quote(s: &str) -> String {
    if s.is_empty() {
        return "''".to_string();
    }
    let safe = |c: char| c.is_alphanumeric() || c == '_' || "@%+=:,./-".contains(c);
    if s.chars().all(safe) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\"'\"'"))
}

fn quote(v: &Value) -> Result<String, Error> {
    // Ansible quotes None (and an undefined value) as the empty string.
    if v.is_none() || v.is_undefined() {
        return Ok(shell_quote(""));
    }
    Ok(shell_quote(&to_string(v)?))
}

fn b64encode(v: &Value, encoding: Option<String>, kwargs: Kwargs) -> Result<String, Error> {
    let encoding = encoding_arg(encoding, &kwargs)?;
    let bytes = super::codec::encode_text(&to_string(v)?, &encoding).map_err(invalid)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn b64decode(v: &str, encoding: Option<String>, kwargs: Kwargs) -> Result<String, Error> {
    let encoding = encoding_arg(encoding, &kwargs)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v.trim())
        .map_err(|e| invalid(format!("b64decode: `{v}` is not valid base64: {e}")))?;
    super::codec::decode_text(&bytes, &encoding).map_err(invalid)
}

/// The `encoding` of `b64encode`/`b64decode`, positional or by name (default `utf-8`).
fn encoding_arg(positional: Option<String>, kwargs: &Kwargs) -> Result<String, Error> {
    let encoding = match positional {
        Some(e) => Some(e),
        None => kwargs.get::<Option<String>>("encoding")?,
    };
    kwargs.assert_all_used()?;
    Ok(encoding
        .unwrap_or_else(|| "utf-8".into())
        .to_ascii_lowercase()
        .replace('_', "-"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hash(v: &Value, algorithm: Option<String>) -> Result<String, Error> {
    let data = to_string(v)?;
    let data = data.as_bytes();
    Ok(match algorithm.as_deref().unwrap_or("sha1") {
        "sha1" => hex(&sha1::Sha1::digest(data)),
        "sha224" => hex(&sha2::Sha224::digest(data)),
        "sha256" => hex(&sha2::Sha256::digest(data)),
        "sha384" => hex(&sha2::Sha384::digest(data)),
        "sha512" => hex(&sha2::Sha512::digest(data)),
        "md5" => hex(&md5::Md5::digest(data)),
        other => {
            return Err(invalid(format!(
                "unsupported hash type {other} (rconf knows md5, sha1, sha224, sha256, sha384 and sha512)"
            )));
        }
    })
}

/// A random item of a list, or a number below an integer. With `seed=` the choice is
/// repeatable (idempotent cron minutes and the like).
fn random(v: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    let start: Option<i64> = kwargs.get("start")?;
    let step: Option<i64> = kwargs.get("step")?;
    let seed: Option<Value> = kwargs.get("seed")?;
    kwargs.assert_all_used()?;
    let mut rng = match seed {
        Some(seed) => StdRng::seed_from_u64(fnv1a(seed.to_string().as_bytes())),
        None => StdRng::from_os_rng(),
    };
    if let Some(end) = v.as_i64().filter(|_| v.is_integer()) {
        let start = start.unwrap_or(0);
        let step = step.unwrap_or(1).max(1);
        let count = (end - start + step - 1) / step;
        if count <= 0 {
            return Err(invalid(format!("random: empty range up to `{end}`")));
        }
        return Ok(Value::from(start + rng.random_range(0..count) * step));
    }
    // Ansible's messages: what is not a sequence or an integer, and start/step on a sequence.
    if !matches!(
        v.kind(),
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable | ValueKind::String
    ) {
        return Err(invalid("random can only be used on sequences and integers"));
    }
    if start.is_some_and(|s| s != 0) || step.is_some_and(|s| s != 0) {
        return Err(invalid(
            "start and step can only be used with integer values",
        ));
    }
    let items: Vec<Value> = v.try_iter()?.collect();
    if items.is_empty() {
        return Err(invalid("random: cannot choose from an empty sequence"));
    }
    Ok(items[rng.random_range(0..items.len())].clone())
}

pub(super) fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Errors for an undefined value, naming it; used where a filter must not accept undefined.
pub trait CallUndefined {
    fn call_undefined<T>(&self) -> Result<T, Error>;
}

impl CallUndefined for Value {
    fn call_undefined<T>(&self) -> Result<T, Error> {
        // A failed conversion remembers the undefined value's origin, which minijinja turns
        // into "`name` is undefined" once the error leaves the filter.
        match i64::try_from(self.clone()) {
            Err(e) => Err(e),
            Ok(_) => Err(Error::new(ErrorKind::UndefinedError, "value is undefined")),
        }
    }
}
