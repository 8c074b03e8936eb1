//! rconf: agentless configuration management over SSH that runs Ansible playbooks.

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
