//! `rconf inventory`: shows an inventory as Ansible's `ansible-inventory` does (`--list` JSON,
//! `--host`, `--graph`) and which hosts a pattern selects (`--list-hosts`).

use clap::{ArgGroup, Args};

use crate::error::Error;
use crate::inventory::Inventory;
use crate::report::human::py_json;
use crate::run::exit;

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("action").required(true).args(["list", "host", "graph", "list_hosts"])))]
pub struct InventoryArgs {
    /// Inventory: an INI or YAML file, a directory, an executable script, or `h1,h2,`. Repeatable.
    /// Without it, `inventory` from ansible.cfg (or ANSIBLE_INVENTORY).
    #[arg(short, long = "inventory", value_name = "INVENTORY")]
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
    /// The hosts a pattern selects, one per line, in the order a play would use them.
    #[arg(long, value_name = "PATTERN")]
    pub list_hosts: Option<String>,
    /// With `--list-hosts`: further limit to this pattern.
    #[arg(short, long, value_name = "PATTERN")]
    pub limit: Option<String>,
}

impl InventoryArgs {
    pub fn execute(&self) -> i32 {
        match self.output() {
            Ok((text, code)) => {
                print!("{text}");
                code
            }
            Err(e) => {
                eprintln!("error: {e}");
                exit::BAD_INPUT
            }
        }
    }

    fn output(&self) -> Result<(String, i32), Error> {
        let cfg = super::ansible_cfg::load()?;
        self.vault.install(&cfg)?;
        // Shown, not used: vaulted values stay encrypted, as ansible-inventory prints them.
        crate::vault::keep_values_encrypted();
        let inventory = if self.inventory.is_empty() {
            cfg.inventory
        } else {
            self.inventory.clone()
        };
        let inv = Inventory::load(&inventory)?;
        if self.list {
            return Ok((
                py_json(&inv.to_ansible_list_json(), Some(4)) + "\n",
                exit::OK,
            ));
        }
        if let Some(host) = &self.host {
            if !inv.hosts.contains_key(host) && !inv.is_implicit_localhost(host) {
                return Err(Error::Usage(format!(
                    "host `{host}` is not in the inventory"
                )));
            }
            let vars = serde_json::to_value(inv.host_vars(host)).unwrap_or_default();
            return Ok((py_json(&vars, Some(4)) + "\n", exit::OK));
        }
        if let Some(group) = &self.graph {
            let graph = inv
                .try_graph(group)
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
