//! The examples in `playbooks-examples/` run as documented and give the same PLAY RECAP as
//! ansible-playbook did for them (recorded by tests/fixtures/examples/record-ansible-recaps.sh),
//! on the first run and on the second, which changes nothing.

use std::path::Path;
use std::process::Command;

const TOP: &str = env!("CARGO_MANIFEST_DIR");

fn recap_lines(stdout: &[u8]) -> String {
    let text = String::from_utf8_lossy(stdout);
    let recap = text.split("PLAY RECAP").nth(1).unwrap_or_default();
    // The recap is the block of host lines right after its banner.
    recap
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| format!("{l}\n"))
        .collect()
}

fn check(example: &str) {
    let work = tempfile::tempdir().unwrap();
    // As `mktemp -d` made it for the recording: the examples then set its mode.
    std::fs::set_permissions(
        work.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let dirs = format!("demo_dir={0} demo_root={0}", work.path().display());
    for run in ["first", "second"] {
        let out = Command::new(env!("CARGO_BIN_EXE_rconf"))
            .current_dir(TOP)
            .env("HOME", home.path())
            .args([
                "run",
                &format!("playbooks-examples/{example}.yml"),
                "-i",
                "playbooks-examples/hosts.ini",
                "-e",
                &dirs,
            ])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{example} {run} run:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let want = std::fs::read_to_string(
            Path::new(TOP).join(format!("tests/fixtures/examples/{example}.{run}.recap")),
        )
        .unwrap();
        assert_eq!(
            recap_lines(&out.stdout),
            want,
            "{example} {run} run:\n{stdout}"
        );
    }
}

#[test]
fn quick_start_example_matches_ansible() {
    check("site");
}

#[test]
fn role_example_matches_ansible() {
    check("roles");
}
