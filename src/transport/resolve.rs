//! Combines what the inventory and command line say about a host with the OpenSSH client
//! config into one `ConnectSpec`: explicit settings first (as Ansible passes them to `ssh` on
//! its command line), then `-o` options from the ssh args variables, then the config files.

use std::path::PathBuf;
use std::time::Duration;

use super::config::{HostConfig, SshConfig, ssh_args_options};
use super::{ConnectSpec, HostKeyPolicy, known_hosts};

/// What the inventory and command line fixed for one host; `None` leaves it to the config.
#[derive(Debug, Clone, Default)]
pub struct Explicit {
    pub name: String,
    /// `ansible_host`: the name given to ssh (and looked up in the config).
    pub host: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub identity_files: Vec<PathBuf>,
    pub password: Option<String>,
    pub key_passphrase: Option<String>,
    pub connect_timeout: Duration,
    pub keepalive: Option<Duration>,
    /// `ansible_host_key_checking: false`.
    pub host_key_off: bool,
    /// `--host-key-checking`, used when the config says nothing.
    pub default_policy: HostKeyPolicy,
    /// `ansible_ssh_common_args` and `ansible_ssh_extra_args`, joined.
    pub ssh_args: String,
}

fn policy(value: Option<&str>, default: HostKeyPolicy) -> HostKeyPolicy {
    match value {
        Some("no") => HostKeyPolicy::Off,
        Some("accept-new") => HostKeyPolicy::AcceptNew,
        Some(_) => HostKeyPolicy::Strict,
        None => default,
    }
}

/// `[user@]host[:port]` of a `ProxyJump` hop.
fn split_hop(hop: &str) -> (Option<String>, String, Option<u16>) {
    let (user, rest) = match hop.rsplit_once('@') {
        Some((u, r)) => (Some(u.to_string()), r),
        None => (None, hop),
    };
    match rest.rsplit_once(':') {
        Some((h, p)) if p.parse::<u16>().is_ok() => (user, h.to_string(), p.parse().ok()),
        _ => (user, rest.to_string(), None),
    }
}

/// The spec for `e`, and warnings about ssh arguments rconf ignores.
pub fn resolve(e: &Explicit, config: &SshConfig) -> (ConnectSpec, Vec<String>) {
    let host = e.host.clone().unwrap_or_else(|| e.name.clone());
    let (options, warnings) = ssh_args_options(&e.ssh_args);
    let mut hc = HostConfig::default();
    for (k, v) in &options {
        hc.apply(k, v, &host);
    }
    let hc = config.lookup_from(&host, hc);
    let mut spec = ConnectSpec::new(
        &e.name,
        hc.hostname.as_deref().unwrap_or(&host),
        e.port.or(hc.port).unwrap_or(22),
        &e.user
            .clone()
            .or(hc.user.clone())
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "root".into()),
    );
    spec.identity_files = if e.identity_files.is_empty() {
        hc.identity_files.clone()
    } else {
        e.identity_files.clone()
    };
    spec.identities_only = hc.identities_only.unwrap_or(false);
    spec.password = e.password.clone();
    spec.key_passphrase = e.key_passphrase.clone();
    spec.connect_timeout = hc.connect_timeout.unwrap_or(e.connect_timeout);
    spec.keepalive_interval = e
        .keepalive
        .or(hc.server_alive_interval)
        .unwrap_or(Duration::from_secs(15));
    spec.keepalive_max = hc.server_alive_count_max.unwrap_or(3).max(1);
    if !hc.user_known_hosts_files.is_empty() {
        spec.known_hosts_files = hc.user_known_hosts_files.clone();
        spec.known_hosts_files
            .extend(known_hosts::default_files().into_iter().skip(1));
    }
    spec.host_key_policy = if e.host_key_off {
        HostKeyPolicy::Off
    } else {
        policy(hc.strict_host_key_checking.as_deref(), e.default_policy)
    };
    spec.proxy_jump = hc
        .proxy_jump
        .iter()
        .map(|hop| {
            let (user, name, port) = split_hop(hop);
            let own = config.lookup(&name);
            let mut j = ConnectSpec::new(
                &name,
                own.hostname.as_deref().unwrap_or(&name),
                port.or(own.port).unwrap_or(22),
                &user.or(own.user).unwrap_or_else(|| spec.user.clone()),
            );
            j.identity_files = if own.identity_files.is_empty() {
                spec.identity_files.clone()
            } else {
                own.identity_files
            };
            j.key_passphrase = spec.key_passphrase.clone();
            j.connect_timeout = spec.connect_timeout;
            j.keepalive_interval = spec.keepalive_interval;
            j.keepalive_max = spec.keepalive_max;
            j.known_hosts_files = spec.known_hosts_files.clone();
            j.host_key_policy = spec.host_key_policy;
            j
        })
        .collect();
    (spec, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(text: &str) -> SshConfig {
        let mut c = SshConfig::default();
        c.parse(text, Path::new("/cfg"), 0);
        c
    }

    #[test]
    fn inventory_beats_ssh_args_which_beat_the_config() {
        let c = config(
            "Host web\n  HostName web.internal\n  Port 2200\n  User cfg\n  ServerAliveInterval 7\n",
        );
        let e = Explicit {
            name: "web".into(),
            user: Some("inv".into()),
            ssh_args: "-o Port=2300 -o StrictHostKeyChecking=no".into(),
            ..Explicit::default()
        };
        let (spec, warnings) = resolve(&e, &c);
        assert!(warnings.is_empty());
        assert_eq!((spec.address.as_str(), spec.port), ("web.internal", 2300));
        assert_eq!(spec.user, "inv");
        assert_eq!(spec.keepalive_interval, Duration::from_secs(7));
        assert_eq!(spec.host_key_policy, HostKeyPolicy::Off);
        let e = Explicit {
            port: Some(22),
            ..e
        };
        assert_eq!(resolve(&e, &c).0.port, 22);
    }

    #[test]
    fn proxy_jump_hops_use_their_own_config_and_inherit_the_rest() {
        let c = config(
            "Host target\n  ProxyJump ops@b1:2201,b2\n  IdentityFile /k/main\n\
             Host b2\n  HostName 10.0.0.2\n  Port 2202\n",
        );
        let e = Explicit {
            name: "target".into(),
            user: Some("root".into()),
            ..Explicit::default()
        };
        let (spec, _) = resolve(&e, &c);
        let hops: Vec<_> = spec
            .proxy_jump
            .iter()
            .map(|j| format!("{}@{}:{}", j.user, j.address, j.port))
            .collect();
        assert_eq!(hops, vec!["ops@b1:2201", "root@10.0.0.2:2202"]);
        assert_eq!(
            spec.proxy_jump[1].identity_files,
            vec![PathBuf::from("/k/main")]
        );
    }
}
