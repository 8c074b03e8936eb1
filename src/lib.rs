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

pub mod ansible;
pub mod cli;
pub mod error;
pub mod excerpt;
pub mod history;
pub mod inventory;
pub mod modules;
pub mod playbook;
pub mod remote;
pub mod report;
pub mod result;
pub mod run;
pub mod source_text;
pub mod template;
pub mod transport;
pub mod vars;
pub mod vault;
pub mod yaml_budget;
