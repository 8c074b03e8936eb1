//! The `--shard K/N` and `--run-id` options of `run` and `check`: which share of the hosts
//! this process takes, and the id that ties the shards of one job into one logical run in the
//! history. Both fall back to what the scheduler puts in the environment (`run::shard`).

use clap::Args;

use crate::run::shard::{self, Shard};

#[derive(Debug, Clone, Args)]
pub struct ShardArgs {
    /// Take only share K of N of the selected hosts: those whose name hashes to K (SHA-256,
    /// stable when hosts are added). Default: RCONF_SHARD=K/N, else JOB_COMPLETION_INDEX
    /// (Kubernetes, from 0) with RCONF_SHARD_COUNT, else CI_NODE_INDEX/CI_NODE_TOTAL (GitLab).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// Record the run under this id, the same for every shard of one job, so that `rconf
    /// history` shows them as one run. Default: RCONF_RUN_ID, else the CI pipeline's
    /// (GitLab, GitHub Actions).
    #[arg(long, value_name = "ID")]
    pub run_id: Option<String>,
}

fn env(k: &str) -> Option<String> {
    std::env::var(k).ok()
}

impl ShardArgs {
    /// The shard to run, from the option or the environment.
    pub fn shard(&self) -> Result<Option<Shard>, String> {
        match self.shard {
            Some(s) => Ok(Some(s)),
            None => Shard::from_env(env),
        }
    }

    /// The logical run's id, from the option or the environment.
    pub fn run_id(&self) -> Option<String> {
        self.run_id
            .clone()
            .filter(|id| !id.trim().is_empty())
            .or_else(|| shard::run_id_from_env(env))
    }
}
