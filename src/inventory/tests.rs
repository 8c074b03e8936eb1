//! Behaviour of the whole inventory: loading, merging, group membership and patterns, checked
//! against what ansible-core 2.19 prints for the same inputs.

use serde_json::json;

use super::Inventory;

const SAMPLE: &str = "\
top1 a=1
[web]
w[01:03] x=5 y='5' z=\"x y\" b=True c=true
p:2222 ansible_port=22
p2:2200
[web:vars]
gv=5
gc=hi # not a comment
[prod:children]
db
web
[prod]
pr1
[db]
d1
d[a:c]
[prod:vars]
gv=6
";

fn sample() -> Inventory {
    Inventory::from_ini(SAMPLE, "inv.ini").unwrap()
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn hosts_and_groups_keep_first_appearance_order() {
    let inv = sample();
    let hosts: Vec<&str> = inv.hosts.keys().map(String::as_str).collect();
    assert_eq!(
        hosts,
        [
            "top1", "w01", "w02", "w03", "p", "p2", "pr1", "d1", "da", "db", "dc"
        ]
    );
    let groups: Vec<&str> = inv.groups.keys().map(String::as_str).collect();
    assert_eq!(groups, ["all", "ungrouped", "web", "prod", "db"]);
    // `db` was named before its section, so it joins `prod` after `web`, as in Ansible.
    assert_eq!(inv.groups["prod"].children, ["web", "db"]);
    assert_eq!(inv.groups["all"].children, ["ungrouped", "prod"]);
    assert_eq!(inv.groups["ungrouped"].hosts, ["top1"]);
}

#[test]
fn inline_host_vars_are_typed_and_ports_applied() {
    let inv = sample();
    let v = inv.host_vars("w01");
    assert_eq!(v["x"], json!(5));
    assert_eq!(v["y"], json!(5));
    assert_eq!(v["z"], json!("x y"));
    assert_eq!(v["b"], json!(true));
    assert_eq!(v["c"], json!("true"));
    assert_eq!(inv.host_vars("p")["ansible_port"], json!(22));
    assert_eq!(inv.host_vars("p2")["ansible_port"], json!(2200));
}

#[test]
fn group_vars_merge_by_depth_then_host() {
    let inv = sample();
    // web (depth 2) beats prod (depth 1); a `#` in a vars value is kept, as Ansible does.
    assert_eq!(inv.host_vars("w01")["gv"], json!(5));
    assert_eq!(inv.host_vars("w01")["gc"], json!("hi # not a comment"));
    assert_eq!(inv.host_vars("d1")["gv"], json!(6));
    assert_eq!(json!(inv.host_vars("top1")), json!({"a": 1}));
}

#[test]
fn same_depth_groups_merge_alphabetically_and_priority_wins() {
    let text = "[zeta]\nh1\n[alpha]\nh1\n[all:vars]\nv=all\nw=all\n[zeta:vars]\nv=zeta\n[alpha:vars]\nv=alpha\n";
    let inv = Inventory::from_ini(text, "f.ini").unwrap();
    assert_eq!(inv.host_vars("h1")["v"], json!("zeta"));
    assert_eq!(inv.host_vars("h1")["w"], json!("all"));
    let text = format!("{text}ansible_group_priority=10\n");
    let inv = Inventory::from_ini(&text, "f.ini").unwrap();
    assert_eq!(inv.host_vars("h1")["v"], json!("alpha"));
}

#[test]
fn group_names_and_groups_map_follow_ansible() {
    let inv = sample();
    assert_eq!(inv.group_names("w01"), ["prod", "web"]);
    assert_eq!(inv.group_names("top1"), ["ungrouped"]);
    let m = inv.groups_map();
    assert_eq!(
        m["all"],
        strs(&[
            "top1", "pr1", "w01", "w02", "w03", "p", "p2", "d1", "da", "db", "dc"
        ])
    );
    assert_eq!(
        m["prod"],
        strs(&[
            "pr1", "w01", "w02", "w03", "p", "p2", "d1", "da", "db", "dc"
        ])
    );
    assert_eq!(m["ungrouped"], strs(&["top1"]));
    assert_eq!(
        m.keys().collect::<Vec<_>>(),
        ["all", "ungrouped", "web", "prod", "db"]
    );
}

#[test]
fn patterns_union_intersection_exclusion_in_ansible_order() {
    let inv = Inventory::from_ini("[a]\nh1\n[b]\nh2\n[c]\nh3\nh1\n", "g.ini").unwrap();
    let sel = |p: &str| inv.select(p).unwrap();
    assert_eq!(sel("b:a"), ["h2", "h1"]);
    assert_eq!(sel("a,c"), ["h1", "h3"]);
    assert_eq!(sel("&a:c"), ["h1"]);
    assert_eq!(sel("!a"), ["h2", "h3"]);
    assert_eq!(sel("c:&a:b"), ["h1"]);
    assert_eq!(sel("!b:c"), ["h3", "h1"]);
    assert_eq!(sel("*"), ["h1", "h2", "h3"]);
    assert_eq!(sel("all"), ["h1", "h2", "h3"]);
    assert_eq!(sel("h*"), ["h1", "h2", "h3"]);
    assert_eq!(sel("*1"), ["h1"]);
    assert_eq!(sel("~h[12]"), ["h1", "h2"]);
    assert_eq!(sel("c[-1]"), ["h1"]);
    assert_eq!(sel("c[0:]"), ["h3", "h1"]);
    assert_eq!(sel("a:b[0]"), ["h1", "h2"]);
    assert_eq!(sel("all[1:2]"), ["h2", "h3"]);
    assert!(sel("all[5]").is_empty());
    assert!(sel("nosuch").is_empty());
    assert!(
        inv.select("~(")
            .unwrap_err()
            .to_string()
            .contains("`~(` is not a valid regular expression")
    );
}

#[test]
fn a_host_name_wins_over_a_group_of_that_name() {
    let inv = sample();
    assert_eq!(
        inv.select("db:web:!w02").unwrap(),
        ["db", "w01", "w03", "p", "p2"]
    );
    assert_eq!(inv.select("prod[1:3]").unwrap(), ["w01", "w02", "w03"]);
}

#[test]
fn globs_cross_dots() {
    let inv = Inventory::from_ini("a.example.com\nb.x.example.com\nexample.org\n", "i").unwrap();
    assert_eq!(
        inv.select("*.example.com").unwrap(),
        ["a.example.com", "b.x.example.com"]
    );
    assert_eq!(inv.select("*").unwrap().len(), 3);
}

#[test]
fn implicit_localhost_only_when_not_defined() {
    let inv = Inventory::from_ini("[all:vars]\nv=all\n[g]\nh1\n", "f.ini").unwrap();
    assert_eq!(inv.select("localhost:h1").unwrap(), ["localhost", "h1"]);
    assert_eq!(inv.select("all").unwrap(), ["h1"]);
    let v = inv.host_vars("localhost");
    assert_eq!(v["ansible_connection"], json!("local"));
    assert_eq!(v["v"], json!("all"));
    assert!(inv.group_names("localhost").is_empty());
    let inv = Inventory::from_ini("localhost ansible_connection=ssh\n", "f.ini").unwrap();
    assert_eq!(
        inv.host_vars("localhost")["ansible_connection"],
        json!("ssh")
    );
    assert_eq!(inv.select("all").unwrap(), ["localhost"]);
}

#[test]
fn ini_errors_name_file_line_and_expectation() {
    let err = |t: &str| Inventory::from_ini(t, "bad.ini").unwrap_err().to_string();
    assert_eq!(
        err("[web]\nw1 novalue\n"),
        "bad.ini:2:4: expected `key=value` host variable, got `novalue`"
    );
    assert!(
        err("[p:children]\nnope\n")
            .starts_with("bad.ini:2:1: section `[p:children]` names group `nope`")
    );
    assert!(err("[q:vars]\nx=1\n").starts_with("bad.ini:1:1: section `[q:vars]` is for group `q`"));
    assert!(err("[web:bogus]\nw1\n").contains("unknown type `bogus`"));
    assert!(err("[web]\nw[1:x]\n").starts_with("bad.ini:2:1: "));
    assert!(err("[g]\nh\n[g:vars]\nnoequals\n").starts_with("bad.ini:4:1: expected `key=value`"));
    assert!(err("[a b]\n").contains("section header"));
}

#[test]
fn group_vars_sections_for_later_groups_are_fine() {
    let inv = Inventory::from_ini("[g:vars]\nx=1\n[g]\nh\n", "f.ini").unwrap();
    assert_eq!(inv.host_vars("h")["x"], json!(1));
}

#[test]
fn cycles_are_refused() {
    let e = Inventory::from_ini("[a:children]\nb\n[b:children]\na\n", "c.ini").unwrap_err();
    assert!(e.to_string().contains("own descendant"), "{e}");
}

#[test]
fn list_and_graph_views_match_ansible_for_ini() {
    let inv = sample();
    let list = inv.to_ansible_list_json();
    assert_eq!(list["all"], json!({"children": ["ungrouped", "prod"]}));
    assert_eq!(
        list["prod"],
        json!({"children": ["web", "db"], "hosts": ["pr1"]})
    );
    assert_eq!(list["_meta"]["hostvars"]["d1"], json!({"gv": 6}));
    let inv = Inventory::from_ini("[a]\nh1\n[b]\nh2\n[c]\nh3\nh1\n", "g.ini").unwrap();
    let list = inv.to_ansible_list_json();
    assert_eq!(list["_meta"]["hostvars"], json!({}));
    assert!(list.get("ungrouped").is_none(), "empty groups are left out");
    let graph = "@all:\n  |--@ungrouped:\n  |--@a:\n  |  |--h1\n  |--@b:\n  |  |--h2\n  |--@c:\n  |  |--h3\n  |  |--h1\n";
    assert_eq!(inv.graph("all"), graph);
}
