//! `rconf doc`: the modules (`-l`), one module's page, or a task snippet (`-s`), as
//! `ansible-doc` shows them. Everything comes from the module's `ModuleSpec`, the same
//! definition that validates its arguments and applies their defaults.

use clap::Args;

use crate::modules::{self, Arg, FreeForm, ModuleSpec};
use crate::run::exit;

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    rconf doc -l           every module with its summary\n  \
    rconf doc copy         options, defaults, return values and an example\n  \
    rconf doc -s copy      a task skeleton to paste into a playbook")]
pub struct DocArgs {
    /// Modules to describe (`apt`, `ansible.builtin.copy`); none lists every module.
    pub modules: Vec<String>,
    /// List every module with its summary (what `rconf doc` alone does).
    #[arg(short = 'l', long = "list", conflicts_with_all = ["modules", "snippet"])]
    pub list: bool,
    /// Print a task skeleton of each module, each option commented by its description.
    #[arg(short = 's', long = "snippet", requires = "modules")]
    pub snippet: bool,
}

/// The column descriptions start in, and the width they wrap at.
const INDENT: usize = 6;
const WIDTH: usize = 92;

/// The listing of every module, one a line, like `ansible-doc -l`.
pub fn list() -> String {
    let width = modules::BUILTINS
        .iter()
        .map(|m| m.spec().name.len())
        .max()
        .unwrap_or(0);
    let mut specs: Vec<&ModuleSpec> = modules::BUILTINS.iter().map(|m| m.spec()).collect();
    specs.sort_by_key(|s| s.name);
    let mut out = String::new();
    for spec in specs {
        out.push_str(&format!("{:<width$}  {}\n", spec.name, spec.summary));
    }
    out
}

/// A value as `rconf doc` shows it: line endings and tabs escaped (`\n`), `''` for nothing.
fn shown_value(v: &str) -> String {
    if v.is_empty() {
        return "''".into();
    }
    v.replace('\n', "\\n")
        .replace('\r', "\\r")
        .replace('\t', "\\t")
}

/// The name an option is shown under: the free-form value has none of its own.
fn shown_name(a: &Arg) -> &'static str {
    if a.name == "_raw_params" {
        "free_form"
    } else {
        a.name
    }
}

/// `text` wrapped at `WIDTH`, each line indented by `indent` spaces.
fn wrapped(text: &str, indent: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent + line.len() + 1 + word.len() > WIDTH {
            out.push_str(&format!("{:indent$}{line}\n", ""));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&format!("{:indent$}{line}\n", ""));
    }
    out
}

/// One module's page: summary, options, groups, return values and an example.
pub fn page(spec: &ModuleSpec) -> String {
    let mut out = format!("{} - {}\n", spec.name, spec.summary);
    if !spec.aliases.is_empty() {
        out.push_str(&format!("Also called: {}\n", spec.aliases.join(", ")));
    }
    out.push_str("\nOptions:\n");
    if spec.args.is_empty() && !spec.any_args {
        out.push_str("  none\n");
    }
    let width = spec
        .args
        .iter()
        .map(|a| shown_name(a).len())
        .chain(spec.returns.iter().map(|r| r.name.len()))
        .max()
        .unwrap_or(0)
        .max(22);
    for a in spec.args {
        let mut line = format!("  {:<width$} {:<5}", shown_name(a), a.kind.name());
        if a.required {
            line.push_str(" required");
        }
        if let Some(d) = a.default {
            line.push_str(&format!(" default: {}", shown_value(d)));
        }
        if !a.choices.is_empty() {
            let mut choices: Vec<String> = Vec::new();
            for c in a.choices.iter().map(|c| shown_value(c)) {
                if !choices.contains(&c) {
                    choices.push(c);
                }
            }
            line.push_str(&format!(" choices: {}", choices.join(", ")));
        }
        if !a.aliases.is_empty() {
            line.push_str(&format!(" aliases: {}", a.aliases.join(", ")));
        }
        out.push_str(line.trim_end());
        out.push('\n');
        out.push_str(&wrapped(a.doc, INDENT));
    }
    if spec.any_args {
        out.push_str(&format!("  {:<width$} any\n", "any other name"));
        out.push_str(&wrapped("See the notes below.", INDENT));
    }
    for group in spec.required_one_of {
        out.push_str(&format!("  needs one of: {}\n", shown_group(spec, group)));
    }
    for group in spec.mutually_exclusive {
        out.push_str(&format!(
            "  mutually exclusive: {}\n",
            shown_group(spec, group)
        ));
    }
    for rule in spec.rules {
        if let Some(line) = rule_line(rule) {
            out.push_str(&format!("  {line}\n"));
        }
    }
    match spec.free_form {
        FreeForm::No => {}
        _ if spec.args.is_empty() && !spec.any_args => {}
        FreeForm::KeyValue => out.push_str("  also takes a one-line `key=value` string\n"),
        FreeForm::Command => out.push_str(&format!(
            "  the free form follows the module's name: `{}: VALUE`, with `key=value` options\n",
            spec.name
        )),
    }
    if !spec.returns.is_empty() {
        out.push_str("\nReturns:\n");
    }
    for r in spec.returns {
        out.push_str(&format!(
            "  {:<width$} {:<5} {}\n",
            r.name, r.kind, r.returned
        ));
        out.push_str(&wrapped(r.doc, INDENT));
    }
    if !spec.notes.is_empty() {
        out.push_str("\nNotes:\n");
        out.push_str(&wrapped(spec.notes, 2));
    }
    out.push_str("\nExample:\n");
    for l in spec.example.lines() {
        out.push_str(&format!("  {l}\n"));
    }
    out
}

fn shown_group(spec: &ModuleSpec, group: &[&str]) -> String {
    group
        .iter()
        .map(|n| match spec.args.iter().find(|a| a.name == *n) {
            Some(a) => shown_name(a),
            None if *n == "_raw_params" => "free_form",
            None => n,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A task skeleton like `ansible-doc -s`: every option, commented by its description.
pub fn snippet(spec: &ModuleSpec) -> String {
    let mut out = format!("- name: {}\n  {}:\n", spec.summary, spec.name);
    let options: Vec<&Arg> = spec
        .args
        .iter()
        .filter(|a| a.name != "_raw_params")
        .collect();
    let width = options
        .iter()
        .map(|a| a.name.len() + 1)
        .max()
        .unwrap_or(0)
        .max(22);
    if let Some(raw) = spec.args.iter().find(|a| a.name == "_raw_params") {
        let required = if spec.required_one_of.iter().any(|g| g == &["_raw_params"]) {
            "(required) "
        } else {
            ""
        };
        out.push_str(&format!(
            "    # free form ({}: VALUE): {required}{}\n",
            spec.name,
            one_line(raw.doc)
        ));
    }
    for a in options {
        let key = format!("{}:", a.name);
        let mut note = String::new();
        if a.required {
            note.push_str("(required) ");
        }
        note.push_str(&one_line(a.doc));
        out.push_str(&format!("    {key:<width$}  # {note}\n"));
    }
    if spec.any_args {
        out.push_str("    # any other name: see `rconf doc` for what it means here\n");
    }
    out
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The error for a name that is no module, with the closest module name when one is close.
fn unknown(name: &str) -> String {
    let names = modules::BUILTINS
        .iter()
        .flat_map(|m| std::iter::once(m.spec().name).chain(m.spec().aliases.iter().copied()));
    let hint = crate::playbook::did_you_mean(name, names)
        .map(|m| format!("; did you mean `{m}`?"))
        .unwrap_or_default();
    format!(
        "unknown module `{name}`{hint} (`rconf doc -l` lists the {} modules)",
        modules::BUILTINS.len()
    )
}

impl DocArgs {
    pub fn execute(&self) -> i32 {
        if self.modules.is_empty() {
            print!("{}", list());
            return exit::OK;
        }
        let mut found = Vec::new();
        for name in &self.modules {
            match modules::find(name) {
                Some(m) => found.push(m.spec()),
                None => {
                    eprintln!("error: {}", unknown(name));
                    return exit::BAD_INPUT;
                }
            }
        }
        let pages: Vec<String> = found
            .into_iter()
            .map(|spec| {
                if self.snippet {
                    snippet(spec)
                } else {
                    page(spec)
                }
            })
            .collect();
        print!("{}", pages.join("\n"));
        exit::OK
    }
}

/// A spec rule as `rconf doc` lists it under the options; none for a rule that only rewords
/// a requirement already listed.
fn rule_line(rule: &crate::modules::args::Rule) -> Option<String> {
    use crate::modules::args::Rule;
    Some(match rule {
        Rule::RequiredIf {
            key,
            value,
            then,
            any,
        } => format!(
            "with {key}={value}, needs {} of: {}",
            if *any { "one" } else { "all" },
            then.join(", ")
        ),
        Rule::Together(names) => format!("set together or not at all: {}", names.join(", ")),
        Rule::By(key, names) => format!("{key} needs: {}", names.join(", ")),
        Rule::Action(..) | Rule::Exclusive(..) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The module names of the README's module table, row by row (first cell, in backticks).
    fn readme_rows() -> Vec<Vec<String>> {
        let readme = include_str!("../../README.md");
        let table = readme
            .split("\n### Modules\n")
            .nth(1)
            .expect("README has a `### Modules` section");
        table
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .skip(2)
            .map(|row| {
                let first = row.split('|').nth(1).unwrap_or_default();
                first
                    .split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_string)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_readme_table_and_the_listing_agree_with_the_registry() {
        let rows = readme_rows();
        assert!(rows.len() > 20, "README module table not found: {rows:?}");
        for row in &rows {
            assert!(!row.is_empty(), "a README module row names no module");
            for name in row {
                assert!(
                    modules::find(name).is_some(),
                    "README row `{name}` is not a registered module"
                );
            }
        }
        let l = list();
        assert_eq!(l.lines().count(), modules::BUILTINS.len(), "{l}");
        for m in modules::BUILTINS {
            let spec = m.spec();
            let name = spec.name;
            assert!(
                rows.iter().flatten().any(|n| n == name),
                "`{name}` has no row in the README's module table"
            );
            let line = l
                .lines()
                .find(|x| x.split_whitespace().next() == Some(name))
                .unwrap_or_else(|| panic!("`{name}` is not in `rconf doc -l`"));
            assert!(
                !spec.summary.is_empty() && line.ends_with(spec.summary),
                "`{name}`: no summary in `rconf doc -l`: {line}"
            );
        }
    }

    #[test]
    fn every_module_documents_its_options_returns_and_an_example() {
        for m in modules::BUILTINS {
            let spec = m.spec();
            let name = spec.name;
            assert!(
                !spec.summary.is_empty() && !spec.summary.ends_with('.'),
                "`{name}`: a summary, one line without a final dot"
            );
            for a in spec.args {
                assert!(
                    !a.doc.is_empty(),
                    "`{name}`: option `{}` has no description",
                    a.name
                );
            }
            assert!(
                !spec.returns.is_empty() || !spec.notes.is_empty(),
                "`{name}`: no return values and no notes saying why"
            );
            for r in spec.returns {
                assert!(
                    !r.doc.is_empty() && !r.returned.is_empty() && !r.kind.is_empty(),
                    "`{name}`: return value `{}` is not described",
                    r.name
                );
            }
            let head = format!("- {name}:");
            assert!(
                spec.example.starts_with(&head),
                "`{name}`: the example starts with `{head}`: {}",
                spec.example
            );
            let p = page(spec);
            for a in spec.args {
                assert!(
                    p.contains(shown_name(a)),
                    "`{name}` page lacks `{}`",
                    a.name
                );
            }
        }
    }

    #[test]
    fn every_example_loads_as_a_task_without_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site.yml");
        let strict = crate::playbook::LoadOptions {
            strict: true,
            ..Default::default()
        };
        for m in modules::BUILTINS {
            let spec = m.spec();
            let tasks: String = spec.example.lines().map(|l| format!("    {l}\n")).collect();
            std::fs::write(
                &path,
                format!("- hosts: all\n  gather_facts: false\n  tasks:\n{tasks}"),
            )
            .unwrap();
            match crate::playbook::load(&path, &strict) {
                Ok(pb) => assert!(
                    pb.warnings.is_empty(),
                    "`{}` example: {:?}",
                    spec.name,
                    pb.warnings
                ),
                Err(e) => panic!(
                    "`{}` example does not load: {e}\n{}",
                    spec.name, spec.example
                ),
            }
        }
    }

    #[test]
    fn a_page_shows_descriptions_defaults_choices_aliases_required_returns_and_example() {
        let p = page(modules::find("ping").unwrap().spec());
        assert!(p.starts_with("ping - "), "{p}");
        assert!(p.contains("default: pong"), "{p}");
        assert!(p.contains("Returns:\n  ping"), "{p}");
        let p = page(modules::find("meta").unwrap().spec());
        assert!(
            !p.contains("Returns:") && p.contains("Notes:\n  Nothing of its own"),
            "{p}"
        );
        assert!(
            p.contains("the free form follows the module's name: `meta: VALUE`"),
            "{p}"
        );
        let p = page(modules::find("apt").unwrap().spec());
        assert!(p.starts_with("apt - Installs"), "{p}");
        assert!(p.contains("aliases: package, pkg"), "{p}");
        assert!(
            p.contains("default: present choices: absent, build-dep"),
            "{p}"
        );
        assert!(p.contains("mutually exclusive: deb, name"), "{p}");
        assert!(p.contains("Example:\n  - apt:"), "{p}");
        let p = page(modules::find("systemd_service").unwrap().spec());
        assert!(p.contains("Also called: systemd_service"));
        let p = page(modules::find("user").unwrap().spec());
        assert!(
            p.contains("name                   str   required aliases: user"),
            "{p}"
        );
        let p = page(modules::find("command").unwrap().spec());
        assert!(p.contains("needs one of: free_form, cmd, argv"), "{p}");
        assert!(!p.contains("_raw_params"), "{p}");
    }

    #[test]
    fn a_snippet_is_a_task_skeleton_commented_by_the_descriptions() {
        let s = snippet(modules::find("copy").unwrap().spec());
        let spec = modules::find("copy").unwrap().spec();
        assert!(
            s.starts_with(&format!("- name: {}\n  copy:\n", spec.summary)),
            "{s}"
        );
        let dest = spec.args.iter().find(|a| a.name == "dest").unwrap();
        assert!(
            s.lines().any(|l| l.trim_start().starts_with("dest:")
                && l.ends_with(dest.doc)
                && l.contains("# (required)")),
            "{s}"
        );
        // Without its comments, the snippet is a task.
        let bare: String = s
            .lines()
            .map(|l| l.split(" #").next().unwrap_or(l).trim_end())
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        let task: serde_json::Value = serde_saphyr::from_str(&bare).unwrap();
        assert!(task[0]["copy"].get("dest").is_some(), "{bare}");
    }

    #[test]
    fn an_unknown_module_suggests_the_closest_one() {
        assert_eq!(
            unknown("cpy"),
            format!(
                "unknown module `cpy`; did you mean `copy`? (`rconf doc -l` lists the {} modules)",
                modules::BUILTINS.len()
            )
        );
        assert!(!unknown("zzzzzzzz").contains("did you mean"));
    }
}
