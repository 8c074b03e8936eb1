//! rconf: agentless configuration management over SSH that runs Ansible playbooks.

pub mod error;
pub mod inventory;
pub mod modules;
pub mod result;
pub mod template;
pub mod transport;
