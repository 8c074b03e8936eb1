//! user, group and authorized_key on an isolated host: real useradd, usermod and userdel.

use super::*;

#[test]
fn users_groups_and_keys_converge_and_are_removed() {
    if !has("useradd") {
        return;
    }
    let Some(host) = IsolatedHost::start() else {
        return;
    };
    let passwd = |n: &str| host.stdout(&format!("getent passwd {n}"));
    let groups = |n: &str| host.stdout(&format!("id -Gn {n}"));
    let hash = "$6$saltsalt$Q9c8E7Q3Yv0Lr8C6Hx6yF2g5kZ1N0rVdQbWq3dJ0mYb1lHk4mV3c1aZ2oP7s8t9u0v1w2x3y4z5A6B7C8D9E0F";
    let setup = format!(
        "    - group: name=rconf-devs gid=4100\n\
         \x20   - group: name=rconf-ops system=yes\n\
         \x20   - user:\n        name: rconf-alice\n        uid: 4200\n        shell: /bin/sh\n        \
         groups: [rconf-devs]\n        comment: Alice\n        password: '{hash}'\n"
    );
    let r = host.play(&setup, &["--check"]);
    assert!(changed(&r, 0) && changed(&r, 1) && changed(&r, 2), "{r:#?}");
    assert_eq!(passwd("rconf-alice"), "", "check mode created the user");

    let r = host.play(&setup, &[]);
    assert!(changed(&r, 0) && changed(&r, 1) && changed(&r, 2), "{r:#?}");
    assert_eq!(r[0]["gid"], 4100);
    assert_eq!(r[2]["uid"], 4200);
    assert_eq!(r[2]["password"], "NOT_LOGGING_PASSWORD");
    assert_eq!(
        passwd("rconf-alice"),
        "rconf-alice:x:4200:4200:Alice:/home/rconf-alice:/bin/sh"
    );
    assert!(host.path("/home/rconf-alice").is_dir(), "no home made");
    assert_eq!(groups("rconf-alice"), "rconf-alice rconf-devs");
    assert_eq!(host.stdout("getent shadow rconf-alice | cut -d: -f2"), hash);
    let ops_gid: u32 = host
        .stdout("getent group rconf-ops | cut -d: -f3")
        .parse()
        .unwrap();
    assert!(ops_gid < 1000, "system group got gid {ops_gid}");

    let r = host.play(&setup, &[]);
    assert!(
        !changed(&r, 0) && !changed(&r, 1) && !changed(&r, 2),
        "second run changed: {r:#?}"
    );

    // append adds without dropping; without append the list is exact.
    let modify = "    - user: name=rconf-alice groups=rconf-ops append=yes shell=/bin/bash\n";
    let r = host.play(modify, &[]);
    assert!(changed(&r, 0));
    assert_eq!(groups("rconf-alice"), "rconf-alice rconf-devs rconf-ops");
    assert!(passwd("rconf-alice").ends_with(":/bin/bash"));
    assert!(!changed(&host.play(modify, &[]), 0));
    let exact = "    - user: name=rconf-alice groups=rconf-ops\n";
    assert!(changed(&host.play(exact, &[]), 0));
    assert_eq!(groups("rconf-alice"), "rconf-alice rconf-ops");

    let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAlice alice@laptop";
    let ak = format!("    - authorized_key: user=rconf-alice key='{key}'\n");
    let r = host.play(&ak, &["--check"]);
    assert!(changed(&r, 0));
    assert!(!host.path("/home/rconf-alice/.ssh").exists());
    assert!(changed(&host.play(&ak, &[]), 0));
    assert_eq!(
        std::fs::read_to_string(host.path("/home/rconf-alice/.ssh/authorized_keys")).unwrap(),
        format!("{key}\n")
    );
    assert_eq!(
        host.stdout(
            "stat -c '%a %U' /home/rconf-alice/.ssh /home/rconf-alice/.ssh/authorized_keys"
        ),
        "700 rconf-alice\n600 rconf-alice"
    );
    assert!(!changed(&host.play(&ak, &[]), 0));

    let remove = "    - user: name=rconf-alice state=absent remove=yes\n    - group: name=rconf-devs state=absent\n";
    let r = host.play(remove, &[]);
    assert!(changed(&r, 0) && changed(&r, 1), "{r:#?}");
    assert_eq!(passwd("rconf-alice"), "");
    assert!(
        !host.path("/home/rconf-alice").exists(),
        "remove=yes kept the home"
    );
    assert_eq!(host.stdout("getent group rconf-devs"), "");
    let r = host.play(remove, &[]);
    assert!(!changed(&r, 0) && !changed(&r, 1));
}
