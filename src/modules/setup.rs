//! `setup`: gathers facts in one exec (setup.sh prints raw values) and derives Ansible's fact
//! names on the controller. Facts come back under `ansible_facts`, without the `ansible_` prefix.

use serde_json::{Map, Value, json};

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::script::{Script, ScriptOutput};
use super::{Action, Ctx, Module, RemoteCall};
use crate::result::TaskResult;
use crate::transport::Stdin;

const BODY: &str = include_str!("../../modules/setup.sh");

pub struct Setup;

static SPEC: ModuleSpec = ModuleSpec {
    name: "setup",
    summary: "Gathers facts about the target",
    aliases: &["gather_facts"],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("filter", Kind::List).doc(
            "Shell-style patterns (`ansible_distribution*`): only the facts whose names match \
             are returned.",
        ),
        Arg::new("gather_subset", Kind::List)
            .doc("Reported as the `gather_subset` fact; rconf gathers its one set of facts."),
        Arg::new("gather_timeout", Kind::Int)
            .doc("Accepted as Ansible does; rconf does not use it."),
        Arg::new("fact_path", Kind::Str)
            .doc("Accepted as Ansible does; rconf reads no local facts."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[Return::new(
        "ansible_facts",
        "dict",
        "success",
        "The facts: `distribution`, `os_family`, `hostname`, `default_ipv4`, `python`, ... \
         each also a variable `ansible_<name>`.",
    )],
    notes: "",
    example: concat!("- setup:\n", "    filter: ['ansible_distribution*']"),
};

/// Ansible's `distribution` spelling for an os-release `ID`.
fn distribution(id: &str, name: &str) -> String {
    let known = [
        ("debian", "Debian"),
        ("ubuntu", "Ubuntu"),
        ("centos", "CentOS"),
        ("rhel", "RedHat"),
        ("fedora", "Fedora"),
        ("rocky", "Rocky"),
        ("almalinux", "AlmaLinux"),
        ("amzn", "Amazon"),
        ("ol", "OracleLinux"),
        ("alpine", "Alpine"),
        ("arch", "Archlinux"),
        ("opensuse-leap", "openSUSE Leap"),
        ("opensuse-tumbleweed", "openSUSE Tumbleweed"),
        ("sles", "SLES"),
        ("linuxmint", "Linux Mint"),
        ("raspbian", "Debian"),
        ("kali", "Kali"),
        ("gentoo", "Gentoo"),
    ];
    known
        .iter()
        .find(|(k, _)| *k == id)
        .map(|(_, v)| v.to_string())
        .unwrap_or_else(|| {
            if name.is_empty() {
                "NA".into()
            } else {
                name.to_string()
            }
        })
}

fn os_family(distribution: &str, like: &str) -> String {
    let family = match distribution {
        "Debian" | "Ubuntu" | "Linux Mint" | "Kali" => "Debian",
        "RedHat" | "CentOS" | "Fedora" | "Rocky" | "AlmaLinux" | "Amazon" | "OracleLinux" => {
            "RedHat"
        }
        "openSUSE Leap" | "openSUSE Tumbleweed" | "SLES" => "Suse",
        "Alpine" => "Alpine",
        "Archlinux" => "Archlinux",
        "Gentoo" => "Gentoo",
        _ if like
            .split_whitespace()
            .any(|l| l == "debian" || l == "ubuntu") =>
        {
            "Debian"
        }
        _ if like
            .split_whitespace()
            .any(|l| matches!(l, "rhel" | "fedora")) =>
        {
            "RedHat"
        }
        other => return other.to_string(),
    };
    family.to_string()
}

fn service_mgr(proc1: &str, has_openrc: bool) -> String {
    match proc1 {
        "systemd" => "systemd".into(),
        _ if has_openrc => "openrc".into(),
        "init" | "" => "sysvinit".into(),
        other => other.to_string(),
    }
}

/// Builds Ansible-named facts from setup.sh's raw values.
pub fn facts_from_raw(raw: &Map<String, Value>, env: Option<Value>) -> Map<String, Value> {
    let get = |k: &str| {
        raw.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let num = |k: &str| get(k).trim().parse::<u64>().ok();
    let mut f = Map::new();
    let nodename = get("nodename");
    let fqdn = get("fqdn");
    f.insert(
        "hostname".into(),
        json!(nodename.split('.').next().unwrap_or_default()),
    );
    f.insert("nodename".into(), json!(nodename));
    f.insert(
        "fqdn".into(),
        json!(if fqdn.is_empty() {
            nodename.clone()
        } else {
            fqdn.clone()
        }),
    );
    f.insert(
        "domain".into(),
        json!(fqdn.split_once('.').map(|x| x.1).unwrap_or_default()),
    );
    f.insert("system".into(), json!(get("system")));
    f.insert("kernel".into(), json!(get("kernel")));
    f.insert("kernel_version".into(), json!(get("kernel_version")));
    let machine = get("machine");
    f.insert("machine".into(), json!(machine));
    f.insert("architecture".into(), json!(machine));
    let dist = distribution(&get("os_id"), &get("os_name"));
    let mut version = get("os_version_id");
    if dist == "Debian"
        && get("debian_version")
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    {
        version = get("debian_version");
    }
    if dist == "Alpine" && !get("alpine_release").is_empty() {
        version = get("alpine_release");
    }
    f.insert("os_family".into(), json!(os_family(&dist, &get("os_like"))));
    f.insert("distribution".into(), json!(dist));
    f.insert(
        "distribution_major_version".into(),
        json!(version.split('.').next().unwrap_or_default()),
    );
    if let Some(minor) = version.split('.').nth(1) {
        f.insert("distribution_minor_version".into(), json!(minor));
    }
    f.insert("distribution_version".into(), json!(version));
    f.insert("distribution_release".into(), json!(get("os_codename")));
    // Where Ansible read the distribution: os-release for the Debian family.
    if f["os_family"] == "Debian" && !get("os_id").is_empty() {
        f.insert("distribution_file_parsed".into(), json!(true));
        f.insert("distribution_file_path".into(), json!("/etc/os-release"));
        f.insert("distribution_file_variety".into(), json!("Debian"));
    }
    // `lsb` as `lsb_release -a` gives it, from the os-release it reads on these systems; else
    // from /etc/lsb-release; else empty, as Ansible's collector.
    if let Some(text) = raw.get("lsb_release_file").and_then(Value::as_str) {
        let mut lsb = Map::new();
        for line in text.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let key = match k.trim() {
                "DISTRIB_ID" => "id",
                "DISTRIB_RELEASE" => "release",
                "DISTRIB_DESCRIPTION" => "description",
                "DISTRIB_CODENAME" => "codename",
                _ => continue,
            };
            lsb.insert(key.into(), json!(v.trim().trim_matches(['"', '\''])));
        }
        if let Some(release) = lsb.get("release").and_then(Value::as_str) {
            let major = release.split('.').next().unwrap_or_default().to_string();
            lsb.insert("major_release".into(), json!(major));
        }
        f.insert("lsb".into(), Value::Object(lsb));
    } else if !raw.contains_key("has_lsb_release") {
        f.insert("lsb".into(), json!({}));
    }
    if raw.contains_key("has_lsb_release") && !get("os_id").is_empty() {
        let release = get("os_version_id");
        f.insert(
            "lsb".into(),
            json!({
                "codename": get("os_codename"),
                "description": get("os_pretty"),
                "id": dist,
                "major_release": release.split('.').next().unwrap_or_default(),
                "release": release,
            }),
        );
    }
    // Python's platform.architecture() of a native interpreter: the machine's word size.
    let bits = match machine.as_str() {
        "i386" | "i486" | "i586" | "i686" | "armv6l" | "armv7l" => "32",
        _ => "64",
    };
    f.insert("userspace_bits".into(), json!(bits));
    if machine == "x86_64" {
        f.insert("userspace_architecture".into(), json!("x86_64"));
    }
    // What Ansible's setup reports about its own call.
    f.insert("gather_subset".into(), json!(["all"]));
    f.insert("module_setup".into(), json!(true));
    f.insert("user_id".into(), json!(get("user_id")));
    f.insert("user_uid".into(), json!(num("user_uid")));
    f.insert("user_gid".into(), json!(num("user_gid")));
    f.insert("user_dir".into(), json!(get("user_dir")));
    f.insert("user_shell".into(), json!(get("user_shell")));
    f.insert(
        "pkg_mgr".into(),
        json!(
            raw.get("pkg_mgr")
                .and_then(Value::as_str)
                .unwrap_or("unknown")
        ),
    );
    f.insert(
        "service_mgr".into(),
        json!(service_mgr(&get("proc_1"), raw.contains_key("has_openrc"))),
    );
    if let Some(python) = python_facts(&get("python")) {
        f.insert("python_version".into(), python["version_string"].clone());
        let mut p = python;
        p.as_object_mut().map(|m| m.remove("version_string"));
        f.insert("python".into(), p);
    }
    f.insert("processor_vcpus".into(), json!(num("vcpus")));
    f.insert("processor_nproc".into(), json!(num("vcpus")));
    f.insert(
        "memtotal_mb".into(),
        json!(num("memtotal_kb").map(|k| k / 1024)),
    );
    f.insert(
        "memfree_mb".into(),
        json!(num("memfree_kb").map(|k| k / 1024)),
    );
    f.insert(
        "swaptotal_mb".into(),
        json!(num("swaptotal_kb").map(|k| k / 1024)),
    );
    f.insert(
        "swapfree_mb".into(),
        json!(num("swapfree_kb").map(|k| k / 1024)),
    );
    let d: Vec<String> = get("date").split(' ').map(str::to_string).collect();
    if d.len() >= 14 {
        f.insert(
            "date_time".into(),
            json!({
                "year": d[0], "month": d[1], "day": d[2], "hour": d[3], "minute": d[4], "second": d[5],
                "epoch": d[6], "tz": d[7], "tz_offset": d[8], "weekday": d[9], "weekday_number": d[11],
                "date": format!("{}-{}-{}", d[0], d[1], d[2]), "time": format!("{}:{}:{}", d[3], d[4], d[5]),
                "iso8601": get("date_utc"), "monthname": d[13], "julian_day": d[10],
            }),
        );
    }
    let route = get("route");
    let word_after = |key: &str| {
        let words: Vec<&str> = route.split_whitespace().collect();
        words
            .iter()
            .position(|w| *w == key)
            .and_then(|i| words.get(i + 1))
            .map(|s| s.to_string())
    };
    if let Some(addr) = word_after("src") {
        f.insert(
            "default_ipv4".into(),
            json!({"address": addr, "interface": word_after("dev"), "gateway": word_after("via")}),
        );
    }
    // `default_ipv6` as Ansible finds it: the route to one public address; empty without one.
    if let Some(route6) = raw.get("route6").and_then(Value::as_str) {
        let words: Vec<&str> = route6.split_whitespace().collect();
        let after = |key: &str| {
            words
                .iter()
                .position(|w| *w == key)
                .and_then(|i| words.get(i + 1))
                .map(|s| s.to_string())
        };
        let mut v6 = Map::new();
        if let Some(addr) = after("src") {
            v6.insert("address".into(), json!(addr));
            v6.insert("interface".into(), json!(after("dev")));
            if let Some(via) = after("via") {
                v6.insert("gateway".into(), json!(via));
            }
        }
        f.insert("default_ipv6".into(), Value::Object(v6));
    }
    if let Some(env) = env {
        f.insert("env".into(), env);
    }
    super::facts_linux::extend(&mut f, raw);
    f
}

/// Ansible's `filter`: shell-style `*` globs on fact names (with or without `ansible_`).
fn matches_filter(name: &str, patterns: &[String]) -> bool {
    fn glob(p: &[u8], s: &[u8]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some((b'*', rest)) => (0..=s.len()).any(|i| glob(rest, &s[i..])),
            Some((c, rest)) => s.first() == Some(c) && glob(rest, &s[1..]),
        }
    }
    patterns.is_empty()
        || patterns.iter().any(|p| {
            let p = p.strip_prefix("ansible_").unwrap_or(p);
            glob(p.as_bytes(), name.as_bytes())
        })
}

impl Module for Setup {
    fn control(&self) -> super::Control {
        super::Control::GatherFacts
    }

    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, _args: &Args, ctx: &Ctx) -> Action {
        // Gathering changes nothing, so it runs in check mode too.
        match Script::with(ctx.marker, false, false) {
            Ok(s) => Action::Remote(RemoteCall {
                script: s.finish(BODY),
                stdin: Stdin::Empty,
            }),
            Err(e) => Action::Done(TaskResult::failed(e)),
        }
    }

    fn finish(&self, args: &Args, out: ScriptOutput) -> TaskResult {
        let mut r = out.into_result_for("setup");
        let Some(Value::Object(raw)) = r.data.remove("raw") else {
            return r;
        };
        let env = r.data.remove("env");
        let filter = args.list("filter").unwrap_or_default();
        let mut facts = facts_from_raw(&raw, env);
        // Ansible reports the subset it was asked for.
        if let Some(subset) = args.list("gather_subset").filter(|s| !s.is_empty()) {
            facts.insert("gather_subset".into(), json!(subset));
        }
        let facts: Map<String, Value> = facts
            .into_iter()
            .filter(|(k, _)| matches_filter(k, &filter))
            .collect();
        r.data.insert("ansible_facts".into(), Value::Object(facts));
        r
    }
}

/// `ansible_python` from `EXECUTABLE MAJOR MINOR MICRO LEVEL SERIAL IMPL`, with the dotted
/// version as `version_string` (for `ansible_python_version`).
fn python_facts(raw: &str) -> Option<Value> {
    let w: Vec<&str> = raw.split_whitespace().collect();
    let [exe, major, minor, micro, level, serial, implementation] = w[..] else {
        return None;
    };
    let n = |s: &str| s.parse::<u64>().ok();
    let (major, minor, micro, serial) = (n(major)?, n(minor)?, n(micro)?, n(serial)?);
    Some(json!({
        "executable": exe,
        "has_sslcontext": true,
        "type": implementation,
        "version": {"major": major, "minor": minor, "micro": micro, "releaselevel": level, "serial": serial},
        "version_info": [major, minor, micro, level, serial],
        "version_string": format!("{major}.{minor}.{micro}"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};

    #[test]
    fn gathers_facts_from_this_machine() {
        let t = TestCtx::new();
        let r = run(&Setup, json!(null), &t.ctx(true));
        assert!(!r.failed && !r.changed, "{r:?}");
        let f = &r.data["ansible_facts"];
        let uname = |flag: &str| {
            let o = std::process::Command::new("uname")
                .arg(flag)
                .output()
                .unwrap();
            String::from_utf8(o.stdout).unwrap().trim().to_string()
        };
        assert_eq!(f["kernel"], uname("-r"));
        assert_eq!(f["architecture"], uname("-m"));
        assert_eq!(f["system"], "Linux");
        assert_eq!(f["user_uid"], unsafe { libc::getuid() } as u64);
        assert!(f["processor_vcpus"].as_u64().unwrap() >= 1);
        assert!(f["memtotal_mb"].as_u64().unwrap() > 0);
        assert!(
            f["date_time"]["epoch"]
                .as_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
                > 1_600_000_000
        );
        assert_eq!(f["env"]["HOME"], std::env::var("HOME").unwrap());
        if std::path::Path::new("/etc/debian_version").exists() {
            assert_eq!(f["os_family"], "Debian");
            assert_eq!(f["pkg_mgr"], "apt");
        }
        // The host's Python, as Ansible's setup reports it (this machine has /usr/bin/python3).
        if std::path::Path::new("/usr/bin/python3").exists() {
            assert_eq!(f["python"]["executable"], "/usr/bin/python3");
            assert_eq!(f["python"]["version"]["major"], 3);
            let v = &f["python"]["version_info"];
            assert_eq!(f["python_version"], format!("{}.{}.{}", v[0], v[1], v[2]));
        }
    }

    #[test]
    fn filter_keeps_matching_facts() {
        let t = TestCtx::new();
        let r = run(
            &Setup,
            json!({"filter": ["ansible_distribution*"]}),
            &t.ctx(false),
        );
        let keys: Vec<&String> = r.data["ansible_facts"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert!(
            !keys.is_empty() && keys.iter().all(|k| k.starts_with("distribution")),
            "{keys:?}"
        );
    }

    #[test]
    fn derived_names_follow_ansible() {
        let raw = json!({"os_id": "ubuntu", "os_version_id": "22.04", "os_codename": "jammy", "nodename": "web1.example.com", "proc_1": "systemd"});
        let f = facts_from_raw(raw.as_object().unwrap(), None);
        assert_eq!(f["distribution"], "Ubuntu");
        assert_eq!(f["os_family"], "Debian");
        assert_eq!(f["distribution_major_version"], "22");
        assert_eq!(f["hostname"], "web1");
        assert_eq!(f["service_mgr"], "systemd");
    }
}
