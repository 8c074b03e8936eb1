//! The "limit" of the benchmark: one persistent russh connection per host (rconf's own
//! transport) and `COUNT` sequential `sh -c true` execs on each, all hosts at once. Whatever rconf
//! spends beyond this is the runner's, not SSH's or the targets'.
//!
//! Usage: `russh_limit INVENTORY_INI COUNT` with `HOME` holding `.ssh/id_ed25519` and
//! `.ssh/known_hosts`; hosts are the lines with `ansible_host=` and `ansible_port=`.

use std::path::PathBuf;
use std::time::Instant;

use rconf::transport::ssh::SshConnection;
use rconf::transport::{ConnectSpec, Stdin};

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

async fn one_host(spec: ConnectSpec, count: usize) -> Result<(), String> {
    let conn = SshConnection::connect(&spec)
        .await
        .map_err(|e| format!("{}: {e}", spec.name))?;
    for _ in 0..count {
        let out = conn
            .exec(b"sh -c true", Stdin::Empty, None)
            .await
            .map_err(|e| format!("{}: {e}", spec.name))?;
        if out.status != Some(0) {
            return Err(format!("{}: `sh -c true` exited {:?}", spec.name, out.status));
        }
    }
    conn.close().await;
    Ok(())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(inventory), Some(count)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: russh_limit INVENTORY_INI COUNT");
        std::process::exit(2);
    };
    let inventory = std::fs::read_to_string(inventory).expect("cannot read the inventory");
    let count: usize = count.parse().expect("COUNT must be a number");
    let started = Instant::now();
    let tasks: Vec<_> = hosts(&inventory)
        .into_iter()
        .map(|spec| tokio::spawn(one_host(spec, count)))
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
