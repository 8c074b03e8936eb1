//! How a result is laid out after `=>`: Ansible's JSON, or the YAML block of
//! `callback_result_format = yaml` (ansible.cfg), which rconf also uses on its own for a result
//! whose `msg`, `stdout` or `stderr` spans several lines, so those read as lines.

use serde_json::Value;

use crate::template::yaml;

/// The layout of results on the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResultFormat {
    /// Ansible's JSON, except a result with multi-line text, shown as YAML.
    #[default]
    Auto,
    /// Always Ansible's JSON (`callback_result_format = json` said so explicitly).
    Json,
    /// Always YAML (`callback_result_format = yaml`, or `stdout_callback = yaml`).
    Yaml,
}

impl ResultFormat {
    /// Whether `shown` (the result as it is about to be printed) is laid out as YAML.
    pub fn yaml_for(self, shown: &Value) -> bool {
        match self {
            ResultFormat::Json => false,
            ResultFormat::Yaml => true,
            ResultFormat::Auto => ["msg", "stdout", "stderr"].iter().any(|k| {
                shown
                    .get(k)
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.trim_end_matches('\n').contains('\n'))
            }),
        }
    }
}

/// The YAML block Ansible prints after `=> `: a new line, then the result indented by four,
/// sorted keys, multi-line strings as `|-` blocks, and `*_lines` lists that repeat a text key
/// shown as `<omitted>`.
pub fn yaml_block(shown: &Value) -> String {
    let mut shown = shown.clone();
    if let Value::Object(m) = &mut shown {
        let repeated: Vec<String> = m
            .keys()
            .filter(|k| {
                k.strip_suffix("_lines")
                    .is_some_and(|base| m.get(base).is_some_and(Value::is_string))
            })
            .cloned()
            .collect();
        for k in repeated {
            m.insert(k, Value::String("<omitted>".into()));
        }
    }
    let style = yaml::Style {
        indent: 4,
        flow_leaves: false,
        sort_keys: true,
        literal_blocks: true,
    };
    let text = yaml::dump(&shown, &style);
    let mut out = String::new();
    for line in text.trim_end_matches('\n').split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str("    ");
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_result_reads_as_ansibles_yaml_block() {
        let r = json!({"changed": true, "cmd": ["echo", "hi"], "delta": "0:00:00.006769",
                       "stderr": "", "stderr_lines": [], "stdout": "a\nb", "stdout_lines": ["a", "b"],
                       "x": {"k": [1, {"z": 2}], "s": "two\nlines\n"}});
        assert_eq!(
            yaml_block(&r),
            "\n    changed: true\n    cmd:\n    - echo\n    - hi\n    delta: '0:00:00.006769'\
             \n    stderr: ''\n    stderr_lines: <omitted>\n    stdout: |-\n        a\n        b\
             \n    stdout_lines: <omitted>\n    x:\n        k:\n        - 1\n        -   z: 2\
             \n        s: |-\n            two\n            lines"
        );
    }

    #[test]
    fn auto_is_yaml_only_for_multi_line_text() {
        assert!(ResultFormat::Auto.yaml_for(&json!({"stderr": "e1\ne2"})));
        assert!(!ResultFormat::Auto.yaml_for(&json!({"stderr": "e1\n", "msg": "x"})));
        assert!(!ResultFormat::Json.yaml_for(&json!({"stderr": "e1\ne2"})));
        assert!(ResultFormat::Yaml.yaml_for(&json!({"msg": "x"})));
    }
}
