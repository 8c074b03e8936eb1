//! The shared history in a real PostgreSQL server (Debian's `postgresql`, started here on a
//! private port and data directory, as the unprivileged `postgres` user when the test runs as
//! root): a check of 40 sshd hosts as 4 parallel shards is one run of 40 hosts with its drifted
//! hosts named, the shards' results are an unsharded check's, a database killed mid-run
//! loses no record, and `rconf pull` records there too.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Fleet, text};
use serde_json::Value;

/// `RCONF_REQUIRE_ISOLATED=1` (CI) turns a skip into a failure.
const REQUIRE_ENV: &str = "RCONF_REQUIRE_ISOLATED";

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The newest installed PostgreSQL's bin directory.
fn postgres_bin() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").exists().then_some((v, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, b)| b)
}

/// A PostgreSQL server of the test's own.
struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Postgres {
    /// Runs `program` as the `postgres` user when root (PostgreSQL refuses root).
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if is_root() {
            let mut c = Command::new("setpriv");
            c.args([
                "--reuid=postgres",
                "--regid=postgres",
                "--clear-groups",
                "--",
            ])
            .arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn start() -> Option<Postgres> {
        let Some(bin) = postgres_bin() else {
            let msg = "PostgreSQL is not installed (tests/run.sh installs Debian's `postgresql`)";
            assert!(std::env::var_os(REQUIRE_ENV).is_none(), "{msg}");
            assert!(is_root(), "{msg}");
            eprintln!("skipped: {msg}");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        for sub in ["data", "sock"] {
            let p = dir.path().join(sub);
            std::fs::create_dir(&p).unwrap();
            if is_root() {
                let out = Command::new("chown")
                    .args(["postgres:postgres"])
                    .arg(&p)
                    .output()
                    .unwrap();
                assert!(out.status.success(), "{}", text(&out));
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut pg = Postgres {
            dir,
            bin,
            port,
            child: None,
        };
        let init = pg
            .command("initdb")
            .args([
                "-A",
                "trust",
                "-U",
                "rconf",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(pg.data())
            .output()
            .unwrap();
        assert!(init.status.success(), "initdb: {}", text(&init));
        pg.run();
        Some(pg)
    }

    /// Starts the server on the data directory and waits until it takes connections.
    fn run(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("postgres.log")).unwrap();
        let child = self
            .command("postgres")
            .arg("-D")
            .arg(self.data())
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-k")
            .arg(self.dir.path().join("sock"))
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=60",
            ])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = Command::new(self.bin.join("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-q"])
                .status()
                .unwrap();
            if ready.success() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "postgres did not start: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default()
    }

    /// Stops the server by its PID: SIGQUIT is an immediate shutdown, as a crash (the next
    /// start recovers), SIGINT a fast clean one.
    fn stop(&mut self, signal: libc::c_int) {
        if let Some(mut child) = self.child.take() {
            // SAFETY: a signal to the server process this test started.
            unsafe { libc::kill(child.id() as libc::pid_t, signal) };
            child.wait().unwrap();
        }
    }

    fn url(&self) -> String {
        format!("postgresql://rconf@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop(libc::SIGINT);
    }
}

const PLAYBOOK: &str = r#"- hosts: all_hosts
  gather_facts: no
  tasks:
    - name: Wait for the test
      command: sh -c 'while [ ! -e {{ test_root }}/go ]; do sleep 0.05; done'
      check_mode: false
      changed_when: false
      when: gated | default(false) | bool
    - name: The managed file
      copy:
        content: "managed\n"
        dest: "{{ test_root }}/{{ inventory_hostname }}.txt"
"#;

const DRIFTED: [&str; 3] = ["h3", "h17", "h29"];

struct Setup {
    fleet: Fleet,
    playbook: PathBuf,
    inventory: PathBuf,
    root: PathBuf,
}

impl Setup {
    fn check(&self, extra: &[&str]) -> Command {
        let mut cmd = self.fleet.rconf();
        cmd.env_remove("XDG_STATE_HOME")
            .env_remove("RCONF_HISTORY_URL")
            .arg("check")
            .arg(&self.playbook)
            .arg("-i")
            .arg(&self.inventory)
            .arg("-e")
            .arg(format!("test_root={}", self.root.display()))
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    fn history(&self, url: &str) -> Output {
        let mut cmd = self.fleet.rconf();
        cmd.env_remove("XDG_STATE_HOME")
            .env("RCONF_HISTORY_URL", url)
            .arg("history");
        cmd.output().unwrap()
    }

    /// The 4 shards of one job, in parallel; each one's output and per-host drift states.
    fn shards(&self, run_id: &str, url: &str, extra: &[&str]) -> Vec<Child> {
        (1..=4)
            .map(|k| {
                let report = self.report(&format!("{run_id}-{k}"));
                let mut cmd = self.check(&[
                    "--shard",
                    &format!("{k}/4"),
                    "--run-id",
                    run_id,
                    "--report",
                    report.to_str().unwrap(),
                ]);
                cmd.args(extra).env("RCONF_HISTORY_URL", url);
                cmd.spawn().unwrap()
            })
            .collect()
    }

    fn report(&self, name: &str) -> PathBuf {
        self.fleet.dir.path().join(format!("{name}.json"))
    }
}

fn states(report: &Path) -> BTreeMap<String, String> {
    let doc: Value = serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap();
    doc["drift"]["hosts"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(h, d)| (h.clone(), d["state"].as_str().unwrap().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// The rows of `rconf history` for one logical run: its line and the indented ones after it.
fn run_block<'a>(list: &'a str, run_id: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = list.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim() == format!("run id {run_id}: 4 shard(s)"))
        .unwrap_or_else(|| panic!("no run {run_id}: {list}"));
    let mut block = vec![lines[at - 1]];
    block.extend(lines[at..].iter().take_while(|l| l.starts_with("       ")));
    block
}

#[test]
fn four_shards_of_40_hosts_are_one_run_in_postgresql_and_a_killed_database_loses_no_record() {
    let Some(mut pg) = Postgres::start() else {
        return;
    };
    let fleet = Fleet::start(40);
    let root = fleet.dir.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    for h in &fleet.hosts {
        let content = if DRIFTED.contains(&h.name.as_str()) {
            "edited by hand\n"
        } else {
            "managed\n"
        };
        std::fs::write(root.join(format!("{}.txt", h.name)), content).unwrap();
    }
    let playbook = fleet.dir.path().join("site.yml");
    std::fs::write(&playbook, PLAYBOOK).unwrap();
    let inventory = fleet.write_inventory();
    let s = Setup {
        fleet,
        playbook,
        inventory,
        root,
    };
    let url = pg.url();

    // The unsharded check, recorded nowhere: what each host's result must be.
    let whole = s.report("whole");
    let unsharded = Instant::now();
    let out = s
        .check(&["--no-history", "--report", whole.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let whole = states(&whole);
    assert_eq!(whole.len(), 40);
    let unsharded = unsharded.elapsed();

    let started = Instant::now();
    let mut union: BTreeMap<String, String> = BTreeMap::new();
    let mut per_shard = Vec::new();
    for (k, child) in s.shards("job-1", &url, &[]).into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        assert!(matches!(out.status.code(), Some(0 | 3)), "{}", text(&out));
        assert!(out.stderr.is_empty(), "{}", text(&out));
        let share = states(&s.report(&format!("job-1-{}", k + 1)));
        per_shard.push(share.len());
        for (h, st) in share {
            assert!(
                union.insert(h.clone(), st).is_none(),
                "{h} is in two shards"
            );
        }
    }
    // Figures for the README, not assertions.
    eprintln!(
        "40 hosts unsharded: {:.1} s; 4 shards at once: {per_shard:?} hosts, {:.1} s",
        unsharded.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        union, whole,
        "the shards' results are the unsharded check's"
    );

    let listed = s.history(&url);
    assert_eq!(listed.status.code(), Some(0), "{}", text(&listed));
    let list = String::from_utf8_lossy(&listed.stdout).to_string();
    let block = run_block(&list, "job-1");
    let cols: Vec<&str> = block[0].split_whitespace().collect();
    // RUN STARTED COMMAND HOSTS DRIFTED FAILED EXIT
    assert_eq!(&cols[2..7], ["check", "40", "3", "0", "3"], "{list}");
    assert_eq!(block[2].trim(), "drifted: h17, h29, h3", "{list}");
    assert_eq!(list.lines().count(), 4, "header and one run: {list}");

    // Kill the database while 4 shards run: each keeps its record and says so.
    let spool = s.fleet.home.join(".local/state/rconf/spool");
    let children = s.shards("job-2", &url, &["-e", "gated=true"]);
    wait_for_claims(&s.fleet.home, 4);
    pg.stop(libc::SIGQUIT);
    std::fs::write(s.root.join("go"), "").unwrap();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(matches!(out.status.code(), Some(0 | 3)), "{}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with(&format!(
                "[WARNING]: history database `{url}`: cannot connect"
            )) && err.contains("; the run is kept in `")
                && err
                    .trim_end()
                    .ends_with("and recorded there by the next run or `rconf history`"),
            "{err}"
        );
    }
    assert_eq!(spool_files(&spool), 4);
    // Still down: reading says so, and the spool keeps everything.
    let down = s.history(&url);
    assert_eq!(down.status.code(), Some(1), "{}", text(&down));
    assert_eq!(spool_files(&spool), 4);

    pg.run();
    let listed = s.history(&url);
    assert_eq!(listed.status.code(), Some(0), "{}", text(&listed));
    assert_eq!(
        String::from_utf8_lossy(&listed.stderr),
        "[INFO]: uploaded 4 run(s) kept while the shared history was unreachable\n"
    );
    assert_eq!(spool_files(&spool), 0);
    let list = String::from_utf8_lossy(&listed.stdout).to_string();
    let block = run_block(&list, "job-2");
    let cols: Vec<&str> = block[0].split_whitespace().collect();
    assert_eq!(&cols[2..7], ["check", "40", "3", "0", "3"], "{list}");
    assert!(
        list.find("job-2") < list.find("job-1"),
        "newest first: {list}"
    );
    // A host's timeline reads the shared store too: h3 drifted in both jobs.
    let mut cmd = s.fleet.rconf();
    let h3 = cmd
        .env_remove("XDG_STATE_HOME")
        .args(["history", "--history", &url, "--host", "h3"])
        .output()
        .unwrap();
    let t = String::from_utf8_lossy(&h3.stdout);
    assert_eq!(t.matches(" drifted ").count(), 2, "{t}");

    // `sslmode=require` is honoured: this test server offers no TLS, so it is refused.
    let tls = s.history(&format!("{url}?sslmode=require"));
    assert_eq!(tls.status.code(), Some(1), "{}", text(&tls));
    let err = String::from_utf8_lossy(&tls.stderr);
    assert!(err.contains("server does not support TLS"), "{err}");

    // A node that pulls its configuration records into the same store.
    let repo = s.fleet.dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
    };
    git(&["init", "--quiet"]);
    std::fs::write(
        repo.join("local.yml"),
        "- hosts: localhost\n  gather_facts: no\n  tasks:\n    - debug: msg=pulled\n",
    )
    .unwrap();
    git(&["add", "local.yml"]);
    git(&["commit", "--quiet", "-m", "one"]);
    let mut cmd = s.fleet.rconf();
    let pulled = cmd
        .env_remove("XDG_STATE_HOME")
        .env("RCONF_HISTORY_URL", &url)
        .args(["pull", "-U", &format!("file://{}", repo.display()), "-d"])
        .arg(s.fleet.dir.path().join("checkout"))
        .output()
        .unwrap();
    assert_eq!(pulled.status.code(), Some(0), "{}", text(&pulled));
    let list = String::from_utf8_lossy(&s.history(&url).stdout).to_string();
    let newest = list.lines().nth(1).unwrap_or_default();
    assert!(
        newest.contains(" run ") && newest.contains("local.yml"),
        "{list}"
    );
}

fn spool_files(spool: &Path) -> usize {
    std::fs::read_dir(spool)
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
        .filter(|f| f.path().extension().is_some_and(|e| e == "json"))
        .count()
}

/// Waits until `n` runs have claimed their hosts (they are past reading the inventory).
fn wait_for_claims(home: &Path, n: usize) {
    let locks = home.join(".local/state/rconf/locks");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let claimed = std::fs::read_dir(&locks)
            .into_iter()
            .flatten()
            .flatten()
            .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
            .filter(|c| std::fs::read_to_string(c.path()).is_ok_and(|t| t.contains("\nhosts ")))
            .count();
        if claimed >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "only {claimed} of {n} shards started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
