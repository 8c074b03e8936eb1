//! rconf: agentless configuration management over SSH that runs Ansible playbooks.
//!
//! The flow of a run, each step a module of its own: `cli` parses the command line and
//! ansible.cfg; `inventory` and `playbook` load the user's files into inert data, every
//! problem a `error::Diagnostic` with its `file:line:col`, before any host is contacted;
//! `run` walks the plays (both strategies through one walk and one step), renders each task
//! with `template`, asks the task's module (`modules`, or Ansible's own through `ansible`)
//! for its plan, and sends at most one `remote::Program` per task over `transport` (one SSH
//! connection per host, persistent shells); results (`result`) become `report` events for the
//! screen, the report files and `history`. `docs/architecture.md` is the longer version.

mod ansible;
mod cli;
mod error;
mod excerpt;
mod history;
mod inventory;
mod modules;
mod playbook;
mod remote;
mod report;
mod result;
mod run;
mod source_text;
mod template;
mod transport;
mod vars;
mod vault;
mod yaml_budget;

// The crate's public surface is only this; everything else is crate-internal (`pub` inside a
// private module reaches no further than the crate), so the compiler finds dead code.
// The binary's entry points:
pub use cli::{Cli, Command, closed_pipe, version};
pub use report::progress::log_writer;
pub use run::exit;
// What the integration tests and the bench drive directly: the parsers of user input and the
// transports.
pub use error::Error;
pub use inventory::Inventory;
pub use playbook::{LoadOptions, load};
pub use template::{Templar, to_jinja};
pub use transport::local::LocalConnection;
pub use transport::ssh::SshConnection;
pub use transport::{ConnectSpec, Connection, HostKeyPolicy, Stdin, TransportError};
