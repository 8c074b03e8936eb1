//! Where something came from, shown as ansible-core 2.19 shows it: the `Origin:` line, then
//! the source lines up to the place (two lines of context before it) with a caret under the
//! column. Used for failed tasks on the terminal and for load errors alike.

use std::io::{BufRead, BufReader};

use crate::error::Location;

/// Context lines shown before the target line.
const CONTEXT: usize = 2;
/// Widest annotated line (number, space and source); longer source lines are cut with `...`.
const MAX_WIDTH: usize = 120;
const CUT: &str = "...";

/// The `Origin: FILE:LINE:COL` block with its excerpt, as 2.19 prints it under an error. When
/// the source cannot be shown (unreadable, shorter than the line, vault-encrypted), the reason
/// stands in its place.
pub fn render(at: &Location) -> String {
    // `./roles/web/...` reads better without its `./`.
    let shown = at.file.strip_prefix(".").unwrap_or(&at.file);
    let mut out = format!("Origin: {}:{}:{}", shown.display(), at.line, at.col);
    match annotated(at) {
        Ok(lines) if lines.is_empty() => {}
        Ok(lines) => {
            out.push_str("\n\n");
            out.push_str(&lines.join("\n"));
        }
        Err(reason) => {
            out.push_str(&format!("\n\n(source not shown: {reason})"));
        }
    }
    out
}

/// Only the annotated source lines (for a message that names its place itself, such as a load
/// error's `site.yml:5:11: ...`); `None` when they cannot be shown.
pub fn lines(at: &Location) -> Option<String> {
    annotated(at)
        .ok()
        .filter(|l| !l.is_empty())
        .map(|l| l.join("\n"))
}

fn annotated(at: &Location) -> Result<Vec<String>, String> {
    if at.line == 0 {
        // No line: the origin alone says all there is.
        return Ok(Vec::new());
    }
    let file = std::fs::File::open(&at.file).map_err(|e| io_reason(&e))?;
    let first = at.line.saturating_sub(CONTEXT + 1);
    let mut lines = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate().take(at.line) {
        let line = line.map_err(|e| io_reason(&e))?;
        if i == 0 && line.starts_with("$ANSIBLE_VAULT;") {
            return Err("content encrypted".into());
        }
        if i >= first {
            lines.push(line);
        }
    }
    if lines.len() != at.line - first {
        return Err("file truncated".into());
    }
    let label = at.line.to_string().len();
    let room = MAX_WIDTH - label - 1;
    let mut usable = room;
    let mut out = Vec::new();
    for (n, line) in (first + 1..).zip(lines) {
        // Tabs as one space each, so the caret lines up whatever the reader's tab stops.
        let mut line = line.replace('\t', " ");
        if line.chars().count() > room {
            line = line.chars().take(room - CUT.len()).collect::<String>() + CUT;
            usable = room - CUT.len();
        }
        let sep = if line.is_empty() { "" } else { " " };
        out.push(format!("{n:>label$}{sep}{line}"));
    }
    if at.col >= 1 && at.col <= usable {
        let marker = format!("column {}", at.col);
        let idx = at.col - 1;
        let caret = if idx + 2 + marker.len() > room {
            // No room after the caret: the label goes before it.
            format!(
                "{}{marker} ^",
                " ".repeat(idx.saturating_sub(marker.len() + 1))
            )
        } else {
            format!("{}^ {marker}", " ".repeat(idx))
        };
        out.push(format!("{} {caret}", " ".repeat(label)));
    }
    Ok(out)
}

/// The short reason Ansible gives for a source it cannot read (the kind of error).
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "FileNotFoundError".into(),
        std::io::ErrorKind::PermissionDenied => "PermissionError".into(),
        std::io::ErrorKind::InvalidData => "UnicodeDecodeError".into(),
        _ => "OSError".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site.yml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn two_lines_of_context_and_a_caret_under_the_column() {
        let (_d, p) = file("- hosts: all\n\n  tasks:\n    - name: multi\n      shell: x\n");
        let out = render(&Location::new(&p, 4, 7));
        let want = format!(
            "Origin: {}:4:7\n\n2\n3   tasks:\n4     - name: multi\n        ^ column 7",
            p.display()
        );
        assert_eq!(out, want);
    }

    #[test]
    fn line_numbers_are_right_aligned_and_the_file_start_has_less_context() {
        let text: String = (1..=11).map(|i| format!("l{i}\n")).collect();
        let (_d, p) = file(&text);
        let out = render(&Location::new(&p, 10, 1));
        assert!(
            out.ends_with("\n\n 8 l8\n 9 l9\n10 l10\n   ^ column 1"),
            "{out}"
        );
        let out = render(&Location::new(&p, 1, 2));
        assert!(out.ends_with("\n\n1 l1\n   ^ column 2"), "{out}");
    }

    #[test]
    fn the_lines_alone_are_for_messages_that_name_their_place() {
        let (_d, p) = file("a: 1\n b: 2\n");
        assert_eq!(
            lines(&Location::new(&p, 2, 3)).as_deref(),
            Some("1 a: 1\n2  b: 2\n    ^ column 3")
        );
        assert_eq!(lines(&Location::new("/nonexistent/x.yml", 1, 1)), None);
    }

    #[test]
    fn what_cannot_be_shown_says_why() {
        let (_d, p) = file("$ANSIBLE_VAULT;1.1;AES256\n6162\n");
        assert!(
            render(&Location::new(&p, 2, 1)).ends_with("(source not shown: content encrypted)")
        );
        let (_d, p) = file("one\n");
        assert!(render(&Location::new(&p, 5, 1)).ends_with("(source not shown: file truncated)"));
        let gone = Location::new("/nonexistent/site.yml", 3, 1);
        assert_eq!(
            render(&gone),
            "Origin: /nonexistent/site.yml:3:1\n\n(source not shown: FileNotFoundError)"
        );
    }

    #[test]
    fn long_lines_are_cut_and_a_late_column_puts_the_label_first() {
        let (_d, p) = file(&format!("{}\n", "x".repeat(200)));
        let out = render(&Location::new(&p, 1, 110));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[2].len(), 120);
        assert!(lines[2].ends_with("x..."));
        assert_eq!(lines[3], format!("  {}column 110 ^", " ".repeat(109 - 11)));
    }
}
