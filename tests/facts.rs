//! `setup` gives the facts ansible-playbook 2.19's setup gives on the same Debian host, equal
//! in value: both tools gather facts on the same sshd host and write them out, and every fact
//! rconf gathers must equal Ansible's (the ones that change between two gatherings aside).

mod common;

use serde_json::{Map, Value};

use common::{Lab, run_tool, text};

const PLAYBOOK: &str = r#"
- hosts: all_hosts
  gather_facts: true
  tasks:
    - copy:
        dest: "{{ out }}/facts.json"
        content: "{{ ansible_facts | to_nice_json }}"
"#;

/// Facts that differ between two gatherings a few seconds apart, or by how the tool logged in.
const MOVING: &[&str] = &[
    "date_time",
    "uptime_seconds",
    "memfree_mb",
    "swapfree_mb",
    "memory_mb",
    "env",
    "python",
    "python_version",
    "gather_subset",
    "module_setup",
    "default_ipv6",
    "locally_reachable_ips",
];

/// Lists whose order Ansible does not keep from one gathering to the next.
const UNORDERED: &[&str] = &["interfaces", "all_ipv4_addresses", "all_ipv6_addresses"];

/// The facts rconf must gather, whatever else it gathers.
const REQUIRED: &[&str] = &[
    "hostname",
    "distribution",
    "distribution_version",
    "distribution_major_version",
    "distribution_minor_version",
    "os_family",
    "processor_vcpus",
    "processor_count",
    "processor_cores",
    "processor_threads_per_core",
    "memtotal_mb",
    "machine_id",
    "fips",
    "is_chroot",
    "apparmor",
    "dns",
    "cmdline",
    "proc_cmdline",
    "user_id",
    "user_uid",
    "user_gecos",
    "real_user_id",
    "effective_user_id",
    "interfaces",
    "all_ipv4_addresses",
    "ssh_host_key_ed25519_public",
    "ssh_host_key_ed25519_public_keytype",
    "lsb",
    "bios_vendor",
    "product_name",
    "system_vendor",
    "form_factor",
    "distribution_file_variety",
    "iscsi_iqn",
    "hostnqn",
    "fibre_channel_wwn",
    "ansible_local",
    "userspace_bits",
    "flags",
    "swapfree_mb",
    "gather_subset",
    "module_setup",
];

fn gather(lab: &Lab, ansible: bool) -> Map<String, Value> {
    let out_dir = lab.dir().join(if ansible { "a" } else { "r" });
    std::fs::create_dir_all(&out_dir).unwrap();
    lab.write("site.yml", PLAYBOOK);
    let var = format!("out={}", out_dir.display());
    let out = run_tool(lab, ansible, "site.yml", &var);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let facts = std::fs::read_to_string(out_dir.join("facts.json")).unwrap();
    serde_json::from_str(&facts).unwrap()
}

#[test]
fn setup_gathers_ansibles_facts_with_ansibles_values() {
    let lab = Lab::new(1);
    let ansible = gather(&lab, true);
    let rconf = gather(&lab, false);
    let mut differ: Vec<String> = REQUIRED
        .iter()
        .filter(|k| !rconf.contains_key(**k))
        .map(|k| format!("{k}: not gathered by rconf (ansible {})", ansible[*k]))
        .collect();
    // Ansible lists interfaces in /sys/class/net's directory order, which changes between
    // two listings: compare those lists as sets.
    let sorted = |v: &Value| match v {
        Value::Array(items) => {
            let mut items = items.clone();
            items.sort_by_key(|i| i.to_string());
            Value::Array(items)
        }
        other => other.clone(),
    };
    for (key, value) in &rconf {
        if MOVING.contains(&key.as_str()) {
            continue;
        }
        let (a, value) = match ansible.get(key) {
            Some(a) if UNORDERED.contains(&key.as_str()) => (Some(sorted(a)), sorted(value)),
            a => (a.cloned(), value.clone()),
        };
        let value = &value;
        match a.as_ref() {
            Some(a) if a == value => {}
            Some(a) => differ.push(format!("{key}: ansible {a} rconf {value}")),
            None => differ.push(format!("{key}: not an Ansible fact (rconf {value})")),
        }
    }
    assert!(differ.is_empty(), "facts differ:\n{}", differ.join("\n"));
}
