//! `template` writes what ansible-playbook 2.19's template writes for the same templates and
//! options on the same host: whitespace control (`trim_blocks`, `lstrip_blocks`, a `#jinja2:`
//! first line), other delimiters, and includes and imports beside the template and in the
//! role's `templates/`.

mod common;

use common::{Lab, run_tool, text};

const PLAYBOOK: &str = r#"
- hosts: all_hosts
  gather_facts: false
  vars:
    items: [a, b]
    x: 1
  roles: [web]
"#;

const TASKS: &str = r##"
- template: {src: blocks.j2, dest: "{{ out }}/default"}
- template: {src: blocks.j2, dest: "{{ out }}/no_trim", trim_blocks: false}
- template: {src: blocks.j2, dest: "{{ out }}/lstrip", lstrip_blocks: true}
- template: {src: header.j2, dest: "{{ out }}/header"}
- template:
    src: delimiters.j2
    dest: "{{ out }}/delimiters"
    variable_start_string: "[%"
    variable_end_string: "%]"
    comment_start_string: "[#"
    comment_end_string: "#]"
- template: {src: sub/main.j2, dest: "{{ out }}/includes"}
"##;

const BLOCKS: &str = "start\n  {% for i in items %}\n  item {{ i }}\n  {% endfor %}\nend\n";

fn render(lab: &Lab, ansible: bool) -> Vec<(String, String)> {
    let out_dir = lab.dir().join(if ansible { "a" } else { "r" });
    std::fs::create_dir_all(&out_dir).unwrap();
    let var = format!("out={}", out_dir.display());
    let out = run_tool(lab, ansible, "site.yml", &var);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let mut files: Vec<(String, String)> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().to_string(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn templates_render_as_ansible_renders_them() {
    let lab = Lab::new(1);
    lab.write("site.yml", PLAYBOOK);
    lab.write("roles/web/tasks/main.yml", TASKS);
    lab.write("roles/web/templates/blocks.j2", BLOCKS);
    lab.write(
        "roles/web/templates/header.j2",
        &format!("#jinja2: trim_blocks: False, lstrip_blocks: True\n{BLOCKS}"),
    );
    lab.write(
        "roles/web/templates/delimiters.j2",
        "x=[% x %] {{ kept }} [# gone #]\n",
    );
    lab.write(
        "roles/web/templates/macros.j2",
        "{% macro hi(n) %}hi {{ n }}{% endmacro %}",
    );
    lab.write("roles/web/templates/sub/part.j2", "part {{ x }}\n");
    lab.write(
        "roles/web/templates/sub/main.j2",
        "{% include 'part.j2' %}\n{% import 'macros.j2' as m %}{{ m.hi(x) }}\n{% from 'macros.j2' import hi with context %}{{ hi(2) }}\n",
    );
    let ansible = render(&lab, true);
    let rconf = render(&lab, false);
    assert_eq!(ansible.len(), 6, "{ansible:?}");
    assert_eq!(rconf, ansible);
}
