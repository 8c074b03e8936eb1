//! End-to-end behaviour of `Templar`: native types, undefined rules, conditions, files and
//! filters, with the exact texts users see.

use super::*;
use serde_json::json;

fn vars() -> JValue {
    to_jinja(&json!({
        "name": "web",
        "port": 8080,
        "users": ["alice", "bob"],
        "cfg": {"a": 1, "nested": {"k": "v"}},
        "nothing": null,
        "flag": "yes",
        "off": "off",
        "result": {"rc": 0, "changed": true, "failed": false},
        "os": "Debian",
        "ver": "1.10.2",
    }))
}

fn r(s: &str) -> Result<Value, String> {
    Templar::new().render_str(s, &vars())
}

fn text(s: &str) -> String {
    match r(s).unwrap() {
        Value::String(s) => s,
        other => panic!("expected a string, got {other}"),
    }
}

fn cond(s: &str) -> Result<bool, String> {
    Templar::new().eval_condition(s, &vars())
}

#[test]
fn plain_strings_are_returned_unchanged() {
    assert_eq!(
        r("no templates here } {").unwrap(),
        json!("no templates here } {")
    );
}

#[test]
fn single_expression_keeps_native_type() {
    assert_eq!(r("{{ port }}").unwrap(), json!(8080));
    assert_eq!(r("  {{ users }} ").unwrap(), json!(["alice", "bob"]));
    assert_eq!(
        r("{{ cfg }}").unwrap(),
        json!({"a": 1, "nested": {"k": "v"}})
    );
    assert_eq!(r("{{ True }}").unwrap(), json!(true));
    assert_eq!(r("{{ nothing }}").unwrap(), json!(null));
    assert_eq!(r("{{ port + 1 }}").unwrap(), json!(8081));
    // Text around a string-valued expression is kept.
    assert_eq!(r("{{ name }}\n").unwrap(), json!("web\n"));
    assert_eq!(r(" {{ name }}").unwrap(), json!(" web"));
}

#[test]
fn mixed_text_renders_to_a_string() {
    assert_eq!(text("{{ name }}:{{ port }}"), "web:8080");
    assert_eq!(text("users={{ users }}"), "users=['alice', 'bob']");
    assert_eq!(text("{{ name }} and {{ port }}"), "web and 8080");
    assert_eq!(text("x{{ nothing }}y"), "xy");
    assert_eq!(
        text("{{ True }}/{{ cfg }}"),
        "True/{'a': 1, 'nested': {'k': 'v'}}"
    );
}

#[test]
fn undefined_variable_is_an_error_naming_it() {
    assert_eq!(r("{{ nope }}").unwrap_err(), "`nope` is undefined");
    assert_eq!(
        r("port {{ nope }}").unwrap_err(),
        "`nope` is undefined (line 1) in `port {{ nope }}`"
    );
    let err = r("x {{ cfg.missing.deeper }}").unwrap_err();
    assert!(err.starts_with("`cfg.missing"), "{err}");
}

#[test]
fn undefined_values_chain_into_default() {
    assert_eq!(r("{{ nope | default('d') }}").unwrap(), json!("d"));
    assert_eq!(r("{{ nope.bar.baz | default('d') }}").unwrap(), json!("d"));
    assert_eq!(r("{{ cfg.x.y | d(5) }}").unwrap(), json!(5));
    assert_eq!(r("{{ '' | default('e', true) }}").unwrap(), json!("e"));
    assert_eq!(r("{{ '' | default('e') }}").unwrap(), json!(""));
    assert_eq!(text("a={{ nope.x | default('d') }}"), "a=d");
}

#[test]
fn render_value_walks_maps_lists_and_keys() {
    let v = json!({"{{ name }}_port": "{{ port }}", "list": ["{{ users | length }}", 3, true]});
    let out = Templar::new().render_value(&v, &vars()).unwrap();
    assert_eq!(out, json!({"web_port": 8080, "list": [2, 3, true]}));
}

#[test]
fn conditions_follow_ansible() {
    assert!(cond("os == 'Debian'").unwrap());
    assert!(!cond("result.rc != 0").unwrap());
    assert!(cond("nope is not defined").unwrap());
    assert!(cond("cfg.x.y is undefined").unwrap());
    assert!(cond("flag | bool").unwrap());
    assert!(!cond("off | bool").unwrap());
    assert!(cond("not (off | bool)").unwrap());
    assert!(cond("{{ port > 80 }}").unwrap());
    // ansible-core 2.19: a non-boolean result is an error, not Python truthiness.
    assert_eq!(
        cond("users").unwrap_err(),
        "Conditional result (True) was derived from value of type 'list'. Conditionals must \
         have a boolean result."
    );
    assert!(
        cond("[]")
            .unwrap_err()
            .contains("Conditional result (False)")
    );
    assert!(cond("users | length > 0").unwrap());
    assert!(cond("True").unwrap());
    assert!(cond("result is changed and result is succeeded").unwrap());
    assert!(cond("nope | default(true)").unwrap());
}

#[test]
fn undefined_in_condition_is_an_error() {
    assert_eq!(
        cond("nope").unwrap_err(),
        "the conditional check `nope` failed: `nope` is undefined"
    );
    assert_eq!(
        cond("nope == 'x'").unwrap_err(),
        "the conditional check `nope == 'x'` failed: `nope` is undefined"
    );
}

#[test]
fn an_undefined_variable_after_a_deciding_and_or_or_term_is_not_evaluated() {
    // As Jinja: `and` stops at the first false term, `or` at the first true one.
    assert_eq!(cond("os == 'Arch' and nope.stdout != ''"), Ok(false));
    assert_eq!(cond("os == 'Debian' or nope == 1"), Ok(true));
    assert_eq!(
        cond("os == 'Debian' and nope == 1").unwrap_err(),
        "the conditional check `os == 'Debian' and nope == 1` failed: `nope` is undefined"
    );
    assert!(cond("os == 'Arch' or nope == 1").is_err());
}

#[test]
fn true_and_false_tests_fail_on_an_undefined_value() {
    assert!(cond("cfg.nope is false").is_err());
    assert!(cond("cfg.nope is true").is_err());
    assert_eq!(cond("(os == 'Debian') is true"), Ok(true));
    assert_eq!(cond("os is false"), Ok(false));
}

#[test]
fn syntax_errors_say_what_is_wrong() {
    let err = cond("port >").unwrap_err();
    assert!(
        err.starts_with("the conditional check `port >` failed: syntax error"),
        "{err}"
    );
}

fn file(src: &str) -> String {
    Templar::new()
        .render_file("t.j2", src, &vars(), &[])
        .unwrap()
}

#[test]
fn files_use_trim_blocks_and_keep_trailing_newline() {
    assert_eq!(
        file("{% for u in users %}\n{{ u }}\n{% endfor %}\n"),
        "alice\nbob\n"
    );
    assert_eq!(file("a\n{% if port %}\nb\n{% endif %}\nc"), "a\nb\nc");
    assert_eq!(file("  {% if port %}x{% endif %}\n"), "  x\n");
    assert_eq!(file("{%- if port -%}\n  x\n{%- endif %}\n"), "x\n");
    assert_eq!(file("line\n\n"), "line\n\n");
    assert_eq!(file("{{ name }}\n"), "web\n");
    assert_eq!(file("{# c #}\nk={{ port }}\n"), "k=8080\n");
    assert_eq!(
        file("{% for u in users %}{{ u }},{% endfor %}\n"),
        "alice,bob,\n"
    );
}

#[test]
fn file_errors_name_template_and_line() {
    let err = Templar::new()
        .render_file("app.conf.j2", "a\nb={{ nope }}\n", &vars(), &[])
        .unwrap_err();
    assert_eq!(
        err,
        "template error in `app.conf.j2`: `nope` is undefined (line 2)"
    );
    let err = Templar::new()
        .render_file("app.conf.j2", "a\n{% if x %}\n", &vars(), &[])
        .unwrap_err();
    assert!(
        err.starts_with("template error in `app.conf.j2`: syntax error"),
        "{err}"
    );
    assert!(
        err.contains("(line 2)") || err.contains("(line 3)"),
        "{err}"
    );
}

#[test]
fn if_on_undefined_in_a_file_is_an_error() {
    let err = Templar::new()
        .render_file("t.j2", "{% if nope %}x{% endif %}", &vars(), &[])
        .unwrap_err();
    assert_eq!(
        err,
        "template error in `t.j2`: `nope` is undefined (line 1)"
    );
}

#[test]
fn re_entrant_rendering_from_a_variable_object() {
    use minijinja::value::{Object, Value as V};
    use std::sync::Arc;

    #[derive(Debug)]
    struct Lazy(Templar);
    impl Object for Lazy {
        fn get_value(self: &Arc<Self>, key: &V) -> Option<V> {
            match key.as_str()? {
                "base" => Some(V::from("/srv")),
                "path" => {
                    let me = V::from_dyn_object(self.clone());
                    let out = self.0.render_str("{{ base }}/app", &me).ok()?;
                    Some(to_jinja(&out))
                }
                _ => None,
            }
        }
    }
    let t = Templar::new();
    let vars = V::from_object(Lazy(t.clone()));
    assert_eq!(
        t.render_str("{{ path }}/bin", &vars).unwrap(),
        json!("/srv/app/bin")
    );
}

#[test]
fn trailing_newlines_follow_the_source_count() {
    let t = Templar::new();
    let v = to_jinja(&json!({"a": "x\n"}));
    assert_eq!(t.render_file("t", "{{ a }}\n", &v, &[]).unwrap(), "x\n");
    assert_eq!(t.render_file("t", "{{ a }}", &v, &[]).unwrap(), "x\n");
    assert_eq!(
        t.render_file("t", "end\n\n\n", &v, &[]).unwrap(),
        "end\n\n\n"
    );
    assert_eq!(
        t.render_file("t", "{% if a %}\nyes\n{% endif %}\n", &v, &[])
            .unwrap(),
        "yes\n"
    );
}

#[test]
fn templar_is_shareable_across_tasks() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Templar>();
}

#[test]
fn setup_adds_functions_to_both_modes() {
    let t = Templar::with_setup(|env| {
        env.add_function("lookup", |kind: &str, arg: &str| format!("{kind}:{arg}"));
    });
    assert_eq!(
        t.render_str("{{ lookup('env', 'HOME') }}", &vars())
            .unwrap(),
        json!("env:HOME")
    );
    let v = t.render_str("{{ nope.x | default(lookup('env', 'X')) }}", &vars());
    assert_eq!(v.unwrap(), json!("env:X"));
}

#[test]
fn if_without_else_prints_nothing() {
    assert_eq!(text("a{{ 'x' if False }}b"), "ab");
}

#[test]
fn using_undefined_values_is_an_error() {
    assert_eq!(
        r("x{{ nope ~ 'x' }}").unwrap_err(),
        "`nope` is undefined (line 1) in `x{{ nope ~ 'x' }}`"
    );
    let err = Templar::new()
        .render_file(
            "t.j2",
            "{% for x in nope %}{{ x }}{% endfor %}",
            &vars(),
            &[],
        )
        .unwrap_err();
    assert_eq!(
        err,
        "template error in `t.j2`: `nope` is undefined (line 1)"
    );
}

#[test]
fn raw_blocks_and_nested_loops_render_like_jinja() {
    assert_eq!(file("{% raw %}{{ x }}{% endraw %}\n"), "{{ x }}\n");
    assert_eq!(
        file("{% for k, v in cfg.items() %}\n{{ k }}={{ v }}\n{% endfor %}"),
        "a=1\nnested={'k': 'v'}\n"
    );
    assert_eq!(
        file(
            "{% for u in users %}\n  {% if not loop.last %}\n{{ u }},\n  {% endif %}\n{% endfor %}\n"
        ),
        "  alice,\n    \n"
    );
}

#[test]
fn backslashes_in_expression_strings_are_literal_as_in_ansible() {
    // What ansible-playbook 2.19 renders for each, written in YAML as '{{ ... }}'.
    assert_eq!(
        r(r#"{{ ["\1", "\n", "\\", "\d", "\x41"] }}"#).unwrap(),
        json!(["\\1", "\\n", "\\\\", "\\d", "\\x41"])
    );
    assert_eq!(r(r#"{{ "say \"hi\"" }}"#).unwrap(), json!("say \\\"hi\\\""));
    assert_eq!(
        text(r#"v={{ ver | regex_replace("^(\d+)\.(\d+).*$", "\1-\2") }}"#),
        "v=1-10"
    );
    // Template files and statements keep Jinja's escapes.
    assert_eq!(file("{{ 'a\\tb' }}"), "a\tb");
    assert_eq!(text(r#"{% set x = "a\tb" %}{{ x }}"#), "a\tb");
}

#[test]
fn an_undefined_variable_in_a_condition_fails_unless_the_condition_tests_it() {
    let c = |s: &str| Templar::new().eval_condition(s, &vars());
    // As ansible-playbook 2.19: `x != 3` with `x` undefined fails, it does not run the task.
    assert_eq!(
        c("nope != 3").unwrap_err(),
        "the conditional check `nope != 3` failed: `nope` is undefined"
    );
    assert_eq!(
        c("port == 8080 and typo != 3").unwrap_err(),
        "the conditional check `port == 8080 and typo != 3` failed: `typo` is undefined"
    );
    assert_eq!(c("nope is defined and nope == 3"), Ok(false));
    assert_eq!(c("nope is not defined or nope.x"), Ok(true));
    assert_eq!(c("(nope | default(3)) == 3"), Ok(true));
    assert_eq!(c("lookup('env', 'HOME') != ''"), Ok(true));
}

#[test]
fn template_files_include_and_import_beside_them_and_in_the_search_path() {
    let dir = tempfile::tempdir().unwrap();
    let role = dir.path().join("roles/web");
    std::fs::create_dir_all(role.join("templates/sub")).unwrap();
    std::fs::write(role.join("templates/sub/part.j2"), "part {{ x }}").unwrap();
    std::fs::write(
        role.join("templates/macros.j2"),
        "{% macro hi(n) %}hi {{ n }}{% endmacro %}",
    )
    .unwrap();
    let main = role.join("templates/sub/main.j2");
    let src = "{% include 'part.j2' %}\n{% import 'macros.j2' as m %}{{ m.hi(x) }}\n{% from 'macros.j2' import hi with context %}{{ hi(2) }}\n";
    std::fs::write(&main, src).unwrap();
    let vars = minijinja::context! { x => 1 };
    let out = Templar::new()
        .render_file(
            &main.display().to_string(),
            src,
            &vars,
            std::slice::from_ref(&role),
        )
        .unwrap();
    // trim_blocks (as Ansible renders) eats the newline after a block tag.
    assert_eq!(out, "part 1hi 1\nhi 2\n");
    let err = Templar::new()
        .render_file(
            &main.display().to_string(),
            "{% include 'nowhere.j2' %}",
            &vars,
            &[role],
        )
        .unwrap_err();
    assert!(err.contains("nowhere.j2"), "{err}");
}

#[test]
fn conditions_refuse_template_delimiters_as_ansible_2_19_does() {
    let t = Templar::new();
    let v = minijinja::context! { x => 1, l => vec![1] };
    let e = t.eval_condition("{{ l | length }} == 1", &v).unwrap_err();
    assert!(
        e.contains("Template delimiters are not supported in expressions"),
        "{e}"
    );
    // One whole template is still read.
    assert!(t.eval_condition("{{ x == 1 }}", &v).unwrap());
}

/// ansible-playbook 2.19 renders a condition's string constants that hold a template
/// (warning "Jinja constant strings should not contain embedded templates"); adjacent
/// literals are one constant. Values as ansible-playbook 2.19.14 gave them.
#[test]
fn conditions_render_string_constants_that_hold_templates() {
    let t = Templar::new();
    let v = minijinja::context! { x => 1, l => vec!["a", "b"] };
    assert!(
        t.eval_condition("'a' in '{{ l | join(' ') }}'", &v)
            .unwrap()
    );
    assert!(
        !t.eval_condition("'zz' in '{{ l | join(' ') }}'", &v)
            .unwrap()
    );
    assert!(t.eval_condition("'1' in 'a{{ x }}'", &v).unwrap());
    // `'{{'` alone is a template that does not parse: Ansible fails the condition.
    assert!(t.eval_condition("'{{' in 'a{{ x }}'", &v).is_err());
}
