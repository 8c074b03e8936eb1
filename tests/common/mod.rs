//! Shared integration-test helpers: real sshd test hosts (`Fleet`) and isolated hosts with
//! their own root filesystem (`IsolatedHost`) for modules that change the system, and a
//! playbook `Lab` on sshd hosts.
// Each test binary uses a different subset of the helpers.
#![allow(dead_code, unused_imports)]

pub mod ansible;
pub mod isolated;
pub mod lab;
pub mod output;
pub mod sshd;

pub use ansible::{ansible_playbook, ansible_venv, each_tool, run_tool, tool};
pub use isolated::{IsolatedHost, build_deb, local_repo};
pub use lab::{Lab, counts};
pub use output::{recap, text};
pub use sshd::{Fleet, FleetOptions, TestHost, keygen};
