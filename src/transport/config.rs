//! OpenSSH client configuration (`~/.ssh/config`, `/etc/ssh/ssh_config`, `-F FILE`, and `-o`
//! options): the subset of keywords rconf honours, with OpenSSH's first-value-wins rule.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Keywords rconf applies; others in config files are ignored (they tune OpenSSH itself).
const KNOWN: &[&str] = &[
    "hostname",
    "user",
    "port",
    "identityfile",
    "identitiesonly",
    "proxyjump",
    "connecttimeout",
    "serveraliveinterval",
    "serveralivecountmax",
    "userknownhostsfile",
    "stricthostkeychecking",
];

/// One `Host` or `Match` section: when it applies, and its `keyword value` lines in order.
#[derive(Debug, Clone)]
struct Section {
    /// `None` for the lines before the first `Host`, which apply to every host.
    patterns: Option<Vec<String>>,
    lines: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct SshConfig {
    sections: Vec<Section>,
    /// Things the user should know (`Match` sections skipped, unreadable includes), with
    /// their `file:line`.
    pub warnings: Vec<String>,
}

/// What the configuration says about one host; `None` where it says nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostConfig {
    pub hostname: Option<String>,
    pub user: Option<String>,
    pub port: Option<u16>,
    pub identity_files: Vec<PathBuf>,
    pub identities_only: Option<bool>,
    /// `ProxyJump` hops as written (`[user@]host[:port]`), outermost first.
    pub proxy_jump: Vec<String>,
    pub connect_timeout: Option<Duration>,
    pub server_alive_interval: Option<Duration>,
    pub server_alive_count_max: Option<usize>,
    pub user_known_hosts_files: Vec<PathBuf>,
    /// `yes`, `no` or `accept-new` (`ask` counts as `yes`: rconf never asks).
    pub strict_host_key_checking: Option<String>,
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("/"), PathBuf::from)
}

fn expand(path: &str, host: &str) -> PathBuf {
    let path = path
        .replace("%h", host)
        .replace("%d", &home().to_string_lossy());
    match path.strip_prefix("~/") {
        Some(rest) => home().join(rest),
        None => PathBuf::from(path),
    }
}

/// Glob match with `*` and `?`, as OpenSSH matches host names (case-insensitive).
pub fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some((b'*', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some((b'?', rest)) => !t.is_empty() && go(rest, &t[1..]),
            Some((c, rest)) => {
                t.first().is_some_and(|x| x.eq_ignore_ascii_case(c)) && go(rest, &t[1..])
            }
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

/// A `Host` pattern list: any positive match, and no negated one.
fn host_matches(patterns: &[String], host: &str) -> bool {
    let mut hit = false;
    for p in patterns {
        if let Some(neg) = p.strip_prefix('!') {
            if glob(neg, host) {
                return false;
            }
        } else if glob(p, host) {
            hit = true;
        }
    }
    hit
}

/// Splits a config line into its keyword and arguments (`Key value`, `Key=value`, quotes).
fn split_line(line: &str) -> Option<(String, Vec<String>)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let cut = line.find(|c: char| c.is_whitespace() || c == '=')?;
    let key = line[..cut].to_ascii_lowercase();
    let rest = line[cut..].trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest);
    let args = shlex::split(rest).unwrap_or_else(|| vec![rest.trim().to_string()]);
    Some((key, args))
}

impl SshConfig {
    /// What OpenSSH reads: `explicit` (`-F`) alone, else `~/.ssh/config` then
    /// `/etc/ssh/ssh_config`. Missing default files are empty; a missing `-F` file is an error.
    pub fn load(explicit: Option<&Path>) -> Result<SshConfig, String> {
        let mut config = SshConfig::default();
        match explicit {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read ssh config `{}`: {e}", path.display()))?;
                config.parse(&text, path, 0);
            }
            None => {
                for path in [
                    home().join(".ssh/config"),
                    PathBuf::from("/etc/ssh/ssh_config"),
                ] {
                    if let Ok(text) = std::fs::read_to_string(&path) {
                        config.parse(&text, &path, 0);
                    }
                }
            }
        }
        Ok(config)
    }

    /// Adds the sections of `text` (from `file`), following `Include`.
    pub fn parse(&mut self, text: &str, file: &Path, depth: usize) {
        // Lines before the first `Host` of each file apply to every host.
        self.sections.push(Section {
            patterns: None,
            lines: Vec::new(),
        });
        let mut skipping = false;
        for (n, raw) in text.lines().enumerate() {
            let Some((key, args)) = split_line(raw) else {
                continue;
            };
            let at = format!("{}:{}", file.display(), n + 1);
            match key.as_str() {
                "host" => {
                    skipping = false;
                    self.sections.push(Section {
                        patterns: Some(args),
                        lines: Vec::new(),
                    });
                }
                "match" => self.open_match(&args, &at, &mut skipping),
                _ if skipping => {}
                "include" => self.include(&args, file, depth, &at),
                _ if KNOWN.contains(&key.as_str()) => {
                    let value = args.join(" ");
                    if let Some(section) = self.sections.last_mut() {
                        section.lines.push((key, value));
                    }
                }
                _ => {}
            }
        }
    }

    /// `Match all` and `Match host`/`originalhost` are honoured; other criteria need facts
    /// rconf does not have when it reads the config, so the section is skipped, loudly.
    fn open_match(&mut self, args: &[String], at: &str, skipping: &mut bool) {
        let lower: Vec<String> = args.iter().map(|a| a.to_ascii_lowercase()).collect();
        let patterns = match lower.as_slice() {
            [all] if all == "all" => Some(vec!["*".to_string()]),
            [kind, list] if kind == "host" || kind == "originalhost" => {
                Some(args[1].split(',').map(str::to_string).collect::<Vec<_>>())
            }
            _ => None,
        };
        match patterns {
            Some(patterns) => {
                *skipping = false;
                self.sections.push(Section {
                    patterns: Some(patterns),
                    lines: Vec::new(),
                });
            }
            None => {
                *skipping = true;
                self.warnings.push(format!(
                    "{at}: `Match {}` is not supported (only `Match all` and `Match host`); \
                     its section is ignored",
                    args.join(" ")
                ));
            }
        }
    }

    fn include(&mut self, args: &[String], file: &Path, depth: usize, at: &str) {
        if depth > 8 {
            self.warnings
                .push(format!("{at}: `Include` nested too deeply; ignored"));
            return;
        }
        let base = file.parent().unwrap_or(Path::new("/"));
        for arg in args {
            let pattern = expand(arg, "");
            let pattern = if pattern.is_absolute() {
                pattern
            } else {
                base.join(pattern)
            };
            let (dir, name) = (
                pattern.parent().unwrap_or(Path::new("/")).to_path_buf(),
                pattern.file_name().map(|n| n.to_string_lossy().to_string()),
            );
            let Some(name) = name else { continue };
            let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map(|entries| {
                    entries
                        .flatten()
                        .map(|e| e.path())
                        .filter(|p| {
                            p.file_name()
                                .is_some_and(|f| glob(&name, &f.to_string_lossy()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            found.sort();
            for path in found {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    self.parse(&text, &path, depth + 1);
                }
            }
        }
    }

    /// The settings for `host` (the name ssh is given), first value winning.
    pub fn lookup(&self, host: &str) -> HostConfig {
        self.lookup_from(host, HostConfig::default())
    }

    /// `lookup`, keeping what `seed` already sets (command-line options come first).
    pub fn lookup_from(&self, host: &str, seed: HostConfig) -> HostConfig {
        let mut lines = Vec::new();
        for s in &self.sections {
            if s.patterns.as_ref().is_none_or(|p| host_matches(p, host)) {
                lines.extend(s.lines.iter().cloned());
            }
        }
        let mut out = seed;
        for (key, value) in lines {
            out.apply(&key, &value, host);
        }
        out
    }
}

impl HostConfig {
    /// Applies one `keyword value` unless an earlier one already set it. Returns false for a
    /// keyword rconf does not honour.
    pub fn apply(&mut self, key: &str, value: &str, host: &str) -> bool {
        let secs = |v: &str| v.trim().parse::<u64>().ok().map(Duration::from_secs);
        match key.to_ascii_lowercase().as_str() {
            "hostname" => {
                self.hostname
                    .get_or_insert_with(|| value.replace("%h", host));
            }
            "user" => {
                self.user.get_or_insert_with(|| value.to_string());
            }
            "port" => {
                if self.port.is_none() {
                    self.port = value.trim().parse().ok();
                }
            }
            "identityfile" => self.identity_files.push(expand(value, host)),
            "identitiesonly" => {
                self.identities_only
                    .get_or_insert(value.eq_ignore_ascii_case("yes"));
            }
            "proxyjump" => {
                if self.proxy_jump.is_empty() && !value.eq_ignore_ascii_case("none") {
                    self.proxy_jump = value.split(',').map(|s| s.trim().to_string()).collect();
                }
            }
            "connecttimeout" => {
                if self.connect_timeout.is_none() {
                    self.connect_timeout = secs(value);
                }
            }
            "serveraliveinterval" => {
                if self.server_alive_interval.is_none() {
                    self.server_alive_interval = secs(value).filter(|d| !d.is_zero());
                }
            }
            "serveralivecountmax" => {
                if self.server_alive_count_max.is_none() {
                    self.server_alive_count_max = value.trim().parse().ok();
                }
            }
            "userknownhostsfile" => {
                if self.user_known_hosts_files.is_empty() {
                    self.user_known_hosts_files =
                        value.split_whitespace().map(|f| expand(f, host)).collect();
                }
            }
            "stricthostkeychecking" => {
                let v = match value.to_ascii_lowercase().as_str() {
                    "no" | "off" => "no",
                    "accept-new" => "accept-new",
                    _ => "yes",
                };
                self.strict_host_key_checking
                    .get_or_insert_with(|| v.to_string());
            }
            _ => return false,
        }
        true
    }
}

/// The `-o Key=Value` (and `-oKey=Value`) options of an `ansible_ssh_common_args` or
/// `ansible_ssh_extra_args` string; the second list warns about everything else in it.
pub fn ssh_args_options(args: &str) -> (Vec<(String, String)>, Vec<String>) {
    let words =
        shlex::split(args).unwrap_or_else(|| args.split_whitespace().map(String::from).collect());
    let mut options = Vec::new();
    let mut warnings = Vec::new();
    let mut words = words.into_iter();
    while let Some(w) = words.next() {
        let option = match w.strip_prefix("-o") {
            Some("") => words.next(),
            Some(inline) => Some(inline.to_string()),
            None => {
                warnings.push(format!(
                    "ssh argument `{w}` is ignored (only `-o Key=Value` options are read)"
                ));
                continue;
            }
        };
        let Some(option) = option else { break };
        match split_line(&option) {
            Some((key, value)) if KNOWN.contains(&key.as_str()) => {
                options.push((key, value.join(" ")))
            }
            Some((key, _)) => warnings.push(format!(
                "ssh option `{key}` is ignored (rconf honours: {})",
                KNOWN.join(", ")
            )),
            None => {}
        }
    }
    (options, warnings)
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
