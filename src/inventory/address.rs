//! Host patterns in inventory files: `host:port`, IPv6 forms, and ranges such as `web[01:10]`,
//! `web[01:50:2]` and `db-[a:f]` expanded to host names.

/// Splits `name[:port]` (IPv6 bare or as `[addr]:port`), keeping any `[x:y]` ranges in the name.
pub fn split_port(pattern: &str) -> Result<(String, Option<u16>), String> {
    if let Some(rest) = pattern.strip_prefix('[')
        && let Some(end) = rest.find(']')
        && rest[..end].parse::<std::net::Ipv6Addr>().is_ok()
    {
        let addr = rest[..end].to_string();
        let after = &rest[end + 1..];
        if after.is_empty() {
            return Ok((addr, None));
        }
        return match after.strip_prefix(':') {
            Some(p) => Ok((addr, Some(parse_port(p, pattern)?))),
            None => Err(format!("expected `[address]:port`, got `{pattern}`")),
        };
    }
    // Colons inside `[...]` belong to ranges; only count the ones outside.
    let mut depth = 0usize;
    let mut outside = Vec::new();
    for (i, c) in pattern.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            ':' if depth == 0 => outside.push(i),
            _ => {}
        }
    }
    match outside.as_slice() {
        [] => Ok((pattern.to_string(), None)),
        [i] => Ok((
            pattern[..*i].to_string(),
            Some(parse_port(&pattern[i + 1..], pattern)?),
        )),
        // Several colons: a bare IPv6 address, which cannot carry a port.
        _ => Ok((pattern.to_string(), None)),
    }
}

fn parse_port(p: &str, whole: &str) -> Result<u16, String> {
    p.parse::<u16>()
        .map_err(|_| format!("expected a port number after `:` in `{whole}`, got `{p}`"))
}

/// Whether a name holds a `[begin:end]` range to expand.
fn has_range(name: &str) -> bool {
    match (name.find('['), name.find(']')) {
        (Some(a), Some(b)) if a < b => name[a..b].contains(':'),
        _ => false,
    }
}

/// Hosts one name may expand to. A range beyond it is far more likely a typo
/// (`web[1:1000000000]`) than a fleet, and would take the controller's memory.
const MAX_RANGE_HOSTS: usize = 100_000;

fn too_many(name: &str) -> String {
    format!("host range `{name}` expands to more than {MAX_RANGE_HOSTS} hosts")
}

/// Expands every `[begin:end(:step)]` range in a host name, left to right.
pub fn expand_ranges(name: &str) -> Result<Vec<String>, String> {
    if !has_range(name) {
        return Ok(vec![name.to_string()]);
    }
    let open = name.find('[').expect("checked");
    let close = open + name[open..].find(']').expect("checked");
    let (head, body, tail) = (&name[..open], &name[open + 1..close], &name[close + 1..]);
    let bounds: Vec<&str> = body.split(':').collect();
    if bounds.len() != 2 && bounds.len() != 3 {
        return Err(format!(
            "host range `[{body}]` must be `begin:end` or `begin:end:step`"
        ));
    }
    let beg = if bounds[0].is_empty() { "0" } else { bounds[0] };
    let end = bounds[1];
    if end.is_empty() {
        return Err(format!("host range `[{body}]` must give an end value"));
    }
    let step: usize = match bounds.get(2) {
        None => 1,
        Some(s) => match s.parse() {
            Ok(n) if n > 0 => n,
            _ => {
                return Err(format!(
                    "host range step must be a positive number, got `{s}`"
                ));
            }
        },
    };
    let items = range_items(beg, end, step, body).map_err(|e| match e {
        RangeError::TooMany => too_many(name),
        RangeError::Bad(m) => m,
    })?;
    let mut out = Vec::new();
    for item in items {
        out.extend(expand_ranges(&format!("{head}{item}{tail}"))?);
        if out.len() > MAX_RANGE_HOSTS {
            return Err(too_many(name));
        }
    }
    Ok(out)
}

enum RangeError {
    TooMany,
    Bad(String),
}

impl From<String> for RangeError {
    fn from(m: String) -> Self {
        RangeError::Bad(m)
    }
}

fn range_items(beg: &str, end: &str, step: usize, body: &str) -> Result<Vec<String>, RangeError> {
    let letter = |s: &str| {
        let mut cs = s.chars();
        match (cs.next(), cs.next()) {
            (Some(c), None) if c.is_ascii_alphabetic() => Some(c),
            _ => None,
        }
    };
    if let (Some(b), Some(e)) = (letter(beg), letter(end)) {
        // Ansible orders letters as a..z then A..Z.
        const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let (ib, ie) = (
            LETTERS.find(b).expect("ascii"),
            LETTERS.find(e).expect("ascii"),
        );
        if ib > ie {
            return Err(format!("host range `[{body}]` must have begin <= end").into());
        }
        return Ok(LETTERS[ib..=ie]
            .chars()
            .step_by(step)
            .map(String::from)
            .collect());
    }
    let width = if beg.len() > 1 && beg.starts_with('0') {
        if beg.len() != end.len() {
            return Err(format!(
                "host range `[{body}]` must have begin and end of equal length when zero-padded"
            )
            .into());
        }
        beg.len()
    } else {
        0
    };
    let num = |s: &str| {
        s.parse::<u64>().map_err(|_| {
            format!("host range `[{body}]` expects numbers or single letters, got `{s}`")
        })
    };
    let (b, e) = (num(beg)?, num(end)?);
    if e >= b && (e - b) / step as u64 >= MAX_RANGE_HOSTS as u64 {
        return Err(RangeError::TooMany);
    }
    Ok((b..=e)
        .step_by(step)
        .map(|n| format!("{n:0width$}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_range_keeps_zero_padding() {
        assert_eq!(
            expand_ranges("web[01:03].x").unwrap(),
            ["web01.x", "web02.x", "web03.x"]
        );
        assert_eq!(expand_ranges("w[8:10]").unwrap(), ["w8", "w9", "w10"]);
    }

    #[test]
    fn strided_and_alpha_and_nested_ranges() {
        assert_eq!(expand_ranges("w[01:07:3]").unwrap(), ["w01", "w04", "w07"]);
        assert_eq!(expand_ranges("db-[a:c]").unwrap(), ["db-a", "db-b", "db-c"]);
        assert_eq!(
            expand_ranges("h[1:2]-[a:b]").unwrap(),
            ["h1-a", "h1-b", "h2-a", "h2-b"]
        );
        assert_eq!(expand_ranges("h[:1]").unwrap(), ["h0", "h1"]);
    }

    #[test]
    fn bad_ranges_are_explained() {
        assert!(
            expand_ranges("w[01:100]")
                .unwrap_err()
                .contains("equal length")
        );
        assert!(
            expand_ranges("w[c:a]")
                .unwrap_err()
                .contains("begin <= end")
        );
        assert!(expand_ranges("w[1:]").unwrap_err().contains("end value"));
        assert!(expand_ranges("w[1:x]").unwrap_err().contains("`x`"));
    }

    #[test]
    fn a_range_of_more_than_100000_hosts_is_refused_before_it_is_made() {
        assert_eq!(expand_ranges("w[1:100000]").unwrap().len(), 100_000);
        assert_eq!(
            expand_ranges("w[0:99999999999]").unwrap_err(),
            "host range `w[0:99999999999]` expands to more than 100000 hosts"
        );
        assert_eq!(
            expand_ranges("w[1:1000]-[1:1000]").unwrap_err(),
            "host range `w[1:1000]-[1:1000]` expands to more than 100000 hosts"
        );
    }

    #[test]
    fn ports_and_ipv6() {
        assert_eq!(
            split_port("h1:2222").unwrap(),
            ("h1".to_string(), Some(2222))
        );
        assert_eq!(
            split_port("w[1:3]:22").unwrap(),
            ("w[1:3]".to_string(), Some(22))
        );
        assert_eq!(split_port("w[1:3]").unwrap(), ("w[1:3]".to_string(), None));
        assert_eq!(
            split_port("fe80::1").unwrap(),
            ("fe80::1".to_string(), None)
        );
        assert_eq!(
            split_port("[::1]:2200").unwrap(),
            ("::1".to_string(), Some(2200))
        );
        assert!(split_port("h1:ssh").unwrap_err().contains("port number"));
    }
}
