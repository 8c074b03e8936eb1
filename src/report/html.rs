//! One self-contained HTML page to look at (no external assets): a run's hosts x tasks with
//! status colours, its failures with their origin and its diffs folded per file
//! (`--report-html`), or the history's drift timeline, hosts x runs (`rconf history --html`).

use std::fmt::Write as _;

use serde_json::Value;

use super::human::{diff_items, unified_diff};
use crate::error::Location;
use crate::history::{HistoryError, HistoryStore, HostEvent, HostRow, RunRow, timeline};

const STYLE: &str = "
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.5em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}
th.task{writing-mode:vertical-rl;transform:rotate(180deg);max-height:14em;font-weight:normal}
td.cell{text-align:center;min-width:1.5em}
.ok,.in_sync{background:#c8eac8}.changed{background:#fbe3a0}.skipped{background:#d6eef5}
.failed,.unreachable{background:#f4b4b4}.ignored{background:#e3d6f5}.drifted{background:#fbc990}
.none{background:#f4f4f4}
pre{background:#f7f7f7;padding:.6em;overflow:auto}.add{color:#11772b}.del{color:#b3141c}
.hunk{color:#0b6f8a}summary{cursor:pointer}.meta{color:#666}
";

/// Marks the page as loaded once its script ran: a browser test reads it from the DOM.
const SCRIPT: &str = "document.addEventListener('DOMContentLoaded',function(){\
document.body.setAttribute('data-loaded','yes');\
document.body.setAttribute('data-cells',String(document.querySelectorAll('td.cell').length));});";

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{}</title><style>{STYLE}</style><script>{SCRIPT}</script></head>\n\
         <body>\n<h1>{}</h1>\n{body}</body></html>\n",
        esc(title),
        esc(title)
    )
}

/// A task's `location` in the report (`FILE:LINE:COL`) as a place.
fn location(text: &str) -> Option<Location> {
    let mut parts = text.rsplitn(3, ':');
    let col = parts.next()?.parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    Some(Location::new(parts.next()?, line, col))
}

/// The page of one run, from its `rconf.report/1` document (what `--report` writes).
pub fn run_page(doc: &Value) -> String {
    let playbook = doc["playbook"].as_str().unwrap_or("");
    let check = doc["check"].as_bool().unwrap_or(false);
    let title = format!("rconf {} {playbook}", if check { "check" } else { "run" });
    let mut body = format!(
        "<p class=\"meta\">{} to {}</p>\n",
        esc(doc["start"].as_str().unwrap_or("")),
        esc(doc["end"].as_str().unwrap_or(""))
    );
    let empty = serde_json::Map::new();
    let stats = doc["stats"].as_object().unwrap_or(&empty);
    let mut hosts: Vec<&String> = stats.keys().collect();
    hosts.sort();

    body.push_str("<h2>Recap</h2>\n<table id=\"recap\"><tr><th>host</th>");
    const COUNTS: [&str; 7] = [
        "ok",
        "changed",
        "unreachable",
        "failed",
        "skipped",
        "rescued",
        "ignored",
    ];
    for c in COUNTS {
        let _ = write!(body, "<th>{c}</th>");
    }
    body.push_str("</tr>\n");
    for h in &hosts {
        let s = &stats[h.as_str()];
        let n = |k: &str| s[k].as_u64().unwrap_or(0);
        let class = if n("failed") + n("unreachable") > 0 {
            "failed"
        } else if n("changed") > 0 {
            "changed"
        } else {
            "ok"
        };
        let _ = write!(
            body,
            "<tr data-host=\"{0}\"><td class=\"{class}\">{0}</td>",
            esc(h)
        );
        for c in COUNTS {
            let _ = write!(body, "<td>{}</td>", n(c));
        }
        body.push_str("</tr>\n");
    }
    body.push_str("</table>\n");

    let mut failures = String::new();
    let mut diffs = String::new();
    for play in doc["plays"].as_array().into_iter().flatten() {
        let tasks: Vec<&Value> = play["tasks"].as_array().into_iter().flatten().collect();
        let _ = write!(
            body,
            "<h2>PLAY [{}]</h2>\n<table class=\"grid\"><tr><th>host</th>",
            esc(play["name"].as_str().unwrap_or(""))
        );
        for t in &tasks {
            let _ = write!(
                body,
                "<th class=\"task\" title=\"{1}\">{0}</th>",
                esc(t["name"].as_str().unwrap_or("")),
                esc(t["location"].as_str().unwrap_or(""))
            );
        }
        body.push_str("</tr>\n");
        for h in &hosts {
            let _ = write!(body, "<tr data-host=\"{0}\"><td>{0}</td>", esc(h));
            for t in &tasks {
                let name = t["name"].as_str().unwrap_or("");
                match t["hosts"].get(h.as_str()) {
                    Some(r) => {
                        let status = r["status"].as_str().unwrap_or("ok");
                        let _ = write!(
                            body,
                            "<td class=\"cell {status}\" data-task=\"{}\" title=\"{}: {status}\">{}</td>",
                            esc(name),
                            esc(name),
                            status_letter(status)
                        );
                    }
                    None => body.push_str("<td class=\"cell none\"></td>"),
                }
            }
            body.push_str("</tr>\n");
        }
        body.push_str("</table>\n");

        for t in &tasks {
            let name = t["name"].as_str().unwrap_or("");
            for h in &hosts {
                let Some(r) = t["hosts"].get(h.as_str()) else {
                    continue;
                };
                let status = r["status"].as_str().unwrap_or("ok");
                if matches!(status, "failed" | "unreachable" | "ignored") {
                    failure(&mut failures, h, name, t, r, status);
                }
                if let Some(diff) = r.get("diff") {
                    for d in diff_items(diff) {
                        if let Ok(text) = unified_diff(d) {
                            file_diff(&mut diffs, h, name, d, &text);
                        }
                    }
                }
            }
        }
    }
    if !failures.is_empty() {
        body.push_str("<h2>Failures</h2>\n");
        body.push_str(&failures);
    }
    if !diffs.is_empty() {
        body.push_str("<h2>Changes</h2>\n");
        body.push_str(&diffs);
    }
    page(&title, &body)
}

fn status_letter(status: &str) -> &'static str {
    match status {
        "ok" => "ok",
        "changed" => "ch",
        "skipped" => "sk",
        "failed" => "F",
        "ignored" => "ig",
        "unreachable" => "U",
        _ => "?",
    }
}

fn failure(out: &mut String, host: &str, task: &str, t: &Value, r: &Value, status: &str) {
    let msg = match r.get("censored") {
        Some(_) => "(censored due to no_log)",
        None => r["msg"].as_str().unwrap_or("Unknown error."),
    };
    let _ = write!(
        out,
        "<div class=\"failure\" data-host=\"{0}\"><h3 class=\"{status}\">{0}: {1} ({status})</h3>\
         <p>{2}</p>",
        esc(host),
        esc(task),
        esc(msg)
    );
    if let Some(stderr) = r["stderr"].as_str().filter(|s| !s.is_empty()) {
        let _ = write!(out, "<pre>{}</pre>", esc(stderr));
    }
    // A `no_log` result (censored) shows its task's place, not its source, as on the terminal.
    if let Some(at) = t["location"].as_str().and_then(location) {
        let origin = if r.get("censored").is_some() {
            format!("Origin: {at}\n\n(source not shown: content redacted)")
        } else {
            crate::excerpt::render(&at)
        };
        let _ = write!(out, "<pre class=\"origin\">{}</pre>", esc(&origin));
    }
    out.push_str("</div>\n");
}

fn file_diff(out: &mut String, host: &str, task: &str, d: &Value, text: &str) {
    // The file changed: `before_header` names it (`after_header` may be `dynamically generated`).
    let file = d["before_header"]
        .as_str()
        .or(d["after_header"].as_str())
        .unwrap_or(task);
    let _ = write!(
        out,
        "<details class=\"diff\" data-host=\"{0}\"><summary>{0}: {1} <span class=\"meta\">({2})</span></summary><pre>",
        esc(host),
        esc(file),
        esc(task)
    );
    for line in text.lines() {
        let class = match line.chars().next() {
            _ if line.starts_with("+++") || line.starts_with("---") => "",
            Some('+') => "add",
            Some('-') => "del",
            Some('@') => "hunk",
            _ => "",
        };
        if class.is_empty() {
            let _ = writeln!(out, "{}", esc(line));
        } else {
            let _ = writeln!(out, "<span class=\"{class}\">{}</span>", esc(line));
        }
    }
    out.push_str("</pre></details>\n");
}

/// One host's runs as the history knows them, with where drift appeared and was fixed
/// (`history::query::timeline`).
pub struct HostTimeline {
    pub host: String,
    pub rows: Vec<HostRow>,
    pub events: Vec<Option<HostEvent>>,
}

/// The history page of the newest `last` runs (of `project`, or every project), for every host
/// they included (or only `host`), read through the store's query functions (SQLite or
/// PostgreSQL alike).
pub fn history_from(
    store: &dyn HistoryStore,
    last: u64,
    host: Option<&str>,
    project: Option<&str>,
) -> Result<String, HistoryError> {
    let runs = store.runs_in(last, project)?;
    let mut names: Vec<String> = match host {
        Some(h) => vec![h.to_string()],
        None => {
            let mut all = std::collections::BTreeSet::new();
            for r in &runs {
                // The hosts of a run are those of its recap.
                let doc: Option<Value> = store
                    .report(r.id)?
                    .and_then(|text| serde_json::from_str(&text).ok());
                if let Some(Value::Object(stats)) = doc.as_ref().map(|d| &d["stats"]) {
                    all.extend(stats.keys().cloned());
                }
            }
            all.into_iter().collect()
        }
    };
    names.sort();
    let mut hosts = Vec::new();
    for name in names {
        let rows = store.host_rows_in(&name, project)?;
        let events = timeline(&rows);
        hosts.push(HostTimeline {
            host: name,
            rows,
            events,
        });
    }
    Ok(history_page(&runs, &hosts))
}

/// The history page: a column per run (oldest first), a row per host, each cell the host's
/// state in that run, marked where drift appeared (`!`) and where it was fixed (`✓`).
pub fn history_page(runs: &[RunRow], hosts: &[HostTimeline]) -> String {
    let mut runs: Vec<&RunRow> = runs.iter().collect();
    runs.sort_by_key(|r| r.id);
    let mut body = String::from(
        "<p class=\"meta\">! drift appeared, &#10003; drift fixed; hover a cell for what changed</p>\n\
         <table class=\"grid\" id=\"timeline\"><tr><th>host</th>",
    );
    for r in &runs {
        let _ = write!(
            body,
            "<th class=\"task\" title=\"{}\">#{} {} {}</th>",
            esc(&r.playbook),
            r.id,
            if r.check_mode { "check" } else { "run" },
            esc(&r.started)
        );
    }
    body.push_str("</tr>\n");
    for h in hosts {
        let _ = write!(body, "<tr data-host=\"{0}\"><td>{0}</td>", esc(&h.host));
        for r in &runs {
            let found = h.rows.iter().position(|row| row.run_id == r.id);
            match found {
                Some(i) => {
                    let row = &h.rows[i];
                    let (mark, event) = match h.events.get(i).copied().flatten() {
                        Some(HostEvent::Appeared) => ("!", " data-event=\"appeared\""),
                        Some(HostEvent::Fixed) => ("&#10003;", " data-event=\"fixed\""),
                        None => ("", ""),
                    };
                    let _ = write!(
                        body,
                        "<td class=\"cell {0}\" data-run=\"{1}\" data-state=\"{0}\"{event} title=\"{2}\">{mark}</td>",
                        esc(&row.state),
                        r.id,
                        esc(&format!("{}: {}", row.state, row.resources.join(", ")))
                    );
                }
                None => body.push_str("<td class=\"cell none\"></td>"),
            }
        }
        body.push_str("</tr>\n");
    }
    body.push_str("</table>\n");
    page("rconf history: drift timeline", &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_run_page_has_the_grid_the_failure_with_its_origin_and_the_diff() {
        let doc = json!({"playbook": "site.yml", "check": false, "start": "s", "end": "e",
            "stats": {"h1": {"ok": 1, "failed": 1}, "h2": {"ok": 2, "changed": 1}},
            "plays": [{"name": "web <x>", "tasks": [
                {"name": "motd", "location": "/nonexistent/site.yml:3:7", "hosts": {
                    "h1": {"status": "failed", "msg": "boom & more"},
                    "h2": {"status": "changed", "diff": {"before": "a\n", "after": "b\n",
                           "before_header": "/etc/motd", "after_header": "/etc/motd"}}}}]}]});
        let html = run_page(&doc);
        assert!(html.contains("<h2>PLAY [web &lt;x&gt;]</h2>"), "{html}");
        assert!(
            html.contains("<td class=\"cell failed\" data-task=\"motd\""),
            "{html}"
        );
        assert!(html.contains("<p>boom &amp; more</p>"), "{html}");
        assert!(
            html.contains(
                "Origin: /nonexistent/site.yml:3:7\n\n(source not shown: FileNotFoundError)"
            ),
            "{html}"
        );
        assert!(
            html.contains("<summary>h2: /etc/motd")
                && html.contains("<span class=\"del\">-a</span>\n<span class=\"add\">+b</span>"),
            "{html}"
        );
        assert!(!html.contains("http"), "no external asset: {html}");
    }
}
