use serde_json::{Value, json};

use super::*;

fn report(changes: &[(&str, &str)], hosts: &[&str]) -> Value {
    let results: serde_json::Map<String, Value> = hosts
        .iter()
        .map(|h| {
            let changed = changes.iter().find(|(c, _)| c == h);
            let r = match changed {
                Some((_, path)) => json!({"status": "changed", "changed": true, "path": path,
                                          "diff": {"before": "a\n", "after": "b\n"}}),
                None => json!({"status": "ok", "changed": false}),
            };
            (h.to_string(), r)
        })
        .collect();
    let stats: serde_json::Map<String, Value> = hosts
        .iter()
        .map(|h| (h.to_string(), json!({"ok": 1, "changed": 0})))
        .collect();
    json!({
        "schema": "rconf.report/1", "start": "2026-01-01T00:00:00.000Z",
        "end": "2026-01-01T00:00:01.000Z", "duration_seconds": 1.0,
        "plays": [{"name": "p", "tasks": [{"name": "settings", "action": "lineinfile",
                   "location": "site.yml:4:7", "handler": false, "hosts": results}]}],
        "stats": stats,
    })
}

fn record(store: &mut Store, command: &str, check: bool, doc: &Value) -> i64 {
    store
        .record(&RunRecord {
            command,
            check_mode: check,
            playbook: "/srv/site.yml".into(),
            inventory: vec!["/srv/hosts".into()],
            exit_code: 0,
            report: doc,
            project: "/srv".into(),
            run_key: None,
            shard: None,
        })
        .unwrap()
}

#[test]
fn host_timeline_shows_drift_appearing_and_being_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("state/history.db")).unwrap();
    let hosts = ["h1", "h2"];
    record(
        &mut store,
        "run",
        false,
        &report(&[("h1", "/e/s"), ("h2", "/e/s")], &hosts),
    );
    record(&mut store, "check", true, &report(&[], &hosts));
    let drift = record(
        &mut store,
        "check",
        true,
        &report(&[("h1", "/e/s")], &hosts),
    );
    record(
        &mut store,
        "check",
        true,
        &report(&[("h1", "/e/s")], &hosts),
    );
    let fix = record(&mut store, "run", false, &report(&[("h1", "/e/s")], &hosts));
    record(&mut store, "check", true, &report(&[], &hosts));

    let rows = store.host_rows("h1").unwrap();
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[2].state, "drifted");
    assert_eq!(rows[2].resources, ["/e/s"]);
    let events: Vec<(i64, HostEvent)> = timeline(&rows)
        .into_iter()
        .zip(&rows)
        .filter_map(|(e, r)| e.map(|e| (r.run_id, e)))
        .collect();
    assert_eq!(
        events,
        [(drift, HostEvent::Appeared), (fix, HostEvent::Fixed)]
    );
    // h2 never drifted after the first apply.
    let h2 = store.host_rows("h2").unwrap();
    assert!(timeline(&h2).iter().all(Option::is_none));

    let runs = store.runs(10).unwrap();
    assert_eq!(runs.len(), 6);
    assert_eq!(runs[0].id, 6);
    assert_eq!((runs[3].drifted, runs[3].hosts), (1, 2));
    let stored: Value = serde_json::from_str(&store.report(drift).unwrap().unwrap()).unwrap();
    assert_eq!(
        stored["plays"][0]["tasks"][0]["hosts"]["h1"]["path"],
        "/e/s"
    );
    assert_eq!(store.report(99).unwrap(), None);
}

#[test]
fn prune_keeps_the_newest_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("h.db")).unwrap();
    for _ in 0..5 {
        record(&mut store, "check", true, &report(&[], &["h1"]));
    }
    assert_eq!(store.prune(Keep::Runs(2)).unwrap(), 3);
    let ids: Vec<i64> = store.runs(10).unwrap().iter().map(|r| r.id).collect();
    assert_eq!(ids, [5, 4]);
    assert_eq!(store.host_rows("h1").unwrap().len(), 2);
    assert_eq!(store.prune(Keep::Days(1)).unwrap(), 0);
    assert_eq!("30d".parse::<Keep>(), Ok(Keep::Days(30)));
    assert_eq!("7".parse::<Keep>(), Ok(Keep::Runs(7)));
    assert!("x".parse::<Keep>().unwrap_err().contains("`x`"));
}

#[test]
fn schema_version_is_recorded_and_reopening_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    let mut store = Store::open(&path).unwrap();
    record(&mut store, "run", false, &report(&[], &["h1"]));
    drop(store);
    let store = Store::open(&path).unwrap();
    let v: i64 = store
        .conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, VERSION);
    assert_eq!(store.runs(10).unwrap().len(), 1);
}

#[test]
fn a_newer_schema_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", VERSION + 1)
        .unwrap();
    drop(conn);
    let e = Store::open(&path).err().unwrap();
    assert!(
        e.to_string().contains("newer than this rconf understands"),
        "{e}"
    );
}

#[test]
fn a_corrupted_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    std::fs::write(&path, vec![0x42u8; 4096]).unwrap();
    let e = Store::open(&path).err().unwrap();
    assert_eq!(e.path, path);
    assert!(e.msg.contains("not an SQLite database"), "{e}");
    let missing = Store::open_existing(&dir.path().join("none.db"))
        .err()
        .unwrap();
    assert!(
        missing.msg.contains("no run has been recorded yet"),
        "{missing}"
    );
}

#[test]
fn a_locked_database_is_reported_as_locked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    drop(Store::open(&path).unwrap());
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let mut store = Store::open_with_timeout(&path, std::time::Duration::from_millis(50));
    let e = match store.as_mut() {
        Ok(s) => s
            .record(&RunRecord {
                command: "run",
                check_mode: false,
                playbook: "p".into(),
                inventory: vec![],
                exit_code: 0,
                report: &report(&[], &["h1"]),
                project: "p".into(),
                run_key: None,
                shard: None,
            })
            .unwrap_err(),
        Err(e) => e.clone(),
    };
    assert!(e.msg.contains("is locked by another process"), "{e}");
}

fn record_as(store: &mut Store, project: &str, key: Option<&str>, code: i32, doc: &Value) -> i64 {
    store
        .record(&RunRecord {
            command: "check",
            check_mode: true,
            playbook: format!("{project}/site.yml"),
            inventory: vec![],
            exit_code: code,
            report: doc,
            project: project.into(),
            run_key: key.map(str::to_string),
            shard: None,
        })
        .unwrap()
}

#[test]
fn a_version_1_database_opens_and_its_runs_get_their_playbooks_directory_as_project() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    // The version 1 schema, as rconf before projects wrote it.
    conn.execute_batch(schema::MIGRATIONS[0]).unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    conn.execute(
        "INSERT INTO runs (started, ended, started_unix, command, check_mode, playbook,
                           inventory, exit_code, report)
         VALUES ('2026-01-01', '2026-01-01', 0, 'check', 1, '/srv/ops/site.yml', '[]', 3, '{}')",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO host_runs VALUES (1, 'h1', 'drifted', 1, 1, 1, 0, 0, 0, 0, 0)",
        [],
    )
    .unwrap();
    drop(conn);
    let store = Store::open(&path).unwrap();
    let runs = store.runs(10).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].project, "/srv/ops");
    assert_eq!(
        (runs[0].hosts, runs[0].drifted_hosts.clone()),
        (1, vec!["h1".to_string()])
    );
    assert_eq!(store.host_rows_in("h1", Some("/srv/ops")).unwrap().len(), 1);
}

#[test]
fn one_host_name_in_two_projects_has_two_timelines() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("h.db")).unwrap();
    record_as(
        &mut store,
        "/a",
        None,
        3,
        &report(&[("h02", "/e/s")], &["h02"]),
    );
    record_as(&mut store, "/b", None, 0, &report(&[], &["h02"]));
    let a = store.host_rows_in("h02", Some("/a")).unwrap();
    assert_eq!((a.len(), a[0].state.as_str()), (1, "drifted"));
    let b = store.host_rows_in("h02", Some("/b")).unwrap();
    assert_eq!((b.len(), b[0].state.as_str()), (1, "in_sync"));
    // The in-sync check of project b fixes nothing of project a.
    let all = store.host_rows("h02").unwrap();
    assert_eq!(timeline(&all), [Some(HostEvent::Appeared), None]);
    assert_eq!(store.runs_in(10, Some("/b")).unwrap().len(), 1);
}

#[test]
fn the_shards_of_one_run_id_are_one_logical_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("h.db")).unwrap();
    record_as(&mut store, "/a", None, 0, &report(&[], &["h0"]));
    record_as(
        &mut store,
        "/a",
        Some("job-1"),
        3,
        &report(&[("h2", "/e")], &["h1", "h2"]),
    );
    record_as(&mut store, "/a", Some("job-1"), 0, &report(&[], &["h3"]));
    record_as(
        &mut store,
        "/a",
        Some("job-1"),
        3,
        &report(&[("h4", "/e")], &["h4"]),
    );
    let runs = store.runs(10).unwrap();
    assert_eq!(runs.len(), 2, "{runs:?}");
    let job = &runs[0];
    assert_eq!((job.id, job.shards, job.hosts), (4, 3, 4));
    assert_eq!(job.run_key.as_deref(), Some("job-1"));
    assert_eq!(job.drifted_hosts, ["h2", "h4"]);
    assert_eq!((job.drifted, job.exit_code), (2, 3));
    assert_eq!((runs[1].shards, runs[1].run_key.as_deref()), (1, None));
    assert_eq!(store.runs(1).unwrap().len(), 1);
}

#[test]
fn exit_codes_of_shards_combine_in_rconfs_order() {
    use super::query::combine_exit_codes as c;
    assert_eq!(c([0, 3, 0]), 3);
    assert_eq!(c([3, 2]), 2);
    assert_eq!(c([2, 4, 3]), 4);
    assert_eq!(c([]), 0);
}

#[test]
fn a_location_is_a_file_or_a_postgresql_url_shown_without_its_password() {
    assert_eq!(
        Location::parse("postgresql://ops:s3cret@db:5432/rconf?sslmode=require"),
        Location::Postgres("postgresql://ops:s3cret@db:5432/rconf?sslmode=require".into())
    );
    assert_eq!(
        Location::parse("postgres://db/rconf").shown(),
        "postgres://db/rconf"
    );
    assert_eq!(
        Location::parse("postgresql://ops:s3cret@db/rconf").shown(),
        "postgresql://ops:***@db/rconf"
    );
    assert_eq!(
        Location::parse("state/h.db"),
        Location::Sqlite("state/h.db".into())
    );
}

#[test]
fn a_spooled_run_is_uploaded_once_even_when_uploaded_twice() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let doc = report(&[("h1", "/e/s")], &["h1", "h2"]);
    let run = RunRecord {
        command: "check",
        check_mode: true,
        playbook: "/srv/site.yml".into(),
        inventory: vec![],
        exit_code: 3,
        report: &doc,
        project: "/srv".into(),
        run_key: Some("job".into()),
        shard: Some("1/2".into()),
    };
    let rows = Rows::of(&run);
    let file = spool::save(&spool, &rows).unwrap();
    let mut store = Store::open(&dir.path().join("h.db")).unwrap();
    // A crash after storing and before removing the file: the next upload finds it again.
    store.insert(&rows).unwrap();
    assert_eq!(spool::upload(&spool, &mut store), 1);
    assert!(!file.exists());
    let runs = store.runs(10).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].hosts, runs[0].drifted_hosts.clone()),
        (2, vec!["h1".to_string()])
    );
    assert_eq!(spool::upload(&spool, &mut store), 0);
}
