//! `rconf pull -U REPO`: the job of `ansible-pull`, on the host itself. Fetch (git) a
//! repository into a directory, and when the checkout changed (or with `--force`) apply its
//! playbook to this host with the local connection, recorded in the history like any run.
//! A lock keeps two pulls of one directory apart; `--sleep N` waits a random 0..N seconds first
//! so that a fleet's cron jobs do not all hit the repository at once.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use clap::{Args, Parser};

use crate::run::exit;

#[derive(Debug, Args)]
pub struct PullArgs {
    /// The repository to fetch (any URL or path git takes: https://, ssh, file://).
    #[arg(short = 'U', long = "url", value_name = "URL")]
    pub url: String,
    /// The branch, tag or commit to check out [default: the repository's default branch].
    #[arg(short = 'C', long = "checkout", value_name = "BRANCH")]
    pub checkout: Option<String>,
    /// Where to check the repository out [default: ~/.ansible/pull/HOSTNAME, as ansible-pull].
    #[arg(short = 'd', long = "directory", value_name = "DIR")]
    pub directory: Option<PathBuf>,
    /// Apply the playbook even when the checkout did not change.
    #[arg(long)]
    pub force: bool,
    /// Wait a random 0..N seconds before fetching (a splay for cron on many hosts).
    #[arg(short = 's', long = "sleep", value_name = "N")]
    pub sleep: Option<u64>,
    /// Check for drift instead of applying (`rconf check`: exit 3 when something would change).
    #[arg(long)]
    pub check: bool,
    /// Inventory inside the checkout (or anywhere) [default: this host only, `localhost,`].
    #[arg(short, long = "inventory", value_name = "INVENTORY")]
    pub inventory: Vec<String>,
    /// Extra variables, as for `run`. Repeatable.
    #[arg(short, long = "extra-vars", value_name = "VARS")]
    pub extra_vars: Vec<String>,
    /// History to record into, as for `run` (also RCONF_HISTORY_URL).
    #[arg(long = "history", value_name = "PATH|URL")]
    pub history: Option<String>,
    /// The playbook in the checkout [default: HOSTNAME.yml (fully qualified, then short), then
    /// local.yml, as ansible-pull].
    #[arg(value_name = "PLAYBOOK")]
    pub playbook: Option<PathBuf>,
}

/// This host's names: fully qualified and short (ansible-pull matches plays against both).
fn host_names() -> Vec<String> {
    let mut names = Vec::new();
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `buf.len()` bytes into the buffer it is given.
    if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0 {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        let name = String::from_utf8_lossy(&buf[..end]).to_string();
        if let Some((short, _)) = name.split_once('.') {
            names.push(name.clone());
            names.push(short.to_string());
        } else if !name.is_empty() {
            names.push(name);
        }
    }
    names
}

fn git(dir: Option<&Path>, args: &[&str]) -> Result<String, String> {
    let mut cmd = Command::new("git");
    if let Some(d) = dir {
        cmd.arg("-C").arg(d);
    }
    let out = cmd
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Brings `dir` to the wanted revision of `url`; returns the commit before (none: a new
/// clone) and after.
fn update(url: &str, branch: Option<&str>, dir: &Path) -> Result<(Option<String>, String), String> {
    if !dir.join(".git").exists() {
        let mut args = vec!["clone", "--quiet"];
        if let Some(b) = branch {
            args.extend(["--branch", b]);
        }
        let target = dir.display().to_string();
        args.extend([url, target.as_str()]);
        git(None, &args)?;
        return Ok((None, git(Some(dir), &["rev-parse", "HEAD"])?));
    }
    let before = git(Some(dir), &["rev-parse", "HEAD"]).ok();
    git(Some(dir), &["remote", "set-url", "origin", url])?;
    let refspec = branch.unwrap_or("HEAD");
    git(Some(dir), &["fetch", "--quiet", "origin", refspec])?;
    // What the repository has wins over local edits, as ansible-pull's forced checkout.
    git(Some(dir), &["reset", "--quiet", "--hard", "FETCH_HEAD"])?;
    Ok((before, git(Some(dir), &["rev-parse", "HEAD"])?))
}

impl PullArgs {
    fn directory(&self, names: &[String]) -> Option<PathBuf> {
        self.directory.clone().or_else(|| {
            let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
            let host = names.first().cloned().unwrap_or_else(|| "localhost".into());
            Some(PathBuf::from(home).join(".ansible/pull").join(host))
        })
    }

    fn playbook(&self, dir: &Path, names: &[String]) -> Result<PathBuf, String> {
        if let Some(p) = &self.playbook {
            let path = if p.is_absolute() {
                p.clone()
            } else {
                dir.join(p)
            };
            return if path.is_file() {
                Ok(path)
            } else {
                Err(format!("no playbook `{}` in the checkout", p.display()))
            };
        }
        let candidates: Vec<String> = names
            .iter()
            .map(|n| format!("{n}.yml"))
            .chain(["local.yml".to_string()])
            .collect();
        candidates
            .iter()
            .map(|c| dir.join(c))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                format!(
                    "the checkout `{}` has none of {}: name the playbook",
                    dir.display(),
                    candidates.join(", ")
                )
            })
    }

    pub async fn execute(&self) -> i32 {
        let names = host_names();
        let Some(dir) = self.directory(&names) else {
            eprintln!("error: no checkout directory: set HOME or pass -d DIR");
            return exit::BAD_INPUT;
        };
        if let Some(n) = self.sleep.filter(|&n| n > 0) {
            let secs = rand::random_range(0..=n);
            println!("sleeping {secs} s before fetching (--sleep {n})");
            tokio::time::sleep(Duration::from_secs(secs)).await;
        }
        // One pull of a directory at a time: its git work and its run.
        let _lock = match super::lock::guard(&dir, std::slice::from_ref(&self.url), "pull") {
            Ok(l) => l,
            Err(code) => return code,
        };
        let (before, after) = match update(&self.url, self.checkout.as_deref(), &dir) {
            Ok(x) => x,
            Err(e) => {
                eprintln!(
                    "error: cannot update `{}` from `{}`: {e}",
                    dir.display(),
                    self.url
                );
                return exit::ERROR;
            }
        };
        let changed = before.as_deref() != Some(after.as_str());
        if !changed && !self.force {
            println!(
                "nothing to do: `{}` is unchanged at {after} (--force applies anyway)",
                dir.display()
            );
            return exit::OK;
        }
        match &before {
            Some(b) if changed => println!("`{}` updated: {b} -> {after}", dir.display()),
            Some(_) => println!(
                "`{}` unchanged at {after}; applying (--force)",
                dir.display()
            ),
            None => println!("`{}` checked out at {after}", dir.display()),
        }
        let playbook = match self.playbook(&dir, &names) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        };
        self.apply(&playbook, &names).await
    }

    /// Runs the playbook as `rconf run` (or `check`) would, on this host, locally.
    async fn apply(&self, playbook: &Path, names: &[String]) -> i32 {
        let mut argv: Vec<String> = vec![
            "rconf".into(),
            if self.check { "check" } else { "run" }.into(),
            playbook.display().to_string(),
            "-c".into(),
            "local".into(),
        ];
        if self.inventory.is_empty() {
            argv.extend(["-i".into(), "localhost,".into()]);
        } else {
            for i in &self.inventory {
                argv.extend(["-i".into(), i.clone()]);
            }
            // Plays for this host by any of its names, as ansible-pull limits them.
            let mut limit = vec!["localhost".to_string(), "127.0.0.1".to_string()];
            limit.extend(names.iter().cloned());
            argv.extend(["-l".into(), limit.join(":")]);
        }
        for e in &self.extra_vars {
            argv.extend(["-e".into(), e.clone()]);
        }
        if let Some(h) = &self.history {
            argv.extend(["--history".into(), h.clone()]);
        }
        match super::Cli::try_parse_from(&argv).map(|c| c.command) {
            Ok(super::Command::Run(run)) => run.execute().await,
            Ok(super::Command::Check(check)) => check.execute().await,
            Ok(_) => unreachable!("argv names run or check"),
            Err(e) => {
                eprintln!("error: {e}");
                exit::BAD_INPUT
            }
        }
    }
}
