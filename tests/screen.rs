//! What the human screen shows beside failures, next to ansible-playbook 2.19 where it applies:
//! the verbosity levels as Ansible users read them, banners as wide as the terminal.

mod common;

use common::{Lab, ansible_playbook, text};

const PLAYBOOK: &str = "\
- hosts: all
  tasks:
    - name: hi
      debug: msg=hi
    - name: cmd
      command: echo hi
";

/// The lines of `stdout` that start with one of `heads`, in order.
fn lines_with(stdout: &str, heads: &[&str]) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| heads.iter().any(|h| l.starts_with(h)))
        .map(String::from)
        .collect()
}

#[test]
fn dash_v_shows_results_but_not_gathered_facts_and_dash_vv_each_tasks_path() {
    let lab = Lab::new(1);
    let out = lab.run(PLAYBOOK, &["-v"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stdout.contains("TASK [Gathering Facts] ***") && stdout.contains("\nok: [h1]\n"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("ansible_facts"),
        "facts dumped at -v:\n{stdout}"
    );
    assert!(
        stdout.contains("changed: [h1] => {\"changed\": true, \"cmd\": [\"echo\", \"hi\"]"),
        "{stdout}"
    );
    assert!(!stdout.contains("task path:"), "{stdout}");
    assert!(!stdout.contains("PLAYBOOK:"), "{stdout}");
    assert!(
        stdout.starts_with("No config file found; using defaults\n"),
        "{stdout}"
    );

    let out = lab.run(PLAYBOOK, &["-vv"]);
    let ours = lines_with(
        &String::from_utf8_lossy(&out.stdout),
        &["PLAYBOOK:", "1 plays in", "task path:", "TASK ["],
    );
    assert_eq!(
        ours,
        [
            "PLAYBOOK: site.yml *************************************************************",
            "1 plays in site.yml",
            "TASK [Gathering Facts] *********************************************************",
            "task path: site.yml:1",
            "TASK [hi] **********************************************************************",
            "task path: site.yml:3",
            "TASK [cmd] *********************************************************************",
            "task path: site.yml:5",
        ],
        "{}",
        text(&out)
    );
    // ansible-playbook -vv says the same, with the path made absolute.
    let ansible = ansible_playbook(&lab, "site.yml")
        .arg("-vv")
        .output()
        .unwrap();
    let dir = format!("{}/", lab.dir().display());
    let theirs = lines_with(
        &String::from_utf8_lossy(&ansible.stdout).replace(&dir, ""),
        &["PLAYBOOK:", "1 plays in", "task path:", "TASK ["],
    );
    assert_eq!(ours, theirs, "{}", text(&ansible));
    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(
        !logs.contains("ESTABLISH"),
        "connection details before -vvv:\n{logs}"
    );

    // -vvv: who connects where with which key, and that the host key is known.
    let out = lab.run(PLAYBOOK, &["-vvv"]);
    let logs = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        logs.contains("<h1> ESTABLISH SSH CONNECTION FOR USER: root (127.0.0."),
        "{logs}"
    );
    assert!(
        logs.contains("<h1> authenticated with key file `"),
        "{logs}"
    );
    assert!(
        logs.contains("key SHA256:") && logs.contains("is known: `") && logs.contains("` line "),
        "{logs}"
    );
    assert!(
        !logs.contains("russh"),
        "protocol traces before -vvvv:\n{logs}"
    );

    // Facts are no more dumped by ansible-playbook -v than by rconf.
    let ansible = ansible_playbook(&lab, "site.yml")
        .arg("-v")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&ansible.stdout).contains("ansible_facts"));
}

/// An inventory of `count` local hosts `h01`.. as Ansible's range `h[01:NN]` names them.
fn local_range(lab: &Lab, count: usize) -> String {
    let path = lab.dir().join("range.ini");
    std::fs::write(
        &path,
        format!("[web]\nh[01:{count:02}] ansible_connection=local\n"),
    )
    .unwrap();
    path.display().to_string()
}

#[test]
fn hosts_of_a_padded_range_fold_into_that_range() {
    let lab = Lab::new(1);
    let inv = local_range(&lab, 10);
    let out = lab
        .fleet
        .rconf()
        .args(["sh", "-i", &inv, "all", "--", "echo same"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "h[01-10] (10) | CHANGED | rc=0 >>\nsame\n"
    );
}

#[test]
fn exec_accepts_no_history_as_run_does() {
    let lab = Lab::new(1);
    let inv = local_range(&lab, 2);
    let out = lab
        .fleet
        .rconf()
        .args(["exec", "-i", &inv, "h01", "-m", "ping", "--no-history"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("h01 | SUCCESS => {"),
        "{}",
        text(&out)
    );
    // Nothing was recorded: ad hoc commands never are.
    let history = lab.fleet.home.join(".local/state/rconf/history.db");
    assert!(!history.exists(), "{}", history.display());
}

#[test]
fn dash_vv_shows_what_is_sent_to_each_host_with_secrets_and_no_log_censored() {
    let lab = Lab::new(1);
    let playbook = format!(
        "- hosts: all\n  gather_facts: false\n  tasks:\n\
         \x20   - command: echo visible-arg\n\
         \x20   - command: echo hidden-arg\n      no_log: true\n\
         \x20   - get_url: {{url: 'http://127.0.0.1:9/none', dest: '{}/f', url_password: hunter2}}\n\
         \x20     ignore_errors: true\n",
        lab.dir().display()
    );
    let out = lab.run(&playbook, &["-vv"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(
        logs.contains("<h1> EXEC command {") && logs.contains("echo visible-arg"),
        "{logs}"
    );
    assert!(
        logs.contains("<h1> EXEC command (arguments hidden: no_log) (persistent shell)"),
        "{logs}"
    );
    assert!(
        logs.contains("\"url_password\":\"VALUE_SPECIFIED_IN_NO_LOG_PARAMETER\""),
        "{logs}"
    );
    // (The failure's Origin quotes the playbook's lines, as Ansible's does: stderr only.)
    assert!(
        !logs.contains("hunter2") && !logs.contains("hidden-arg"),
        "{logs}"
    );
    // Not before -vv.
    let out = lab.run(&playbook, &["-v"]);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("EXEC"),
        "{}",
        text(&out)
    );
}
