//! rconf: agentless configuration management over SSH that runs Ansible playbooks.

pub mod error;
pub mod inventory;
pub mod modules;
pub mod result;
pub mod template;
pub mod transport;
pub mod playbook;
pub mod vars;
pub mod report;
pub mod run;
pub mod cli;
