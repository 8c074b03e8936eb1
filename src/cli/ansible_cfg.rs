//! The part of `ansible.cfg` rconf honours, so that a project that runs with
//! `ansible-playbook site.yml` runs with `rconf run site.yml`. The file is found where Ansible
//! looks (`ANSIBLE_CONFIG`, `./ansible.cfg`, `~/.ansible.cfg`, `/etc/ansible/ansible.cfg`; the
//! first one found is the only one read), and `ANSIBLE_*` variables override its keys. Command
//! line flags override both.

use std::path::{Path, PathBuf};

use crate::error::{Diagnostic, Error};
use crate::report::layout::ResultFormat;

/// Settings from `ansible.cfg` and `ANSIBLE_*` variables; `None` when neither sets them.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct AnsibleCfg {
    /// The file read, if any.
    pub path: Option<PathBuf>,
    pub inventory: Vec<String>,
    pub remote_user: Option<String>,
    pub private_key_file: Option<PathBuf>,
    pub forks: Option<usize>,
    /// The connection timeout (`[defaults] timeout`).
    pub timeout: Option<u64>,
    pub host_key_checking: Option<bool>,
    pub roles_path: Vec<PathBuf>,
    /// Where Ansible collections are installed (`collections_path`).
    pub collections_path: Vec<PathBuf>,
    /// `gathering = explicit`: plays gather facts only when they say `gather_facts: true`.
    pub gather_by_default: Option<bool>,
    pub become_: Option<bool>,
    pub become_user: Option<String>,
    pub become_method: Option<String>,
    pub vault_password_file: Option<PathBuf>,
    /// `label@source` entries.
    pub vault_identity_list: Vec<String>,
    /// Module directories (`library`, ANSIBLE_LIBRARY); empty: Ansible's default.
    pub library: Vec<PathBuf>,
    /// The directory of `fact_caching = jsonfile` (`fact_caching_connection`).
    pub fact_cache: Option<crate::run::FactCache>,
    /// `fact_caching` and `fact_caching_connection` as read, put together once both are.
    fact_caching: (Option<String>, Option<PathBuf>),
    /// `fact_caching_prefix`: what each cache file's name starts with.
    fact_caching_prefix: Option<String>,
    /// `[rconf] history`: the history database, a path or a `postgresql://` URL.
    pub history: Option<String>,
    /// `callback_result_format` (`json` or `yaml`).
    pub result_format: Option<ResultFormat>,
    /// `stdout_callback = yaml`: results as YAML unless `callback_result_format` says otherwise.
    pub yaml_callback: bool,
    /// What was found but is not used, with its `file:line`.
    pub warnings: Vec<String>,
}

/// A config file's path and text.
pub type CfgFile = (PathBuf, String);

/// `(line, section, key, value)` of one setting.
type Entry = (usize, String, String, String);

/// Keys that change what a run does but that rconf does not take from the file: a warning
/// names them, so that nobody believes they apply.
const NOT_USED: &[(&str, &str)] = &[
    ("strategy", "set `strategy:` on the play"),
    ("ask_pass", "use -k or --connection-password-file"),
    ("become_ask_pass", "use -K or --become-password-file"),
    (
        "transport",
        "rconf connects with SSH, or locally for `ansible_connection=local`",
    ),
    ("remote_port", "set `ansible_port` in the inventory"),
];

/// The settings for this run: the file Ansible would read and this process's variables. What
/// is found but not used is printed as a warning; a file that is not INI text is an error, as
/// in Ansible ("Error reading config file"), not a file silently ignored.
pub fn load() -> Result<AnsibleCfg, Error> {
    let (file, notes) = find()?;
    for w in &notes {
        eprintln!("warning: {w}");
    }
    let cfg = settings(file, &|k| std::env::var(k).ok())?;
    for w in &cfg.warnings {
        eprintln!("warning: {w}");
    }
    Ok(cfg)
}

/// How results are laid out on the terminal, from the same settings as `load` (whose warnings
/// were already printed; a file `load` refused never gets here).
pub fn result_format() -> ResultFormat {
    let Ok((file, _)) = find() else {
        return ResultFormat::Auto;
    };
    match settings(file, &|k| std::env::var(k).ok()) {
        Ok(cfg) => cfg.terminal_results(),
        Err(_) => ResultFormat::Auto,
    }
}

impl AnsibleCfg {
    /// `callback_result_format` if set, else YAML under `stdout_callback = yaml`, else rconf's.
    pub fn terminal_results(&self) -> ResultFormat {
        match (self.result_format, self.yaml_callback) {
            (Some(f), _) => f,
            (None, true) => ResultFormat::Yaml,
            (None, false) => ResultFormat::Auto,
        }
    }
}

/// The config file Ansible would read, as `(path, text)`, and notes about files skipped. A
/// world-writable current directory is skipped, as Ansible does: anyone could have put an
/// `ansible.cfg` there.
pub fn find() -> Result<(Option<CfgFile>, Vec<String>), Error> {
    let mut notes = Vec::new();
    let mut candidates = Vec::new();
    if let Some(p) = std::env::var_os("ANSIBLE_CONFIG").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        candidates.push(if p.is_dir() { p.join("ansible.cfg") } else { p });
    }
    let here = Path::new("ansible.cfg");
    if here.is_file() {
        if world_writable(Path::new(".")) {
            notes.push(
                "ignoring ./ansible.cfg: the current directory is world-writable (as Ansible does)"
                    .to_string(),
            );
        } else {
            candidates.push(here.to_path_buf());
        }
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join(".ansible.cfg"));
    }
    candidates.push(PathBuf::from("/etc/ansible/ansible.cfg"));
    for c in candidates {
        // A file that cannot be read is not there for Ansible either; one that is there is
        // the one, text or not.
        if let Ok(bytes) = std::fs::read(&c) {
            let text = crate::source_text::decode(&c, bytes).map_err(|d| {
                Error::input(Diagnostic {
                    message: format!("error reading config file: {}", d.message),
                    ..d
                })
            })?;
            return Ok((Some((c, text)), notes));
        }
    }
    Ok((None, notes))
}

fn world_writable(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o002 != 0)
}

/// The settings from `file` (path and text) with `env` (a variable lookup) on top.
pub fn settings(
    file: Option<CfgFile>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<AnsibleCfg, Error> {
    let mut cfg = AnsibleCfg::default();
    if let Some((path, text)) = file {
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let entries = entries(&text).map_err(|(line, m)| {
            Error::msg(format!(
                "{}:{line}: error reading config file: {m}",
                path.display()
            ))
        })?;
        for (line, section, key, value) in entries {
            let at = format!("{}:{line}", path.display());
            apply(&mut cfg, &section, &key, &value, &base, &at);
        }
        cfg.path = Some(path);
    }
    let at_cfg = cfg
        .path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let cwd = PathBuf::from(".");
    for (var, section, key) in [
        ("ANSIBLE_INVENTORY", "defaults", "inventory"),
        ("ANSIBLE_REMOTE_USER", "defaults", "remote_user"),
        ("ANSIBLE_PRIVATE_KEY_FILE", "defaults", "private_key_file"),
        ("ANSIBLE_FORKS", "defaults", "forks"),
        ("ANSIBLE_TIMEOUT", "defaults", "timeout"),
        ("ANSIBLE_HOST_KEY_CHECKING", "defaults", "host_key_checking"),
        ("ANSIBLE_GATHERING", "defaults", "gathering"),
        ("ANSIBLE_BECOME", "privilege_escalation", "become"),
        ("ANSIBLE_BECOME_USER", "privilege_escalation", "become_user"),
        (
            "ANSIBLE_BECOME_METHOD",
            "privilege_escalation",
            "become_method",
        ),
        (
            "ANSIBLE_VAULT_PASSWORD_FILE",
            "defaults",
            "vault_password_file",
        ),
        (
            "ANSIBLE_VAULT_IDENTITY_LIST",
            "defaults",
            "vault_identity_list",
        ),
        ("ANSIBLE_LIBRARY", "defaults", "library"),
        ("ANSIBLE_STDOUT_CALLBACK", "defaults", "stdout_callback"),
        (
            "ANSIBLE_CALLBACK_RESULT_FORMAT",
            "defaults",
            "callback_result_format",
        ),
        ("ANSIBLE_CACHE_PLUGIN", "defaults", "fact_caching"),
        (
            "ANSIBLE_CACHE_PLUGIN_CONNECTION",
            "defaults",
            "fact_caching_connection",
        ),
        (
            "ANSIBLE_CACHE_PLUGIN_PREFIX",
            "defaults",
            "fact_caching_prefix",
        ),
    ] {
        if let Some(value) = env(var).filter(|v| !v.is_empty()) {
            match key {
                "inventory" => cfg.inventory.clear(),
                "library" => cfg.library.clear(),
                _ => {}
            }
            apply(&mut cfg, section, key, &value, &cwd, var);
        }
    }
    match &cfg.fact_caching {
        (Some(plugin), Some(dir)) if is_jsonfile(plugin) => {
            cfg.fact_cache = Some(crate::run::FactCache {
                dir: dir.clone(),
                prefix: cfg.fact_caching_prefix.clone().unwrap_or_default(),
            })
        }
        (Some(plugin), _) if is_jsonfile(plugin) => cfg.warnings.push(format!(
            "{at_cfg}: `fact_caching = {plugin}` has no `fact_caching_connection` directory; \
             no facts are cached"
        )),
        (Some(plugin), _) if plugin != "memory" && plugin != "ansible.builtin.memory" => {
            cfg.warnings.push(format!(
                "{at_cfg}: `fact_caching = {plugin}` is not used by rconf: it caches facts \
                 only as `jsonfile` (or `--fact-cache DIR`)"
            ))
        }
        _ => {}
    }
    Ok(cfg)
}

/// `(line, section, key, value)` of every setting, INI style as Python's configparser reads
/// Ansible's file: `[section]` headers, `key = value` or `key: value`, `#` and `;` comment
/// lines, ` ;` comments at the end of a line, indented lines continuing a value. Anything else
/// is refused with its line, as configparser refuses it (a header without `]`, a setting
/// before any header, a line that is no setting).
fn entries(text: &str) -> Result<Vec<Entry>, (usize, String)> {
    let mut out: Vec<Entry> = Vec::new();
    let mut section: Option<String> = None;
    // Whether the previous line was a setting (or its continuation) that an indented line
    // continues.
    let mut open_value = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let lineno = i + 1;
        // Blank lines may sit inside a value, as configparser allows by default.
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let indented = raw.starts_with([' ', '\t']);
        if indented
            && open_value
            && let Some(last) = out.last_mut()
        {
            last.3.push('\n');
            last.3.push_str(strip_comment(line));
            continue;
        }
        if line.starts_with('[') {
            let name = line.strip_prefix('[').and_then(|l| l.strip_suffix(']'));
            let Some(name) = name.filter(|n| !n.is_empty()) else {
                return Err((
                    lineno,
                    format!("`{line}` is not a section header: it must end with `]`"),
                ));
            };
            section = Some(name.trim().to_ascii_lowercase());
            open_value = false;
            continue;
        }
        let Some(current) = &section else {
            return Err((
                lineno,
                format!(
                    "`{}` comes before any section header such as `[defaults]`",
                    shown(line)
                ),
            ));
        };
        let Some(split) = line.find(['=', ':']) else {
            return Err((
                lineno,
                format!("`{}` is not a `key = value` setting", shown(line)),
            ));
        };
        let key = line[..split].trim().to_ascii_lowercase();
        if key.is_empty() {
            return Err((
                lineno,
                format!("`{}` has no key before the `=`", shown(line)),
            ));
        }
        let value = strip_comment(line[split + 1..].trim());
        out.push((lineno, current.clone(), key, value.to_string()));
        open_value = true;
    }
    Ok(out)
}

/// A value without its ` ;` comment.
fn strip_comment(value: &str) -> &str {
    match value.find(" ;") {
        Some(c) => value[..c].trim_end(),
        None => value,
    }
}

/// A line for a message: control characters (a binary file's) escaped, and at most 60
/// characters of it.
fn shown(line: &str) -> String {
    let escaped: String = line.chars().flat_map(char::escape_debug).collect();
    match escaped.char_indices().nth(60) {
        Some((i, _)) => format!("{}...", &escaped[..i]),
        None => escaped,
    }
}

fn is_jsonfile(plugin: &str) -> bool {
    matches!(plugin, "jsonfile" | "ansible.builtin.jsonfile")
}

impl AnsibleCfg {
    /// Where Ansible's modules are looked for by name after `-M` and the playbook's and
    /// roles' `library/`: `library`/ANSIBLE_LIBRARY, else Ansible's default.
    pub fn module_search_path(&self) -> Vec<PathBuf> {
        if self.library.is_empty() {
            crate::ansible::default_library()
        } else {
            self.library.clone()
        }
    }
}

fn boolean(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" | "1" | "y" | "t" => Some(true),
        "no" | "false" | "off" | "0" | "n" | "f" => Some(false),
        _ => None,
    }
}

/// `~/x` from the home directory, relative paths from the config file's directory.
fn path(value: &str, base: &Path) -> PathBuf {
    match (value.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ if Path::new(value).is_absolute() => PathBuf::from(value),
        _ => base.join(value),
    }
}

fn apply(cfg: &mut AnsibleCfg, section: &str, key: &str, value: &str, base: &Path, at: &str) {
    let mut bad = |what: &str| {
        cfg.warnings.push(format!(
            "{at}: `{key}` must be {what}, found `{value}`; ignored"
        ));
    };
    match (section, key) {
        ("defaults", "inventory" | "hostfile") => {
            cfg.inventory.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| path(s, base).display().to_string()),
            );
        }
        ("defaults", "remote_user") => cfg.remote_user = Some(value.to_string()),
        ("defaults", "private_key_file") => cfg.private_key_file = Some(path(value, base)),
        ("defaults", "forks") => match value.parse() {
            Ok(n) if n > 0 => cfg.forks = Some(n),
            _ => bad("a positive number"),
        },
        ("defaults", "timeout") => match value.parse() {
            Ok(n) => cfg.timeout = Some(n),
            _ => bad("a number of seconds"),
        },
        ("defaults", "host_key_checking") => match boolean(value) {
            Some(b) => cfg.host_key_checking = Some(b),
            None => bad("a boolean"),
        },
        ("defaults", "roles_path") => cfg.roles_path.extend(
            value
                .split(':')
                .filter(|s| !s.is_empty())
                .map(|s| path(s, base)),
        ),
        ("defaults", "collections_path" | "collections_paths") => cfg.collections_path.extend(
            value
                .split(':')
                .filter(|s| !s.is_empty())
                .map(|s| path(s, base)),
        ),
        ("defaults", "gathering") => match value {
            "implicit" | "smart" => cfg.gather_by_default = Some(true),
            "explicit" => cfg.gather_by_default = Some(false),
            _ => bad("implicit, explicit or smart"),
        },
        ("privilege_escalation", "become") => match boolean(value) {
            Some(b) => cfg.become_ = Some(b),
            None => bad("a boolean"),
        },
        ("defaults", "vault_password_file") => cfg.vault_password_file = Some(path(value, base)),
        ("defaults", "vault_identity_list") => cfg.vault_identity_list.extend(
            value
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|id| match id.split_once('@') {
                    Some((label, src)) if src != "prompt" => {
                        format!("{label}@{}", path(src, base).display())
                    }
                    _ => id.to_string(),
                }),
        ),
        ("defaults", "library") => cfg.library.extend(
            value
                .split(':')
                .filter(|s| !s.is_empty())
                .map(|s| path(s, base)),
        ),
        ("defaults", "stdout_callback") => match value {
            "default" | "ansible.builtin.default" => cfg.yaml_callback = false,
            "yaml" | "community.general.yaml" => cfg.yaml_callback = true,
            other => cfg.warnings.push(format!(
                "{at}: `stdout_callback = {other}` is not used by rconf: it prints as Ansible's \
                 default callback (`callback_result_format = yaml` for YAML results, \
                 `--output json` or `--report FILE` for machine-readable output)"
            )),
        },
        ("defaults", "callback_result_format") => match value {
            "json" => cfg.result_format = Some(ResultFormat::Json),
            "yaml" => cfg.result_format = Some(ResultFormat::Yaml),
            _ => bad("json or yaml"),
        },
        ("defaults", "fact_caching") => cfg.fact_caching.0 = Some(value.to_string()),
        ("defaults", "fact_caching_connection") => {
            cfg.fact_caching.1 = Some(path(value, base));
        }
        ("defaults", "fact_caching_prefix") => cfg.fact_caching_prefix = Some(value.to_string()),
        ("rconf", "history") => cfg.history = Some(value.to_string()),
        ("privilege_escalation", "become_user") => cfg.become_user = Some(value.to_string()),
        ("privilege_escalation", "become_method") => cfg.become_method = Some(value.to_string()),
        _ => {
            if let Some((_, advice)) = NOT_USED.iter().find(|(k, _)| *k == key) {
                cfg.warnings
                    .push(format!("{at}: `{key}` is not used by rconf: {advice}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, env: &[(&str, &str)]) -> AnsibleCfg {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        settings(
            Some((PathBuf::from("/proj/ansible.cfg"), text.to_string())),
            &|k| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()),
        )
        .unwrap()
    }

    #[test]
    fn the_rconf_section_names_the_history() {
        let cfg = parse(
            "[rconf]\nhistory = postgresql://rconf@db/rconf?sslmode=require\n",
            &[],
        );
        assert_eq!(
            cfg.history.as_deref(),
            Some("postgresql://rconf@db/rconf?sslmode=require")
        );
        assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
    }

    #[test]
    fn the_keys_a_project_sets_are_read_with_paths_beside_the_file() {
        let cfg = parse(
            "# a project\n[defaults]\ninventory = inventories/prod/hosts, extra.yml\nremote_user: deploy\n\
             private_key_file = keys/id ; the deploy key\nforks=20\ntimeout = 30\n\
             host_key_checking = False\nroles_path = roles:/opt/roles\ngathering = explicit\n\
             retry_files_enabled = False\n\n[privilege_escalation]\nbecome = True\n\
             become_user = app\nbecome_method = sudo\n\n[ssh_connection]\npipelining = True\n",
            &[],
        );
        assert_eq!(
            cfg.inventory,
            ["/proj/inventories/prod/hosts", "/proj/extra.yml"]
        );
        assert_eq!(cfg.remote_user.as_deref(), Some("deploy"));
        assert_eq!(cfg.private_key_file, Some(PathBuf::from("/proj/keys/id")));
        assert_eq!((cfg.forks, cfg.timeout), (Some(20), Some(30)));
        assert_eq!(cfg.host_key_checking, Some(false));
        assert_eq!(
            cfg.roles_path,
            [PathBuf::from("/proj/roles"), PathBuf::from("/opt/roles")]
        );
        assert_eq!(cfg.gather_by_default, Some(false));
        assert_eq!(cfg.become_, Some(true));
        assert_eq!(cfg.become_user.as_deref(), Some("app"));
        assert_eq!(cfg.become_method.as_deref(), Some("sudo"));
        assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
    }

    #[test]
    fn environment_variables_win_over_the_file() {
        let cfg = parse(
            "[defaults]\ninventory = hosts\nforks = 5\n",
            &[
                ("ANSIBLE_INVENTORY", "/other/hosts"),
                ("ANSIBLE_FORKS", "9"),
            ],
        );
        assert_eq!(cfg.inventory, ["/other/hosts"]);
        assert_eq!(cfg.forks, Some(9));
    }

    #[test]
    fn bad_values_and_keys_rconf_does_not_use_are_warned_about_with_their_line() {
        let cfg = parse(
            "[defaults]\nforks = many\nstrategy = free\nnocows = 1\n",
            &[],
        );
        assert_eq!(
            cfg.warnings,
            [
                "/proj/ansible.cfg:2: `forks` must be a positive number, found `many`; ignored",
                "/proj/ansible.cfg:3: `strategy` is not used by rconf: set `strategy:` on the play",
            ]
        );
        assert_eq!(cfg.forks, None);
    }

    #[test]
    fn no_file_and_no_variables_set_nothing() {
        assert_eq!(settings(None, &|_| None).unwrap(), AnsibleCfg::default());
    }

    fn refused(text: &str) -> String {
        let file = Some((PathBuf::from("/proj/ansible.cfg"), text.to_string()));
        settings(file, &|_| None).unwrap_err().to_string()
    }

    #[test]
    fn a_file_that_is_not_ini_is_refused_with_its_line() {
        assert_eq!(
            refused("[defaults\nforks = 3\n"),
            "/proj/ansible.cfg:1: error reading config file: `[defaults` is not a section \
             header: it must end with `]`"
        );
        assert_eq!(
            refused("# settings\nforks = 3\n"),
            "/proj/ansible.cfg:2: error reading config file: `forks = 3` comes before any \
             section header such as `[defaults]`"
        );
        assert_eq!(
            refused("[defaults]\nforks\n"),
            "/proj/ansible.cfg:2: error reading config file: `forks` is not a `key = value` \
             setting"
        );
        assert!(refused("\u{1}\u{2}x\n").contains("`\\u{1}\\u{2}x` comes before"));
    }

    #[test]
    fn indented_lines_continue_a_value() {
        let cfg = parse(
            "[defaults]\ninventory = a,\n    b\n\n[privilege_escalation]\n",
            &[],
        );
        assert_eq!(cfg.inventory, ["/proj/a", "/proj/b"]);
    }
}
