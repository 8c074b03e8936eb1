//! The `mount` module through the real `rconf` binary against an isolated host: a tmpfs is
//! mounted, unmounted and removed inside the host's own mount namespace, its fstab living on
//! the host's overlay. Nothing here touches this machine's mounts or /etc/fstab. Skipped
//! (loudly) unless root.

mod common;

use common::IsolatedHost;
use serde_json::Value;

const MP: &str = "/mnt/rconf-test";

/// Runs one `mount` task with `args` (YAML mapping lines, indented by 8) and returns its result.
fn task(host: &IsolatedHost, args: &str, extra: &[&str]) -> Value {
    let results = host.play(&format!("    - ansible.posix.mount:\n{args}"), extra);
    let r = results.first().cloned().unwrap_or_default();
    assert!(r.is_object(), "no result: {results:?}");
    assert_ne!(r["failed"], true, "task failed: {r:#}");
    r
}

fn mounted(host: &IsolatedHost) -> bool {
    host.exec(&format!("grep -q ' {MP} tmpfs ' /proc/mounts"))
        .status
        .success()
}

fn fstab_entry(host: &IsolatedHost) -> String {
    host.stdout(&format!("grep ' {MP} ' /etc/fstab"))
}

#[test]
fn tmpfs_is_mounted_unmounted_and_removed_inside_the_isolated_host() {
    let Some(host) = IsolatedHost::start() else {
        return;
    };
    let outside_fstab = std::fs::read("/etc/fstab").ok();
    let mounted_args = format!(
        "        path: {MP}\n        src: rconf-tmpfs\n        fstype: tmpfs\n        opts: size=1m,mode=0755\n        state: mounted\n"
    );

    let r = task(&host, &mounted_args, &["--check"]);
    assert_eq!(r["changed"], true, "{r:#}");
    assert!(!mounted(&host), "check mode mounted");
    assert_eq!(fstab_entry(&host), "", "check mode wrote fstab");

    let r = task(&host, &mounted_args, &[]);
    assert_eq!(r["changed"], true, "{r:#}");
    assert!(
        mounted(&host),
        "not mounted: {}",
        host.stdout("cat /proc/mounts")
    );
    assert_eq!(
        fstab_entry(&host),
        format!("rconf-tmpfs {MP} tmpfs size=1m,mode=0755 0 0")
    );
    let r = task(&host, &mounted_args, &[]);
    assert_eq!(r["changed"], false, "second run: {r:#}");

    // A changed entry is applied to the live mount by a remount.
    let bigger = mounted_args.replace("size=1m", "size=2m");
    assert_eq!(task(&host, &bigger, &[])["changed"], true);
    assert!(
        host.exec(&format!("grep -q ' {MP} tmpfs .*size=2048k' /proc/mounts"))
            .status
            .success(),
        "not remounted: {}",
        host.stdout("cat /proc/mounts")
    );
    let r = task(
        &host,
        "        path: /mnt/rconf-test\n        state: remounted\n",
        &[],
    );
    assert_eq!(r["changed"], true, "remounted always changes: {r:#}");

    let unmounted = format!("        path: {MP}\n        state: unmounted\n");
    let r = task(&host, &unmounted, &[]);
    assert_eq!(r["changed"], true, "{r:#}");
    assert!(!mounted(&host));
    assert!(!fstab_entry(&host).is_empty(), "unmounted must keep fstab");
    assert_eq!(task(&host, &unmounted, &[])["changed"], false);

    // mounted again from the fstab entry, then absent unmounts, removes the entry and the dir.
    assert_eq!(task(&host, &mounted_args, &[])["changed"], true);
    assert!(mounted(&host));
    let absent = format!("        path: {MP}\n        state: absent\n");
    let r = task(&host, &absent, &[]);
    assert_eq!(r["changed"], true, "{r:#}");
    assert!(!mounted(&host));
    assert_eq!(fstab_entry(&host), "");
    assert_eq!(host.stdout(&format!("test -e {MP} && echo exists")), "");
    assert_eq!(task(&host, &absent, &[])["changed"], false);

    assert_eq!(std::fs::read("/etc/fstab").ok(), outside_fstab);
    assert!(
        !std::fs::read_to_string("/proc/mounts")
            .unwrap()
            .contains(MP),
        "the machine's own mounts changed"
    );
}

#[test]
fn ephemeral_mount_at_a_path_with_a_space_leaves_fstab_alone() {
    let Some(host) = IsolatedHost::start() else {
        return;
    };
    let fstab_before = host.stdout("cat /etc/fstab");
    let args = "        path: '/mnt/rconf test'\n        src: rconf-eph\n        fstype: tmpfs\n        state: ephemeral\n";
    let r = task(&host, args, &[]);
    assert_eq!(r["changed"], true, "{r:#}");
    let in_proc = || {
        host.exec(r"grep -q ' /mnt/rconf\\040test tmpfs ' /proc/mounts")
            .status
            .success()
    };
    assert!(in_proc(), "{}", host.stdout("cat /proc/mounts"));
    assert_eq!(task(&host, args, &[])["changed"], false);
    assert_eq!(host.stdout("cat /etc/fstab"), fstab_before);
    let r = task(
        &host,
        "        path: '/mnt/rconf test'\n        state: unmounted\n",
        &[],
    );
    assert_eq!(r["changed"], true, "{r:#}");
    assert!(!in_proc());
}
