//! Turns a host's connection variables (`ansible_host`, `ansible_port`, `ansible_user`,
//! `ansible_ssh_private_key_file`, `ansible_connection`, ...) into a live connection.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::transport::local::LocalConnection;
use crate::transport::ssh::SshConnection;
use crate::transport::{ConnectSpec, Connection, HostKeyPolicy, TransportError};

/// Connection settings that come from the command line.
#[derive(Debug, Clone)]
pub struct ConnectDefaults {
    pub user: Option<String>,
    pub private_key: Option<PathBuf>,
    pub connect_timeout: Duration,
    pub host_key_policy: HostKeyPolicy,
}

/// How to reach one host, decided from its rendered variables.
pub enum Plan {
    Local,
    Ssh(ConnectSpec),
}

pub fn plan(
    name: &str,
    get: &dyn Fn(&str) -> Option<Value>,
    defaults: &ConnectDefaults,
) -> Result<Plan, String> {
    let text = |key: &str| {
        get(key).and_then(|v| match v {
            Value::String(s) => Some(s),
            Value::Null => None,
            other => Some(other.to_string()),
        })
    };
    let connection = text("ansible_connection").unwrap_or_else(|| "ssh".into());
    match connection.as_str() {
        "local" => return Ok(Plan::Local),
        "ssh" | "smart" | "paramiko" | "ansible.builtin.ssh" | "ansible.legacy.ssh" => {}
        other => {
            return Err(format!(
                "connection type `{other}` is not supported (expected `ssh` or `local`)"
            ));
        }
    }
    let port = match get("ansible_port").or_else(|| get("ansible_ssh_port")) {
        None | Some(Value::Null) => 22,
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .ok_or(format!("`ansible_port` must be a port number, found `{n}`"))?,
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| format!("`ansible_port` must be a port number, found `{s}`"))?,
        Some(other) => {
            return Err(format!(
                "`ansible_port` must be a port number, found `{other}`"
            ));
        }
    };
    let user = text("ansible_user")
        .or_else(|| text("ansible_ssh_user"))
        .or_else(|| defaults.user.clone())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "root".into());
    let identity_files = text("ansible_ssh_private_key_file")
        .map(|p| vec![expand_home(&p)])
        .or_else(|| defaults.private_key.clone().map(|p| vec![p]))
        .unwrap_or_default();
    let host_key_policy =
        match get("ansible_host_key_checking").or_else(|| get("ansible_ssh_host_key_checking")) {
            Some(v) if !crate::vars::truthy_json(&v) => HostKeyPolicy::Off,
            _ => defaults.host_key_policy,
        };
    Ok(Plan::Ssh(ConnectSpec {
        name: name.to_string(),
        address: text("ansible_host")
            .or_else(|| text("ansible_ssh_host"))
            .unwrap_or_else(|| name.to_string()),
        port,
        user,
        identity_files,
        password: text("ansible_password").or_else(|| text("ansible_ssh_pass")),
        connect_timeout: defaults.connect_timeout,
        known_hosts_files: Vec::new(),
        host_key_policy,
    }))
}

fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(p),
    }
}

/// Opens the connection; returns it with the time setup took.
pub async fn open(plan: Plan) -> Result<(Connection, Duration), TransportError> {
    let start = Instant::now();
    let conn = match plan {
        Plan::Local => Connection::Local(LocalConnection::default()),
        Plan::Ssh(spec) => Connection::Ssh(SshConnection::connect(&spec).await?),
    };
    Ok((conn, start.elapsed()))
}
