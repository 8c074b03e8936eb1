//! Turns a host's connection variables (`ansible_host`, `ansible_port`, `ansible_user`,
//! `ansible_ssh_private_key_file`, `ansible_connection`, ...) into a live connection.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::transport::config::SshConfig;
use crate::transport::keywords::ConnectionKeywords;
use crate::transport::local::LocalConnection;
use crate::transport::privilege::{Become, Method};
use crate::transport::resolve::{Explicit, resolve};
use crate::transport::ssh::SshConnection;
use crate::transport::{ConnectSpec, Connection, HostKeyPolicy, TransportError};

/// Connection settings that come from the command line.
#[derive(Debug, Clone)]
pub struct ConnectDefaults {
    /// `-c/--connection`: for hosts whose variables name no `ansible_connection`.
    pub connection: Option<String>,
    pub user: Option<String>,
    pub private_key: Option<PathBuf>,
    pub connect_timeout: Duration,
    pub host_key_policy: HostKeyPolicy,
    /// `-k/--ask-pass`: the login password for every host that has none in its variables.
    pub password: Option<String>,
    /// `--key-passphrase-file`: the passphrase for encrypted key files.
    pub key_passphrase: Option<String>,
    /// `-b/--become`, `--become-user`, `--become-method`: below keywords and variables.
    pub become_: bool,
    pub become_user: Option<String>,
    pub become_method: Option<String>,
    /// `-K/--ask-become-pass`.
    pub become_password: Option<String>,
    /// Seconds between keepalives when the host is silent (`ServerAliveInterval`).
    pub keepalive: Option<Duration>,
    /// The OpenSSH client config (`-F FILE`, else `~/.ssh/config` and the system one).
    pub ssh_config: Arc<SshConfig>,
    /// `--ssh-common-args` and `--ssh-extra-args`: for hosts whose variables set no
    /// `ansible_ssh_common_args` (`ansible_ssh_extra_args`), as in Ansible.
    pub ssh_common_args: Option<String>,
    pub ssh_extra_args: Option<String>,
    /// `--sftp-extra-args` and `--scp-extra-args` (below `ansible_sftp_extra_args`,
    /// `ansible_scp_extra_args`): Ansible gives them to the program that copies files; rconf
    /// copies over the host's one connection, so their options apply to that connection.
    pub sftp_extra_args: Option<String>,
    pub scp_extra_args: Option<String>,
}

impl Default for ConnectDefaults {
    fn default() -> Self {
        ConnectDefaults {
            connection: None,
            user: None,
            private_key: None,
            connect_timeout: Duration::from_secs(10),
            host_key_policy: HostKeyPolicy::Strict,
            password: None,
            key_passphrase: None,
            become_: false,
            become_user: None,
            become_method: None,
            become_password: None,
            keepalive: None,
            ssh_config: Arc::default(),
            ssh_common_args: None,
            ssh_extra_args: None,
            sftp_extra_args: None,
            scp_extra_args: None,
        }
    }
}

/// How one task uses its host's connection, from keywords, variables and flags.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskConnection {
    pub become_: Option<Become>,
    pub timeout: Option<Duration>,
    /// `remote_user`: the login user when no variable names one.
    pub remote_user: Option<String>,
    /// `connection`: the connection type when no variable names one.
    pub connection: Option<String>,
    /// `port`: the port when no variable names one.
    pub port: Option<Value>,
}

/// Resolves a task's connection keywords with Ansible's precedence: connection variables
/// (`ansible_become*`) over keywords over command-line flags. `render` templates a keyword.
pub fn task_connection(
    kw: &ConnectionKeywords,
    get: &dyn Fn(&str) -> Option<Value>,
    render: &dyn Fn(&Value) -> Result<Value, String>,
    defaults: &ConnectDefaults,
) -> Result<TaskConnection, String> {
    let rendered = |v: &Option<Value>| -> Result<Option<Value>, String> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(v) => render(v).map(|v| (!v.is_null()).then_some(v)),
        }
    };
    let text = |v: Value| match v {
        Value::String(s) => s,
        other => other.to_string(),
    };
    let var = |names: &[&str]| -> Result<Option<Value>, String> {
        for n in names {
            if let Some(v) = rendered(&get(n))? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    };
    let enabled = match var(&["ansible_become"])?.or(rendered(&kw.become_)?) {
        Some(v) => crate::vars::truthy_json(&v),
        None => defaults.become_,
    };
    let become_ = if enabled {
        let method = var(&["ansible_become_method"])?
            .or(rendered(&kw.become_method)?)
            .map(text)
            .or_else(|| defaults.become_method.clone())
            .unwrap_or_else(|| "sudo".into());
        let user = var(&["ansible_become_user"])?
            .or(rendered(&kw.become_user)?)
            .map(text)
            .or_else(|| defaults.become_user.clone())
            .unwrap_or_else(|| "root".into());
        Some(Become {
            method: Method::parse(&method)?,
            user,
            flags: var(&["ansible_become_flags"])?
                .or(rendered(&kw.become_flags)?)
                .map(text),
            password: var(&["ansible_become_password", "ansible_become_pass"])?
                .map(text)
                .or_else(|| defaults.become_password.clone()),
        })
    } else {
        None
    };
    let timeout = match rendered(&kw.timeout)? {
        None => None,
        Some(v) => {
            let secs = match &v {
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            };
            match secs {
                // 0 is Ansible's "no limit", and wins over --task-timeout as there.
                Some(s) => Some(Duration::from_secs(s)),
                None => {
                    return Err(format!(
                        "`timeout` must be a whole number of seconds (0: no limit), found `{}`",
                        text(v)
                    ));
                }
            }
        }
    };
    Ok(TaskConnection {
        become_,
        timeout,
        remote_user: rendered(&kw.remote_user)?.map(text),
        connection: rendered(&kw.connection)?.map(text),
        port: rendered(&kw.port)?,
    })
}

/// How to reach one host, decided from its rendered variables.
pub enum Plan {
    Local,
    Ssh(Box<ConnectSpec>),
}

/// How to reach `name`; `keywords` are the task's (below the host's variables).
pub fn plan(
    name: &str,
    get: &dyn Fn(&str) -> Option<Value>,
    defaults: &ConnectDefaults,
    keywords: &TaskConnection,
) -> Result<Plan, String> {
    Ok(login(name, get, defaults, keywords)?.plan(defaults))
}

/// What the variables ask for, before the SSH config resolves it.
pub enum Login {
    Local,
    Ssh(Box<Explicit>),
}

impl Login {
    /// Tells logins apart the way OpenSSH's ControlPath `%C` does (host, port, user): a task
    /// whose login differs from the open connection's (another play's `remote_user`, say)
    /// needs a connection of its own.
    pub fn key(&self) -> String {
        match self {
            Login::Local => "local".into(),
            Login::Ssh(e) => format!(
                "{:?}@{}:{:?}",
                e.user,
                e.host.as_deref().unwrap_or(&e.name),
                e.port
            ),
        }
    }

    pub fn plan(self, defaults: &ConnectDefaults) -> Plan {
        match self {
            Login::Local => Plan::Local,
            Login::Ssh(explicit) => {
                let (spec, warnings) = resolve(&explicit, &defaults.ssh_config);
                for w in warnings {
                    tracing::warn!("host `{}`: {w}", explicit.name);
                }
                Plan::Ssh(Box::new(spec))
            }
        }
    }
}

/// The login the variables of `name` describe.
pub fn login(
    name: &str,
    get: &dyn Fn(&str) -> Option<Value>,
    defaults: &ConnectDefaults,
    keywords: &TaskConnection,
) -> Result<Login, String> {
    let text = |key: &str| {
        get(key).and_then(|v| match v {
            Value::String(s) => Some(s),
            Value::Null => None,
            other => Some(other.to_string()),
        })
    };
    // Variables over keywords over the command line, as Ansible ranks them.
    let connection = text("ansible_connection")
        .or_else(|| keywords.connection.clone())
        .or_else(|| defaults.connection.clone())
        .unwrap_or_else(|| "ssh".into());
    match connection.as_str() {
        "local" => return Ok(Login::Local),
        "ssh" | "smart" | "paramiko" | "ansible.builtin.ssh" | "ansible.legacy.ssh" => {}
        other => {
            return Err(format!(
                "connection type `{other}` is not supported (expected `ssh` or `local`)"
            ));
        }
    }
    let port = match get("ansible_port")
        .or_else(|| get("ansible_ssh_port"))
        .or_else(|| keywords.port.clone())
    {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(
            n.as_u64()
                .and_then(|p| u16::try_from(p).ok())
                .ok_or(format!("`ansible_port` must be a port number, found `{n}`"))?,
        ),
        Some(Value::String(s)) => Some(
            s.trim()
                .parse()
                .map_err(|_| format!("`ansible_port` must be a port number, found `{s}`"))?,
        ),
        Some(other) => {
            return Err(format!(
                "`ansible_port` must be a port number, found `{other}`"
            ));
        }
    };
    let user = text("ansible_user")
        .or_else(|| text("ansible_ssh_user"))
        .or_else(|| keywords.remote_user.clone())
        .or_else(|| defaults.user.clone());
    let identity_files = text("ansible_ssh_private_key_file")
        .map(|p| vec![expand_home(&p)])
        .or_else(|| defaults.private_key.clone().map(|p| vec![p]))
        .unwrap_or_default();
    let host_key_off = matches!(
        get("ansible_host_key_checking").or_else(|| get("ansible_ssh_host_key_checking")),
        Some(v) if !crate::vars::truthy_json(&v)
    );
    // A host's variable replaces the command line's option, as Ansible ranks them. The
    // copy programs' arguments come last: the first value of an option wins, as in ssh.
    let ssh_args = [
        text("ansible_ssh_common_args").or_else(|| defaults.ssh_common_args.clone()),
        text("ansible_ssh_extra_args").or_else(|| defaults.ssh_extra_args.clone()),
        text("ansible_sftp_extra_args").or_else(|| defaults.sftp_extra_args.clone()),
        text("ansible_scp_extra_args").or_else(|| defaults.scp_extra_args.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let explicit = Explicit {
        name: name.to_string(),
        host: text("ansible_host").or_else(|| text("ansible_ssh_host")),
        port,
        user,
        identity_files,
        password: text("ansible_password")
            .or_else(|| text("ansible_ssh_pass"))
            .or_else(|| defaults.password.clone()),
        key_passphrase: defaults.key_passphrase.clone(),
        connect_timeout: defaults.connect_timeout,
        keepalive: defaults.keepalive,
        host_key_off,
        default_policy: defaults.host_key_policy,
        ssh_args,
    };
    Ok(Login::Ssh(Box::new(explicit)))
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
