//! Exact outputs of the Ansible filters and tests, checked through `Templar` as playbooks use
//! them.

use super::*;
use serde_json::json;

fn vars() -> JValue {
    to_jinja(&json!({
        "users": [
            {"name": "alice", "uid": 1001, "admin": true},
            {"name": "bob", "uid": 1002, "admin": false},
        ],
        "d": {"b": 2, "a": {"x": 1, "l": [1]}},
        "text": "héllo \"world\"",
        "results": {"results": [{"changed": false}, {"changed": true}]},
        "failed_result": {"failed": true, "rc": 1},
        "skipped_result": {"skipped": true, "changed": false},
    }))
}

/// The value of one expression.
fn e(expr: &str) -> Value {
    Templar::new()
        .render_str(&format!("{{{{ {expr} }}}}"), &vars())
        .unwrap_or_else(|err| panic!("{expr}: {err}"))
}

fn err(expr: &str) -> String {
    Templar::new()
        .render_str(&format!("{{{{ {expr} }}}}"), &vars())
        .unwrap_err()
}

#[test]
fn bool_follows_ansible_words() {
    for yes in ["'yes'", "'On'", "'1'", "'TRUE'", "'y'", "'t'", "1", "true"] {
        assert_eq!(e(&format!("{yes} | bool")), json!(true), "{yes}");
    }
    for no in [
        "'no'",
        "'off'",
        "'0'",
        "'false'",
        "'n'",
        "'anything'",
        "0",
        "none",
        "''",
    ] {
        assert_eq!(e(&format!("{no} | bool")), json!(false), "{no}");
    }
}

#[test]
fn conversions() {
    assert_eq!(e("'42' | int"), json!(42));
    assert_eq!(e("'4.7' | int"), json!(4));
    assert_eq!(e("'abc' | int"), json!(0));
    assert_eq!(e("'abc' | int(7)"), json!(7));
    assert_eq!(e("'ff' | int(base=16)"), json!(255));
    assert_eq!(e("'1.5' | float"), json!(1.5));
    assert_eq!(e("3 | string"), json!("3"));
    assert_eq!(e("['a', 1] | string"), json!("['a', 1]"));
    assert_eq!(e("'AbC' | lower"), json!("abc"));
    assert_eq!(e("'AbC' | upper"), json!("ABC"));
    assert_eq!(e("['a', 'b'] | join(',')"), json!("a,b"));
    assert_eq!(
        e("users | map(attribute='name') | join(' ')"),
        json!("alice bob")
    );
}

#[test]
fn json_output_matches_python() {
    assert_eq!(
        e("d | to_json"),
        json!(r#"{"b": 2, "a": {"x": 1, "l": [1]}}"#)
    );
    assert_eq!(e("text | to_json"), json!(r#""h\u00e9llo \"world\"""#));
    assert_eq!(
        e("d | to_nice_json"),
        json!(
            "{\n    \"a\": {\n        \"l\": [\n            1\n        ],\n        \"x\": 1\n    },\n    \"b\": 2\n}"
        )
    );
    assert_eq!(
        e("'{\"k\": [1, null]}' | from_json"),
        json!({"k": [1, null]})
    );
    assert_eq!(e("({} | to_nice_json)"), json!("{}"));
}

#[test]
fn yaml_in_and_out() {
    assert_eq!(e("d | to_yaml"), json!("a:\n  l: [1]\n  x: 1\nb: 2\n"));
    assert_eq!(
        e("d | to_nice_yaml"),
        json!("a:\n    l:\n    - 1\n    x: 1\nb: 2\n")
    );
    assert_eq!(
        e("'a: 1\nb: [x, yes]' | from_yaml"),
        json!({"a": 1, "b": ["x", true]})
    );
    assert_eq!(
        e("'a: 1\n---\nb: 2' | from_yaml_all"),
        json!([{"a": 1}, {"b": 2}])
    );
}

#[test]
fn regex_filters() {
    assert_eq!(
        e("'web-01' | regex_replace('^web-(\\d+)$', 'db-\\1')"),
        json!("db-01")
    );
    assert_eq!(
        e("'a.b.c' | regex_replace('\\.', '_', count=1)"),
        json!("a_b.c")
    );
    assert_eq!(
        e("'ABC' | regex_replace('b', 'x', ignorecase=true)"),
        json!("AxC")
    );
    assert_eq!(
        e("'cost $5' | regex_replace('(\\d)', '\\g<1>0')"),
        json!("cost $50")
    );
    assert_eq!(e("'v1.2.3' | regex_search('\\d+\\.\\d+')"), json!("1.2"));
    assert_eq!(
        e("'v1.2' | regex_search('(\\d)\\.(\\d)', '\\2', '\\1')"),
        json!(["2", "1"])
    );
    assert_eq!(e("'abc' | regex_search('z')"), json!(null));
    assert_eq!(e("'a1b22' | regex_findall('\\d+')"), json!(["1", "22"]));
    assert_eq!(
        e("'k=v x=y' | regex_findall('(\\w)=(\\w)')"),
        json!([["k", "v"], ["x", "y"]])
    );
    assert!(err("'a' | regex_replace('(')").starts_with("invalid regular expression `(`"));
    // mandatory_count: Ansible's values and message (it names `count`, 0 when not given).
    assert_eq!(
        e("'foo=bar=baz' | regex_replace('=', ':', mandatory_count=2)"),
        json!("foo:bar:baz")
    );
    assert!(
        err("'foo=bar=baz' | regex_replace('=', ':', mandatory_count=1)")
            .contains("'=' should match 1 times, but matches 0 times in 'foo=bar=baz'")
    );
}

/// `to_datetime` and `strftime` give what ansible-playbook 2.19.14 gave for the same input.
#[test]
fn datetime_filters() {
    assert_eq!(
        e("'%Y-%m-%d %H:%M:%S' | strftime(1585247522, utc=True)"),
        json!("2020-03-26 18:32:02")
    );
    assert_eq!(
        e("'%Y-%m-%d %H:%M:%S' | strftime('1585247522.7', utc=True)"),
        json!("2020-03-26 18:32:02")
    );
    assert!(err("'%Y' | strftime('foo')").contains("Invalid value for epoch value (foo)"));
    assert_eq!(
        e("('1993-03-26 01:23:45' | to_datetime) < ('1994-03-26' | to_datetime('%Y-%m-%d'))"),
        json!(true)
    );
    assert_eq!(e("('1993-03-26 01:23:45' | to_datetime).year"), json!(1993));
    assert_eq!(
        e("('1993-03-26 01:23:45' | to_datetime) | string"),
        json!("1993-03-26 01:23:45")
    );
    assert!(err("'x' | to_datetime").contains("does not match format"));
}

#[test]
fn paths_and_quoting() {
    assert_eq!(e("'/etc/nginx/nginx.conf' | basename"), json!("nginx.conf"));
    assert_eq!(e("'/etc/nginx/nginx.conf' | dirname"), json!("/etc/nginx"));
    assert_eq!(e("'/etc/' | dirname"), json!("/etc"));
    assert_eq!(e("'/x' | dirname"), json!("/"));
    assert_eq!(e("'file' | dirname"), json!(""));
    assert_eq!(e("'simple-path/x.txt' | quote"), json!("simple-path/x.txt"));
    assert_eq!(e("\"it's $HOME\" | quote"), json!("'it'\"'\"'s $HOME'"));
    assert_eq!(e("'' | quote"), json!("''"));
}

#[test]
fn mandatory_and_ternary() {
    assert_eq!(e("1 | mandatory"), json!(1));
    assert_eq!(err("nope | mandatory"), "`nope` is undefined");
    assert_eq!(err("x.y | mandatory"), "`x` is undefined");
    assert_eq!(err("nope | mandatory('set nope first')"), "set nope first");
    assert_eq!(e("true | ternary('a', 'b')"), json!("a"));
    assert_eq!(e("0 | ternary('a', 'b')"), json!("b"));
    assert_eq!(e("none | ternary('a', 'b', 'n')"), json!("n"));
}

#[test]
fn encodings_and_hashes() {
    assert_eq!(e("'hello' | b64encode"), json!("aGVsbG8="));
    assert_eq!(e("'aGVsbG8=' | b64decode"), json!("hello"));
    assert_eq!(
        e("'hello' | hash('md5')"),
        json!("5d41402abc4b2a76b9719d911017c592")
    );
    assert_eq!(
        e("'hello' | hash('sha1')"),
        json!("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d")
    );
    assert_eq!(
        e("'hello' | hash('sha256')"),
        json!("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
    );
    assert_eq!(
        e("'hello' | checksum"),
        json!("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d")
    );
    assert!(err("'x' | hash('crc')").starts_with("unsupported hash type crc"));
}

#[test]
fn dictionaries() {
    assert_eq!(
        e("{'a': 1, 'n': {'x': 1}} | combine({'b': 2, 'n': {'y': 2}})"),
        json!({"a": 1, "n": {"y": 2}, "b": 2})
    );
    assert_eq!(
        e(
            "{'n': {'x': 1}, 'l': [1]} | combine({'n': {'y': 2}, 'l': [2]}, recursive=true, list_merge='append')"
        ),
        json!({"n": {"x": 1, "y": 2}, "l": [1, 2]})
    );
    assert_eq!(
        e("{'a': 1} | combine([{'b': 2}, {'a': 3}])"),
        json!({"a": 3, "b": 2})
    );
    assert_eq!(
        e("{'a': 1} | dict2items"),
        json!([{"key": "a", "value": 1}])
    );
    assert_eq!(
        e("[{'n': 'a', 'v': 1}] | items2dict(key_name='n', value_name='v')"),
        json!({"a": 1})
    );
}

#[test]
fn lists() {
    assert_eq!(e("[1, 2, 2] | union([3, 1])"), json!([1, 2, 3]));
    assert_eq!(e("[1, 2, 3] | intersect([3, 2, 5])"), json!([2, 3]));
    assert_eq!(e("[1, 2, 3] | difference([2])"), json!([1, 3]));
    assert_eq!(e("[1, 2] | symmetric_difference([2, 3])"), json!([1, 3]));
    assert_eq!(e("[1, [2, [3, none]]] | flatten"), json!([1, 2, 3]));
    assert_eq!(e("[1, [2, [3]]] | flatten(1)"), json!([1, 2, [3]]));
    assert_eq!(
        e("['a', 'b'] | product([1, 2])"),
        json!([["a", 1], ["a", 2], ["b", 1], ["b", 2]])
    );
    assert_eq!(
        e("['a', 'b'] | zip([1, 2]) | list"),
        json!([["a", 1], ["b", 2]])
    );
    assert_eq!(e("[3, 1, 2] | sort"), json!([1, 2, 3]));
    assert_eq!(e("[3, 1, 2] | min"), json!(1));
    assert_eq!(e("[3, 1, 2] | max"), json!(3));
    assert_eq!(e("[3, 1, 2] | first"), json!(3));
    assert_eq!(e("[3, 1, 2] | last"), json!(2));
    assert_eq!(e("[3, 1, 2] | length"), json!(3));
    assert_eq!(e("[1, 1, 2] | unique"), json!([1, 2]));
    assert_eq!(e("'  x ' | trim"), json!("x"));
    assert_eq!(e("'a,b' | split(',')"), json!(["a", "b"]));
}

#[test]
fn map_and_select_as_ansible_uses_them() {
    assert_eq!(
        e("users | selectattr('admin') | map(attribute='name') | list"),
        json!(["alice"])
    );
    assert_eq!(
        e("users | rejectattr('admin') | map(attribute='uid') | list"),
        json!([1002])
    );
    assert_eq!(
        e("['web1', 'db1'] | select('match', 'web') | list"),
        json!(["web1"])
    );
    assert_eq!(
        e("['web1', 'db1'] | reject('search', '^d') | list"),
        json!(["web1"])
    );
    assert_eq!(
        e("['a1', 'b2'] | map('regex_replace', '\\d', '') | list"),
        json!(["a", "b"])
    );
    assert_eq!(
        e("users | selectattr('name', 'equalto', 'bob') | map(attribute='uid') | first"),
        json!(1002)
    );
}

#[test]
fn random_with_seed_is_repeatable() {
    let a = e("60 | random(seed='host1')");
    assert_eq!(a, e("60 | random(seed='host1')"));
    assert!(a.as_i64().unwrap() < 60);
    assert!(["a", "b"].contains(&e("['a', 'b'] | random").as_str().unwrap()));
}

#[test]
fn versions() {
    assert_eq!(e("'1.10' is version('1.9', '>')"), json!(true));
    assert_eq!(e("'1.10' | version_compare('1.9', 'lt')"), json!(false));
    assert_eq!(e("'2.0' is version('2.0')"), json!(true));
    assert!(err("'1' is version('2', 'bigger')").starts_with("version: unknown operator `bigger`"));
}

#[test]
fn result_and_set_tests() {
    assert_eq!(e("results is changed"), json!(true));
    assert_eq!(e("failed_result is failed"), json!(true));
    assert_eq!(e("failed_result is succeeded"), json!(false));
    assert_eq!(e("skipped_result is skipped"), json!(true));
    assert_eq!(e("skipped_result is changed"), json!(false));
    assert_eq!(e("[1, 2] is subset([1, 2, 3])"), json!(true));
    assert_eq!(e("[1, 2] is superset([3])"), json!(false));
    assert_eq!(e("2 in [1, 2]"), json!(true));
    assert_eq!(e("'abc' is match('a')"), json!(true));
    assert_eq!(e("'abc' is match('b')"), json!(false));
    assert_eq!(e("'abc' is search('b')"), json!(true));
    assert_eq!(e("'/' is directory"), json!(true));
    assert_eq!(e("'/nonexistent/x' is exists"), json!(false));
    assert_eq!(e("none is none"), json!(true));
}

#[test]
fn python_string_and_dict_methods() {
    assert_eq!(e("'a b'.split()"), json!(["a", "b"]));
    assert_eq!(e("'web1'.startswith('web')"), json!(true));
    assert_eq!(e("d.keys() | list"), json!(["b", "a"]));
    assert_eq!(e("{'k': 1}.items() | list"), json!([["k", 1]]));
    // A list's index, as Python's (and Ansible's loops target uses it).
    assert_eq!(e("['a', 'b', 'c'].index('b')"), json!(1));
    assert!(err("['a'].index('z')").contains("'z' is not in list"));
}

#[test]
fn filters_answer_to_their_fully_qualified_names_too() {
    assert_eq!(
        e("d.a | ansible.builtin.to_json"),
        json!("{\"x\": 1, \"l\": [1]}")
    );
    assert_eq!(
        e("'a.b' | ansible.builtin.regex_replace('[.]', '-')"),
        json!("a-b")
    );
    assert_eq!(e("'1.2' is version('1.10', '<')"), json!(true));
    assert!(err("d | ansible.builtin.nosuch").contains("unknown"));
}
