//! `rconf inventory`: shows an inventory as Ansible's `ansible-inventory` does (`--list` as
//! JSON, `-y` YAML or `--toml`, `--host`, `--graph`) and which hosts a pattern selects
//! (`--list-hosts`).

use std::collections::HashSet;
use std::path::PathBuf;

use clap::{ArgGroup, Args};

use crate::error::Error;
use crate::inventory::{Inventory, View, formats};
use crate::report::human::py_json;
use crate::run::exit;

#[derive(Debug, Args)]
#[command(
    args_override_self = true,
    group(ArgGroup::new("action").required(true).args(["list", "host", "graph", "list_hosts"]))
)]
pub struct InventoryArgs {
    /// Inventory: an INI or YAML file, a directory, an executable script, or `h1,h2,`. Repeatable.
    /// Without it, `inventory` from ansible.cfg (or ANSIBLE_INVENTORY).
    #[arg(
        short,
        long = "inventory",
        visible_alias = "inventory-file",
        value_name = "INVENTORY"
    )]
    pub inventory: Vec<String>,
    #[command(flatten)]
    pub vault: super::vault::VaultArgs,
    /// Every group and host with their variables, as `ansible-inventory --list` prints them.
    #[arg(long)]
    pub list: bool,
    /// One host's merged variables.
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// The group tree under GROUP (default `all`), as `ansible-inventory --graph` draws it.
    #[arg(long, value_name = "GROUP", num_args = 0..=1, default_missing_value = "all")]
    pub graph: Option<String>,
    /// The group to draw with `--graph` (as `ansible-inventory --graph GROUP`).
    #[arg(value_name = "GROUP")]
    pub group: Option<String>,
    /// The hosts a pattern selects, one per line, in the order a play would use them.
    #[arg(long, value_name = "PATTERN")]
    pub list_hosts: Option<String>,
    /// With `--list` or `--list-hosts`: only hosts this pattern selects (`--graph` and
    /// `--host` ignore it, as in Ansible).
    #[arg(short, long, value_name = "PATTERN")]
    pub limit: Option<String>,
    /// `--list` as YAML instead of JSON (ignored for `--graph`).
    #[arg(short = 'y', long)]
    pub yaml: bool,
    /// `--list` as TOML instead of JSON (ignored for `--graph`).
    #[arg(long)]
    pub toml: bool,
    /// With `--graph`: each host's variables and each group's own under them.
    #[arg(long)]
    pub vars: bool,
    /// With `--list`: each group's own variables under it and only each host's own, for an
    /// inventory to be written back, rather than every host's merged variables.
    #[arg(long)]
    pub export: bool,
    /// Write what would be printed to FILE instead.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Extra variables, on top of every host's variables: key=value, a JSON/YAML mapping, or
    /// @file. Repeatable.
    #[arg(short, long = "extra-vars", value_name = "VARS")]
    pub extra_vars: Vec<String>,
    /// Also read `group_vars/` and `host_vars/` in DIR, as beside a playbook.
    #[arg(long, value_name = "DIR")]
    pub playbook_dir: Option<PathBuf>,
    /// Clear the fact cache (ansible.cfg's `fact_caching = jsonfile` directory) of every
    /// host in the inventory.
    #[arg(long)]
    pub flush_cache: bool,
    /// More output: `-v` first says which config file is used, as ansible-inventory -v.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

impl InventoryArgs {
    pub fn execute(&self) -> i32 {
        match self.output() {
            Ok((text, code)) => match &self.output {
                None => {
                    print!("{text}");
                    code
                }
                Some(path) => {
                    // As ansible-inventory writes it: without the newline the screen gets.
                    let text = if self.list && !self.yaml && !self.toml || self.host.is_some() {
                        text.strip_suffix('\n').unwrap_or(&text)
                    } else {
                        &text
                    };
                    match std::fs::write(path, text) {
                        Ok(()) => code,
                        Err(e) => {
                            eprintln!("error: cannot write `{}`: {e}", path.display());
                            exit::ERROR
                        }
                    }
                }
            },
            Err(e) => {
                eprintln!("error: {}", e.rendered());
                exit::BAD_INPUT
            }
        }
    }

    fn output(&self) -> Result<(String, i32), Error> {
        let cfg = super::ansible_cfg::load()?;
        if self.verbose > 0 {
            // What ansible-inventory -v says first, on stdout as there.
            match &cfg.path {
                Some(p) => println!("Using {} as config file", absolute(p)),
                None => println!("No config file found; using defaults"),
            }
        }
        self.vault.install(&cfg)?;
        // Shown, not used: vaulted values stay encrypted, as ansible-inventory prints them.
        crate::vault::keep_values_encrypted();
        let extra_vars = super::parse_extra_vars(&self.extra_vars)?;
        let inventory = if self.inventory.is_empty() {
            cfg.inventory.clone()
        } else {
            self.inventory.clone()
        };
        let mut inv = Inventory::load(&inventory)?;
        if let Some(dir) = &self.playbook_dir {
            inv.load_vars_dirs(dir)?;
        }
        if self.flush_cache
            && let Some(dir) = &cfg.fact_cache
        {
            super::run::flush_fact_cache(dir, inv.hosts.keys());
        }
        let view = View {
            export: self.export,
            hosts: None,
            extra_vars: &extra_vars,
        };
        if self.list {
            let limit = self.limit.as_deref().filter(|l| !l.trim().is_empty());
            let allowed: Option<HashSet<String>> = match limit {
                Some(l) => {
                    let hosts = inv.select(l)?;
                    if hosts.is_empty() {
                        eprintln!("[WARNING]: no hosts matched --limit `{l}`");
                    }
                    Some(hosts.into_iter().collect())
                }
                None => None,
            };
            let view = View {
                hosts: allowed.as_ref(),
                ..view
            };
            let text = if self.yaml {
                formats::yaml(&inv.list_yaml(&view))
            } else if self.toml {
                let doc = inv.list_toml(&view);
                let doc = doc.as_object().cloned().unwrap_or_default();
                formats::toml(&doc).map_err(|e| Error::Usage(format!("--toml: {e}")))?
            } else {
                py_json(&inv.list_json(&view), Some(4)) + "\n"
            };
            return Ok((text, exit::OK));
        }
        if let Some(host) = &self.host {
            if !inv.hosts.contains_key(host) && !inv.is_implicit_localhost(host) {
                return Err(Error::Usage(format!(
                    "host `{host}` is not in the inventory"
                )));
            }
            let vars = serde_json::Value::Object(inv.view_host_vars(host, &view));
            let text = if self.yaml {
                formats::yaml(&crate::inventory::views_sorted(vars))
            } else if self.toml {
                let doc = vars.as_object().cloned().unwrap_or_default();
                formats::toml(&doc).map_err(|e| Error::Usage(format!("--toml: {e}")))?
            } else {
                py_json(&crate::inventory::views_sorted(vars), Some(4)) + "\n"
            };
            return Ok((text, exit::OK));
        }
        if let Some(group) = &self.graph {
            let group = match (group.as_str(), &self.group) {
                ("all", Some(g)) => g,
                _ => group,
            };
            let graph = if self.vars {
                inv.graph_vars(group, &view)
            } else {
                inv.try_graph(group)
            };
            let graph = graph
                .ok_or_else(|| Error::Usage(format!("group `{group}` is not in the inventory")))?;
            return Ok((graph, exit::OK));
        }
        let pattern = self.list_hosts.as_deref().unwrap_or("all");
        let mut hosts = inv.select(pattern)?;
        if let Some(limit) = &self.limit {
            let allowed = inv.select(limit)?;
            hosts.retain(|h| allowed.contains(h));
        }
        if hosts.is_empty() {
            eprintln!("[WARNING]: no hosts matched pattern `{pattern}`");
        }
        Ok((hosts.iter().map(|h| format!("{h}\n")).collect(), exit::OK))
    }
}

fn absolute(p: &std::path::Path) -> String {
    std::fs::canonicalize(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}
