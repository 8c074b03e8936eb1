use super::*;

fn parse(text: &str) -> SshConfig {
    let mut c = SshConfig::default();
    c.parse(text, Path::new("/cfg"), 0);
    c
}

#[test]
fn first_value_wins_and_negated_patterns_exclude() {
    let c = parse(
        "User everyone\n\
         Host web* !web-legacy\n  HostName %h.example.org\n  Port 2222\n  User deploy\n\
         Host *\n  Port 22\n  IdentityFile ~/.ssh/a\n  IdentityFile /k/b\n",
    );
    let web = c.lookup("web1");
    assert_eq!(web.hostname.as_deref(), Some("web1.example.org"));
    assert_eq!(web.port, Some(2222));
    assert_eq!(web.user.as_deref(), Some("everyone"));
    assert_eq!(web.identity_files.len(), 2);
    let legacy = c.lookup("web-legacy");
    assert_eq!(legacy.hostname, None);
    assert_eq!(legacy.port, Some(22));
}

#[test]
fn match_host_applies_and_other_match_sections_are_skipped_with_their_line() {
    let c = parse(
        "Match host db1,db2\n  User postgres\n\
         Match exec \"true\"\n  User nobody\n  Port 1\n\
         Host db1\n  Port 5\n",
    );
    assert_eq!(c.lookup("db1").user.as_deref(), Some("postgres"));
    assert_eq!(c.lookup("db1").port, Some(5));
    assert_eq!(c.lookup("other").user, None);
    assert_eq!(c.warnings.len(), 1);
    assert!(
        c.warnings[0].starts_with("/cfg:3: `Match exec true`"),
        "{:?}",
        c.warnings
    );
}

#[test]
fn jump_chain_timeouts_and_host_key_options() {
    let c = parse(
        "Host t\n ProxyJump=alice@b1:2200,b2\n ConnectTimeout 4\n ServerAliveInterval 2\n\
         StrictHostKeyChecking accept-new\n UserKnownHostsFile /x/kh /y/kh\n IdentitiesOnly yes\n",
    );
    let t = c.lookup("T");
    assert_eq!(t.proxy_jump, vec!["alice@b1:2200", "b2"]);
    assert_eq!(t.connect_timeout, Some(Duration::from_secs(4)));
    assert_eq!(t.server_alive_interval, Some(Duration::from_secs(2)));
    assert_eq!(t.strict_host_key_checking.as_deref(), Some("accept-new"));
    assert_eq!(
        t.user_known_hosts_files,
        vec![PathBuf::from("/x/kh"), PathBuf::from("/y/kh")]
    );
    assert_eq!(t.identities_only, Some(true));
}

#[test]
fn include_reads_matching_files_relative_to_the_including_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("conf.d")).unwrap();
    std::fs::write(dir.path().join("conf.d/10-a.conf"), "Host a\n  Port 10\n").unwrap();
    std::fs::write(dir.path().join("conf.d/skip.txt"), "Host a\n  Port 99\n").unwrap();
    let main = dir.path().join("config");
    std::fs::write(&main, "Include conf.d/*.conf\nHost a\n  Port 20\n").unwrap();
    let c = SshConfig::load(Some(&main)).unwrap();
    assert_eq!(c.lookup("a").port, Some(10));
    let e = SshConfig::load(Some(&dir.path().join("none"))).unwrap_err();
    assert!(e.contains("cannot read ssh config"), "{e}");
}

#[test]
fn ssh_args_keep_known_options_and_name_the_rest() {
    let (opts, warnings) = ssh_args_options(
        "-o ProxyJump=bastion -oPort=2022 -o 'ServerAliveInterval 5' -o ForwardAgent=yes -C",
    );
    assert_eq!(
        opts,
        vec![
            ("proxyjump".to_string(), "bastion".to_string()),
            ("port".to_string(), "2022".to_string()),
            ("serveraliveinterval".to_string(), "5".to_string()),
        ]
    );
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains("`forwardagent`"));
    assert!(warnings[1].contains("`-C`"));
}
