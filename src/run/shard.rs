//! Shards: `--shard K/N` gives a run the share of the selected hosts whose name hashes to K,
//! so that N schedulers' jobs (a Kubernetes Indexed Job, a CI matrix) split one fleet without
//! talking to each other.
//!
//! The hash is documented and fixed (README, "More than one controller"): the first 8 bytes of
//! SHA-256 of the host's inventory name, read big-endian, modulo N, plus 1. A host's shard
//! depends on its name and N only, never on its position or on the other hosts, so adding or
//! removing hosts moves no other host between shards.

use std::fmt;

use sha2::{Digest, Sha256};

/// Share K (1-based) of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("invalid shard `{s}`: expected K/N with 1 <= K <= N (`2/4`)");
        let (k, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        Shard::new(index, count).ok_or_else(bad)
    }
}

impl Shard {
    pub fn new(index: u32, count: u32) -> Option<Shard> {
        (count >= 1 && (1..=count).contains(&index)).then_some(Shard { index, count })
    }

    /// The shard (1..=count) that `host` belongs to.
    pub fn of(host: &str, count: u32) -> u32 {
        let digest = Sha256::digest(host.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        (u64::from_be_bytes(first) % u64::from(count.max(1))) as u32 + 1
    }

    /// Whether this shard runs `host`.
    pub fn owns(&self, host: &str) -> bool {
        Shard::of(host, self.count) == self.index
    }

    /// The shard the scheduler's environment asks for, in this order: `RCONF_SHARD=K/N`;
    /// a Kubernetes Indexed Job's `JOB_COMPLETION_INDEX` (0-based) with `RCONF_SHARD_COUNT`
    /// (Kubernetes sets no count: the Job's manifest passes its `completions`); GitLab's
    /// `parallel:` (`CI_NODE_INDEX`, 1-based, and `CI_NODE_TOTAL`). `Ok(None)`: not sharded.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Option<Shard>, String> {
        let var = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        if let Some(v) = var("RCONF_SHARD") {
            return v.parse().map(Some).map_err(|e| format!("RCONF_SHARD: {e}"));
        }
        let number = |k: &str, v: String| {
            v.trim()
                .parse::<u32>()
                .map_err(|_| format!("{k}={v:?}: expected a whole number"))
        };
        if let Some(i) = var("JOB_COMPLETION_INDEX") {
            let Some(n) = var("RCONF_SHARD_COUNT") else {
                return Err(
                    "JOB_COMPLETION_INDEX is set but RCONF_SHARD_COUNT is not: set it \
                            to the Job's `completions` (or pass --shard K/N)"
                        .into(),
                );
            };
            let (i, n) = (
                number("JOB_COMPLETION_INDEX", i)?,
                number("RCONF_SHARD_COUNT", n)?,
            );
            return Shard::new(i.saturating_add(1), n).map(Some).ok_or_else(|| {
                format!("JOB_COMPLETION_INDEX={i} is not below RCONF_SHARD_COUNT={n}")
            });
        }
        if let (Some(i), Some(n)) = (var("CI_NODE_INDEX"), var("CI_NODE_TOTAL")) {
            let (i, n) = (number("CI_NODE_INDEX", i)?, number("CI_NODE_TOTAL", n)?);
            return Shard::new(i, n)
                .map(Some)
                .ok_or_else(|| format!("CI_NODE_INDEX={i} is not within 1..=CI_NODE_TOTAL={n}"));
        }
        Ok(None)
    }
}

/// The id that ties the shards of one scheduled job into one logical run: `RCONF_RUN_ID`, else
/// what the scheduler gives every shard of the job alike (GitLab's pipeline and job name
/// without its ` K/N` suffix; GitHub Actions' run id and attempt).
pub fn run_id_from_env(env: impl Fn(&str) -> Option<String>) -> Option<String> {
    let var = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    if let Some(id) = var("RCONF_RUN_ID") {
        return Some(id);
    }
    if let Some(pipeline) = var("CI_PIPELINE_ID") {
        let job = var("CI_JOB_NAME").unwrap_or_default();
        // GitLab names the parallel copies `check 1/4`, `check 2/4`, ...
        let job = match job.rsplit_once(' ') {
            Some((base, tail)) if tail.parse::<Shard>().is_ok() => base.to_string(),
            _ => job,
        };
        return Some(format!("gitlab-{pipeline}-{job}"));
    }
    if let Some(run) = var("GITHUB_RUN_ID") {
        let attempt = var("GITHUB_RUN_ATTEMPT").unwrap_or_else(|| "1".into());
        return Some(format!("github-{run}-{attempt}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn every_host_is_in_exactly_one_shard_and_adding_hosts_moves_none() {
        let hosts: Vec<String> = (1..=200).map(|i| format!("h{i:03}")).collect();
        let shards: Vec<Shard> = (1..=4).map(|k| Shard::new(k, 4).unwrap()).collect();
        for h in &hosts {
            assert_eq!(shards.iter().filter(|s| s.owns(h)).count(), 1, "{h}");
        }
        // Every shard gets a fair share of 200 hosts (the hash spreads them).
        for s in &shards {
            let n = hosts.iter().filter(|h| s.owns(h)).count();
            assert!((30..=70).contains(&n), "shard {s}: {n} hosts");
        }
        // The shard is a function of the name: the documented hash, fixed forever.
        assert_eq!(Shard::of("h001", 4), Shard::of("h001", 4));
        let digest = Sha256::digest(b"web01");
        let v = u64::from_be_bytes(digest[..8].try_into().unwrap());
        assert_eq!(Shard::of("web01", 7), (v % 7) as u32 + 1);
        assert_eq!(Shard::of("anything", 1), 1);
    }

    #[test]
    fn shard_text_and_environments() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard::new(2, 4).unwrap()));
        for bad in ["0/4", "5/4", "2", "a/b", "1/0"] {
            let e = bad.parse::<Shard>().unwrap_err();
            assert_eq!(
                e,
                format!("invalid shard `{bad}`: expected K/N with 1 <= K <= N (`2/4`)")
            );
        }
        let s = |pairs: &[(&str, &str)]| Shard::from_env(env(pairs));
        assert_eq!(s(&[]), Ok(None));
        assert_eq!(s(&[("RCONF_SHARD", "3/5")]), Ok(Shard::new(3, 5)));
        // Kubernetes counts from 0.
        assert_eq!(
            s(&[("JOB_COMPLETION_INDEX", "0"), ("RCONF_SHARD_COUNT", "4")]),
            Ok(Shard::new(1, 4))
        );
        assert!(
            s(&[("JOB_COMPLETION_INDEX", "0")])
                .unwrap_err()
                .contains("RCONF_SHARD_COUNT is not")
        );
        assert!(
            s(&[("JOB_COMPLETION_INDEX", "4"), ("RCONF_SHARD_COUNT", "4")])
                .unwrap_err()
                .contains("is not below")
        );
        // GitLab counts from 1; CI_NODE_TOTAL alone (GitLab sets it to 1) is no shard.
        assert_eq!(
            s(&[("CI_NODE_INDEX", "4"), ("CI_NODE_TOTAL", "4")]),
            Ok(Shard::new(4, 4))
        );
        assert_eq!(s(&[("CI_NODE_TOTAL", "1")]), Ok(None));
        // RCONF_SHARD wins.
        assert_eq!(
            s(&[
                ("RCONF_SHARD", "1/2"),
                ("CI_NODE_INDEX", "4"),
                ("CI_NODE_TOTAL", "4")
            ]),
            Ok(Shard::new(1, 2))
        );
    }

    #[test]
    fn the_shards_of_one_ci_job_share_a_run_id() {
        let id = |pairs: &[(&str, &str)]| run_id_from_env(env(pairs));
        assert_eq!(id(&[]), None);
        assert_eq!(
            id(&[("RCONF_RUN_ID", "nightly-7")]).as_deref(),
            Some("nightly-7")
        );
        let a = id(&[("CI_PIPELINE_ID", "99"), ("CI_JOB_NAME", "check 1/4")]);
        let b = id(&[("CI_PIPELINE_ID", "99"), ("CI_JOB_NAME", "check 3/4")]);
        assert_eq!(a.as_deref(), Some("gitlab-99-check"));
        assert_eq!(a, b);
        assert_eq!(
            id(&[("GITHUB_RUN_ID", "5"), ("GITHUB_RUN_ATTEMPT", "2")]).as_deref(),
            Some("github-5-2")
        );
    }
}
