//! The shared history in PostgreSQL (`--history postgresql://...`): the same tables and
//! meaning as the SQLite store, migrated under an advisory lock, reached through a small
//! deadpool pool with bounded timeouts, TLS (rustls, the system's CA certificates) when the
//! URL's `sslmode` asks for it.
//!
//! rconf's commands are synchronous where they record and read; the store runs its async
//! client on a runtime of its own, driven from a scoped thread, so it works from inside the
//! run's tokio runtime as well as outside it.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime, Timeouts};
use tokio_postgres::Row;

use super::HistoryError;
use super::query::{HostRow, Keep, RunRow, combine_exit_codes, split_lines};
use super::rows::Rows;

/// Bounds every wait: connecting, getting a pooled connection, and each statement.
const TIMEOUT: Duration = Duration::from_secs(5);

const MIGRATIONS: &[&str] = &[
    // 1: the SQLite store's schema at its version 3, in PostgreSQL's types.
    "CREATE TABLE runs (
        id BIGSERIAL PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        started TEXT NOT NULL,
        ended TEXT NOT NULL,
        started_unix BIGINT NOT NULL,
        command TEXT NOT NULL,
        check_mode BOOLEAN NOT NULL,
        playbook TEXT NOT NULL,
        inventory TEXT NOT NULL,
        exit_code INTEGER NOT NULL,
        report TEXT NOT NULL,
        project TEXT NOT NULL,
        run_key TEXT,
        shard TEXT
    );
    CREATE INDEX runs_by_run_key ON runs(run_key);
    CREATE INDEX runs_by_project ON runs(project, id);
    CREATE TABLE host_runs (
        run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        host TEXT NOT NULL,
        state TEXT NOT NULL,
        changes BIGINT NOT NULL,
        ok BIGINT NOT NULL,
        changed BIGINT NOT NULL,
        unreachable BIGINT NOT NULL,
        failed BIGINT NOT NULL,
        skipped BIGINT NOT NULL,
        rescued BIGINT NOT NULL,
        ignored BIGINT NOT NULL,
        PRIMARY KEY (run_id, host)
    );
    CREATE INDEX host_runs_by_host ON host_runs(host, run_id);
    CREATE TABLE task_results (
        run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        host TEXT NOT NULL,
        seq BIGINT NOT NULL,
        task TEXT NOT NULL,
        module TEXT NOT NULL,
        location TEXT NOT NULL,
        status TEXT NOT NULL,
        resource TEXT,
        msg TEXT,
        PRIMARY KEY (run_id, host, seq)
    );",
];

pub struct PgStore {
    pool: Pool,
    runtime: Option<tokio::runtime::Runtime>,
    /// The URL without its password, for messages.
    shown: String,
}

/// The URL with any password replaced, for messages and the spool's directory name.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((user, host)) if user.contains(':') => {
            let name = user.split(':').next().unwrap_or("");
            format!("{scheme}://{name}:***@{host}")
        }
        _ => url.to_string(),
    }
}

fn tls() -> Result<tokio_postgres_rustls::MakeRustlsConnect, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("TLS: {e}"))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

impl PgStore {
    /// Connects to `url` and migrates its schema.
    pub fn open(url: &str) -> Result<PgStore, HistoryError> {
        let shown = redact(url);
        let fail = |msg: String| HistoryError {
            path: shown.clone().into(),
            msg,
        };
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| fail(format!("is not a PostgreSQL URL: {e}")))?;
        config.connect_timeout(TIMEOUT);
        if config.get_application_name().is_none() {
            config.application_name("rconf");
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| fail(format!("cannot start its client: {e}")))?;
        let manager = Manager::from_config(
            config,
            tls().map_err(&fail)?,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        // The pool is built inside the runtime it spawns its connections on.
        let pool = std::thread::scope(|s| {
            s.spawn(|| {
                let _guard = runtime.enter();
                Pool::builder(manager)
                    .max_size(4)
                    .runtime(Runtime::Tokio1)
                    .timeouts(Timeouts {
                        wait: Some(TIMEOUT),
                        create: Some(TIMEOUT),
                        recycle: Some(TIMEOUT),
                    })
                    .build()
            })
            .join()
        })
        .map_err(|_| fail("its client panicked".into()))?
        .map_err(|e| fail(format!("cannot build a connection pool: {e}")))?;
        let store = PgStore {
            pool,
            runtime: Some(runtime),
            shown,
        };
        store.migrate()?;
        Ok(store)
    }

    pub fn shown(&self) -> &str {
        &self.shown
    }

    fn fail(&self, msg: impl std::fmt::Display) -> HistoryError {
        HistoryError {
            path: self.shown.clone().into(),
            msg: msg.to_string(),
        }
    }

    /// Runs `f` on the store's runtime, from a thread of its own, within `TIMEOUT` twice over.
    fn block<T: Send>(
        &self,
        f: impl Future<Output = Result<T, String>> + Send,
    ) -> Result<T, HistoryError> {
        let runtime = self.runtime.as_ref().expect("runtime until dropped");
        let bounded = async {
            match tokio::time::timeout(TIMEOUT * 2, f).await {
                Ok(r) => r,
                Err(_) => Err(format!(
                    "did not answer within {} s",
                    (TIMEOUT * 2).as_secs()
                )),
            }
        };
        std::thread::scope(|s| s.spawn(|| runtime.block_on(bounded)).join())
            .map_err(|_| self.fail("its client panicked"))?
            .map_err(|m| self.fail(m))
    }

    fn migrate(&self) -> Result<(), HistoryError> {
        let pool = self.pool.clone();
        self.block(async move {
            let mut client = pool.get().await.map_err(|e| describe_pool(&e))?;
            let tx = client.transaction().await.map_err(|e| describe(&e))?;
            // One migrating controller at a time; the others wait here, then find it done.
            tx.batch_execute(
                "SELECT pg_advisory_xact_lock(7263011);
                 CREATE TABLE IF NOT EXISTS rconf_schema (version INTEGER NOT NULL);",
            )
            .await
            .map_err(|e| describe(&e))?;
            let row = tx
                .query_opt("SELECT version FROM rconf_schema", &[])
                .await
                .map_err(|e| describe(&e))?;
            let current: i32 = row.map(|r| r.get(0)).unwrap_or(0);
            let version = MIGRATIONS.len() as i32;
            if current > version {
                return Err(format!(
                    "its schema version {current} is newer than this rconf understands \
                     ({version}): upgrade rconf"
                ));
            }
            for sql in &MIGRATIONS[current as usize..] {
                tx.batch_execute(sql).await.map_err(|e| describe(&e))?;
            }
            tx.execute("DELETE FROM rconf_schema", &[])
                .await
                .map_err(|e| describe(&e))?;
            tx.execute("INSERT INTO rconf_schema VALUES ($1)", &[&version])
                .await
                .map_err(|e| describe(&e))?;
            tx.commit().await.map_err(|e| describe(&e))
        })
    }

    /// Stores a run's rows; a run already stored (the same `uid`) is not stored again.
    pub fn insert(&mut self, rows: &Rows) -> Result<i64, HistoryError> {
        let pool = self.pool.clone();
        let rows = rows.clone();
        self.block(async move {
            let mut client = pool.get().await.map_err(|e| describe_pool(&e))?;
            let tx = client.transaction().await.map_err(|e| describe(&e))?;
            let e = |e: tokio_postgres::Error| describe(&e);
            if let Some(r) = tx
                .query_opt("SELECT id FROM runs WHERE uid = $1", &[&rows.uid])
                .await
                .map_err(e)?
            {
                return Ok(r.get(0));
            }
            let id: i64 = tx
                .query_one(
                    "INSERT INTO runs (uid, started, ended, started_unix, command, check_mode,
                                       playbook, inventory, exit_code, report, project,
                                       run_key, shard)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                     RETURNING id",
                    &[
                        &rows.uid,
                        &rows.started,
                        &rows.ended,
                        &rows.started_unix,
                        &rows.command,
                        &rows.check_mode,
                        &rows.playbook,
                        &rows.inventory,
                        &rows.exit_code,
                        &rows.report,
                        &rows.project,
                        &rows.run_key,
                        &rows.shard,
                    ],
                )
                .await
                .map_err(e)?
                .get(0);
            let host = tx
                .prepare(
                    "INSERT INTO host_runs (run_id, host, state, changes, ok, changed,
                         unreachable, failed, skipped, rescued, ignored)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .await
                .map_err(e)?;
            for h in &rows.hosts {
                let [a, b, c, d, f, g, i] = &h.stats;
                tx.execute(
                    &host,
                    &[&id, &h.host, &h.state, &h.changes, a, b, c, d, f, g, i],
                )
                .await
                .map_err(e)?;
            }
            let task = tx
                .prepare(
                    "INSERT INTO task_results (run_id, host, seq, task, module, location,
                         status, resource, msg)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .await
                .map_err(e)?;
            for t in &rows.tasks {
                tx.execute(
                    &task,
                    &[
                        &id,
                        &t.host,
                        &t.seq,
                        &t.task,
                        &t.module,
                        &t.location,
                        &t.status,
                        &t.resource,
                        &t.msg,
                    ],
                )
                .await
                .map_err(e)?;
            }
            tx.commit().await.map_err(e)?;
            Ok(id)
        })
    }

    fn query(
        &self,
        sql: &'static str,
        params: Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>>,
    ) -> Result<Vec<Row>, HistoryError> {
        let pool = self.pool.clone();
        self.block(async move {
            let client = pool.get().await.map_err(|e| describe_pool(&e))?;
            let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params
                .iter()
                .map(|p| p.as_ref() as &(dyn tokio_postgres::types::ToSql + Sync))
                .collect();
            client.query(sql, &refs).await.map_err(|e| describe(&e))
        })
    }

    /// As `Store::runs_in`.
    pub fn runs_in(&self, limit: u64, project: Option<&str>) -> Result<Vec<RunRow>, HistoryError> {
        let rows = self.query(
            "WITH logical AS (
                 SELECT COALESCE(run_key, '#' || id) AS k, MAX(id) AS newest,
                        MIN(started) AS started, COUNT(*) AS shards,
                        string_agg(exit_code::text, ',') AS codes
                 FROM runs WHERE $2::text IS NULL OR project = $2
                 GROUP BY 1 ORDER BY newest DESC LIMIT $1)
             SELECT l.newest, l.started, r.command, r.check_mode, r.playbook, l.codes,
                    (SELECT COUNT(DISTINCT h.host) FROM host_runs h JOIN runs s
                       ON s.id = h.run_id WHERE COALESCE(s.run_key, '#' || s.id) = l.k),
                    (SELECT string_agg(h.host, E'\\n') FROM host_runs h JOIN runs s
                       ON s.id = h.run_id
                       WHERE COALESCE(s.run_key, '#' || s.id) = l.k AND h.state = 'drifted'),
                    (SELECT COUNT(DISTINCT h.host) FROM host_runs h JOIN runs s
                       ON s.id = h.run_id WHERE COALESCE(s.run_key, '#' || s.id) = l.k
                       AND h.state IN ('failed', 'unreachable')),
                    r.project, r.run_key, l.shards
             FROM logical l JOIN runs r ON r.id = l.newest
             ORDER BY l.newest DESC",
            vec![
                Box::new(limit as i64),
                Box::new(project.map(str::to_string)),
            ],
        )?;
        Ok(rows
            .iter()
            .map(|r| {
                let codes: String = r.get(5);
                let mut drifted_hosts = split_lines(r.get(7));
                drifted_hosts.sort();
                drifted_hosts.dedup();
                RunRow {
                    id: r.get(0),
                    started: r.get(1),
                    command: r.get(2),
                    check_mode: r.get(3),
                    playbook: r.get(4),
                    exit_code: combine_exit_codes(codes.split(',').filter_map(|c| c.parse().ok())),
                    hosts: r.get(6),
                    drifted: drifted_hosts.len() as i64,
                    failed: r.get(8),
                    project: r.get(9),
                    run_key: r.get(10),
                    shards: r.get(11),
                    drifted_hosts,
                }
            })
            .collect())
    }

    /// As `Store::host_rows_in`.
    pub fn host_rows_in(
        &self,
        host: &str,
        project: Option<&str>,
    ) -> Result<Vec<HostRow>, HistoryError> {
        let rows = self.query(
            "SELECT r.id, r.started, r.command, r.check_mode, r.playbook, h.state,
                    (SELECT string_agg(COALESCE(t.resource, t.task), E'\\n' ORDER BY t.seq)
                     FROM task_results t
                     WHERE t.run_id = r.id AND t.host = h.host AND t.status = 'changed'),
                    r.project
             FROM host_runs h JOIN runs r ON r.id = h.run_id
             WHERE h.host = $1 AND ($2::text IS NULL OR r.project = $2) ORDER BY r.id",
            vec![
                Box::new(host.to_string()),
                Box::new(project.map(str::to_string)),
            ],
        )?;
        Ok(rows
            .iter()
            .map(|r| HostRow {
                run_id: r.get(0),
                started: r.get(1),
                command: r.get(2),
                check_mode: r.get(3),
                playbook: r.get(4),
                state: r.get(5),
                resources: split_lines(r.get(6)),
                project: r.get(7),
            })
            .collect())
    }

    /// The stored JSON report of run `id`.
    pub fn report(&self, id: i64) -> Result<Option<String>, HistoryError> {
        let rows = self.query("SELECT report FROM runs WHERE id = $1", vec![Box::new(id)])?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    /// Deletes what `keep` does not keep (the hosts' and tasks' rows go with their run).
    pub fn prune(&mut self, keep: Keep) -> Result<usize, HistoryError> {
        let (sql, arg): (&'static str, i64) = match keep {
            Keep::Runs(n) => (
                "WITH gone AS (DELETE FROM runs WHERE id NOT IN
                     (SELECT id FROM runs ORDER BY id DESC LIMIT $1) RETURNING 1)
                 SELECT COUNT(*) FROM gone",
                n as i64,
            ),
            Keep::Days(d) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|t| t.as_secs() as i64)
                    .unwrap_or(0);
                (
                    "WITH gone AS (DELETE FROM runs WHERE started_unix < $1 RETURNING 1)
                     SELECT COUNT(*) FROM gone",
                    now - (d as i64) * 86_400,
                )
            }
        };
        let rows = self.query(sql, vec![Box::new(arg)])?;
        Ok(rows.first().map(|r| r.get::<_, i64>(0)).unwrap_or(0) as usize)
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Allowed inside another runtime, where dropping a runtime is not.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// A user-facing reason for a PostgreSQL error: the server's message when there is one.
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text.push_str(&format!(": {s}"));
                source = s.source();
            }
            text
        }
    }
}

fn describe_pool(e: &deadpool_postgres::PoolError) -> String {
    match e {
        deadpool_postgres::PoolError::Backend(e) => format!("cannot connect: {}", describe(e)),
        deadpool_postgres::PoolError::Timeout(_) => {
            format!("cannot connect within {} s", TIMEOUT.as_secs())
        }
        e => format!("cannot connect: {e}"),
    }
}
