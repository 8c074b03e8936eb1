//! Version comparison (`version`/`version_compare` filter and test), following Python's
//! LooseVersion: numbers compare as numbers, letters as text.

use std::cmp::Ordering;

use minijinja::value::Kwargs;
use minijinja::{Environment, Error, Value};

use super::env::filter;
use super::filters::{invalid, to_string};

pub fn register(env: &mut Environment<'static>) {
    filter(env, "version_compare", version_test);
    filter(env, "version", version_test);
    env.add_test("version", version_test);
    env.add_test("version_compare", version_test);
}

#[derive(PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Part {
    Num(u64),
    Text(String),
}

fn parts(v: &str) -> Vec<Part> {
    let mut out = Vec::new();
    let mut chars = v.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut n = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                n.push(d);
                chars.next();
            }
            out.push(Part::Num(n.parse().unwrap_or(u64::MAX)));
        } else if c.is_alphabetic() {
            let mut t = String::new();
            while let Some(d) = chars.peek().copied().filter(|c| c.is_alphabetic()) {
                t.push(d);
                chars.next();
            }
            out.push(Part::Text(t));
        } else {
            chars.next();
        }
    }
    out
}

pub fn compare(a: &str, b: &str) -> Ordering {
    parts(a).cmp(&parts(b))
}

fn version_test(
    v: &Value,
    other: &Value,
    operator: Option<&str>,
    kwargs: Kwargs,
) -> Result<bool, Error> {
    // Accepted for compatibility; loose comparison is used for every version type.
    let _strict: Option<bool> = kwargs.get("strict")?;
    let _type: Option<String> = kwargs.get("version_type")?;
    kwargs.assert_all_used()?;
    let ord = compare(&to_string(v)?, &to_string(other)?);
    Ok(match operator.unwrap_or("eq") {
        "eq" | "==" | "=" => ord == Ordering::Equal,
        "ne" | "!=" | "<>" => ord != Ordering::Equal,
        "lt" | "<" => ord == Ordering::Less,
        "le" | "<=" => ord != Ordering::Greater,
        "gt" | ">" => ord == Ordering::Greater,
        "ge" | ">=" => ord != Ordering::Less,
        op => {
            return Err(invalid(format!(
                "version: unknown operator `{op}`, expected one of ==, !=, <, <=, >, >=, eq, ne, lt, le, gt, ge"
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::compare;
    use std::cmp::Ordering;

    #[test]
    fn numbers_compare_numerically() {
        assert_eq!(compare("1.10", "1.9"), Ordering::Greater);
        assert_eq!(compare("2.0", "2.0"), Ordering::Equal);
        assert_eq!(compare("1.2.3", "1.2"), Ordering::Greater);
        assert_eq!(compare("12.04", "20.04"), Ordering::Less);
    }
}
