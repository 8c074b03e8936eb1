//! The "limit" of the benchmark: one persistent russh connection per host (rconf's own
//! transport) and `COUNT` sequential `sh -c true` execs on each, all hosts at once. Whatever rconf
//! spends beyond this is the runner's, not SSH's or the targets'.
//!
//! Usage: `russh_limit INVENTORY_INI COUNT [RECORDED_DIR]` with `HOME` holding
//! `.ssh/id_ed25519` and `.ssh/known_hosts`; hosts are the lines with `ansible_host=` and
//! `ansible_port=`. With `RECORDED_DIR` (the harness's recording of what rconf sent, as
//! `DIR/HOST/N.cmd` and `N.in`), those very commands and stdin are replayed instead of
//! `sh -c true`: rconf's remote work without rconf's runner.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rconf::{ConnectSpec, SshConnection, Stdin};

fn hosts(inventory: &str) -> Vec<ConnectSpec> {
    let home = PathBuf::from(std::env::var("HOME").expect("HOME must be set"));
    inventory
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next()?;
            let mut address = None;
            let mut port = None;
            for w in words {
                match w.split_once('=') {
                    Some(("ansible_host", v)) => address = Some(v.to_string()),
                    Some(("ansible_port", v)) => port = v.parse().ok(),
                    _ => {}
                }
            }
            let mut spec = ConnectSpec::new(name, &address?, port?, "root");
            spec.identity_files = vec![home.join(".ssh/id_ed25519")];
            spec.known_hosts_files = vec![home.join(".ssh/known_hosts")];
            spec.identities_only = true;
            Some(spec)
        })
        .collect()
}

/// The commands to run on one host: `count` times `sh -c true`, or what was recorded.
fn commands(host: &str, count: usize, recorded: Option<&Path>) -> Vec<(Vec<u8>, Stdin)> {
    let Some(dir) = recorded else {
        return (0..count)
            .map(|_| (b"sh -c true".to_vec(), Stdin::Empty))
            .collect();
    };
    let dir = dir.join(host);
    let n: usize = std::fs::read_to_string(dir.join(".n"))
        .map(|n| n.trim().parse().expect("a count in .n"))
        .unwrap_or(0);
    (1..=n)
        .map(|i| {
            let cmd = std::fs::read(dir.join(format!("{i}.cmd"))).expect("a recorded command");
            let input = std::fs::read(dir.join(format!("{i}.in"))).unwrap_or_default();
            (cmd, Stdin::Bytes(input))
        })
        .collect()
}

async fn one_host(spec: ConnectSpec, work: Vec<(Vec<u8>, Stdin)>) -> Result<(), String> {
    let conn = SshConnection::connect(&spec)
        .await
        .map_err(|e| format!("{}: {e}", spec.name))?;
    for (cmd, stdin) in work {
        let out = conn
            .exec(&cmd, stdin, None)
            .await
            .map_err(|e| format!("{}: {e}", spec.name))?;
        if out.status != Some(0) {
            return Err(format!("{}: a command exited {:?}", spec.name, out.status));
        }
    }
    conn.close().await;
    Ok(())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(inventory), Some(count)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: russh_limit INVENTORY_INI COUNT [RECORDED_DIR]");
        std::process::exit(2);
    };
    let inventory = std::fs::read_to_string(inventory).expect("cannot read the inventory");
    let count: usize = count.parse().expect("COUNT must be a number");
    let recorded = args.get(3).map(Path::new);
    let work: Vec<_> = hosts(&inventory)
        .into_iter()
        .map(|spec| {
            let cmds = commands(&spec.name, count, recorded);
            (spec, cmds)
        })
        .collect();
    let started = Instant::now();
    let tasks: Vec<_> = work
        .into_iter()
        .map(|(spec, cmds)| tokio::spawn(one_host(spec, cmds)))
        .collect();
    let mut failed = 0;
    for t in tasks {
        if let Err(e) = t.await.expect("a host task panicked") {
            eprintln!("russh_limit: {e}");
            failed += 1;
        }
    }
    eprintln!("russh_limit: {:.3} s", started.elapsed().as_secs_f64());
    std::process::exit(if failed == 0 { 0 } else { 1 });
}
