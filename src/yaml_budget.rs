//! The resource budget every user YAML file (playbooks, vars files, inventories) is read with,
//! and its breaches worded for users.
//!
//! serde-saphyr's default budget stops at 250,000 nodes, which a real 4 MB vars file already
//! exceeds. The node and event caps here are raised to what large generated files need; memory
//! then grows with the file's own size, never faster. Alias bombs ("billion laughs") are not
//! bounded by these caps but by the alias limits: at most `MAX_ALIAS_EVENTS` events replayed
//! from aliases and as many copied into anchors per document (the old node cap, which is what
//! stopped them before), so such a file is refused after a bounded amount of work.

use serde_saphyr::Budget;
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::options::AliasLimits;

/// Values, lists and mappings in one document: a list of ten million items is about 100 MB of
/// YAML and takes a few GB once read, which is as far as a controller should be asked to go.
pub const MAX_NODES: usize = 10_000_000;

/// Parser events (a node is one or two: a list or mapping also ends) in one document.
const MAX_EVENTS: usize = 3 * MAX_NODES;

/// Lists and mappings inside one another (the library's default; real files nest far less).
const MAX_DEPTH: usize = 64;

/// Events that aliases may bring in, and that anchors may hold, in one document: far more
/// than shared settings (`<<: *defaults`) need.
const MAX_ALIAS_EVENTS: usize = 250_000;

/// The budget for user files.
pub fn budget() -> Budget {
    let mut b = Budget::default();
    b.max_nodes = MAX_NODES;
    b.max_events = MAX_EVENTS;
    b.max_depth = MAX_DEPTH;
    b.max_recorded_anchor_events = MAX_ALIAS_EVENTS;
    b
}

/// The alias limits for user files.
pub fn alias_limits() -> AliasLimits {
    let mut limits = AliasLimits::default();
    limits.max_total_replayed_events = MAX_ALIAS_EVENTS;
    limits
}

/// A user's explanation of a resource limit the library stopped at, or `None` for any other
/// error (a syntax error keeps the library's own message).
pub fn message(e: &serde_saphyr::Error) -> Option<String> {
    use serde_saphyr::Error as E;
    let bomb = "as an alias bomb (\"billion laughs\") does; refused";
    // The limit may be wrapped with the alias's places or a source snippet.
    let mut e = e;
    while let E::AliasError { error, .. } | E::WithSnippet { error, .. } = e {
        e = error;
    }
    Some(match e {
        E::Budget { breach, .. } => match breach {
            BudgetBreach::Nodes { .. } | BudgetBreach::Events { .. } => format!(
                "the YAML document is too large (more than {} values, lists and mappings); \
                 split it into several files",
                thousands(MAX_NODES)
            ),
            BudgetBreach::Depth { .. } => format!(
                "the YAML document is nested too deeply (more than {MAX_DEPTH} levels of lists \
                 and mappings)"
            ),
            BudgetBreach::ScalarBytes { .. } => {
                "the YAML document holds too much text (more than 64 MiB of strings)".to_string()
            }
            BudgetBreach::Documents { documents } => {
                format!("the YAML stream holds too many documents ({documents} `---` sections)")
            }
            BudgetBreach::MergeKeys { merge_keys } => {
                format!("the YAML document uses too many merge keys (`<<`: {merge_keys})")
            }
            BudgetBreach::Aliases { aliases } => {
                format!("the YAML document uses too many aliases ({aliases} `*name`), {bomb}")
            }
            BudgetBreach::Anchors { anchors } => {
                format!("the YAML document defines too many anchors ({anchors} `&name`)")
            }
            BudgetBreach::AliasAnchorRatio {
                aliases: n,
                anchors,
            } => format!(
                "the YAML document uses {n} aliases (`*name`) for {anchors} anchors (`&name`), {bomb}"
            ),
            BudgetBreach::RecordedAnchorEvents { .. }
            | BudgetBreach::RecordedAnchorBytes { .. } => {
                format!("the YAML document's aliases (`*name`) expand to too much data, {bomb}")
            }
            _ => "the YAML document is too large or too complex to be read safely".to_string(),
        },
        E::AliasReplayLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayCounterOverflow { .. } => {
            format!("the YAML document's aliases (`*name`) expand to too much data, {bomb}")
        }
        _ => return None,
    })
}

/// `10000000` as `10,000,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::{Duration, Instant};

    use crate::playbook::node::parse;

    #[test]
    fn a_vars_file_of_hundreds_of_thousands_of_items_is_read() {
        let mut text = String::from("big:\n");
        for i in 0..300_000 {
            text.push_str(&format!("  - item{i}\n"));
        }
        let n = parse(Path::new("big.yml"), &text).unwrap();
        assert_eq!(n.get("big").unwrap().as_seq().unwrap().len(), 300_000);
    }

    #[test]
    fn billion_laughs_is_refused_quickly_and_in_words() {
        let mut text = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (prev, name) in "abcdefgh".chars().zip("bcdefghi".chars()) {
            let refs = vec![format!("*{prev}"); 9].join(", ");
            text.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        let started = Instant::now();
        let e = parse(Path::new("lol.yml"), &text).unwrap_err().to_string();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(e.starts_with("lol.yml:"), "{e}");
        assert!(
            e.contains("aliases (`*name`) expand to too much data, as an alias bomb"),
            "{e}"
        );
        assert!(!e.contains("budget breached"), "{e}");
    }

    #[test]
    fn deep_nesting_is_refused_in_words() {
        // As deep as the budget allows needs more than a test thread's 2 MiB in a debug build;
        // rconf's own threads have 8 MiB (main.rs).
        let deep = |levels: usize| format!("a: {}1{}\n", "[".repeat(levels), "]".repeat(levels));
        let results = std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(move || {
                let ok = parse(Path::new("deep.yml"), &deep(63)).map(|_| ());
                let refused = parse(Path::new("deep.yml"), &deep(70))
                    .unwrap_err()
                    .to_string();
                (ok, refused)
            })
            .unwrap()
            .join()
            .unwrap();
        assert!(results.0.is_ok(), "{:?}", results.0);
        let e = results.1;
        assert!(e.starts_with("deep.yml:1:"), "{e}");
        assert!(e.contains("nested too deeply (more than 64 levels"), "{e}");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(super::thousands(10_000_000), "10,000,000");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1_000), "1,000");
    }
}
