//! `rconf doc` through the binary, as `ansible-doc` users type it: `-l`, a module's page, `-s`
//! snippets and a misspelt name. (The agreement of the specs with the README's module table is
//! checked by `cli::doc`'s unit tests.)

use std::process::Command;

fn doc(args: &[&str]) -> (String, String, Option<i32>) {
    let out = Command::new(env!("CARGO_BIN_EXE_rconf"))
        .arg("doc")
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code(),
    )
}

#[test]
fn a_page_shows_options_with_descriptions_and_defaults_returns_and_an_example() {
    let (out, err, code) = doc(&["ping"]);
    assert_eq!((code, err.as_str()), (Some(0), ""), "{out}");
    assert!(out.starts_with("ping - "), "{out}");
    let data = out
        .lines()
        .find(|l| l.trim_start().starts_with("data "))
        .unwrap_or_else(|| panic!("no `data` option: {out}"));
    assert!(
        data.contains("str") && data.contains("default: pong"),
        "{data}"
    );
    assert!(out.contains("Returns:\n  ping"), "{out}");
    assert!(out.contains("Example:\n  - ping:"), "{out}");
    let (out, _, code) = doc(&["ansible.builtin.copy"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("needs one of: src, content"), "{out}");
    assert!(out.contains("mutually exclusive: src, content"), "{out}");
    assert!(out.contains("default: true aliases: thirsty"), "{out}");
}

#[test]
fn the_listing_is_sorted_with_a_summary_a_line() {
    let (list, err, code) = doc(&["-l"]);
    assert_eq!((code, err.as_str()), (Some(0), ""));
    assert_eq!(doc(&[]).0, list, "`rconf doc` alone lists too");
    let names: Vec<&str> = list
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    assert!(names.len() > 50, "{list}");
    assert!(
        list.lines().all(|l| l.split_whitespace().count() > 1),
        "a module without a summary: {list}"
    );
}

#[test]
fn a_snippet_is_a_task_skeleton_with_each_option_commented() {
    let (out, err, code) = doc(&["-s", "copy"]);
    assert_eq!((code, err.as_str()), (Some(0), ""), "{out}");
    assert!(out.starts_with("- name: "), "{out}");
    assert!(out.lines().nth(1) == Some("  copy:"), "{out}");
    let dest = out
        .lines()
        .find(|l| l.trim_start().starts_with("dest:"))
        .unwrap();
    assert!(dest.contains("# (required) "), "{dest}");
    assert!(
        out.lines()
            .skip(2)
            .all(|l| l.contains(": ") && l.contains('#')),
        "{out}"
    );
}

#[test]
fn a_misspelt_module_gets_the_closest_name() {
    let (out, err, code) = doc(&["cpy"]);
    assert_eq!(code, Some(5), "{err}");
    assert_eq!(out, "");
    assert!(
        err.starts_with("error: unknown module `cpy`; did you mean `copy`?"),
        "{err}"
    );
    let (_, err, code) = doc(&["-s", "lineinfle"]);
    assert_eq!(code, Some(5));
    assert!(err.contains("did you mean `lineinfile`?"), "{err}");
    let (_, err, _) = doc(&["zzzzzzzz"]);
    assert!(!err.contains("did you mean"), "{err}");
}

#[test]
fn a_page_lists_the_rules_between_options() {
    let (out, _, code) = doc(&["debconf"]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("  set together or not at all: question, vtype, value\n"),
        "{out}"
    );
    let (out, _, _) = doc(&["group"]);
    assert!(
        out.contains("  with non_unique=true, needs all of: gid\n"),
        "{out}"
    );
}
