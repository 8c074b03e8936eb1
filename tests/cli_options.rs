//! The options of `ansible-playbook` and `ansible` that rconf takes with Ansible's meaning
//! (issue #18), through the real binary against real sshd hosts: aliases, a repeated `-l`,
//! values rconf cannot use refused before anything runs, `--ssh-*-args`, `--version`, several
//! playbooks in one run, `--flush-cache`, the ad hoc `-B`/`-P`, `-t`, `--list-hosts`,
//! `--playbook-dir`, and `-v` naming the config file. What Ansible prints for the same was
//! checked with ansible-core 2.19.

mod common;

use std::path::Path;
use std::process::Output;

use common::{Fleet, Lab, recap, text};

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn write(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, body).unwrap();
    path
}

#[test]
fn ansible_aliases_and_a_repeated_limit_work_as_in_ansible() {
    let fleet = Fleet::start(2);
    let inventory = fleet.write_inventory();
    // The key only --key-file names: the default one is moved away.
    let key = fleet.dir.path().join("moved_key");
    std::fs::rename(fleet.identity(), &key).unwrap();
    let secret = write(fleet.dir.path(), "pass", "unused\n");
    let out = fleet
        .rconf()
        .args(["sh", "all", "--inventory-file"])
        .arg(&inventory)
        .arg("--key-file")
        .arg(&key)
        .arg("--conn-pass-file")
        .arg(&secret)
        .args(["-b", "--become-pass-file"])
        .arg(&secret)
        // As in Ansible, the last -l counts.
        .args(["-l", "h1", "-l", "h2", "--", "id -u"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        stdout(&out),
        "h2 | CHANGED | rc=0 >>\n0\n",
        "{}",
        text(&out)
    );

    let out = fleet
        .rconf()
        .args(["exec", "all", "-i"])
        .arg(&inventory)
        .arg("--private-key")
        .arg(&key)
        .args(["--module-name", "ping", "--one-line"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let s = stdout(&out);
    assert_eq!(s.lines().count(), 2, "{}", text(&out));
    assert!(!s.contains("{ "), "Ansible's compact JSON: {}", text(&out));
    for host in ["h1", "h2"] {
        assert!(
            s.contains(&format!("{host} | SUCCESS => {{")) && s.contains("\"ping\": \"pong\""),
            "{}",
            text(&out)
        );
    }
}

#[test]
fn connection_and_become_methods_rconf_lacks_are_refused_before_any_host() {
    let lab = Lab::new(1);
    let playbook = "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: id -u\n";
    let out = lab.run(playbook, &["-c", "docker"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        stderr(&out).contains(
            "invalid value 'docker' for '--connection <TYPE>': rconf connects with `ssh` \
             (also named `smart` or `paramiko`) or `local`; connection type `docker` is not \
             supported"
        ),
        "{}",
        text(&out)
    );
    let out = lab.run(playbook, &["-b", "--become-method", "pbrun"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        stderr(&out).contains(
            "rconf becomes another user with `sudo` or `su`; become method `pbrun` is not \
             supported"
        ),
        "{}",
        text(&out)
    );
    lab.assert_no_host_contacted();
    // Ansible's other names for what rconf has.
    let out = lab.run(
        playbook,
        &[
            "-c",
            "smart",
            "-b",
            "--become-method",
            "ansible.builtin.sudo",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(recap(&out)["h1"]["changed"], 1, "{}", text(&out));
}

#[test]
fn ssh_args_options_apply_as_the_inventory_variables_do() {
    let fleet = Fleet::start(2);
    let (bastion, target) = (&fleet.hosts[0], &fleet.hosts[1]);
    let config = write(fleet.dir.path(), "empty_config", "");
    // The host's ansible_ssh_extra_args replaces --ssh-extra-args (whose port is wrong), as
    // Ansible ranks a variable over the command line; --ssh-common-args applies, since the
    // host sets no ansible_ssh_common_args.
    let inventory = write(
        fleet.dir.path(),
        "hosts.ini",
        &format!(
            "[web]\nt ansible_host={} ansible_user=root ansible_ssh_extra_args='-o Port={}'\n",
            target.address, target.port
        ),
    );
    let out = fleet
        .rconf()
        .args(["sh", "all", "-i"])
        .arg(&inventory)
        .arg("-F")
        .arg(&config)
        .arg(format!(
            "--ssh-common-args=-o ProxyJump=root@{}:{} -o ForwardAgent=yes",
            bastion.address, bastion.port
        ))
        .args(["--ssh-extra-args", "-C -o Port=9"])
        .args(["--scp-extra-args", "-l 1000", "--sftp-extra-args", "-f"])
        .args(["--", "echo via-the-bastion"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(stdout(&out), "t | CHANGED | rc=0 >>\nvia-the-bastion\n");
    let err = stderr(&out);
    for warning in [
        "warning: --ssh-common-args: ssh option `forwardagent` is ignored",
        "warning: --ssh-extra-args: ssh argument `-C` is ignored (only `-o Key=Value` options are read)",
        "warning: --scp-extra-args: ssh argument `-l` is ignored (only `-o Key=Value` options are read)",
        "warning: --sftp-extra-args: ssh argument `-f` is ignored",
    ] {
        assert!(err.contains(warning), "no `{warning}` in:\n{}", text(&out));
    }
    assert!(
        bastion.log_text().contains("direct-tcpip"),
        "{}",
        text(&out)
    );

    // Without the variable, --ssh-extra-args' port is the one used: nothing listens there.
    let inventory = write(
        fleet.dir.path(),
        "hosts2.ini",
        &format!(
            "[web]\nt ansible_host={} ansible_user=root\n",
            target.address
        ),
    );
    let out = fleet
        .rconf()
        .args(["sh", "all", "-i"])
        .arg(&inventory)
        .arg("-F")
        .arg(&config)
        .args(["--ssh-extra-args", &format!("-o Port={}", target.port)])
        .args(["--", "echo direct"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(stdout(&out), "t | CHANGED | rc=0 >>\ndirect\n");

    // The copy programs' options apply to the one connection that carries the copies, and a
    // host's ansible_sftp_extra_args replaces --sftp-extra-args (whose port is wrong).
    let inventory = write(
        fleet.dir.path(),
        "hosts3.ini",
        &format!(
            "[web]\nt ansible_host={} ansible_user=root ansible_sftp_extra_args='-o Port={}'\n",
            target.address, target.port
        ),
    );
    for (inventory, flags) in [
        (
            inventory,
            ["--sftp-extra-args".to_string(), "-o Port=9".to_string()],
        ),
        (
            write(
                fleet.dir.path(),
                "hosts4.ini",
                &format!(
                    "[web]\nt ansible_host={} ansible_user=root\n",
                    target.address
                ),
            ),
            [
                "--scp-extra-args".to_string(),
                format!("-o Port={}", target.port),
            ],
        ),
    ] {
        let out = fleet
            .rconf()
            .args(["exec", "all", "-i"])
            .arg(&inventory)
            .arg("-F")
            .arg(&config)
            .args(&flags)
            .args(["-m", "copy", "-a"])
            .arg(format!(
                "content=copied dest={}/copied",
                fleet.dir.path().display()
            ))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(stdout(&out).starts_with("t | "), "{}", text(&out));
        assert!(!stderr(&out).contains("warning"), "{}", text(&out));
    }
}

#[test]
fn version_on_every_subcommand_names_the_config_file_and_the_ansible_found() {
    let dir = tempfile::tempdir().unwrap();
    let rconf = |args: &[&str], config: Option<&Path>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rconf"));
        cmd.args(args)
            .current_dir(dir.path())
            .env("HOME", dir.path())
            // No ansible-playbook, ansible or python3 to be found.
            .env("PATH", dir.path().join("bin"))
            .env_remove("ANSIBLE_CONFIG")
            .env_remove("ANSIBLE_LIBRARY");
        if let Some(c) = config {
            cmd.env("ANSIBLE_CONFIG", c);
        }
        cmd.output().unwrap()
    };
    let version = env!("CARGO_PKG_VERSION");
    for args in [
        &["--version"][..],
        &["run", "--version"],
        &["run", "site.yml", "-i", "hosts", "--version"],
        &["exec", "--version"],
        &["exec", "all", "-m", "ping", "--version"],
        &["inventory", "--version"],
        &["check", "--version"],
    ] {
        let out = rconf(args, None);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
        let home = dir.path().display();
        assert_eq!(
            stdout(&out),
            format!(
                "rconf {version} (runs playbooks as ansible-core 2.19 does)\n  \
                 config file = None\n  \
                 configured module search path = ['{home}/.ansible/plugins/modules', \
                 '/usr/share/ansible/plugins/modules']\n  \
                 ansible-core for Ansible's own modules = none found (no `ansible-playbook` \
                 or `ansible` on PATH, and no `python3` that imports ansible): only rconf's \
                 native modules run\n  \
                 executable location = {}\n",
                std::fs::canonicalize(env!("CARGO_BIN_EXE_rconf"))
                    .unwrap()
                    .display()
            ),
            "{args:?}"
        );
    }
    let cfg = write(
        dir.path(),
        "project/ansible.cfg",
        "[defaults]\nlibrary = /opt/mods\n",
    );
    let out = rconf(&["run", "--version"], Some(&cfg));
    let s = stdout(&out);
    assert!(
        s.contains(&format!(
            "  config file = {}\n",
            std::fs::canonicalize(&cfg).unwrap().display()
        )),
        "{s}"
    );
    assert!(
        s.contains("  configured module search path = ['/opt/mods']\n"),
        "{s}"
    );
}

#[test]
fn several_playbooks_run_in_order_with_one_recap() {
    let lab = Lab::new(1);
    std::fs::create_dir_all(lab.dir().join("out")).unwrap();
    lab.write(
        "first.yml",
        "- name: First\n  hosts: all\n  gather_facts: false\n  tasks:\n    - set_fact: {from_first: 41}\n",
    );
    lab.write(
        "second.yml",
        "- name: Second\n  hosts: all\n  gather_facts: false\n  tasks:\n    - copy: {dest: \"{{ out }}/seen\", content: \"{{ from_first + 1 }}\\n\"}\n",
    );
    let out_dir = format!("out={}", lab.dir().join("out").display());
    let out = lab
        .fleet
        .rconf()
        .args(["run", "first.yml", "second.yml", "-i"])
        .arg(&lab.inventory)
        .args(["-e", &out_dir])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("seen"), "42\n");
    let s = stdout(&out);
    assert_eq!(s.matches("PLAY RECAP").count(), 1, "{}", text(&out));
    let (first, second) = (s.find("PLAY [First]"), s.find("PLAY [Second]"));
    assert!(first.is_some() && first < second, "{}", text(&out));
    let r = recap(&out);
    assert_eq!(
        (r["h1"]["ok"], r["h1"]["changed"]),
        (2, 1),
        "{}",
        text(&out)
    );

    // Listing shows each playbook, as ansible-playbook does.
    let out = lab
        .fleet
        .rconf()
        .args(["run", "first.yml", "second.yml", "--list-tasks", "-i"])
        .arg(&lab.inventory)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        stdout(&out),
        "\nplaybook: first.yml\n\n  play #1 (all): First\tTAGS: []\n    tasks:\n      set_fact\tTAGS: []\n\
         \nplaybook: second.yml\n\n  play #1 (all): Second\tTAGS: []\n    tasks:\n      copy\tTAGS: []\n"
    );
}

#[test]
fn flush_cache_forgets_the_cached_facts_of_the_inventory_hosts() {
    let lab = Lab::new(1);
    std::fs::create_dir_all(lab.dir().join("out")).unwrap();
    let cache = lab.dir().join("facts");
    std::fs::create_dir_all(&cache).unwrap();
    let playbook = "- hosts: all\n  gather_facts: false\n  tasks:\n    - copy: {dest: \"{{ out }}/marker\", content: \"{{ ansible_facts.marker | default('none') }}\\n\"}\n";
    let cache_arg = cache.display().to_string();
    let reset = || {
        std::fs::write(cache.join("h1"), "{\"marker\": \"cached\"}").unwrap();
        std::fs::write(cache.join("elsewhere"), "{\"marker\": \"kept\"}").unwrap();
    };
    reset();
    let out = lab.run(playbook, &["--fact-cache", &cache_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("marker"), "cached\n");

    reset();
    let out = lab.run(playbook, &["--fact-cache", &cache_arg, "--flush-cache"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("marker"), "none\n");
    assert!(!cache.join("h1").exists());
    // Only the inventory's hosts are flushed.
    assert!(cache.join("elsewhere").exists());

    // ansible.cfg's jsonfile cache is the one flushed when --fact-cache is not given.
    reset();
    lab.write(
        "ansible.cfg",
        &format!("[defaults]\nfact_caching = jsonfile\nfact_caching_connection = {cache_arg}\n"),
    );
    let out = lab.run(playbook, &[]);
    assert_eq!(lab.read("marker"), "cached\n", "{}", text(&out));
    let out = lab
        .fleet
        .rconf()
        .args(["sh", "all", "--flush-cache", "-i"])
        .arg(&lab.inventory)
        .args(["--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!cache.join("h1").exists(), "{}", text(&out));
}

#[test]
fn adhoc_list_hosts_contacts_no_host() {
    let lab = Lab::new(3);
    let rconf = |args: &[&str]| {
        lab.fleet
            .rconf()
            .arg("exec")
            .args(args)
            .arg("-i")
            .arg(&lab.inventory)
            .output()
            .unwrap()
    };
    let out = rconf(&["all", "--list-hosts", "-l", "h1:h3"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(stdout(&out), "  hosts (2):\n    h1\n    h3\n");
    let out = rconf(&["nothing*", "--list-hosts"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(stdout(&out), "  hosts (0):\n");
    assert!(stderr(&out).contains("[WARNING]: No hosts matched, nothing to do"));
    lab.assert_no_host_contacted();
}

#[test]
fn adhoc_background_jobs_and_the_result_tree() {
    let fleet = Fleet::start(2);
    let inventory = fleet.write_inventory();
    let rconf = |args: &[&str]| {
        fleet
            .rconf()
            .arg("exec")
            .args(args)
            .arg("-i")
            .arg(&inventory)
            .output()
            .unwrap()
    };
    // -P 0: the job is left running and its id printed, as Ansible's ad hoc command does.
    let out = rconf(&[
        "h1",
        "-m",
        "shell",
        "-a",
        "sleep 1; echo bg-done",
        "-B",
        "30",
        "-P",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let s = stdout(&out);
    assert!(s.starts_with("h1 | CHANGED => {\n"), "{}", text(&out));
    let job: serde_json::Value = serde_json::from_str(s.split_once(" => ").unwrap().1).unwrap();
    assert_eq!(
        (&job["started"], &job["finished"]),
        (&true.into(), &false.into()),
        "{s}"
    );
    let jid = job["ansible_job_id"].as_str().unwrap().to_string();
    // The job runs on: its result file fills (the sshd hosts are this machine).
    let file = Path::new(
        job["results_file"]
            .as_str()
            .unwrap()
            .replace('~', "/root")
            .as_str(),
    )
    .to_path_buf();
    let mut done = String::new();
    for _ in 0..100 {
        done = std::fs::read_to_string(&file).unwrap_or_default();
        if done.contains("bg-done") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(done.contains("bg-done"), "{}: {done}", file.display());
    let out = rconf(&[
        "h1",
        "-m",
        "async_status",
        "-a",
        &format!("jid={jid} mode=cleanup"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // -B with a poll: the command runs within its limit; -t writes each result to DIR/HOST.
    let tree = fleet.dir.path().join("tree");
    let tree_arg = tree.display().to_string();
    let out = rconf(&[
        "all",
        "-a",
        "echo {{ inventory_hostname }}",
        "-B",
        "10",
        "-P",
        "1",
        "-t",
        &tree_arg,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    for host in ["h1", "h2"] {
        let line = std::fs::read_to_string(tree.join(host)).unwrap();
        assert!(!line.contains('\n'), "one line: {line}");
        assert!(
            line.starts_with("{\"changed\": true, \"cmd\": "),
            "keys sorted: {line}"
        );
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            (&v["stdout"], &v["rc"]),
            (&host.into(), &0.into()),
            "{line}"
        );
    }
    let out = rconf(&["all", "-a", "sleep 5", "-B", "1", "-P", "1", "--one-line"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stdout(&out).contains("async task did not complete within the requested time - 1s"),
        "{}",
        text(&out)
    );
    // -P without -B means nothing, as in Ansible.
    let out = rconf(&["all", "-a", "true", "-P", "3"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn adhoc_playbook_dir_stands_in_for_a_playbooks_directory() {
    let fleet = Fleet::start(1);
    let inventory = fleet.write_inventory();
    let project = fleet.dir.path().join("project");
    write(
        &project,
        "group_vars/all.yml",
        "greeting: from-the-project\n",
    );
    write(&project, "files/motd", "hello\n");
    let dest = fleet.dir.path().join("motd");
    let out = fleet
        .rconf()
        .args(["exec", "all", "-m", "copy"])
        .args(["-a", &format!("src=motd dest={} ", dest.display())])
        .arg("--playbook-dir")
        .arg(&project)
        .arg("-i")
        .arg(&inventory)
        .args(["--one-line"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "hello\n");
    let out = fleet
        .rconf()
        .args(["exec", "all", "-m", "debug", "-a", "var=greeting"])
        .arg("--playbook-dir")
        .arg(&project)
        .arg("-i")
        .arg(&inventory)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stdout(&out).contains("\"greeting\": \"from-the-project\""),
        "{}",
        text(&out)
    );
}

#[test]
fn adhoc_diff_is_printed_as_a_unified_diff_before_the_result() {
    let fleet = Fleet::start(1);
    let inventory = fleet.write_inventory();
    let dest = fleet.dir.path().join("motd");
    std::fs::write(&dest, "old\n").unwrap();
    let out = fleet
        .rconf()
        .args(["exec", "all", "-m", "copy"])
        .args(["-a", &format!("content='new\n' dest={}", dest.display())])
        .args(["-D", "-i"])
        .arg(&inventory)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let s = stdout(&out);
    let result = s.find("h1 | CHANGED => {").expect("no result");
    let diff = &s[..result];
    assert!(
        diff.starts_with("--- before") && diff.contains("\n-old\n+new\n"),
        "{}",
        text(&out)
    );
    assert!(!s[result..].contains("\"diff\""), "{}", text(&out));
}

#[test]
fn verbose_names_the_config_file_first_as_ansible_does() {
    let lab = Lab::new(1);
    let inv = lab.inventory.to_str().unwrap();
    let first_line = |out: &Output| stdout(out).lines().next().unwrap_or("").to_string();
    let out = lab
        .fleet
        .rconf()
        .args(["exec", "all", "-i", inv, "-m", "ping", "-v"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(first_line(&out), "No config file found; using defaults");
    // ansible -v says the same on the same inventory.
    let ansible = std::process::Command::new(common::ansible_venv().join("bin/ansible"))
        .args(["all", "-i", inv, "-m", "ping", "-v", "--list-hosts"])
        .env("HOME", &lab.fleet.home)
        .current_dir(lab.dir())
        .output()
        .unwrap();
    assert_eq!(first_line(&ansible), "No config file found; using defaults");

    // With an ansible.cfg in the current directory, `run -v` names it.
    lab.write("ansible.cfg", "[defaults]\nforks = 3\n");
    let out = lab.run(
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - ping:\n",
        &["-v", "--no-history"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let cfg = lab.dir().join("ansible.cfg");
    assert_eq!(
        first_line(&out),
        format!("Using {} as config file", cfg.display())
    );
}
