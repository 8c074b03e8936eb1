//! Ansible filters on data and paths that the others lack: `path_join`, `type_debug`,
//! `extract` and `shuffle`.

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, Value};

use super::env::filter;
use super::filters::invalid;

pub fn register(env: &mut Environment<'static>) {
    filter(env, "path_join", path_join);
    filter(env, "type_debug", type_debug);
    filter(env, "extract", extract);
    filter(env, "shuffle", shuffle);
}

/// Python's `os.path.join` of a list of parts (a string is returned as it is): an absolute
/// part starts over, a `/` is put between parts that lack one.
fn path_join(parts: &Value) -> Result<String, Error> {
    if let Some(s) = parts.as_str() {
        return Ok(s.to_string());
    }
    if !matches!(parts.kind(), ValueKind::Seq | ValueKind::Iterable) {
        return Err(invalid(format!(
            "|path_join expects string or sequence, got <class '{}'> instead.",
            super::python_type(parts)
        )));
    }
    let mut out = String::new();
    for p in parts.try_iter()? {
        let p = p
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| p.to_string());
        if p.starts_with('/') || out.is_empty() {
            out = p;
        } else {
            if !out.ends_with('/') {
                out.push('/');
            }
            out.push_str(&p);
        }
    }
    Ok(out)
}

/// The Python type name of the value, as Ansible 2.19 reports it.
fn type_debug(v: &Value) -> &'static str {
    super::python_type(v)
}

/// `key | extract(container, morekeys)`: `container[key]`, then each of `morekeys` in turn.
/// A missing container or key gives an undefined value, as Jinja's `getitem` does, so that
/// `default()` after it applies.
fn extract(key: &Value, container: &Value, morekeys: Option<&Value>) -> Result<Value, Error> {
    let mut keys = vec![key.clone()];
    if let Some(more) = morekeys {
        match more.kind() {
            ValueKind::Seq | ValueKind::Iterable => keys.extend(more.try_iter()?),
            _ => keys.push(more.clone()),
        }
    }
    let mut v = container.clone();
    for k in keys {
        if v.is_undefined() {
            break;
        }
        v = v.get_item(&k).unwrap_or(Value::UNDEFINED);
    }
    Ok(v)
}

/// The items in a random order, the same order for the same `seed` (positional or by name);
/// what cannot be listed is returned as it is, as Ansible's `randomize_list` does.
fn shuffle(v: &Value, seed: Option<&Value>, kwargs: Kwargs) -> Result<Value, Error> {
    use rand::SeedableRng;
    use rand::seq::SliceRandom;
    let seed: Option<Value> = match seed {
        Some(s) => Some(s.clone()),
        None => kwargs.get("seed")?,
    };
    kwargs.assert_all_used()?;
    let Ok(items) = v.try_iter() else {
        return Ok(v.clone());
    };
    let mut items: Vec<Value> = items.collect();
    match seed.filter(|s| s.is_true()) {
        Some(seed) => {
            let mut rng = rand::rngs::StdRng::seed_from_u64(super::filters::fnv1a(
                seed.to_string().as_bytes(),
            ));
            items.shuffle(&mut rng);
        }
        None => items.shuffle(&mut rand::rng()),
    }
    Ok(Value::from(items))
}

#[cfg(test)]
mod tests {
    use crate::template::Templar;

    fn render(expr: &str) -> String {
        let t = Templar::new();
        let v = minijinja::context! { d => minijinja::context! { a => 1, b => minijinja::context! { c => 2 } } };
        match t.render_str(expr, &v).unwrap() {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        }
    }

    #[test]
    fn data_filters_give_ansibles_values() {
        assert_eq!(
            render("{{ ['/etc', 'app', 'x.conf'] | path_join }}"),
            "/etc/app/x.conf"
        );
        assert_eq!(render("{{ ['a/', '/abs', 'b'] | path_join }}"), "/abs/b");
        assert_eq!(render("{{ 'x' | type_debug }}"), "str");
        assert_eq!(
            render(
                "{{ 1 | type_debug }} {{ 1.5 | type_debug }} {{ d | type_debug }} {{ [] | type_debug }} {{ none | type_debug }}"
            ),
            "int float dict list NoneType"
        );
        assert_eq!(render("{{ ['a'] | map('extract', d) | list }}"), "[1]");
        assert_eq!(render("{{ 'b' | extract(d, 'c') }}"), "2");
        assert_eq!(
            render("{{ [1, 2, 3] | shuffle | sort | join(',') }}"),
            "1,2,3"
        );
    }
}
