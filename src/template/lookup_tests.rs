//! Lookups as playbooks call them, against files in a temporary playbook directory.

use super::*;
use serde_json::json;

struct Dir {
    dir: tempfile::TempDir,
}

impl Dir {
    fn new() -> Dir {
        let d = Dir {
            dir: tempfile::tempdir().unwrap(),
        };
        d.write("files/motd.txt", "hello\n\n");
        d.write("files/a.conf", "a");
        d.write("files/b.conf", "b");
        d.write("files/.hidden.conf", "h");
        d.write("top.txt", "  top  \n");
        d.write(
            "templates/greet.j2",
            "hi {{ who }}{{ extra | default('') }}\n",
        );
        d.write("roles/web/files/motd.txt", "from role");
        d.write(
            "data.ini",
            "[db]\nuser = admin\nPort: 5432\n[global]\nname=x\n",
        );
        d.write("users.csv", "alice\t1001\tadmin\nbob\t1002\t\"a, b\"\n");
        d
    }

    fn write(&self, rel: &str, content: &str) {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    fn path(&self, rel: &str) -> String {
        self.dir.path().join(rel).display().to_string()
    }

    fn vars(&self, extra: serde_json::Value) -> JValue {
        let mut v = json!({
            "playbook_dir": self.dir.path().display().to_string(),
            "who": "world",
            "greeting": "{{ 'hey' }} {{ who }}",
            "n": 3,
        });
        if let (Some(m), serde_json::Value::Object(e)) = (v.as_object_mut(), extra) {
            m.extend(e);
        }
        let layer = crate::vars::layer_from_json(v.as_object().unwrap());
        crate::vars::Scope::new(&Templar::new(), &[&layer]).into_value()
    }

    fn e(&self, expr: &str) -> Value {
        self.e_with(expr, json!({}))
    }

    fn e_with(&self, expr: &str, extra: serde_json::Value) -> Value {
        Templar::new()
            .render_str(&format!("{{{{ {expr} }}}}"), &self.vars(extra))
            .unwrap_or_else(|err| panic!("{expr}: {err}"))
    }

    fn err(&self, expr: &str) -> String {
        self.err_with(expr, json!({}))
    }

    fn err_with(&self, expr: &str, extra: serde_json::Value) -> String {
        Templar::new()
            .render_str(&format!("{{{{ {expr} }}}}"), &self.vars(extra))
            .unwrap_err()
    }
}

#[test]
fn file_strips_trailing_whitespace_and_honours_options() {
    let d = Dir::new();
    assert_eq!(d.e("lookup('file', 'motd.txt')"), json!("hello"));
    assert_eq!(d.e("lookup('file', 'top.txt')"), json!("  top"));
    assert_eq!(
        d.e("lookup('file', 'top.txt', lstrip=true, rstrip=false)"),
        json!("top  \n")
    );
    assert_eq!(
        d.e(&format!("lookup('file', '{}')", d.path("files/a.conf"))),
        json!("a")
    );
    assert_eq!(d.e("lookup('file', 'a.conf', 'b.conf')"), json!("a,b"));
    assert_eq!(d.e("query('file', 'a.conf', 'b.conf')"), json!(["a", "b"]));
}

#[test]
fn file_prefers_the_role_files() {
    let d = Dir::new();
    let role = json!({"role_path": d.path("roles/web")});
    assert_eq!(
        d.e_with("lookup('file', 'motd.txt')", role.clone()),
        json!("from role")
    );
    assert_eq!(d.e_with("lookup('file', 'a.conf')", role), json!("a"));
}

#[test]
fn missing_file_names_the_file_and_the_search() {
    let d = Dir::new();
    let msg = d.err("lookup('file', 'nope.txt')");
    assert!(
        msg.contains("lookup `file`: could not find `nope.txt`"),
        "{msg}"
    );
    assert!(msg.contains(&d.path("files")), "{msg}");
    assert_eq!(
        d.e("lookup('file', 'nope.txt', errors='ignore') is none"),
        json!(true)
    );
    assert_eq!(d.e("query('file', 'nope.txt', errors='warn')"), json!([]));
    let msg = d.err("lookup('file', 'a.conf', errors='loud')");
    assert!(
        msg.contains("`errors` must be strict, warn or ignore"),
        "{msg}"
    );
}

#[test]
fn unknown_lookup_and_option_are_errors() {
    let d = Dir::new();
    let msg = d.err("lookup('nosuch', 'x')");
    assert!(msg.contains("unknown lookup plugin `nosuch`"), "{msg}");
    let msg = d.err("lookup('file', 'a.conf', strip=true)");
    assert!(
        msg.contains("lookup `file`: unknown option `strip`, expected lstrip, rstrip"),
        "{msg}"
    );
}

#[test]
fn template_renders_with_the_callers_variables() {
    let d = Dir::new();
    assert_eq!(d.e("lookup('template', 'greet.j2')"), json!("hi world\n"));
    assert_eq!(
        d.e("lookup('template', 'greet.j2', template_vars={'extra': '!'})"),
        json!("hi world!\n")
    );
    d.write("templates/lazy.j2", "{{ greeting }} n={{ n + 1 }}");
    assert_eq!(d.e("lookup('template', 'lazy.j2')"), json!("hey world n=4"));
    d.write("templates/bad.j2", "{{ missing_var }}");
    let msg = d.err("lookup('template', 'bad.j2')");
    assert!(msg.contains("`missing_var` is undefined"), "{msg}");
}

#[test]
fn env_gives_the_value_or_the_default() {
    let d = Dir::new();
    let home = std::env::var("HOME").unwrap();
    assert_eq!(d.e("lookup('env', 'HOME')"), json!(home));
    assert_eq!(d.e("lookup('env', 'RCONF_SURELY_UNSET')"), json!(""));
    // The fully qualified names linters ask for.
    assert_eq!(d.e("lookup('ansible.builtin.env', 'HOME')"), json!(home));
    assert_eq!(d.e("query('ansible.legacy.env', 'HOME')"), json!([home]));
    assert_eq!(
        d.e("lookup('env', 'RCONF_SURELY_UNSET', default='fallback')"),
        json!("fallback")
    );
}

#[test]
fn fileglob_matches_files_only_and_skips_hidden() {
    let d = Dir::new();
    assert_eq!(
        d.e("query('fileglob', '*.conf')"),
        json!([d.path("files/a.conf"), d.path("files/b.conf")])
    );
    assert_eq!(
        d.e("lookup('fileglob', '[a]*.conf')"),
        json!(d.path("files/a.conf"))
    );
    assert_eq!(
        d.e(&format!("query('fileglob', '{}/files/*.conf')", d.path(""))),
        json!([d.path("files/a.conf"), d.path("files/b.conf")])
    );
    assert_eq!(d.e("query('fileglob', '*.none')"), json!([]));
}

#[test]
fn first_found_takes_the_first_existing_candidate() {
    let d = Dir::new();
    assert_eq!(
        d.e("lookup('first_found', ['nope.txt', 'b.conf', 'a.conf'])"),
        json!(d.path("files/b.conf"))
    );
    assert_eq!(
        d.e("lookup('first_found', {'files': ['x', 'motd.txt'], 'paths': ['files']})"),
        json!(d.path("files/motd.txt"))
    );
    assert_eq!(
        d.e("query('first_found', 'nope.txt', skip=True)"),
        json!([])
    );
    let msg = d.err("lookup('first_found', ['x.yml', 'y.yml'])");
    assert!(
        msg.contains("no file was found among `x.yml`, `y.yml`"),
        "{msg}"
    );
}

#[test]
fn vars_reads_templated_variables() {
    let d = Dir::new();
    assert_eq!(d.e("lookup('vars', 'greeting')"), json!("hey world"));
    assert_eq!(d.e("lookup('vars', 'n')"), json!(3));
    assert_eq!(d.e("lookup('vars', 'nope', default='d')"), json!("d"));
    let msg = d.err("lookup('vars', 'nope')");
    assert!(msg.contains("no variable named `nope`"), "{msg}");
}

#[test]
fn pipe_and_lines_run_commands_on_the_controller() {
    let d = Dir::new();
    assert_eq!(
        d.e("lookup('pipe', 'echo hi; echo there')"),
        json!("hi\nthere")
    );
    assert_eq!(d.e("lookup('pipe', 'cat top.txt')"), json!("  top"));
    assert_eq!(
        d.e("query('lines', 'printf \"a\\nb\\n\"')"),
        json!(["a", "b"])
    );
    let msg = d.err("lookup('pipe', 'echo oops >&2; exit 3')");
    assert!(
        msg.contains("command `echo oops >&2; exit 3` failed with exit status 3: oops"),
        "{msg}"
    );
}

#[test]
fn list_shaping_lookups() {
    let d = Dir::new();
    assert_eq!(d.e("query('items', [1, [2, 3]], 4)"), json!([1, [2, 3], 4]));
    assert_eq!(
        d.e("query('items', 'a', ['b', 'c'])"),
        json!(["a", "b", "c"])
    );
    assert_eq!(d.e("query('list', 'a', 'b')"), json!(["a", "b"]));
    assert_eq!(d.e("lookup('list', 'a', 'b')"), json!("a,b"));
    assert_eq!(
        d.e("query('dict', {'x': 1, 'y': 2})"),
        json!([{"key": "x", "value": 1}, {"key": "y", "value": 2}])
    );
    assert_eq!(
        d.e("query('indexed_items', ['a', 'b'])"),
        json!([[0, "a"], [1, "b"]])
    );
    assert_eq!(d.e("lookup('items', [1, 2])"), json!([1, 2]));
    assert_eq!(d.e("lookup('items', [7])"), json!(7));
    assert!(d.err("query('dict', [1])").contains("expected a mapping"));
}

#[test]
fn sequence_forms() {
    let d = Dir::new();
    assert_eq!(
        d.e("query('sequence', 'start=1 end=3')"),
        json!(["1", "2", "3"])
    );
    assert_eq!(
        d.e("query('sequence', 'start=0 end=10 stride=5 format=host%02d')"),
        json!(["host00", "host05", "host10"])
    );
    assert_eq!(
        d.e("query('sequence', 'count=3 start=4 stride=2')"),
        json!(["4", "6", "8"])
    );
    assert_eq!(
        d.e("query('sequence', '2-4:web%d')"),
        json!(["web2", "web3", "web4"])
    );
    assert_eq!(d.e("query('sequence', '3')"), json!(["1", "2", "3"]));
    assert_eq!(
        d.e("query('sequence', start=5, end=1, stride=-2)"),
        json!(["5", "3", "1"])
    );
    assert_eq!(d.e("lookup('sequence', 'end=3')"), json!("1,2,3"));
    assert!(
        d.err("query('sequence', 'start=5 end=1')")
            .contains("make `stride` negative")
    );
    assert!(
        d.err("query('sequence', 'end=3 count=2')")
            .contains("give `count` or `end`, not both")
    );
    assert!(
        d.err("query('sequence', 'start=1')")
            .contains("give `count` or `end`")
    );
}

#[test]
fn ini_and_csvfile_read_values() {
    let d = Dir::new();
    assert_eq!(
        d.e("lookup('ini', 'user section=db file=data.ini')"),
        json!("admin")
    );
    assert_eq!(
        d.e("lookup('ini', 'port', section='db', file='data.ini')"),
        json!("5432")
    );
    assert_eq!(d.e("lookup('ini', 'name file=data.ini')"), json!("x"));
    assert_eq!(
        d.e("lookup('ini', 'nope section=db file=data.ini default=dflt')"),
        json!("dflt")
    );
    assert_eq!(
        d.e("lookup('csvfile', 'bob file=users.csv col=2')"),
        json!("a, b")
    );
    assert_eq!(
        d.e("lookup('csvfile', 'alice file=users.csv')"),
        json!("1001")
    );
    assert_eq!(
        d.e("lookup('csvfile', 'carol file=users.csv default=none')"),
        json!("none")
    );
}

#[test]
fn password_is_generated_once_and_stored() {
    let d = Dir::new();
    let first = d.e("lookup('password', 'creds/db length=12 chars=digits')");
    let first = first.as_str().unwrap().to_string();
    assert_eq!(first.len(), 12);
    assert!(first.chars().all(|c| c.is_ascii_digit()), "{first}");
    let stored = std::fs::read_to_string(d.path("creds/db")).unwrap();
    assert_eq!(stored, format!("{first}\n"));
    assert_eq!(
        d.e("lookup('password', 'creds/db length=12 chars=digits')"),
        json!(first)
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(d.path("creds/db")).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    let hashed = d.e("lookup('password', 'creds/h encrypt=sha512_crypt')");
    let stored = std::fs::read_to_string(d.path("creds/h")).unwrap();
    let (pw, salt) = stored.trim_end().split_once(" salt=").unwrap();
    assert_eq!(
        hashed,
        json!(crypt::hash(
            crypt::Scheme::Sha512,
            pw.as_bytes(),
            salt,
            None
        ))
    );
    let a = d.e("lookup('password', '/dev/null seed=x')");
    assert_eq!(a, d.e("lookup('password', '/dev/null seed=x')"));
    assert_eq!(a.as_str().unwrap().len(), 20);
}

#[test]
fn nested_together_and_subelements_shape_items_as_ansible_does() {
    let d = Dir::new();
    assert_eq!(
        d.e("query('nested', ['a', 'b'], [1, 2])"),
        json!([["a", 1], ["a", 2], ["b", 1], ["b", 2]])
    );
    assert_eq!(
        d.e("query('together', ['a', 'b', 'c'], [1, 2])"),
        json!([["a", 1], ["b", 2], ["c", null]])
    );
    let users = json!({"users": [
        {"name": "alice", "groups": ["wheel", "dev"], "uid": 1},
        {"name": "carol"},
    ]});
    // The item comes without the list it was split on.
    assert_eq!(
        d.e_with(
            "query('subelements', users, 'groups', {'skip_missing': true})",
            users.clone()
        ),
        json!([
            [{"name": "alice", "uid": 1}, "wheel"],
            [{"name": "alice", "uid": 1}, "dev"]
        ])
    );
    let e = d.err_with("query('subelements', users, 'groups')", users);
    assert!(
        e.contains("could not find 'groups' key in iterated item '{'name': 'carol'}'"),
        "{e}"
    );
}

#[test]
fn first_found_takes_mappings_inside_a_list_term() {
    let d = Dir::new();
    // `with_first_found: [{files: [...], skip: true}]` as geerlingguy.mysql writes it.
    assert_eq!(
        d.e("query('first_found', [{'files': ['nope.yml', 'b.conf'], 'skip': True}])"),
        json!([d.path("files/b.conf")])
    );
    assert_eq!(
        d.e("query('first_found', [{'files': ['nope.yml'], 'skip': True}])"),
        json!([])
    );
}

#[test]
fn varnames_lists_the_variables_a_pattern_matches() {
    let d = Dir::new();
    let vars = json!({"ssh_a": 1, "ssh_b": 2, "other": 3});
    // What ansible-playbook 2.19 gives for the same variables.
    assert_eq!(
        d.e_with("query('varnames', '^ssh_')", vars.clone()),
        json!(["ssh_a", "ssh_b"])
    );
    assert_eq!(
        d.e_with("query('varnames', '^nope$')", vars.clone()),
        json!([])
    );
    assert_eq!(
        d.e_with("query('varnames', '^ssh_a$', '^oth')", vars),
        json!(["ssh_a", "other"])
    );
}
