//! Shared integration-test helpers: real sshd test hosts (`Fleet`).
// Each test binary uses a different subset of the helpers.
#![allow(dead_code, unused_imports)]

pub mod sshd;

pub use sshd::{Fleet, FleetOptions, TestHost, keygen};
