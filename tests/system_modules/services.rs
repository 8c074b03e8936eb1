//! service on an isolated host with sysvinit: a packaged init script daemon is started,
//! stopped, restarted and enabled (update-rc.d links).

use super::*;

const INIT: &str = r#"#!/bin/sh
### BEGIN INIT INFO
# Provides:          rconf-fix-daemon
# Required-Start:
# Required-Stop:
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: rconf test daemon
### END INIT INFO
P=/run/rconf-fix-daemon.pid
L=/var/log/rconf-fix-daemon.log
running() { [ -f $P ] && kill -0 "$(cat $P)" 2>/dev/null; }
case "$1" in
  start) running && exit 0; /usr/bin/rconf-fix-daemon < /dev/null > /dev/null 2>&1 & echo $! > $P; echo start >> $L ;;
  stop) running && kill "$(cat $P)"; rm -f $P; echo stop >> $L ;;
  restart) "$0" stop; "$0" start ;;
  reload) echo reload >> $L ;;
  status) running && { echo "rconf-fix-daemon is running"; exit 0; }; echo "rconf-fix-daemon is not running"; exit 3 ;;
  *) exit 2 ;;
esac
exit 0
"#;

#[test]
fn service_drives_an_init_script_daemon_and_its_rc_links() {
    if !has("update-rc.d") || !has("dpkg-deb") {
        return;
    }
    let Some(host) = IsolatedHost::start() else {
        return;
    };
    let build = tempfile::tempdir().unwrap();
    let deb = build_deb(
        build.path(),
        "rconf-fix-daemon",
        "1.0-1",
        &[
            ("/etc/init.d/rconf-fix-daemon", INIT),
            (
                "/usr/bin/rconf-fix-daemon",
                "#!/bin/sh\nexec sleep 100000\n",
            ),
        ],
        None,
    );
    let remote_deb = host.share_dir().join("daemon.deb");
    std::fs::copy(&deb, &remote_deb).unwrap();
    let out = host.exec(&format!("dpkg -i {}", remote_deb.display()));
    assert!(out.status.success(), "{}", text(&out));
    let log = || host.stdout("cat /var/log/rconf-fix-daemon.log 2>/dev/null | tr '\\n' ' '");
    let running = || {
        host.exec("/etc/init.d/rconf-fix-daemon status")
            .status
            .success()
    };
    let links = || {
        host.stdout("ls /etc/rc2.d /etc/rc3.d /etc/rc0.d | grep rconf-fix-daemon | tr '\\n' ' '")
    };

    let start = "    - service: name=rconf-fix-daemon state=started enabled=yes\n";
    let r = host.play(start, &["--check"]);
    assert!(changed(&r, 0), "{r:#?}");
    assert!(
        !running() && links().is_empty(),
        "check mode changed the host"
    );

    let r = host.play(start, &[]);
    assert!(changed(&r, 0), "{r:#?}");
    assert_eq!(r[0]["state"], "started");
    assert_eq!(r[0]["enabled"], true);
    assert!(running(), "not running after state=started");
    assert_eq!(
        links(),
        "K01rconf-fix-daemon S01rconf-fix-daemon S01rconf-fix-daemon"
    );
    let r = host.play(start, &[]);
    assert!(!changed(&r, 0), "second start changed: {r:#?}");
    // service_facts sees it running, as `service --status-all` reports it (which needs the
    // status action to say so, as LSB scripts do, besides exiting 0).
    let facts = host.play("    - service_facts:\n", &[]);
    assert_eq!(
        facts[0]["ansible_facts"]["services"]["rconf-fix-daemon"],
        serde_json::json!({"name": "rconf-fix-daemon", "state": "running", "source": "sysv"}),
        "{facts:#?}"
    );

    let r = host.play("    - service: name=rconf-fix-daemon state=restarted\n    - service: name=rconf-fix-daemon state=reloaded\n",
        &[],
    );
    assert!(
        changed(&r, 0) && changed(&r, 1),
        "restarted/reloaded are always changed"
    );
    assert_eq!(log(), "start stop start reload");

    let stop = "    - service: name=rconf-fix-daemon state=stopped enabled=no\n";
    let r = host.play(stop, &[]);
    assert!(changed(&r, 0), "{r:#?}");
    assert!(!running());
    assert_eq!(
        links(),
        "K01rconf-fix-daemon K01rconf-fix-daemon K01rconf-fix-daemon"
    );
    let r = host.play(stop, &[]);
    assert!(!changed(&r, 0));

    let r = host.play(
        "    - service: name=rconf-no-such state=started\n",
        &["--check"],
    );
    assert!(
        !r[0]["failed"].as_bool().unwrap_or(false),
        "check mode with a missing service: {r:#?}"
    );
    let r = host.play("    - service: name=rconf-no-such state=started\n", &[]);
    assert_eq!(r[0]["failed"], true);
}
