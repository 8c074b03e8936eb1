//! Folding host names for grouped output: `web01,web02,web03,web07` reads `web[01-03,07]`
//! (the notation of pdsh and ClusterShell, which people who run fleets already know).

use std::collections::BTreeSet;

/// A name split around its last run of digits: `web07.dc1` -> (`web`, `07`, `.dc1`).
fn split(name: &str) -> Option<(&str, &str, &str)> {
    let end = name.rfind(|c: char| c.is_ascii_digit())? + 1;
    let start = name[..end]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let digits = &name[start..end];
    // Numbers too long for u64 are not worth folding.
    if digits.len() > 18 {
        return None;
    }
    Some((&name[..start], digits, &name[end..]))
}

/// Zero-padded numbers fold only with numbers of the same width (`web01`, `web02`), plain ones
/// with any plain number (`h9`, `h10`). A plain number as wide as a padded family of the same
/// name joins it (`h10` with `h01`..`h09`), as the inventory range `h[01-10]` made them.
fn width_class(digits: &str) -> usize {
    if digits.len() > 1 && digits.starts_with('0') {
        digits.len()
    } else {
        0
    }
}

struct Family<'a> {
    prefix: &'a str,
    suffix: &'a str,
    width: usize,
    numbers: BTreeSet<u64>,
}

/// Folds `names` into one comma-separated expression, families in order of first appearance.
/// Names without digits are kept as they are.
pub fn fold<S: AsRef<str>>(names: &[S]) -> String {
    enum Part<'a> {
        Plain(&'a str),
        Family(usize),
    }
    let mut parts: Vec<Part> = Vec::new();
    let mut families: Vec<Family> = Vec::new();
    let padded: BTreeSet<(&str, &str, usize)> = names
        .iter()
        .filter_map(|n| split(n.as_ref()))
        .map(|(prefix, digits, suffix)| (prefix, suffix, width_class(digits)))
        .filter(|(_, _, w)| *w > 0)
        .collect();
    for name in names {
        let name = name.as_ref();
        let Some((prefix, digits, suffix)) = split(name) else {
            parts.push(Part::Plain(name));
            continue;
        };
        let width = match width_class(digits) {
            0 if padded.contains(&(prefix, suffix, digits.len())) => digits.len(),
            w => w,
        };
        let Ok(n) = digits.parse::<u64>() else {
            parts.push(Part::Plain(name));
            continue;
        };
        let found = families
            .iter()
            .position(|f| f.prefix == prefix && f.suffix == suffix && f.width == width);
        match found {
            Some(i) => {
                families[i].numbers.insert(n);
            }
            None => {
                families.push(Family {
                    prefix,
                    suffix,
                    width,
                    numbers: BTreeSet::from([n]),
                });
                parts.push(Part::Family(families.len() - 1));
            }
        }
    }
    let rendered: Vec<String> = parts
        .iter()
        .map(|p| match p {
            Part::Plain(s) => s.to_string(),
            Part::Family(i) => render(&families[*i]),
        })
        .collect();
    rendered.join(",")
}

fn render(f: &Family) -> String {
    let num = |n: u64| format!("{n:0width$}", width = f.width);
    if f.numbers.len() == 1 {
        let n = *f.numbers.iter().next().unwrap_or(&0);
        return format!("{}{}{}", f.prefix, num(n), f.suffix);
    }
    let mut ranges: Vec<(u64, u64)> = Vec::new();
    for &n in &f.numbers {
        match ranges.last_mut() {
            Some((_, end)) if *end + 1 == n => *end = n,
            _ => ranges.push((n, n)),
        }
    }
    let inner: Vec<String> = ranges
        .iter()
        .map(|&(a, b)| {
            if a == b {
                num(a)
            } else {
                format!("{}-{}", num(a), num(b))
            }
        })
        .collect();
    format!("{}[{}]{}", f.prefix, inner.join(","), f.suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_padded_ranges_with_gaps() {
        let names = ["web01", "web02", "web03", "web04", "web05", "web07"];
        assert_eq!(fold(&names), "web[01-05,07]");
    }

    #[test]
    fn keeps_families_apart_and_in_order() {
        let names = ["db2", "web1", "db1", "lb", "web-a.dc1", "web-a.dc3"];
        assert_eq!(fold(&names), "db[1-2],web1,lb,web-a.dc[1,3]");
        assert_eq!(fold(&["r1-n1", "r1-n2", "r2-n1"]), "r1-n[1-2],r2-n1");
    }

    #[test]
    fn plain_numbers_fold_across_widths_padded_ones_do_not() {
        assert_eq!(fold(&["h9", "h10", "h11"]), "h[9-11]");
        assert_eq!(fold(&["n01", "n1"]), "n01,n1");
    }

    #[test]
    fn a_padded_range_keeps_its_wider_numbers() {
        let names: Vec<String> = (1..=10).map(|i| format!("h{i:02}")).collect();
        assert_eq!(fold(&names), "h[01-10]");
        // Whatever comes first.
        assert_eq!(fold(&["h10", "h09", "h08"]), "h[08-10]");
        assert_eq!(fold(&["h10", "h11"]), "h[10-11]");
    }

    #[test]
    fn single_names_and_unsorted_input() {
        assert_eq!(fold(&["h3"]), "h3");
        assert_eq!(fold(&["h3", "h1", "h2", "h5"]), "h[1-3,5]");
        assert_eq!(fold::<&str>(&[]), "");
        assert_eq!(fold(&["10.0.0.1", "10.0.0.2"]), "10.0.0.[1-2]");
    }
}
