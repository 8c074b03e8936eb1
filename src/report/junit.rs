//! JUnit XML for CI dashboards, from a check's `rconf.report/1` document: one test suite per
//! host, one test case per host and task; drift is a failure, a failed or unreachable task an
//! error, a skipped task skipped.

use std::fmt::Write as _;

use serde_json::Value;

use super::drift::{resource_of, unified};

struct Case {
    name: String,
    time: f64,
    outcome: Outcome,
}

enum Outcome {
    Pass,
    Drift { message: String, body: String },
    Error { message: String },
    Skipped,
}

/// The XML document; `title` names the whole run (e.g. `rconf check site.yml`).
pub fn render(doc: &Value, title: &str) -> String {
    let mut suites: Vec<(String, Vec<Case>)> = doc
        .get("stats")
        .and_then(Value::as_object)
        .map(|m| m.keys().map(|h| (h.clone(), Vec::new())).collect())
        .unwrap_or_default();
    let tasks = doc
        .get("plays")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("tasks").and_then(Value::as_array))
        .flatten();
    for task in tasks {
        let Some(results) = task.get("hosts").and_then(Value::as_object) else {
            continue;
        };
        let name = task.get("name").and_then(Value::as_str).unwrap_or("");
        let location = task.get("location").and_then(Value::as_str).unwrap_or("");
        for (host, result) in results {
            let Some((_, cases)) = suites.iter_mut().find(|(h, _)| h == host) else {
                continue;
            };
            let msg = result.get("msg").and_then(Value::as_str).unwrap_or("");
            let outcome = match result.get("status").and_then(Value::as_str) {
                Some("changed") => {
                    let resource = resource_of(result).unwrap_or_else(|| "-".into());
                    let diffs = match result.get("diff") {
                        Some(Value::Array(a)) => a.iter().map(unified).collect(),
                        Some(d) => unified(d),
                        None => String::new(),
                    };
                    Outcome::Drift {
                        message: format!("would change {resource}"),
                        body: format!("{location}\n{diffs}"),
                    }
                }
                Some("failed") => Outcome::Error {
                    message: format!("failed: {msg}"),
                },
                Some("unreachable") => Outcome::Error {
                    message: format!("unreachable: {msg}"),
                },
                Some("skipped") => Outcome::Skipped,
                _ => Outcome::Pass,
            };
            let time = result
                .get("duration_seconds")
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            cases.push(Case {
                name: name.to_string(),
                time,
                outcome,
            });
        }
    }
    let count =
        |cases: &[Case], f: fn(&Outcome) -> bool| cases.iter().filter(|c| f(&c.outcome)).count();
    let is_drift = |o: &Outcome| matches!(o, Outcome::Drift { .. });
    let is_error = |o: &Outcome| matches!(o, Outcome::Error { .. });
    let is_skip = |o: &Outcome| matches!(o, Outcome::Skipped);
    let all: Vec<&Case> = suites.iter().flat_map(|(_, c)| c).collect();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
        esc(title),
        all.len(),
        all.iter().filter(|c| is_drift(&c.outcome)).count(),
        all.iter().filter(|c| is_error(&c.outcome)).count(),
    );
    for (host, cases) in &suites {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            esc(host),
            cases.len(),
            count(cases, is_drift),
            count(cases, is_error),
            count(cases, is_skip),
        );
        for c in cases {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                esc(host),
                esc(&c.name),
                c.time
            );
            match &c.outcome {
                Outcome::Pass => out.push_str("/>\n"),
                Outcome::Skipped => out.push_str(">\n      <skipped/>\n    </testcase>\n"),
                Outcome::Drift { message, body } => {
                    let _ = write!(
                        out,
                        ">\n      <failure type=\"drift\" message=\"{}\">{}</failure>\n    </testcase>\n",
                        esc(message),
                        esc(body)
                    );
                }
                Outcome::Error { message } => {
                    let _ = write!(
                        out,
                        ">\n      <error message=\"{}\"/>\n    </testcase>\n",
                        esc(message)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Escapes text for XML attributes and content; drops characters XML 1.0 cannot hold.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_case_per_host_and_task_with_drift_as_failure() {
        let doc = json!({
            "plays": [{"tasks": [
                {"name": "motd <main>", "location": "site.yml:3", "hosts": {
                    "h1": {"status": "changed", "dest": "/etc/motd", "duration_seconds": 0.25,
                           "diff": {"before": "a\n", "after": "b\n"}},
                    "h2": {"status": "ok"}}},
                {"name": "cmd", "location": "site.yml:8", "hosts": {
                    "h1": {"status": "skipped"},
                    "h2": {"status": "failed", "msg": "bad \"thing\"\u{1}"}}}
            ]}],
            "stats": {"h1": {}, "h2": {}}
        });
        let xml = render(&doc, "rconf check site.yml");
        assert!(xml.contains(
            "<testsuites name=\"rconf check site.yml\" tests=\"4\" failures=\"1\" errors=\"1\">"
        ));
        assert!(xml.contains(
            "<testsuite name=\"h1\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"1\">"
        ));
        assert!(
            xml.contains("name=\"motd &lt;main&gt;\" time=\"0.250\""),
            "{xml}"
        );
        assert!(xml.contains("<failure type=\"drift\" message=\"would change /etc/motd\">site.yml:3\n--- before: \n+++ after: \n@@ -1 +1 @@\n-a\n+b\n</failure>"), "{xml}");
        assert!(
            xml.contains("<error message=\"failed: bad &quot;thing&quot;\"/>"),
            "{xml}"
        );
        assert!(
            xml.contains("<testcase classname=\"h2\" name=\"motd &lt;main&gt;\" time=\"0.000\"/>")
        );
    }
}
