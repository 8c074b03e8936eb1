//! The history database's schema, one migration per version; `PRAGMA user_version` says which
//! have run. Migrations only ever append: a released one never changes.

use rusqlite::{Connection, TransactionBehavior};

pub(super) const MIGRATIONS: &[&str] = &[
    // 1: runs, per-host outcome and stats, per-task results.
    "CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started TEXT NOT NULL,
        ended TEXT NOT NULL,
        started_unix INTEGER NOT NULL,
        command TEXT NOT NULL,
        check_mode INTEGER NOT NULL,
        playbook TEXT NOT NULL,
        inventory TEXT NOT NULL,
        exit_code INTEGER NOT NULL,
        report TEXT NOT NULL
    );
    CREATE TABLE host_runs (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        host TEXT NOT NULL,
        state TEXT NOT NULL,
        changes INTEGER NOT NULL,
        ok INTEGER NOT NULL,
        changed INTEGER NOT NULL,
        unreachable INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        skipped INTEGER NOT NULL,
        rescued INTEGER NOT NULL,
        ignored INTEGER NOT NULL,
        PRIMARY KEY (run_id, host)
    );
    CREATE INDEX host_runs_by_host ON host_runs(host, run_id);
    CREATE TABLE task_results (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        host TEXT NOT NULL,
        seq INTEGER NOT NULL,
        task TEXT NOT NULL,
        module TEXT NOT NULL,
        location TEXT NOT NULL,
        status TEXT NOT NULL,
        resource TEXT,
        msg TEXT,
        PRIMARY KEY (run_id, host, seq)
    );",
    // 2: the project a run belongs to (its playbook's directory until now: `rtrim` with the
    // characters of the path but `/` cuts the file name), and the logical run (`--run-id`)
    // and shard (`K/N`) of a sharded job.
    "ALTER TABLE runs ADD COLUMN project TEXT NOT NULL DEFAULT '';
    ALTER TABLE runs ADD COLUMN run_key TEXT;
    ALTER TABLE runs ADD COLUMN shard TEXT;
    UPDATE runs SET project = rtrim(rtrim(playbook, replace(playbook, '/', '')), '/');
    CREATE INDEX runs_by_run_key ON runs(run_key);",
    // 3: a unique id per recorded run, so that a run the spool uploads twice is stored once.
    "ALTER TABLE runs ADD COLUMN uid TEXT;
    CREATE UNIQUE INDEX runs_by_uid ON runs(uid);",
];

/// The schema version this rconf writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database to `VERSION`. An immediate transaction keeps two rconf processes from
/// migrating the same file at once.
pub fn migrate(conn: &mut Connection) -> Result<(), String> {
    let err = |e: rusqlite::Error| super::describe(&e);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(err)?;
    let current: i64 = tx
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(err)?;
    if current > VERSION {
        return Err(format!(
            "its schema version {current} is newer than this rconf understands ({VERSION}): \
             upgrade rconf, or point `--history` at another file"
        ));
    }
    for sql in &MIGRATIONS[current as usize..] {
        tx.execute_batch(sql).map_err(err)?;
    }
    tx.pragma_update(None, "user_version", VERSION)
        .map_err(err)?;
    tx.commit().map_err(err)
}
