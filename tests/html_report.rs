//! The HTML pages (`--report-html`, `rconf history --html`) loaded in a real headless browser
//! (Debian's `chromium`, which tests/run.sh installs): the page's script runs without error and
//! the DOM holds the hosts and states it should.

mod common;

use std::path::Path;
use std::process::Command;

use common::{Lab, text};

/// The DOM of `page` after loading it in headless chromium, and what the browser logged.
fn dom_of(page: &Path, home: &Path) -> (String, String) {
    let profile = home.join("chromium-profile");
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .env("HOME", home)
        .output()
        .expect("the HTML tests need Debian's `chromium` (tests/run.sh installs it)");
    assert!(out.status.success(), "{}", text(&out));
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_loaded_cleanly(dom: &str, log: &str) {
    assert!(
        dom.contains("<body data-loaded=\"yes\""),
        "the page's script did not run:\n{dom}"
    );
    // A script error or a blocked resource shows in the browser's console log.
    for bad in ["Uncaught", "ERR_FILE_NOT_FOUND", "Failed to load resource"] {
        assert!(!log.contains(bad), "{bad} while loading the page:\n{log}");
    }
}

#[test]
fn the_run_page_shows_hosts_by_tasks_the_failure_with_its_origin_and_the_diffs() {
    let lab = Lab::new(2);
    let page = lab.dir().join("run.html");
    std::fs::create_dir_all(lab.dir().join("out")).unwrap();
    let out = lab.run(
        "\
- hosts: all
  gather_facts: false
  tasks:
    - name: motd
      copy:
        dest: '{{ out }}/motd-{{ inventory_hostname }}'
        content: 'hello {{ inventory_hostname }}'
    - name: only h2 fails
      command: /bin/false
      when: inventory_hostname == 'h2'
",
        &[
            "--diff",
            "--no-history",
            "--report-html",
            page.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let (dom, log) = dom_of(&page, lab.dir());
    assert_loaded_cleanly(&dom, &log);
    // Two hosts x two tasks.
    assert!(dom.contains("data-cells=\"4\""), "{dom}");
    assert!(
        dom.contains(
            "<tr data-host=\"h1\"><td>h1</td><td class=\"cell changed\" data-task=\"motd\""
        ) && dom.contains("data-task=\"only h2 fails\" title=\"only h2 fails: skipped\""),
        "{dom}"
    );
    assert!(
        dom.contains("<td class=\"cell failed\" data-task=\"only h2 fails\""),
        "{dom}"
    );
    assert!(
        dom.contains(
            "<h3 class=\"failed\">h2: only h2 fails (failed)</h3><p>non-zero return code</p>"
        ),
        "{dom}"
    );
    assert!(
        dom.contains("Origin: site.yml:8:7\n\n6 ")
            && dom.contains("\n8     - name: only h2 fails\n        ^ column 7</pre>"),
        "{dom}"
    );
    // Diffs folded per file, one per host.
    let folded = dom.matches("<details class=\"diff\"").count();
    assert_eq!(folded, 2, "{dom}");
    assert!(
        dom.contains("<span class=\"add\">+hello h2</span>"),
        "{dom}"
    );
    assert!(
        !dom.contains("src=\"http") && !dom.contains("href=\"http"),
        "{dom}"
    );
}

#[test]
fn the_history_page_shows_when_each_host_drifted_and_was_fixed() {
    let lab = Lab::new(2);
    let db = lab.dir().join("history.db");
    let db = db.to_str().unwrap();
    let playbook = "\
- hosts: all
  gather_facts: false
  tasks:
    - copy:
        dest: '{{ out }}/{{ inventory_hostname }}'
        content: wanted
";
    lab.write("site.yml", playbook);
    std::fs::create_dir_all(lab.dir().join("out")).unwrap();
    let out_var = format!("out={}", lab.dir().join("out").display());
    let inv = lab.inventory.to_str().unwrap();
    let rconf = |args: &[&str]| lab.fleet.rconf().args(args).output().unwrap();
    // In sync, then h1 drifts, a check finds it, a run fixes it, a check finds it in sync.
    rconf(&[
        "run",
        "site.yml",
        "-i",
        inv,
        "-e",
        &out_var,
        "--history",
        db,
    ]);
    std::fs::write(lab.dir().join("out/h1"), "changed by hand").unwrap();
    let check_page = lab.dir().join("check.html");
    let check = rconf(&[
        "check",
        "site.yml",
        "-i",
        inv,
        "-e",
        &out_var,
        "--history",
        db,
        "--report-html",
        check_page.to_str().unwrap(),
    ]);
    assert_eq!(check.status.code(), Some(3), "{}", text(&check));
    // The check's own page: h1 would change, h2 is in sync.
    let (dom, log) = dom_of(&check_page, lab.dir());
    assert_loaded_cleanly(&dom, &log);
    assert!(dom.contains("<title>rconf check site.yml</title>"), "{dom}");
    assert!(
        dom.contains("<tr data-host=\"h1\"><td>h1</td><td class=\"cell changed\"")
            && dom.contains("<tr data-host=\"h2\"><td>h2</td><td class=\"cell ok\""),
        "{dom}"
    );
    assert!(dom.contains("<span class=\"add\">+wanted</span>"), "{dom}");
    rconf(&[
        "run",
        "site.yml",
        "-i",
        inv,
        "-e",
        &out_var,
        "--history",
        db,
    ]);
    let check = rconf(&[
        "check",
        "site.yml",
        "-i",
        inv,
        "-e",
        &out_var,
        "--history",
        db,
    ]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));

    let page = lab.dir().join("history.html");
    let out = rconf(&["history", "--history", db, "--html", page.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let (dom, log) = dom_of(&page, lab.dir());
    assert_loaded_cleanly(&dom, &log);
    // Two hosts x four runs.
    assert!(dom.contains("data-cells=\"8\""), "{dom}");
    let row = |host: &str| {
        let start = dom.find(&format!("<tr data-host=\"{host}\">")).unwrap();
        dom[start..start + dom[start..].find("</tr>").unwrap()].to_string()
    };
    let h1 = row("h1");
    let states: Vec<&str> = h1
        .split("data-state=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(states, ["changed", "drifted", "changed", "in_sync"], "{h1}");
    assert!(
        h1.contains("data-state=\"drifted\" data-event=\"appeared\""),
        "{h1}"
    );
    assert!(
        h1.contains("data-state=\"changed\" data-event=\"fixed\""),
        "{h1}"
    );
    assert!(!row("h2").contains("data-event"), "{dom}");
}
