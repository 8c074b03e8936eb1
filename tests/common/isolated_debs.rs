//! Fixture Debian packages built with `dpkg-deb`, and a flat apt repository serving them, for
//! package tests on isolated hosts.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds `dir/NAME_VERSION_all.deb` holding `files` (absolute path inside the package,
/// content; content starting with `#!` is installed executable) and an optional `postinst`
/// maintainer script, with `dpkg-deb --build`.
pub fn build_deb(
    dir: &Path,
    name: &str,
    version: &str,
    files: &[(&str, &str)],
    postinst: Option<&str>,
) -> PathBuf {
    let staging = dir.join(format!("{name}-{version}.staging"));
    let debian = staging.join("DEBIAN");
    std::fs::create_dir_all(&debian).unwrap();
    std::fs::write(
        debian.join("control"),
        format!(
            "Package: {name}\nVersion: {version}\nArchitecture: all\n\
             Maintainer: rconf tests <rconf@localhost>\nPriority: optional\nSection: misc\n\
             Description: rconf test fixture {name}\n built by the rconf integration tests\n"
        ),
    )
    .unwrap();
    let write = |path: &Path, content: &str| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
        let mode = if content.starts_with("#!") {
            0o755
        } else {
            0o644
        };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    for (path, content) in files {
        assert!(
            path.starts_with('/'),
            "package file `{path}` must be an absolute path"
        );
        write(&staging.join(path.trim_start_matches('/')), content);
    }
    if let Some(script) = postinst {
        write(&debian.join("postinst"), script);
        let mode = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(debian.join("postinst"), mode).unwrap();
    }
    let deb = dir.join(format!("{name}_{version}_all.deb"));
    let out = Command::new("dpkg-deb")
        .args(["--root-owner-group", "--build"])
        .arg(&staging)
        .arg(&deb)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `dpkg-deb` (Debian's dpkg package): {e}"));
    assert!(
        out.status.success(),
        "dpkg-deb --build {name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&staging).unwrap();
    deb
}

/// Makes `dir` a flat apt repository holding `debs` (copied in) and returns the sources line
/// `deb [trusted=yes] file:DIR ./`. `dir` must be visible at the same path where apt runs
/// (e.g. under `IsolatedHost::share_dir()`).
pub fn local_repo(dir: &Path, debs: &[PathBuf]) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let mut stanzas = String::new();
    for deb in debs {
        let file_name = deb.file_name().unwrap().to_string_lossy().into_owned();
        let target = dir.join(&file_name);
        if deb != &target {
            std::fs::copy(deb, &target).unwrap();
        }
        stanzas.push_str(&packages_stanza(&target, &file_name));
        stanzas.push('\n');
    }
    std::fs::write(dir.join("Packages"), stanzas).unwrap();
    format!("deb [trusted=yes] file:{} ./", dir.display())
}

/// One `Packages` index entry: the package's own control fields plus where and what the file is.
/// Written by hand rather than with dpkg-scanpackages, which lives in dpkg-dev (often absent).
fn packages_stanza(deb: &Path, file_name: &str) -> String {
    let out = Command::new("dpkg-deb")
        .arg("--field")
        .arg(deb)
        .output()
        .expect("cannot run `dpkg-deb --field`");
    assert!(out.status.success(), "dpkg-deb --field {deb:?}: {out:?}");
    let control = String::from_utf8_lossy(&out.stdout);
    let bytes = std::fs::read(deb).unwrap();
    let sha256 = sha256_hex(&bytes);
    format!(
        "{}\nFilename: ./{file_name}\nSize: {}\nSHA256: {sha256}\n",
        control.trim_end(),
        bytes.len()
    )
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
