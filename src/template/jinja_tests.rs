//! Jinja tests Ansible adds: task results (`succeeded`, `failed`, `changed`, `skipped`),
//! set relations (`subset`, `superset`, `contains`) and controller-side paths.

use std::path::Path;

use minijinja::{Environment, Error, Value};

use super::lists::items;

pub fn register(env: &mut Environment<'static>) {
    for name in ["succeeded", "success", "successful"] {
        env.add_test(name, |r: &Value| Ok::<_, Error>(!flag(r, "failed")?));
    }
    for name in ["failed", "failure"] {
        env.add_test(name, |r: &Value| flag(r, "failed"));
    }
    for name in ["changed", "change"] {
        env.add_test(name, |r: &Value| flag(r, "changed"));
    }
    for name in ["skipped", "skip"] {
        env.add_test(name, |r: &Value| flag(r, "skipped"));
    }
    env.add_test("subset", |a: Value, b: Value| -> Result<bool, Error> {
        let b = items(&b)?;
        Ok(items(&a)?.iter().all(|x| b.contains(x)))
    });
    env.add_test("superset", |a: Value, b: Value| -> Result<bool, Error> {
        let a = items(&a)?;
        Ok(items(&b)?.iter().all(|x| a.contains(x)))
    });
    env.add_test("contains", |a: Value, x: Value| -> Result<bool, Error> {
        // As Python's `in`: a substring of a string.
        if let (Some(a), Some(x)) = (a.as_str(), x.as_str()) {
            return Ok(a.contains(x));
        }
        Ok(items(&a)?.contains(&x))
    });
    // Ansible's path tests, each also under its `is_` name.
    for name in ["file", "is_file"] {
        env.add_test(name, |p: &str| Path::new(p).is_file());
    }
    for name in ["directory", "is_dir"] {
        env.add_test(name, |p: &str| Path::new(p).is_dir());
    }
    env.add_test("exists", |p: &str| Path::new(p).exists());
    // As ansible-core 2.19: `x is true` / `x is false` on an undefined `x` is an error, not
    // false (`failed_when: r.exists is false` with the key missing fails the task).
    for (name, want) in [("true", true), ("false", false)] {
        env.add_test(name, move |v: Value| -> Result<bool, Error> {
            if v.is_undefined() {
                return super::filters::CallUndefined::call_undefined(&v);
            }
            Ok(v.kind() == minijinja::value::ValueKind::Bool && v.is_true() == want)
        });
    }
    for name in ["link", "is_link"] {
        env.add_test(name, |p: &str| Path::new(p).is_symlink());
    }
    env.add_test("link_exists", |p: &str| {
        Path::new(p).symlink_metadata().is_ok()
    });
    for name in ["abs", "is_abs"] {
        env.add_test(name, |p: &str| Path::new(p).is_absolute());
    }
    for name in ["same_file", "is_same_file"] {
        env.add_test(name, |a: &str, b: &str| {
            match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            }
        });
    }
}

/// A boolean key of a registered result; for a loop's result, true when any item has it
/// (Ansible's rule when the key is absent at the top).
fn flag(result: &Value, key: &str) -> Result<bool, Error> {
    if result.is_undefined() {
        return super::filters::CallUndefined::call_undefined(result);
    }
    let own = result.get_attr(key)?;
    if !own.is_undefined() {
        return Ok(super::filters::ansible_bool(&own) || own.is_true() && own.as_str().is_none());
    }
    let results = result.get_attr("results")?;
    if results.is_undefined() || key == "skipped" {
        return Ok(false);
    }
    for item in results.try_iter()? {
        if flag(&item, key)? {
            return Ok(true);
        }
    }
    Ok(false)
}
