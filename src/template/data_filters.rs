//! Ansible filters on data and paths that the others lack: `path_join`, `type_debug`,
//! `extract` and `shuffle`.

use minijinja::value::ValueKind;
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
fn extract(key: &Value, container: &Value, morekeys: Option<&Value>) -> Result<Value, Error> {
    let mut v = container.get_item(key)?;
    if let Some(more) = morekeys {
        let keys: Vec<Value> = match more.kind() {
            ValueKind::Seq | ValueKind::Iterable => more.try_iter()?.collect(),
            _ => vec![more.clone()],
        };
        for k in keys {
            v = v.get_item(&k)?;
        }
    }
    if v.is_undefined() {
        return Err(invalid(format!(
            "extract: no item `{key}` in the container"
        )));
    }
    Ok(v)
}

/// The items in a random order (a `seed` argument is accepted; the order is random anyway).
fn shuffle(v: &Value, _seed: Option<&Value>) -> Result<Value, Error> {
    use rand::seq::SliceRandom;
    let mut items: Vec<Value> = v.try_iter()?.collect();
    items.shuffle(&mut rand::rng());
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
