//! Reads a playbook file into `Playbook`, checking every keyword, module and module argument
//! up front and reporting every problem at once with its `file:line:col`.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_json::Value;

use super::keywords::{NOT_YET, PLAY_KEYS, TASK_KEYS, did_you_mean};
use super::node::{self, Node, NodeValue};
use super::{ConnectionKeywords, LoopControl, LoopSource, Play, Playbook, Task};
use crate::error::{Diagnostic, Error, Location};
use crate::modules::{self, BUILTINS};

/// Loads and checks a playbook. Nothing is contacted; the result is inert data.
pub fn load(path: &Path) -> Result<Playbook, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::msg(format!("cannot read playbook `{}`: {e}", path.display())))?;
    let root = node::parse(path, &text)?;
    let mut loader = Loader {
        file: path.to_path_buf(),
        diags: Vec::new(),
    };
    let plays = match &root.value {
        NodeValue::Seq(items) => items.iter().filter_map(|p| loader.play(p)).collect(),
        _ => {
            loader.err(
                &root,
                format!("a playbook is a list of plays, found {}", root.kind()),
            );
            Vec::new()
        }
    };
    if !loader.diags.is_empty() {
        return Err(Error::Input(loader.diags));
    }
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    Ok(Playbook {
        path: path.to_path_buf(),
        dir,
        plays,
    })
}

struct Loader {
    file: PathBuf,
    diags: Vec<Diagnostic>,
}

impl Loader {
    fn loc(&self, n: &Node) -> Location {
        n.location(&self.file)
    }

    fn err(&mut self, n: &Node, msg: impl Into<String>) {
        let loc = self.loc(n);
        self.diags.push(Diagnostic::at(loc, msg));
    }

    fn play(&mut self, n: &Node) -> Option<Play> {
        let Some(map) = n.as_map() else {
            self.err(
                n,
                format!(
                    "a play is a mapping with `hosts` and `tasks`, found {}",
                    n.kind()
                ),
            );
            return None;
        };
        for (k, _) in map {
            let key = k.key_text();
            if PLAY_KEYS.contains(&key.as_str()) {
                continue;
            }
            if NOT_YET.contains(&key.as_str()) {
                self.err(
                    k,
                    format!("play keyword `{key}` is not supported by rconf yet"),
                );
            } else {
                let hint = did_you_mean(&key, PLAY_KEYS.iter().copied())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_else(|| format!(" (expected one of: {})", PLAY_KEYS.join(", ")));
                self.err(k, format!("unknown play keyword `{key}`{hint}"));
            }
        }
        let hosts = match n.get("hosts") {
            Some(h) => self.pattern(h),
            None => {
                self.err(
                    n,
                    "play has no `hosts` (expected a host pattern such as `all` or `web`)",
                );
                String::new()
            }
        };
        let name = n
            .get("name")
            .map(|v| self.string(v, "name"))
            .unwrap_or_else(|| hosts.clone());
        let vars = n.get("vars").map(|v| self.vars(v)).unwrap_or_default();
        let gather_facts = n
            .get("gather_facts")
            .map(|v| self.boolean(v, "gather_facts"))
            .unwrap_or(true);
        let tags = n
            .get("tags")
            .map(|v| self.strings(v, "tags"))
            .unwrap_or_default();
        let list = |me: &mut Self, key: &str, handler: bool| {
            n.get(key)
                .map(|v| me.tasks(v, key, handler))
                .unwrap_or_default()
        };
        let connection = self.connection_keywords(n);
        let mut pre_tasks = list(self, "pre_tasks", false);
        let mut tasks = list(self, "tasks", false);
        let mut post_tasks = list(self, "post_tasks", false);
        let mut handlers = list(self, "handlers", true);
        for t in [&mut pre_tasks, &mut tasks, &mut post_tasks, &mut handlers]
            .into_iter()
            .flatten()
        {
            t.connection.inherit(&connection);
        }
        Some(Play {
            name,
            hosts,
            vars,
            gather_facts,
            pre_tasks,
            tasks,
            post_tasks,
            handlers,
            tags,
            location: self.loc(n),
        })
    }

    fn pattern(&mut self, n: &Node) -> String {
        match &n.value {
            NodeValue::Str(s) => s.clone(),
            NodeValue::Seq(items) => items
                .iter()
                .map(|i| self.string(i, "hosts"))
                .collect::<Vec<_>>()
                .join(","),
            _ => {
                self.err(
                    n,
                    format!(
                        "`hosts` must be a host pattern (a string or a list), found {}",
                        n.kind()
                    ),
                );
                String::new()
            }
        }
    }

    fn tasks(&mut self, n: &Node, key: &str, handler: bool) -> Vec<Task> {
        match &n.value {
            NodeValue::Null => Vec::new(),
            NodeValue::Seq(items) => items.iter().filter_map(|t| self.task(t, handler)).collect(),
            _ => {
                self.err(
                    n,
                    format!("`{key}` must be a list of tasks, found {}", n.kind()),
                );
                Vec::new()
            }
        }
    }

    fn task(&mut self, n: &Node, handler: bool) -> Option<Task> {
        let Some(map) = n.as_map() else {
            self.err(
                n,
                format!("a task is a mapping with a module, found {}", n.kind()),
            );
            return None;
        };
        let mut found: Option<(&Node, &Node, &'static dyn modules::Module)> = None;
        let mut ok = true;
        for (k, v) in map {
            let key = k.key_text();
            if TASK_KEYS.contains(&key.as_str()) {
                if key == "listen" && !handler {
                    self.err(k, "`listen` is only valid on handlers");
                    ok = false;
                }
                continue;
            }
            if let Some(m) = modules::find(&key) {
                if let Some((prev, _, _)) = found {
                    self.err(
                        k,
                        format!(
                            "a task runs one module, found `{}` and `{key}`",
                            prev.key_text()
                        ),
                    );
                    ok = false;
                } else {
                    found = Some((k, v, m));
                }
            } else if NOT_YET.contains(&key.as_str()) || key.starts_with("with_") {
                self.err(
                    k,
                    format!("task keyword `{key}` is not supported by rconf yet"),
                );
                ok = false;
            } else {
                let candidates = TASK_KEYS
                    .iter()
                    .copied()
                    .chain(BUILTINS.iter().map(|m| m.spec().name));
                let hint = did_you_mean(&key, candidates)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                self.err(k, format!("unknown module or task keyword `{key}`{hint}"));
                ok = false;
            }
        }
        let Some((mkey, mval, module)) = found else {
            if ok {
                self.err(
                    n,
                    "task has no module (expected a module such as `command`, `copy` or `file`)",
                );
            }
            return None;
        };
        let args = self.module_args(mkey, mval, n.get("args"), module);
        let loop_items = match (n.get("loop"), n.get("with_items"), n.get("with_list")) {
            (Some(l), None, None) => Some(LoopSource::List(l.to_json())),
            (None, Some(l), None) => Some(LoopSource::Items(l.to_json())),
            (None, None, Some(l)) => Some(LoopSource::List(l.to_json())),
            (None, None, None) => None,
            _ => {
                self.err(
                    n,
                    "a task has one loop: use only one of `loop`, `with_items`, `with_list`",
                );
                None
            }
        };
        let task = Task {
            name: n.get("name").map(|v| self.string(v, "name")),
            action: mkey.key_text(),
            module,
            args: args.unwrap_or_default(),
            when: n
                .get("when")
                .map(|v| self.conditions(v, "when"))
                .unwrap_or_default(),
            register: n.get("register").map(|v| self.identifier(v, "register")),
            loop_items,
            loop_control: n
                .get("loop_control")
                .map(|v| self.loop_control(v))
                .unwrap_or_default(),
            changed_when: n
                .get("changed_when")
                .map(|v| self.conditions(v, "changed_when")),
            failed_when: n
                .get("failed_when")
                .map(|v| self.conditions(v, "failed_when")),
            ignore_errors: n
                .get("ignore_errors")
                .map(|v| self.bool_or_template(v, "ignore_errors"))
                .unwrap_or(Value::Bool(false)),
            notify: n
                .get("notify")
                .map(|v| self.strings(v, "notify"))
                .unwrap_or_default(),
            listen: n
                .get("listen")
                .map(|v| self.strings(v, "listen"))
                .unwrap_or_default(),
            tags: n
                .get("tags")
                .map(|v| self.strings(v, "tags"))
                .unwrap_or_default(),
            vars: n.get("vars").map(|v| self.vars(v)).unwrap_or_default(),
            no_log: n
                .get("no_log")
                .map(|v| self.boolean(v, "no_log"))
                .unwrap_or(false),
            check_mode: n.get("check_mode").map(|v| self.boolean(v, "check_mode")),
            diff: n.get("diff").map(|v| self.boolean(v, "diff")),
            connection: self.connection_keywords(n),
            location: self.loc(n),
        };
        Some(task)
    }

    /// Free-form parsing, `args:` merging and load-time argument checks.
    fn module_args(
        &mut self,
        mkey: &Node,
        mval: &Node,
        extra: Option<&Node>,
        module: &'static dyn modules::Module,
    ) -> Option<IndexMap<String, Value>> {
        let spec = module.spec();
        let raw = mval.to_json();
        let mut args = match spec.normalize(&raw) {
            Ok(a) => a,
            Err(e) => {
                self.err(mval, format!("module `{}`: {e}", spec.name));
                return None;
            }
        };
        if let Some(extra) = extra {
            match extra.to_json() {
                Value::Object(m) => args.extend(m),
                Value::String(s) if crate::template::Templar::is_template(&s) => {
                    self.err(
                        extra,
                        "`args` as a template is not supported; write a mapping",
                    );
                    return None;
                }
                _ => {
                    self.err(
                        extra,
                        format!("`args` must be a mapping, found {}", extra.kind()),
                    );
                    return None;
                }
            }
        }
        for problem in spec.check(&args) {
            let at = problem
                .arg
                .as_deref()
                .and_then(|a| key_node(mval, a).or_else(|| extra.and_then(|e| key_node(e, a))))
                .unwrap_or(mkey);
            let msg = format!("module `{}`: {}", spec.name, problem.message);
            self.err(at, msg);
        }
        Some(args)
    }

    fn conditions(&mut self, n: &Node, key: &str) -> Vec<String> {
        let one = |me: &mut Self, n: &Node| match &n.value {
            NodeValue::Str(s) => Some(s.clone()),
            NodeValue::Bool(b) => Some(if *b { "True" } else { "False" }.to_string()),
            NodeValue::Int(i) => Some(i.to_string()),
            _ => {
                me.err(
                    n,
                    format!(
                        "`{key}` must be a condition (a string or a list of them), found {}",
                        n.kind()
                    ),
                );
                None
            }
        };
        match &n.value {
            NodeValue::Seq(items) => items.iter().filter_map(|i| one(self, i)).collect(),
            _ => one(self, n).into_iter().collect(),
        }
    }

    fn string(&mut self, n: &Node, key: &str) -> String {
        match &n.value {
            NodeValue::Str(s) => s.clone(),
            NodeValue::Int(_) | NodeValue::Float(_) | NodeValue::Bool(_) => n.key_text(),
            _ => {
                self.err(n, format!("`{key}` must be a string, found {}", n.kind()));
                String::new()
            }
        }
    }

    fn identifier(&mut self, n: &Node, key: &str) -> String {
        let s = self.string(n, key);
        let valid = s
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid && !s.is_empty() {
            self.err(
                n,
                format!("`{key}` must be a variable name (letters, digits, `_`), found `{s}`"),
            );
        }
        s
    }

    fn strings(&mut self, n: &Node, key: &str) -> Vec<String> {
        match &n.value {
            NodeValue::Seq(items) => items.iter().map(|i| self.string(i, key)).collect(),
            NodeValue::Str(s) if key == "tags" => {
                s.split(',').map(|t| t.trim().to_string()).collect()
            }
            _ => vec![self.string(n, key)],
        }
    }

    fn connection_keywords(&mut self, n: &Node) -> ConnectionKeywords {
        let (kw, errors) = ConnectionKeywords::read(|k| n.get(k).map(Node::to_json));
        for e in errors {
            self.err(n, e);
        }
        kw
    }

    fn boolean(&mut self, n: &Node, key: &str) -> bool {
        match &n.value {
            NodeValue::Bool(b) => *b,
            NodeValue::Str(s) => match s.to_ascii_lowercase().as_str() {
                "yes" | "true" | "on" | "1" | "y" => true,
                "no" | "false" | "off" | "0" | "n" => false,
                _ => {
                    self.err(
                        n,
                        format!("`{key}` must be a boolean (yes/no, true/false), found `{s}`"),
                    );
                    false
                }
            },
            NodeValue::Int(i) if *i == 0 || *i == 1 => *i == 1,
            _ => {
                self.err(
                    n,
                    format!(
                        "`{key}` must be a boolean (yes/no, true/false), found {}",
                        n.kind()
                    ),
                );
                false
            }
        }
    }

    fn bool_or_template(&mut self, n: &Node, key: &str) -> Value {
        match &n.value {
            NodeValue::Str(s) if crate::template::Templar::is_template(s) => {
                Value::String(s.clone())
            }
            _ => Value::Bool(self.boolean(n, key)),
        }
    }

    fn vars(&mut self, n: &Node) -> IndexMap<String, Value> {
        match &n.value {
            NodeValue::Null => IndexMap::new(),
            NodeValue::Map(pairs) => {
                let mut out = IndexMap::new();
                for (k, v) in pairs {
                    let name = k.key_text();
                    let valid = name
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    if !valid {
                        self.err(k, format!("invalid variable name `{name}` (letters, digits and `_`, not starting with a digit)"));
                    }
                    out.insert(name, v.to_json());
                }
                out
            }
            _ => {
                self.err(
                    n,
                    format!(
                        "`vars` must be a mapping of variable names to values, found {}",
                        n.kind()
                    ),
                );
                IndexMap::new()
            }
        }
    }

    fn loop_control(&mut self, n: &Node) -> LoopControl {
        let mut lc = LoopControl::default();
        let Some(map) = n.as_map() else {
            self.err(
                n,
                format!("`loop_control` must be a mapping, found {}", n.kind()),
            );
            return lc;
        };
        for (k, v) in map {
            match k.key_text().as_str() {
                "loop_var" => lc.loop_var = Some(self.identifier(v, "loop_var")),
                "index_var" => lc.index_var = Some(self.identifier(v, "index_var")),
                "label" => lc.label = Some(self.string(v, "label")),
                other => self.err(k, format!("unknown `loop_control` key `{other}` (expected loop_var, index_var or label)")),
            }
        }
        lc
    }
}

fn key_node<'a>(map: &'a Node, key: &str) -> Option<&'a Node> {
    map.as_map()?
        .iter()
        .find(|(k, _)| k.key_text() == key)
        .map(|(k, _)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Playbook, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site.yml");
        std::fs::write(&path, text).unwrap();
        load(&path).map_err(|e| {
            e.to_string()
                .replace(&format!("{}/", dir.path().display()), "")
        })
    }

    #[test]
    fn reads_plays_tasks_and_both_module_forms() {
        let pb = load_text("- name: web\n  hosts: web\n  become_not_used: 1\n");
        assert_eq!(
            pb.unwrap_err(),
            "site.yml:3:3: unknown play keyword `become_not_used` (expected one of: name, hosts, vars, gather_facts, pre_tasks, tasks, post_tasks, handlers, tags, become, become_user, become_method, become_flags, timeout, remote_user)"
        );
        let pb = load_text(
            "- hosts: all\n  gather_facts: no\n  tasks:\n    - name: a\n      ansible.builtin.command: uname -a\n      changed_when: false\n    - copy: {content: x, dest: /tmp/x}\n      when: [a, b]\n      loop: \"{{ items }}\"\n",
        )
        .unwrap();
        let play = &pb.plays[0];
        assert!(!play.gather_facts);
        assert_eq!(play.tasks[0].display_name(), "a");
        assert_eq!(play.tasks[0].args["_raw_params"], "uname -a");
        assert_eq!(
            play.tasks[0].changed_when.as_deref(),
            Some(&["False".to_string()][..])
        );
        assert_eq!(play.tasks[1].display_name(), "copy");
        assert_eq!(play.tasks[1].when, vec!["a", "b"]);
        assert_eq!(play.tasks[1].location.line, 7);
    }

    #[test]
    fn reports_every_problem_at_once_with_its_place() {
        let e = load_text(
            "- hosts: all\n  tasks:\n    - regster: x\n      command: ls\n    - file: {path: /x, stat: touch}\n    - delegate_to: x\n      command: ls\n    - {}\n",
        )
        .unwrap_err();
        let lines: Vec<&str> = e.split("\nerror: ").collect();
        assert_eq!(
            lines[0],
            "site.yml:3:7: unknown module or task keyword `regster`; did you mean `register`?"
        );
        assert_eq!(
            lines[1],
            "site.yml:5:24: module `file`: unsupported parameter `stat` for module `file`; did you mean `state`?"
        );
        assert_eq!(
            lines[2],
            "site.yml:6:7: task keyword `delegate_to` is not supported by rconf yet"
        );
        assert!(
            lines[3].starts_with("site.yml:8:7: task has no module"),
            "{e}"
        );
        assert_eq!(lines.len(), 4, "{e}");
    }

    #[test]
    fn a_task_runs_one_module_and_one_loop() {
        let e =
            load_text("- hosts: all\n  tasks:\n    - command: ls\n      shell: ls\n").unwrap_err();
        assert_eq!(
            e,
            "site.yml:4:7: a task runs one module, found `command` and `shell`"
        );
        let e = load_text(
            "- hosts: all\n  tasks:\n    - command: ls\n      loop: [1]\n      with_items: [2]\n",
        )
        .unwrap_err();
        assert_eq!(
            e,
            "site.yml:3:7: a task has one loop: use only one of `loop`, `with_items`, `with_list`"
        );
    }

    #[test]
    fn yaml_1_1_booleans_where_booleans_are_expected() {
        let pb = load_text("- hosts: all\n  gather_facts: off\n  tasks:\n    - command: ls\n      ignore_errors: yes\n      no_log: True\n").unwrap();
        let t = &pb.plays[0].tasks[0];
        assert_eq!(t.ignore_errors, Value::Bool(true));
        assert!(t.no_log);
        let e = load_text("- hosts: all\n  gather_facts: maybe\n").unwrap_err();
        assert_eq!(
            e,
            "site.yml:2:17: `gather_facts` must be a boolean (yes/no, true/false), found `maybe`"
        );
    }

    #[test]
    fn not_a_playbook() {
        assert_eq!(
            load_text("hosts: all\n").unwrap_err(),
            "site.yml:1:1: a playbook is a list of plays, found a mapping"
        );
    }
}
