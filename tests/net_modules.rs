//! get_url, uri and git through the real `rconf` binary over SSH against servers this test
//! starts on 127.0.0.1: a small HTTP server (fixed responses, requests recorded) and a local
//! bare git repository.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use common::Fleet;
use serde_json::Value;

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// One recorded request: request line, lowercased headers, body.
type Seen = (String, Vec<(String, String)>, Vec<u8>);

/// Serves `routes` (path -> status, content type, body) on 127.0.0.1 for at most `max`
/// connections; the thread ends by itself.
fn http_server(
    routes: Vec<(&'static str, u16, &'static str, &'static str)>,
    max: usize,
) -> (u16, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().take(max) {
            let Ok(mut conn) = conn else { continue };
            let _ = conn.set_read_timeout(Some(std::time::Duration::from_secs(10)));
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut first = String::new();
            if reader.read_line(&mut first).is_err() {
                continue;
            }
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                }
            }
            let len = headers
                .iter()
                .find(|(k, _)| k == "content-length")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; len];
            let _ = reader.read_exact(&mut body);
            let path = first.split_whitespace().nth(1).unwrap_or("").to_string();
            let head = first.starts_with("HEAD ");
            log.lock()
                .unwrap()
                .push((first.trim().to_string(), headers, body));
            let (status, ctype, body) = routes
                .iter()
                .find(|r| r.0 == path)
                .map(|r| (r.1, r.2, r.3))
                .unwrap_or((404, "text/plain", "not found"));
            let mut resp = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            if !head {
                resp.push_str(body);
            }
            let _ = conn.write_all(resp.as_bytes());
        }
    });
    (port, seen)
}

fn run(fleet: &Fleet, dir: &Path, extra: &[&str]) -> Vec<Value> {
    let report = dir.join("report.json");
    let _ = std::fs::remove_file(&report);
    let out = fleet
        .rconf()
        .arg("run")
        .arg(dir.join("play.yml"))
        .arg("-i")
        .arg(fleet.write_inventory())
        .arg("--report")
        .arg(&report)
        .args(extra)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(&report).unwrap_or_else(|_| panic!("no report:\n{}", text(&out))),
    )
    .unwrap();
    let results: Vec<Value> = doc["plays"][0]["tasks"]
        .as_array()
        .unwrap_or_else(|| panic!("no tasks:\n{}", text(&out)))
        .iter()
        .map(|t| t["hosts"]["h1"].clone())
        .collect();
    for (i, r) in results.iter().enumerate() {
        assert_ne!(r["failed"], true, "task {i} failed: {r:#}\n{}", text(&out));
    }
    results
}

/// Whether `tool` is installed; says loudly when it is not (its tests then do not run).
fn has(tool: &str) -> bool {
    let found = ["/usr/local/bin", "/usr/bin", "/bin"]
        .iter()
        .any(|d| Path::new(d).join(tool).exists());
    if !found {
        let _ = writeln!(
            std::io::stderr(),
            "!!!!!!!! SKIPPED: no `{tool}` on this machine: its module tests did NOT run"
        );
    }
    found
}

fn changed(results: &[Value]) -> Vec<bool> {
    results.iter().map(|r| r["changed"] == true).collect()
}

#[test]
fn get_url_and_uri_talk_to_a_local_server() {
    if !has("curl") && !has("wget") {
        return;
    }
    let (port, seen) = http_server(
        vec![
            ("/file.txt", 200, "text/plain", "downloaded 'content'\n"),
            ("/api", 201, "application/json", r#"{"ok": true, "n": 3}"#),
        ],
        40,
    );
    let fleet = Fleet::start(1);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let dest = d.join("dl.txt");
    let base = format!("http://127.0.0.1:{port}");
    std::fs::write(
        d.join("play.yml"),
        format!(
            r#"- hosts: all_hosts
  gather_facts: false
  tasks:
    - get_url:
        url: {base}/file.txt
        dest: {dest}
        mode: '0600'
        url_username: admin
        url_password: "s3cret pass"
    - uri:
        url: {base}/api
        method: POST
        body_format: json
        body:
          name: web1
        status_code: 201
        headers:
          X-Request: from-rconf
      register: api
    - assert:
        that:
          - api.json.ok
          - api.json.n == 3
          - api.status == 201
      when: not ansible_check_mode
"#,
            dest = dest.display()
        ),
    )
    .unwrap();
    let check = run(&fleet, d, &["--check"]);
    assert!(!dest.exists(), "check mode downloaded");
    assert!(
        check[0]["changed"] == true && check[1]["skipped"] == true,
        "{check:#?}"
    );
    let first = run(&fleet, d, &[]);
    assert_eq!(changed(&first), vec![true, false, false], "{first:#?}");
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        "downloaded 'content'\n"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let second = run(&fleet, d, &[]);
    assert_eq!(changed(&second), vec![false, false, false]);
    let seen = seen.lock().unwrap();
    let get = seen
        .iter()
        .find(|(l, _, _)| l.starts_with("GET /file.txt"))
        .unwrap();
    assert!(
        get.1
            .iter()
            .any(|(k, v)| k == "authorization" && v == "Basic YWRtaW46czNjcmV0IHBhc3M="),
        "{get:?}"
    );
    let post = seen
        .iter()
        .find(|(l, _, _)| l.starts_with("POST /api"))
        .unwrap();
    assert_eq!(post.2, br#"{"name":"web1"}"#);
    assert!(
        post.1
            .iter()
            .any(|(k, v)| k == "x-request" && v == "from-rconf")
    );
    let gets = seen
        .iter()
        .filter(|(l, _, _)| l.starts_with("GET /file.txt"))
        .count();
    assert_eq!(gets, 1, "an existing dest is not downloaded again");
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@e",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn git_clones_and_updates_from_a_local_bare_repository() {
    if !has("git") {
        return;
    }
    let fleet = Fleet::start(1);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let work = d.join("work");
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "-q"]);
    std::fs::write(work.join("README"), "v1\n").unwrap();
    git(&work, &["add", "README"]);
    git(&work, &["commit", "-qm", "one"]);
    let one = git(&work, &["rev-parse", "HEAD"]);
    let bare = d.join("origin.git");
    git(
        d,
        &[
            "clone",
            "-q",
            "--bare",
            work.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    let dest = d.join("checkout");
    std::fs::write(
        d.join("play.yml"),
        format!(
            "- hosts: all_hosts\n  gather_facts: false\n  tasks:\n    - git:\n        repo: {}\n        dest: {}\n        version: main\n",
            bare.display(),
            dest.display()
        ),
    )
    .unwrap();
    let first = run(&fleet, d, &[]);
    assert!(
        first[0]["changed"] == true && first[0]["after"] == one.as_str(),
        "{first:#?}"
    );
    assert_eq!(
        std::fs::read_to_string(dest.join("README")).unwrap(),
        "v1\n"
    );
    assert_eq!(changed(&run(&fleet, d, &[])), vec![false]);
    std::fs::write(work.join("README"), "v2\n").unwrap();
    git(&work, &["commit", "-qam", "two"]);
    let two = git(&work, &["rev-parse", "HEAD"]);
    git(&work, &["push", "-q", bare.to_str().unwrap(), "HEAD:main"]);
    let check = run(&fleet, d, &["--check"]);
    assert!(
        check[0]["changed"] == true && check[0]["after"] == two.as_str(),
        "{check:#?}"
    );
    assert_eq!(
        std::fs::read_to_string(dest.join("README")).unwrap(),
        "v1\n"
    );
    let r = run(&fleet, d, &[]);
    assert!(
        r[0]["before"] == one.as_str() && r[0]["after"] == two.as_str(),
        "{r:#?}"
    );
    assert_eq!(
        std::fs::read_to_string(dest.join("README")).unwrap(),
        "v2\n"
    );
}
