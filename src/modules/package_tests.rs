//! Tests of `package`: the command line each manager runs, and package.sh driving fake
//! managers (sh scripts on PATH that log their argv) through install, upgrade and removal.

use super::*;
use crate::modules::testutil::TestCtx;
use serde_json::json;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;

#[test]
fn each_manager_plans_its_own_command_lines() {
    let cases: &[(&str, Op, &str)] = &[
        ("dnf", Op::Install, "dnf install -y vim git"),
        ("dnf", Op::Upgrade, "dnf upgrade -y vim git"),
        ("dnf", Op::Remove, "dnf remove -y vim git"),
        ("dnf5", Op::Refresh, "dnf makecache -y"),
        ("yum", Op::Install, "yum install -y vim git"),
        ("yum", Op::Upgrade, "yum update -y vim git"),
        ("yum", Op::Remove, "yum remove -y vim git"),
        ("apk", Op::Install, "apk add --no-progress vim git"),
        (
            "apk",
            Op::Upgrade,
            "apk add --upgrade --no-progress vim git",
        ),
        ("apk", Op::Remove, "apk del --no-progress vim git"),
        ("apk", Op::Refresh, "apk update"),
        (
            "pacman",
            Op::Install,
            "pacman -S --noconfirm --noprogressbar --needed vim git",
        ),
        (
            "pacman",
            Op::Upgrade,
            "pacman -S --noconfirm --noprogressbar vim git",
        ),
        (
            "pacman",
            Op::Remove,
            "pacman -R --noconfirm --noprogressbar vim git",
        ),
        ("pacman", Op::Refresh, "pacman -Sy"),
        (
            "zypper",
            Op::Install,
            "zypper --quiet --non-interactive install --auto-agree-with-licenses vim git",
        ),
        (
            "zypper",
            Op::Remove,
            "zypper --quiet --non-interactive remove vim git",
        ),
        (
            "zypper",
            Op::Refresh,
            "zypper --quiet --non-interactive refresh",
        ),
    ];
    for (mgr, op, want) in cases {
        let m = manager(mgr).unwrap();
        assert_eq!(m.command(*op, &["vim", "git"]), *want, "{mgr} {op:?}");
    }
    assert!(manager("portage").is_none());
}

/// A fake `dnf` + `rpm`: `$FAKE/installed` and `$FAKE/outdated` list package names; every
/// dnf call is appended to `$FAKE/log`.
fn fake_dnf(dir: &std::path::Path) {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let write = |name: &str, body: &str| {
        let p = bin.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    write(
        "rpm",
        "for a; do n=$a; done\ngrep -qx \"$n\" \"$FAKE/installed\"\n",
    );
    write(
        "dnf",
        "echo \"dnf $*\" >> \"$FAKE/log\"\nfor a; do n=$a; done\n\
         case $* in *check-update*) grep -qx \"$n\" \"$FAKE/outdated\" && exit 100; exit 0 ;; esac\n\
         echo \"did $1\"\n",
    );
    std::fs::write(dir.join("installed"), "vim\nold\n").unwrap();
    std::fs::write(dir.join("outdated"), "old\n").unwrap();
    std::fs::write(dir.join("log"), "").unwrap();
}

fn run_fake(
    t: &TestCtx,
    args: serde_json::Value,
    check: bool,
) -> (crate::result::TaskResult, String) {
    let facts = minijinja::context! { pkg_mgr => "dnf" };
    crate::modules::testutil::run_with_fakes(t, &PACKAGE, args, facts, check)
}

#[test]
fn dnf_facts_install_only_the_missing_packages_in_one_call() {
    let t = TestCtx::new();
    fake_dnf(t.tmp.path());
    let (r, log) = run_fake(&t, json!({"name": ["vim", "git", "tmux"]}), true);
    assert!(r.changed && !r.failed, "{r:?}");
    assert_eq!(log, "", "check mode ran dnf");
    let (r, log) = run_fake(&t, json!({"name": ["vim", "git", "tmux"]}), false);
    assert!(r.changed && !r.failed, "{r:?}");
    assert_eq!(log, "dnf install -y git tmux\n");
    assert_eq!(r.data["installed"], json!(["git", "tmux"]));
    let (r, log) = run_fake(&t, json!({"name": "vim"}), false);
    assert!(!r.changed && !r.failed, "{r:?}");
    assert_eq!(log, "");
}

#[test]
fn dnf_latest_upgrades_outdated_and_absent_removes_installed() {
    let t = TestCtx::new();
    fake_dnf(t.tmp.path());
    let (r, log) = run_fake(&t, json!({"name": "vim,old", "state": "latest"}), false);
    assert!(r.changed, "{r:?}");
    assert_eq!(
        log,
        "dnf -q check-update -- vim\ndnf -q check-update -- old\ndnf upgrade -y old\n"
    );
    let (r, log) = run_fake(
        &t,
        json!({"name": ["old", "gone"], "state": "absent"}),
        false,
    );
    assert!(r.changed, "{r:?}");
    assert_eq!(log, "dnf remove -y old\n");
    assert_eq!(r.data["removed"], json!(["old"]));
    let (r, _) = run_fake(&t, json!({"name": ["gone"], "state": "removed"}), false);
    assert!(!r.changed && !r.failed, "{r:?}");
}

#[test]
fn a_failing_manager_fails_the_task_with_its_output() {
    let t = TestCtx::new();
    fake_dnf(t.tmp.path());
    let bin = t.tmp.path().join("bin/dnf");
    std::fs::write(
        &bin,
        "#!/bin/sh\necho 'No match for argument: nope' >&2\nexit 1\n",
    )
    .unwrap();
    let (r, _) = run_fake(&t, json!({"name": "nope"}), false);
    assert!(r.failed, "{r:?}");
    assert!(
        r.msg
            .as_deref()
            .unwrap()
            .contains("No match for argument: nope"),
        "{r:?}"
    );
}

#[test]
fn unknown_manager_from_use_is_an_error_naming_the_supported_ones() {
    let t = TestCtx::new();
    let spec = PACKAGE.spec();
    assert!(
        spec.validate(
            spec.normalize(&json!({"name": "x", "use": "portage"}))
                .unwrap()
        )
        .is_err()
    );
    let args = spec
        .validate(spec.normalize(&json!({"name": "x"})).unwrap())
        .unwrap();
    let vars = minijinja::context! { ansible_pkg_mgr => "portage" };
    let ctx = Ctx {
        vars: &vars,
        ..t.ctx(false)
    };
    let Action::Done(r) = PACKAGE.plan(&args, &ctx) else {
        panic!("expected a controller-side failure");
    };
    assert!(r.msg.unwrap().contains("`portage` is not supported"));
}

#[test]
fn without_facts_the_script_detects_the_manager_on_the_target() {
    let t = TestCtx::new();
    fake_dnf(t.tmp.path());
    let spec = PACKAGE.spec();
    let args = spec
        .validate(spec.normalize(&json!({"name": "git"})).unwrap())
        .unwrap();
    let script = detecting_script(&args, &t.ctx(false)).unwrap();
    // PATH holds only the fake dnf and the few tools the scripts use, so this machine's own
    // apt-get cannot be found.
    let bin = t.tmp.path().join("bin");
    for tool in ["mktemp", "cat", "grep", "awk", "rm", "head"] {
        let real = ["/usr/bin", "/bin"]
            .iter()
            .map(|d| std::path::Path::new(d).join(tool))
            .find(|p| p.exists())
            .unwrap();
        std::os::unix::fs::symlink(real, bin.join(tool)).unwrap();
    }
    let out = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(std::ffi::OsStr::from_bytes(&script.whole()))
        .env("PATH", &bin)
        .env("FAKE", t.dir())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\"pkg_mgr\":\"dnf\""), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(t.path("log")).unwrap(),
        "dnf install -y git\n"
    );
}

#[test]
fn package_hands_apt_its_own_arguments_and_apt_refuses_the_others() {
    let spec = PACKAGE.spec();
    let mut t = TestCtx::new();
    t.vars = minijinja::context! { ansible_facts => minijinja::context! { pkg_mgr => "apt" } };
    let plan = |raw: serde_json::Value| {
        let args = spec.validate(spec.normalize(&raw).unwrap()).unwrap();
        PACKAGE.plan(&args, &t.ctx(false))
    };
    // An update-only call and apt's cache_valid_time, as Ansible's package passes them on.
    let Action::Remote(call) = plan(json!({"update_cache": true, "cache_valid_time": 3600})) else {
        panic!("expected a remote call");
    };
    let script = String::from_utf8_lossy(call.script.text());
    assert!(script.contains("A_cache_valid_time='3600'"), "{script}");
    // A RedHat-only argument: apt's message, as when Ansible runs apt with it.
    let Action::Done(r) = plan(json!({"name": "vim", "enablerepo": "epel"})) else {
        panic!("expected a controller-side failure");
    };
    assert!(
        r.msg
            .as_deref()
            .unwrap()
            .starts_with("unsupported parameter `enablerepo`"),
        "{r:?}"
    );
}
