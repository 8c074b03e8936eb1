//! A playbook lab: sshd test hosts, an inventory, and a project directory to write playbooks
//! and task files into, run with `-e out=<dir>/out` so that tasks can leave files to check.

use std::path::{Path, PathBuf};
use std::process::Output;

use super::{Fleet, recap, text};

/// `(ok, changed, failed, skipped, rescued, unreachable)` of a host.
pub fn counts(out: &Output, host: &str) -> (u64, u64, u64, u64, u64, u64) {
    let r = recap(out);
    let s = r
        .get(host)
        .unwrap_or_else(|| panic!("{host} not in recap:\n{}", text(out)));
    (
        s["ok"],
        s["changed"],
        s["failed"],
        s["skipped"],
        s["rescued"],
        s["unreachable"],
    )
}

pub struct Lab {
    pub fleet: Fleet,
    pub inventory: PathBuf,
}

impl Lab {
    pub fn new(hosts: usize) -> Lab {
        let fleet = Fleet::start(hosts);
        let inventory = fleet.write_inventory();
        Lab { fleet, inventory }
    }

    pub fn dir(&self) -> &Path {
        self.fleet.dir.path()
    }

    pub fn write(&self, rel: &str, content: &str) {
        let path = self.dir().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    pub fn run(&self, playbook: &str, args: &[&str]) -> Output {
        self.write("site.yml", playbook);
        let out_dir = format!("out={}", self.dir().join("out").display());
        let mut cmd = self.fleet.rconf();
        cmd.arg("run")
            .arg("site.yml")
            .arg("-i")
            .arg(&self.inventory)
            .args(["-e", &out_dir])
            .args(args);
        cmd.output().unwrap()
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir().join("out").join(rel))
            .unwrap_or_else(|e| format!("<missing: {e}>"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.dir().join("out").join(rel).exists()
    }

    /// Fails unless no host logged anybody in: the run stopped before contacting any.
    pub fn assert_no_host_contacted(&self) {
        for (i, host) in self.fleet.hosts.iter().enumerate() {
            assert!(
                !host.log_text().contains("Accepted publickey"),
                "host {i} was contacted:\n{}",
                host.log_text()
            );
        }
    }
}
