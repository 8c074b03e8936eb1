//! ansible-playbook from the venv tests/run.sh installs (RCONF_TEST_ANSIBLE), set up to run
//! against a `Lab`'s sshd hosts with the lab's key and known_hosts, for side-by-side tests.

use std::path::PathBuf;
use std::process::Command;

use super::Lab;

/// The venv with ansible-core and the `ansible` package's collections.
pub fn ansible_venv() -> PathBuf {
    let venv = std::env::var_os("RCONF_TEST_ANSIBLE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-ansible"));
    assert!(
        venv.join("bin/ansible-playbook").is_file(),
        "no ansible-playbook in {} (tests/run.sh installs it; or set RCONF_TEST_ANSIBLE)",
        venv.display()
    );
    venv
}

/// `ansible-playbook PLAYBOOK -i <lab inventory>`, run in the lab's directory, with
/// pipelining, as a user of the lab's hosts would run it.
pub fn ansible_playbook(lab: &Lab, playbook: &str) -> Command {
    let mut cmd = Command::new(ansible_venv().join("bin/ansible-playbook"));
    cmd.env("HOME", &lab.fleet.home)
        .env("ANSIBLE_FORCE_COLOR", "0")
        .env("ANSIBLE_PIPELINING", "1")
        // ssh reads the home directory of the user, not $HOME: name the fleet's files.
        .env(
            "ANSIBLE_SSH_ARGS",
            format!(
                "-o UserKnownHostsFile={} -o ControlMaster=auto -o ControlPersist=60s",
                lab.fleet.known_hosts().display()
            ),
        )
        .env("ANSIBLE_PRIVATE_KEY_FILE", lab.fleet.identity())
        .current_dir(lab.dir())
        .arg(playbook)
        .arg("-i")
        .arg(&lab.inventory);
    cmd
}

/// The command that runs `PLAYBOOK` on the lab's hosts under ansible-playbook (`ansible`) or
/// rconf, for tests that compare the two tools on the same files; add options to it.
pub fn tool(lab: &Lab, ansible: bool, playbook: &str) -> Command {
    if ansible {
        return ansible_playbook(lab, playbook);
    }
    let mut cmd = lab.fleet.rconf();
    cmd.args(["run", playbook, "-i"]).arg(&lab.inventory);
    cmd
}

/// `tool` with `-e VARS`, run.
pub fn run_tool(lab: &Lab, ansible: bool, playbook: &str, vars: &str) -> std::process::Output {
    tool(lab, ansible, playbook)
        .args(["-e", vars])
        .output()
        .unwrap()
}

/// Runs `playbook` of `lab` under ansible-playbook, then rconf, each with `-e out=<lab>/out` on
/// an empty `out/`, checks that both exit 0, calls `check(ansible, output)` while each tool's
/// files are still in `out/`, and checks that both print the same recap.
pub fn each_tool(lab: &Lab, playbook: &str, mut check: impl FnMut(bool, &std::process::Output)) {
    let out = lab.dir().join("out");
    let mut recaps = Vec::new();
    for ansible in [true, false] {
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).unwrap();
        let run = run_tool(lab, ansible, playbook, &format!("out={}", out.display()));
        assert_eq!(
            run.status.code(),
            Some(0),
            "ansible={ansible}: {}",
            super::text(&run)
        );
        check(ansible, &run);
        recaps.push(super::recap(&run));
    }
    assert_eq!(
        recaps[0], recaps[1],
        "ansible-playbook's recap, then rconf's"
    );
}
