//! Which tasks run (`--tags`, `--skip-tags`, with Ansible's `always`, `never`, `tagged`,
//! `untagged`) and how a play's hosts split into `serial` batches.

use serde_json::Value;

/// The `--tags` / `--skip-tags` selection.
#[derive(Debug, Clone, Default)]
pub struct TagFilter {
    pub only: Vec<String>,
    pub skip: Vec<String>,
}

impl TagFilter {
    pub fn selects(&self, tags: &[String]) -> bool {
        let has = |list: &[String], t: &str| list.iter().any(|x| x == t);
        let hits = |list: &[String]| tags.iter().any(|t| has(list, t));
        if hits(&self.skip)
            || (has(&self.skip, "tagged") && !tags.is_empty())
            || (has(&self.skip, "untagged") && tags.is_empty())
        {
            return false;
        }
        let only_all = self.only.is_empty() || has(&self.only, "all");
        if has(tags, "never") {
            // Runs only when asked for by one of its tags (or `never` itself).
            return hits(&self.only);
        }
        if only_all || has(tags, "always") {
            return true;
        }
        hits(&self.only)
            || (has(&self.only, "tagged") && !tags.is_empty())
            || (has(&self.only, "untagged") && tags.is_empty())
    }
}

/// Splits `hosts` into batches per `serial` (numbers, `N%` of all hosts; the last size
/// repeats). An empty `serial` is one batch of everything.
pub fn batches(hosts: &[String], serial: &[Value]) -> Result<Vec<Vec<String>>, String> {
    if serial.is_empty() || hosts.is_empty() {
        return Ok(vec![hosts.to_vec()]);
    }
    let total = hosts.len();
    let sizes = serial
        .iter()
        .map(|v| batch_size(v, total))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::new();
    let mut rest = hosts;
    let mut i = 0;
    while !rest.is_empty() {
        let size = sizes[i.min(sizes.len() - 1)].clamp(1, rest.len());
        out.push(rest[..size].to_vec());
        rest = &rest[size..];
        i += 1;
    }
    Ok(out)
}

fn batch_size(v: &Value, total: usize) -> Result<usize, String> {
    let text = match v {
        Value::Number(n) => {
            return Ok(n.as_u64().unwrap_or(0) as usize).map(|n| if n == 0 { total } else { n });
        }
        Value::String(s) => s.trim(),
        other => {
            return Err(format!(
                "`serial` value `{other}` is not a number or a percentage"
            ));
        }
    };
    if let Some(pct) = text.strip_suffix('%') {
        let pct: f64 = pct
            .trim()
            .parse()
            .map_err(|_| format!("`serial` value `{text}` is not a percentage"))?;
        // Ansible rounds down and never makes an empty batch.
        return Ok(((total as f64 * pct / 100.0) as usize).max(1));
    }
    let n: usize = text
        .parse()
        .map_err(|_| format!("`serial` value `{text}` is not a number"))?;
    Ok(if n == 0 { total } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tags(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    fn filter(only: &[&str], skip: &[&str]) -> TagFilter {
        TagFilter {
            only: tags(only),
            skip: tags(skip),
        }
    }

    #[test]
    fn tags_follow_ansible() {
        let all = filter(&[], &[]);
        assert!(all.selects(&tags(&[])));
        assert!(all.selects(&tags(&["web"])));
        assert!(!all.selects(&tags(&["never"])));
        assert!(!all.selects(&tags(&["never", "debug"])));
        let web = filter(&["web"], &[]);
        assert!(web.selects(&tags(&["web", "x"])));
        assert!(!web.selects(&tags(&["db"])));
        assert!(!web.selects(&tags(&[])));
        assert!(web.selects(&tags(&["always"])));
        let debug = filter(&["debug"], &[]);
        assert!(debug.selects(&tags(&["never", "debug"])));
        let skip = filter(&[], &["web", "always"]);
        assert!(!skip.selects(&tags(&["web"])));
        assert!(!skip.selects(&tags(&["always"])));
        assert!(skip.selects(&tags(&["db"])));
        assert!(filter(&["untagged"], &[]).selects(&tags(&[])));
        assert!(!filter(&["untagged"], &[]).selects(&tags(&["x"])));
        assert!(!filter(&[], &["tagged"]).selects(&tags(&["x"])));
    }

    fn hosts(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("h{i}")).collect()
    }

    fn sizes(n: usize, serial: Value) -> Vec<usize> {
        let serial = match serial {
            Value::Array(a) => a,
            other => vec![other],
        };
        batches(&hosts(n), &serial)
            .unwrap()
            .iter()
            .map(Vec::len)
            .collect()
    }

    #[test]
    fn serial_batches_as_ansible_makes_them() {
        assert_eq!(sizes(5, json!([])), [5]);
        assert_eq!(sizes(5, json!(1)), [1, 1, 1, 1, 1]);
        assert_eq!(sizes(10, json!("30%")), [3, 3, 3, 1]);
        assert_eq!(sizes(2, json!("30%")), [1, 1]);
        assert_eq!(sizes(12, json!([1, 5, "100%"])), [1, 5, 6]);
        assert_eq!(sizes(3, json!([1, 5, "100%"])), [1, 2]);
        assert_eq!(
            batches(&hosts(3), &[json!("lots")]).unwrap_err(),
            "`serial` value `lots` is not a number"
        );
    }
}
