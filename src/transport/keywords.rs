//! The play and task keywords that shape how a task reaches its host (`become*`, `timeout`,
//! `remote_user`), kept unrendered: they may be templates, rendered per host at run time.

use serde_json::Value;

/// The keywords as written; `None` where neither the task nor its play set one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectionKeywords {
    pub become_: Option<Value>,
    pub become_user: Option<Value>,
    pub become_method: Option<Value>,
    pub become_flags: Option<Value>,
    pub timeout: Option<Value>,
    pub remote_user: Option<Value>,
    /// `connection: local|ssh`: the connection type when no `ansible_connection` names one.
    pub connection: Option<Value>,
    /// `port`: the SSH port when no `ansible_port` names one.
    pub port: Option<Value>,
}

/// The keys this struct reads, for the loader's lists of supported keywords.
pub const KEYS: &[&str] = &[
    "become",
    "become_user",
    "become_method",
    "become_flags",
    "timeout",
    "remote_user",
    "connection",
    "port",
];

/// The become methods rconf implements.
pub const METHODS: &[&str] = &["sudo", "su"];

fn is_template(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.contains("{{") || s.contains("{%"))
}

impl ConnectionKeywords {
    /// Reads the keywords from a play or task through `get` (the node's value for a key).
    /// Errors are complete sentences, one per bad key.
    pub fn read(get: impl Fn(&str) -> Option<Value>) -> (ConnectionKeywords, Vec<String>) {
        let mut errors = Vec::new();
        let kw = ConnectionKeywords {
            become_: get("become"),
            become_user: get("become_user"),
            become_method: get("become_method"),
            become_flags: get("become_flags"),
            timeout: get("timeout"),
            remote_user: get("remote_user"),
            connection: get("connection"),
            port: get("port"),
        };
        if let Some(m) = &kw.become_method
            && !is_template(m)
            && !m.as_str().is_some_and(|m| METHODS.contains(&m))
        {
            errors.push(format!(
                "`become_method` `{}` is not supported (expected one of: {})",
                m.as_str().map(str::to_string).unwrap_or(m.to_string()),
                METHODS.join(", ")
            ));
        }
        if let Some(t) = &kw.timeout
            && !is_template(t)
            && t.as_u64().is_none()
        {
            errors.push(format!(
                "`timeout` must be a whole number of seconds (0: no limit), found `{t}`"
            ));
        }
        let is_port = |p: &Value| match p {
            Value::Number(n) => n.as_u64().is_some_and(|p| (1..=65535).contains(&p)),
            Value::String(s) => s.trim().parse::<u16>().is_ok_and(|p| p > 0),
            _ => false,
        };
        if let Some(p) = &kw.port
            && !is_template(p)
            && !is_port(p)
        {
            errors.push(format!("`port` must be a port number, found `{p}`"));
        }
        (kw, errors)
    }

    /// Fills every keyword this one leaves unset from `outer` (the task's play).
    pub fn inherit(&mut self, outer: &ConnectionKeywords) {
        let pairs = [
            (&mut self.become_, &outer.become_),
            (&mut self.become_user, &outer.become_user),
            (&mut self.become_method, &outer.become_method),
            (&mut self.become_flags, &outer.become_flags),
            (&mut self.timeout, &outer.timeout),
            (&mut self.remote_user, &outer.remote_user),
            (&mut self.connection, &outer.connection),
            (&mut self.port, &outer.port),
        ];
        for (mine, theirs) in pairs {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(pairs: Value) -> (ConnectionKeywords, Vec<String>) {
        ConnectionKeywords::read(|k| pairs.get(k).cloned())
    }

    #[test]
    fn unknown_method_and_bad_timeout_are_load_errors() {
        let (_, errors) = read(json!({"become_method": "doas", "timeout": "soon"}));
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("`doas`") && errors[0].contains("sudo, su"));
        assert!(errors[1].contains("`timeout`"));
        let (kw, errors) = read(json!({"become": true, "become_method": "{{ m }}", "timeout": 5}));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(kw.become_, Some(json!(true)));
    }

    #[test]
    fn a_task_keeps_its_own_keywords_and_takes_the_rest_from_its_play() {
        let (play, _) = read(json!({"become": true, "become_user": "postgres", "timeout": 9}));
        let (mut task, _) = read(json!({"become_user": "www-data"}));
        task.inherit(&play);
        assert_eq!(task.become_, Some(json!(true)));
        assert_eq!(task.become_user, Some(json!("www-data")));
        assert_eq!(task.timeout, Some(json!(9)));
        assert_eq!(task.remote_user, None);
    }
}
