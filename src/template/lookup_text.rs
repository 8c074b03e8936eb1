//! Lookups that read the controller's environment, variables, commands and simple data
//! files: `env`, `vars`, `pipe`, `lines`, `ini` and `csvfile`.

use std::process::Command;

use indexmap::IndexMap;
use minijinja::Value;

use super::lookups::{Call, split_kv};

/// Environment variables of the controller; unset ones give `default` (empty by default).
pub fn env(call: &mut Call) -> Result<Vec<Value>, String> {
    let default = call.opt("default").cloned();
    call.str_terms()?
        .into_iter()
        .map(|name| match std::env::var(&name) {
            Ok(v) => Ok(Value::from(v)),
            Err(_) => Ok(default.clone().unwrap_or_else(|| Value::from(""))),
        })
        .collect()
}

/// Variables by name (templated as usual); a missing one needs `default`.
pub fn vars(call: &mut Call) -> Result<Vec<Value>, String> {
    let default = call.opts.get("default").cloned();
    let mut out = Vec::new();
    for name in call.str_terms()? {
        match call.state.lookup(&name).filter(|v| !v.is_undefined()) {
            Some(v) => out.push(v),
            None => match &default {
                Some(d) => out.push(d.clone()),
                None => {
                    let why = crate::vars::Scope::take_error()
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default();
                    return Err(format!(
                        "no variable named `{name}`{why}; give `default=` for a fallback"
                    ));
                }
            },
        }
    }
    Ok(out)
}

/// `varnames`: the names of the variables that a term (a Python regular expression) matches
/// anywhere in, each name once, in the order the variables are known.
pub fn varnames(call: &mut Call) -> Result<Vec<Value>, String> {
    let names: Vec<String> = call
        .state
        .known_variables()
        .into_iter()
        .map(|n| n.into_owned())
        .collect();
    let mut out: Vec<Value> = Vec::new();
    for term in call.str_terms()? {
        let re = regex::Regex::new(&term)
            .map_err(|e| format!("invalid regular expression `{term}`: {e}"))?;
        for n in &names {
            let v = Value::from(n.as_str());
            if re.is_match(n) && !out.contains(&v) {
                out.push(v);
            }
        }
    }
    Ok(out)
}

/// Runs `command` with `sh -c` in the playbook directory; its stdout, or an error naming it.
fn run(call: &Call, command: &str) -> Result<String, String> {
    let dir = if call.playbook_dir.is_dir() {
        call.playbook_dir.clone()
    } else {
        std::path::PathBuf::from(".")
    };
    let out = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `{command}`: {e}"))?;
    if !out.status.success() {
        let status = out
            .status
            .code()
            .map_or_else(|| "a signal".to_string(), |c| c.to_string());
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stderr = stderr.trim();
        let detail = if stderr.is_empty() {
            String::new()
        } else {
            format!(": {stderr}")
        };
        return Err(format!(
            "command `{command}` failed with exit status {status}{detail}"
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Each command's stdout without trailing whitespace, as Ansible's `pipe`.
pub fn pipe(call: &mut Call) -> Result<Vec<Value>, String> {
    call.str_terms()?
        .iter()
        .map(|cmd| run(call, cmd).map(|out| Value::from(out.trim_end())))
        .collect()
}

/// Each line of each command's stdout.
pub fn lines(call: &mut Call) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for cmd in call.str_terms()? {
        out.extend(run(call, &cmd)?.lines().map(Value::from));
    }
    Ok(out)
}

/// Options given inline (`key section=s file=f`) win over keyword arguments.
fn inline_opts(call: &Call, term: &str) -> Result<(String, Call2), String> {
    let (free, kv) = split_kv(term)?;
    let key = free.join(" ");
    let get = |name: &str| kv.get(name).cloned().or_else(|| call.opt_str(name));
    Ok((
        key,
        Call2 {
            file: get("file"),
            section: get("section"),
            default: kv
                .get("default")
                .map(|s| Value::from(s.as_str()))
                .or_else(|| call.opt("default").cloned()),
            re: get("re").is_some_and(|v| super::filters::ansible_bool(&Value::from(v))),
            kind: get("type"),
        },
    ))
}

struct Call2 {
    file: Option<String>,
    section: Option<String>,
    default: Option<Value>,
    re: bool,
    kind: Option<String>,
}

/// A value from an INI file (`type=properties` for section-less Java properties).
pub fn ini(call: &mut Call) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for term in call.str_terms()? {
        let (key, o) = inline_opts(call, &term)?;
        let properties = o.kind.as_deref() == Some("properties");
        let file = o.file.clone().unwrap_or_else(|| {
            if properties {
                "ansible.properties".into()
            } else {
                "ansible.ini".into()
            }
        });
        let section = if properties {
            "java_properties".to_string()
        } else {
            o.section.clone().unwrap_or_else(|| "global".into())
        };
        let text = std::fs::read_to_string(call.find("files", &file)?)
            .map_err(|e| format!("cannot read `{file}`: {e}"))?;
        let entries = parse_ini(&text, properties.then_some("java_properties"));
        let mut in_section = entries.iter().filter(|(s, _, _)| *s == section);
        if o.re {
            let re = regex::Regex::new(&format!("^(?:{key})$"))
                .map_err(|e| format!("bad regular expression `{key}`: {e}"))?;
            out.extend(
                in_section
                    .filter(|(_, k, _)| re.is_match(k))
                    .map(|(_, _, v)| Value::from(v.as_str())),
            );
            continue;
        }
        match in_section.rfind(|(_, k, _)| *k == key) {
            Some((_, _, v)) => out.push(Value::from(v.as_str())),
            None => out.push(o.default.clone().unwrap_or_else(|| Value::from(""))),
        }
    }
    Ok(out)
}

/// `(section, key, value)` triples; keys are compared case-insensitively by Python's
/// configparser, so they are lowercased here as there.
fn parse_ini(text: &str, fixed_section: Option<&str>) -> Vec<(String, String, String)> {
    let mut section = fixed_section.unwrap_or("").to_string();
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        if fixed_section.is_none() && t.starts_with('[') && t.ends_with(']') {
            section = t[1..t.len() - 1].trim().to_string();
            continue;
        }
        let at = t.find(['=', ':']).unwrap_or(t.len());
        let (k, v) = t.split_at(at);
        let v = v.get(1..).unwrap_or("").trim();
        let k = k.trim();
        let k = if fixed_section.is_some() {
            k.to_string()
        } else {
            k.to_lowercase()
        };
        out.push((section.clone(), k, v.to_string()));
    }
    out
}

/// A column of the CSV row whose first column is the key (tab-separated by default).
pub fn csvfile(call: &mut Call) -> Result<Vec<Value>, String> {
    const REQUIRED: &str = "Search key is required but was not found";
    const OPTIONS: [&str; 6] = ["file", "delimiter", "col", "keycol", "default", "encoding"];
    let terms = call.str_terms()?;
    if terms.is_empty() {
        return Err(REQUIRED.into());
    }
    let mut out = Vec::new();
    for term in terms {
        // As Ansible's parse_kv: `k=v` words are options, the rest (quotes kept) the key.
        let words = crate::modules::free_form::split_args(&term)?;
        let mut key_words = Vec::new();
        let mut inline: IndexMap<String, String> = IndexMap::new();
        for w in words {
            match w.split_once('=') {
                Some((k, v)) if !k.is_empty() => {
                    let k = k.trim();
                    if !OPTIONS.contains(&k) {
                        return Err(format!("{k} is not a valid option"));
                    }
                    let v = crate::modules::kv::decode_escapes(v.trim());
                    inline.insert(k.to_string(), unquote(&v));
                }
                _ => key_words.push(w),
            }
        }
        if key_words.is_empty() {
            return Err(REQUIRED.into());
        }
        let key = crate::modules::free_form::join_args(&key_words);
        let get = |name: &str| inline.get(name).cloned().or_else(|| call.opt_str(name));
        let file = get("file").unwrap_or_else(|| "ansible.csv".into());
        let delimiter = match get("delimiter").as_deref() {
            None | Some("TAB") | Some("\\t") => '\t',
            Some(d) => d
                .chars()
                .next()
                .ok_or("`delimiter` must be one character")?,
        };
        let number = |name: &str, default: usize| -> Result<usize, String> {
            match get(name) {
                None => Ok(default),
                Some(c) => c
                    .trim()
                    .parse()
                    .map_err(|_| format!("`{name}` must be a column number, got `{c}`")),
            }
        };
        let (col, keycol) = (number("col", 1)?, number("keycol", 0)?);
        let default = match inline.get("default") {
            Some(d) => Some(Value::from(d.as_str())),
            None => call.opt("default").cloned().filter(|v| !v.is_none()),
        };
        // The words of the OS error, as Ansible's message for a missing file carries them.
        let path = call
            .find("files", &file)
            .map_err(|e| format!("csvfile: No such file or directory: {e}"))?;
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("csvfile: cannot read `{file}`: {e}"))?;
        let row = parse_csv(&text, delimiter)
            .into_iter()
            .find(|r| r.get(keycol).is_some_and(|c| *c == key));
        match row {
            Some(r) => match r.get(col) {
                Some(v) => out.push(Value::from(v.as_str())),
                None => return Err("csvfile: list index out of range".into()),
            },
            // No default: nothing, as Ansible's None is left out.
            None => out.extend(default),
        }
    }
    Ok(out)
}

/// A value without the quotes around it (`file="a b.csv"`).
fn unquote(s: &str) -> String {
    let b = s.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        s[1..s.len() - 1].to_string()
    } else {
        s.to_string()
    }
}

/// RFC 4180 records: quoted fields may hold delimiters, newlines and doubled quotes.
fn parse_csv(text: &str, delimiter: char) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            c if c == delimiter => row.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}
