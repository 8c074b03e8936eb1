//! List filters Ansible adds to Jinja: set operations keeping first-seen order, `flatten`,
//! `product`, `zip_longest`.

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, Value};

use super::env::filter;
use super::filters::invalid;

pub fn register(env: &mut Environment<'static>) {
    filter(env, "union", |a: Value, b: Value| -> Result<Value, Error> {
        let mut all = items(&a)?;
        all.extend(items(&b)?);
        Ok(Value::from(unique(all)))
    });
    filter(
        env,
        "intersect",
        |a: Value, b: Value| -> Result<Value, Error> {
            let b = items(&b)?;
            Ok(Value::from(unique(
                items(&a)?.into_iter().filter(|x| b.contains(x)).collect(),
            )))
        },
    );
    filter(
        env,
        "difference",
        |a: Value, b: Value| -> Result<Value, Error> {
            let b = items(&b)?;
            Ok(Value::from(unique(
                items(&a)?.into_iter().filter(|x| !b.contains(x)).collect(),
            )))
        },
    );
    filter(
        env,
        "symmetric_difference",
        |a: Value, b: Value| -> Result<Value, Error> {
            let (a, b) = (items(&a)?, items(&b)?);
            let mut all: Vec<Value> = a.iter().filter(|x| !b.contains(x)).cloned().collect();
            all.extend(b.iter().filter(|x| !a.contains(x)).cloned());
            Ok(Value::from(unique(all)))
        },
    );
    filter(env, "flatten", flatten);
    filter(env, "product", product);
    filter(env, "zip_longest", zip_longest);
}

pub fn items(v: &Value) -> Result<Vec<Value>, Error> {
    match v.kind() {
        ValueKind::Seq | ValueKind::Iterable | ValueKind::Map => Ok(v.try_iter()?.collect()),
        ValueKind::Undefined => super::filters::CallUndefined::call_undefined(v),
        kind => Err(invalid(format!("expected a list, got a {kind}"))),
    }
}

fn unique(all: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(all.len());
    for x in all {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

fn flatten(v: &Value, levels: Option<usize>, kwargs: Kwargs) -> Result<Value, Error> {
    let skip_nulls: Option<bool> = kwargs.get("skip_nulls")?;
    let levels = match levels {
        Some(l) => Some(l),
        None => kwargs.get("levels")?,
    };
    kwargs.assert_all_used()?;
    let mut out = Vec::new();
    flatten_into(&mut out, &items(v)?, levels, skip_nulls.unwrap_or(true));
    Ok(Value::from(out))
}

fn flatten_into(out: &mut Vec<Value>, list: &[Value], levels: Option<usize>, skip_nulls: bool) {
    for item in list {
        let nulls = item.is_none() || item.as_str() == Some("None");
        if skip_nulls && nulls {
            continue;
        }
        match item.kind() {
            ValueKind::Seq if levels != Some(0) => {
                let inner: Vec<Value> = item.try_iter().map(|i| i.collect()).unwrap_or_default();
                flatten_into(out, &inner, levels.map(|l| l - 1), skip_nulls);
            }
            _ => out.push(item.clone()),
        }
    }
}

/// The cartesian product, as lists (`[['a', 1], ['a', 2], ...]`).
fn product(first: &Value, rest: &[Value]) -> Result<Value, Error> {
    let mut acc: Vec<Vec<Value>> = items(first)?.into_iter().map(|x| vec![x]).collect();
    for other in rest {
        let other = items(other)?;
        acc = acc
            .into_iter()
            .flat_map(|prefix| {
                other.iter().map(move |x| {
                    let mut p = prefix.clone();
                    p.push(x.clone());
                    p
                })
            })
            .collect();
    }
    Ok(Value::from(
        acc.into_iter().map(Value::from).collect::<Vec<_>>(),
    ))
}

fn zip_longest(first: &Value, rest: &[Value], kwargs: Kwargs) -> Result<Value, Error> {
    let fill: Option<Value> = kwargs.get("fillvalue")?;
    kwargs.assert_all_used()?;
    let fill = fill.unwrap_or(Value::from(()));
    let mut lists = vec![items(first)?];
    for r in rest {
        lists.push(items(r)?);
    }
    let len = lists.iter().map(Vec::len).max().unwrap_or(0);
    let rows = (0..len).map(|i| {
        Value::from(
            lists
                .iter()
                .map(|l| l.get(i).cloned().unwrap_or(fill.clone()))
                .collect::<Vec<_>>(),
        )
    });
    Ok(Value::from(rows.collect::<Vec<_>>()))
}
