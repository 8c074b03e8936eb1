//! apt and package on an isolated host: install, upgrade from a newer repository, remove.

use super::*;

#[test]
fn apt_installs_upgrades_and_removes_local_packages() {
    if !has("apt-get") || !has("dpkg-deb") {
        return;
    }
    let Some(host) = IsolatedHost::start() else {
        return;
    };
    let build = tempfile::tempdir().unwrap();
    let a1 = build_deb(
        build.path(),
        "rconf-fix-a",
        "1.0-1",
        &[("/usr/share/rconf-fix-a/v", "1\n")],
        None,
    );
    let b1 = build_deb(
        build.path(),
        "rconf-fix-b",
        "1.0-1",
        &[("/usr/share/rconf-fix-b/v", "1\n")],
        None,
    );
    let repo_dir = host.share_dir().join("repo");
    let repo = local_repo(&repo_dir, &[a1.clone(), b1.clone()]);
    only_local_repo(&host, &repo);

    let install =
        "    - apt:\n        name: [rconf-fix-a, rconf-fix-b]\n        update_cache: yes\n";
    let r = host.play(install, &["--check"]);
    assert!(
        changed(&r, 0),
        "check mode must predict the install: {r:#?}"
    );
    assert_eq!(
        dpkg_version(&host, "rconf-fix-a"),
        "",
        "check mode installed a package"
    );

    let r = host.play(install, &[]);
    assert!(changed(&r, 0));
    assert_eq!(r[0]["cache_updated"], true);
    assert_eq!(dpkg_version(&host, "rconf-fix-a"), "ii 1.0-1");
    assert_eq!(dpkg_version(&host, "rconf-fix-b"), "ii 1.0-1");

    let again = "    - apt: name=rconf-fix-a,rconf-fix-b state=present cache_valid_time=3600 update_cache=yes\n";
    let r = host.play(again, &[]);
    assert!(!changed(&r, 0), "second install changed: {r:#?}");
    assert_eq!(
        r[0]["cache_updated"], false,
        "a fresh cache was updated again"
    );

    // A newer version appears in the repository: `latest` upgrades, `present` does not.
    let a2 = build_deb(
        build.path(),
        "rconf-fix-a",
        "2.0-1",
        &[("/usr/share/rconf-fix-a/v", "2\n")],
        None,
    );
    local_repo(&repo_dir, &[a2, b1]);
    // Check mode does not refresh the cache, so refresh it for real first (as Ansible).
    let r = host.play("    - apt: update_cache=yes\n", &[]);
    assert!(changed(&r, 0) && r[0]["cache_updated"] == true, "{r:#?}");
    let latest = "    - apt: name=rconf-fix-a\n    - apt: name=rconf-fix-a state=latest\n";
    let r = host.play(latest, &["--check"]);
    assert!(!changed(&r, 0) && changed(&r, 1), "{r:#?}");
    assert_eq!(
        dpkg_version(&host, "rconf-fix-a"),
        "ii 1.0-1",
        "check mode upgraded"
    );
    let r = host.play(latest, &[]);
    assert!(!changed(&r, 0) && changed(&r, 1), "{r:#?}");
    assert_eq!(dpkg_version(&host, "rconf-fix-a"), "ii 2.0-1");
    assert_eq!(host.stdout("cat /usr/share/rconf-fix-a/v"), "2");
    let r = host.play("    - apt: name=rconf-fix-a state=latest\n", &[]);
    assert!(!changed(&r, 0));

    let remove = "    - apt:\n        name: [rconf-fix-a, rconf-fix-b, rconf-never-installed]\n        state: absent\n        purge: yes\n";
    let r = host.play(remove, &["--check"]);
    assert!(changed(&r, 0), "{r:#?}");
    assert_eq!(
        dpkg_version(&host, "rconf-fix-b"),
        "ii 1.0-1",
        "check mode removed"
    );
    let r = host.play(remove, &[]);
    assert!(changed(&r, 0));
    assert_eq!(dpkg_version(&host, "rconf-fix-a"), "");
    assert_eq!(dpkg_version(&host, "rconf-fix-b"), "");
    let r = host.play(remove, &[]);
    assert!(!changed(&r, 0));

    // A package nobody serves fails the real run with Ansible's message.
    let r = host.play("    - apt: name=rconf-nowhere\n", &[]);
    assert_eq!(r[0]["failed"], true);
    assert!(
        r[0]["msg"]
            .as_str()
            .unwrap()
            .contains("No package matching `rconf-nowhere`")
    );
}

#[test]
fn package_detects_apt_and_installs_a_deb_file() {
    if !has("apt-get") || !has("dpkg-deb") {
        return;
    }
    let Some(host) = IsolatedHost::start() else {
        return;
    };
    let build = tempfile::tempdir().unwrap();
    let c = build_deb(
        build.path(),
        "rconf-fix-c",
        "1.0-1",
        &[("/usr/share/rconf-fix-c/v", "1\n")],
        None,
    );
    let d = build_deb(
        build.path(),
        "rconf-fix-d",
        "3.1-1",
        &[("/usr/share/rconf-fix-d/v", "1\n")],
        None,
    );
    let repo_dir = host.share_dir().join("repo");
    let repo = local_repo(&repo_dir, &[c]);
    only_local_repo(&host, &repo);
    std::fs::copy(&d, host.share_dir().join("d.deb")).unwrap();
    let deb = host.share_dir().join("d.deb");
    let tasks = format!(
        "    - apt: update_cache=yes\n    - package: name=rconf-fix-c state=present\n    - apt: deb={}\n",
        deb.display()
    );
    let r = host.play(&tasks, &[]);
    assert!(changed(&r, 0) && changed(&r, 1) && changed(&r, 2), "{r:#?}");
    assert_eq!(dpkg_version(&host, "rconf-fix-c"), "ii 1.0-1");
    assert_eq!(dpkg_version(&host, "rconf-fix-d"), "ii 3.1-1");
    let r = host.play(
        &tasks.replace("update_cache=yes", "update_cache=yes cache_valid_time=600"),
        &[],
    );
    assert!(
        !changed(&r, 0) && !changed(&r, 1) && !changed(&r, 2),
        "{r:#?}"
    );
    let r = host.play("    - package: name=rconf-fix-c state=absent\n", &[]);
    assert!(changed(&r, 0));
    assert_eq!(dpkg_version(&host, "rconf-fix-c"), "");
}

#[test]
fn apt_repository_adds_a_repository_apt_then_installs_from_and_removes_it() {
    if !has("apt-get") || !has("dpkg-deb") {
        return;
    }
    let Some(host) = IsolatedHost::start() else {
        return;
    };
    let build = tempfile::tempdir().unwrap();
    let r1 = build_deb(
        build.path(),
        "rconf-fix-r",
        "1.0-1",
        &[("/usr/share/rconf-fix-r/v", "1\n")],
        None,
    );
    let repo = local_repo(&host.share_dir().join("repo"), &[r1]);
    // No repository at all: apt knows the package only once apt_repository adds the line.
    only_local_repo(&host, "");
    let add = format!(
        "    - apt_repository:\n        repo: \"{repo}\"\n        filename: rconf-local\n\
         \x20   - apt: name=rconf-fix-r\n"
    );
    let r = host.play(&add, &[]);
    assert!(changed(&r, 0) && changed(&r, 1), "{r:#?}");
    assert_eq!(
        host.stdout("cat /etc/apt/sources.list.d/rconf-local.list"),
        repo
    );
    assert_eq!(dpkg_version(&host, "rconf-fix-r"), "ii 1.0-1");
    let r = host.play(&add, &[]);
    assert!(!changed(&r, 0) && !changed(&r, 1), "{r:#?}");
    let remove = format!(
        "    - apt_repository:\n        repo: \"{repo}\"\n        state: absent\n        update_cache: no\n"
    );
    let r = host.play(&remove, &[]);
    assert!(changed(&r, 0), "{r:#?}");
    assert_eq!(
        host.stdout("test -e /etc/apt/sources.list.d/rconf-local.list && echo left"),
        ""
    );
}

/// Writes a minimal pure-Python wheel `rconf_fix_wheel-1.0` (module `rconf_fix_wheel` with
/// `V = 1`) into `dir`, with the RECORD hashes pip checks.
fn build_wheel(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).unwrap();
    let script = r#"
import base64, hashlib, sys, zipfile
files = {
    "rconf_fix_wheel/__init__.py": b"V = 1\n",
    "rconf_fix_wheel-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: rconf-fix-wheel\nVersion: 1.0\n",
    "rconf_fix_wheel-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: rconf-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = ""
for name, data in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record += f"{name},sha256={digest},{len(data)}\n"
record += "rconf_fix_wheel-1.0.dist-info/RECORD,,\n"
files["rconf_fix_wheel-1.0.dist-info/RECORD"] = record.encode()
with zipfile.ZipFile(sys.argv[1] + "/rconf_fix_wheel-1.0-py3-none-any.whl", "w") as z:
    for name, data in files.items():
        z.writestr(name, data)
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(dir)
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn pip_installs_a_local_wheel_into_a_new_virtualenv_and_removes_it() {
    if !has("python3") {
        return;
    }
    let Some(host) = IsolatedHost::start() else {
        return;
    };
    let wheels = host.share_dir().join("wheels");
    build_wheel(&wheels);
    let pip = |state: &str| {
        format!(
            "    - pip:\n        name: rconf-fix-wheel\n        state: {state}\n        \
             virtualenv: /opt/app-venv\n        virtualenv_command: python3 -m venv\n        \
             extra_args: --no-index --find-links {}\n",
            wheels.display()
        )
    };
    let import = "/opt/app-venv/bin/python -c 'import rconf_fix_wheel; print(rconf_fix_wheel.V)'";
    let r = host.play(&pip("present"), &["--check"]);
    assert!(changed(&r, 0), "check mode predicts: {r:#?}");
    assert_eq!(host.stdout("test -e /opt/app-venv && echo made"), "");
    let r = host.play(&pip("present"), &[]);
    assert!(changed(&r, 0), "{r:#?}");
    assert_eq!(host.stdout(import), "1");
    let r = host.play(&pip("present"), &[]);
    assert!(!changed(&r, 0), "second run changed: {r:#?}");
    // extra_args go to `pip uninstall` too, as in Ansible, which has no --find-links.
    let r = host.play(
        "    - pip: name=rconf-fix-wheel state=absent virtualenv=/opt/app-venv\n",
        &[],
    );
    assert!(changed(&r, 0), "{r:#?}");
    assert_eq!(host.stdout(&format!("{import} 2>/dev/null")), "");
}

#[test]
fn debconf_sets_an_answer_once_and_reports_the_current_ones() {
    if !has("debconf-show") {
        return;
    }
    let Some(host) = IsolatedHost::start() else {
        return;
    };
    let shown = || host.stdout("debconf-show tzdata | grep 'tzdata/Areas:'");
    let set = "    - debconf: name=tzdata question=tzdata/Areas vtype=select value=Europe\n";
    let r = host.play(set, &["--check"]);
    assert!(changed(&r, 0), "check mode predicts: {r:#?}");
    assert!(!shown().ends_with(": Europe"), "check mode changed debconf");
    let r = host.play(set, &[]);
    assert!(changed(&r, 0), "{r:#?}");
    assert!(shown().ends_with("tzdata/Areas: Europe"), "{}", shown());
    let r = host.play(set, &[]);
    assert!(!changed(&r, 0), "second run changed: {r:#?}");
    assert_eq!(r[0]["current"]["tzdata/Areas"], "Europe", "{r:#?}");
    // Without a question: the current answers only.
    let r = host.play("    - debconf: name=tzdata\n", &[]);
    assert!(
        !changed(&r, 0) && r[0]["current"].as_object().is_some_and(|m| m.len() > 3),
        "{r:#?}"
    );
}
