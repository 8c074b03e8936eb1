//! Reading what the rconf binary printed: both streams for assertion messages, and the
//! `PLAY RECAP` as numbers.

use std::collections::BTreeMap;
use std::process::Output;

/// stdout and stderr, labelled, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `PLAY RECAP` lines as host -> {ok: n, changed: n, ...}.
pub fn recap(out: &Output) -> BTreeMap<String, BTreeMap<String, u64>> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let body = stdout
        .split("PLAY RECAP")
        .nth(1)
        .unwrap_or_else(|| panic!("no recap in output:\n{}", text(out)));
    body.lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_once(" : "))
        .map(|(host, counts)| {
            let counts = counts
                .split_whitespace()
                .filter_map(|c| c.split_once('='))
                .map(|(k, v)| (k.to_string(), v.parse().unwrap()))
                .collect();
            (host.trim().to_string(), counts)
        })
        .collect()
}
