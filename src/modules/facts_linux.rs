//! The hardware, network and security facts Ansible's Linux collectors gather, derived on the
//! controller from what setup.sh read on the host (`/proc/cpuinfo`, `/proc/cmdline`,
//! `/etc/resolv.conf`, `/sys/class/net`, `ip -o addr`, ...), with Ansible's names and values.

use serde_json::{Map, Value, json};

/// Adds the facts to `f` from the raw values `raw` (absent values add nothing).
pub fn extend(f: &mut Map<String, Value>, raw: &Map<String, Value>) {
    let get = |k: &str| raw.get(k).and_then(Value::as_str);
    if let Some(info) = get("cpuinfo") {
        cpu_facts(f, info);
    }
    if let Some(text) = get("cmdline") {
        let (cmdline, proc_cmdline) = cmdline_facts(text.trim_end());
        f.insert("cmdline".into(), cmdline);
        f.insert("proc_cmdline".into(), proc_cmdline);
    }
    if let Some(text) = get("resolv") {
        f.insert("dns".into(), dns_facts(text));
    }
    if let Some(id) = get("machine_id").map(str::trim).filter(|s| !s.is_empty()) {
        f.insert("machine_id".into(), json!(id));
    }
    f.insert(
        "fips".into(),
        json!(get("fips").is_some_and(|v| v.trim() == "1")),
    );
    if let Some(Ok(secs)) = get("uptime")
        .and_then(|u| u.split_whitespace().next())
        .map(str::parse::<f64>)
    {
        f.insert("uptime_seconds".into(), json!(secs as u64));
    }
    if let Some(mem) = get("meminfo") {
        f.insert("memory_mb".into(), memory_facts(mem));
    }
    let status = if raw.contains_key("apparmor") {
        "enabled"
    } else {
        "disabled"
    };
    f.insert("apparmor".into(), json!({ "status": status }));
    dmi_facts(f, raw);
    // `locally_reachable_ips`: the `local` routes of both families, each address once.
    if let Some(routes) = get("local_routes") {
        let (mut v4, mut v6): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
        for line in routes.lines() {
            let mut w = line.split_whitespace();
            let (Some("local"), Some(address)) = (w.next(), w.next()) else {
                continue;
            };
            let list = if address.contains(':') {
                &mut v6
            } else {
                &mut v4
            };
            if !list.contains(&address) {
                list.push(address);
            }
        }
        f.insert(
            "locally_reachable_ips".into(),
            json!({"ipv4": v4, "ipv6": v6}),
        );
    }
    // Storage identities: empty when the host has none, as Ansible gives them.
    f.insert(
        "iscsi_iqn".into(),
        json!(
            get("iscsi")
                .and_then(|t| t
                    .lines()
                    .find_map(|l| l.trim().strip_prefix("InitiatorName=")))
                .unwrap_or_default()
        ),
    );
    f.insert(
        "hostnqn".into(),
        json!(get("hostnqn").map(str::trim).unwrap_or_default()),
    );
    f.insert(
        "fibre_channel_wwn".into(),
        json!(
            get("fc_wwn")
                .map(|t| t
                    .split_whitespace()
                    .map(|w| w.trim_start_matches("0x"))
                    .collect::<Vec<_>>())
                .unwrap_or_default()
        ),
    );
    if !raw.contains_key("facts_d") {
        f.insert("ansible_local".into(), json!({}));
    }
    // `ssh_host_key_<algo>_public` and its `_keytype`, as Ansible's ssh_pub_keys collector.
    for algo in ["dsa", "rsa", "ecdsa", "ed25519"] {
        if let Some((keytype, key)) = get(&format!("sshkey_{algo}")).and_then(|v| v.split_once(' '))
        {
            f.insert(format!("ssh_host_key_{algo}_public"), json!(key));
            f.insert(
                format!("ssh_host_key_{algo}_public_keytype"),
                json!(keytype),
            );
        }
    }
    if let Some(roots) = get("roots") {
        f.insert(
            "is_chroot".into(),
            json!(raw.contains_key("debian_chroot") || is_chroot(roots)),
        );
    }
    if let Some(gecos) = get("gecos") {
        f.insert("user_gecos".into(), json!(gecos));
    }
    // The facts' shell runs without setuid: real and effective ids are the same.
    for (fact, from) in [
        ("real_user_id", "user_uid"),
        ("effective_user_id", "user_uid"),
        ("real_group_id", "user_gid"),
        ("effective_group_id", "user_gid"),
    ] {
        if let Some(n) = get(from).and_then(|v| v.trim().parse::<u64>().ok()) {
            f.insert(fact.into(), json!(n));
        }
    }
    if let Some(net) = get("net") {
        network_facts(f, net, get("addrs").unwrap_or_default());
    }
}

/// As Ansible: `/` is not init's root (`DEV:INO` of both), or, when init's root cannot be
/// read (`DEV:INO FSTYPE`), `/` is not its file system's root inode.
fn is_chroot(roots: &str) -> bool {
    let w: Vec<&str> = roots.split_whitespace().collect();
    match w[..] {
        [ours, init] if init.contains(':') => ours != init,
        [ours, ..] => {
            let root_inode = match w.get(1).copied() {
                Some("btrfs") => "256",
                Some("xfs") => "128",
                _ => "2",
            };
            ours.rsplit(':').next() != Some(root_inode)
        }
        [] => false,
    }
}

/// `processor`, `processor_count`, `processor_cores`, `processor_threads_per_core`, as
/// Ansible's Linux hardware collector counts them on x86.
fn cpu_facts(f: &mut Map<String, Value>, info: &str) {
    let mut processor = Vec::new();
    let mut sockets: Vec<(String, u64)> = Vec::new();
    let mut cores: Vec<(String, u64)> = Vec::new();
    let (mut physid, mut coreid) = (String::new(), String::new());
    let mut seen = 0u64;
    let set = |list: &mut Vec<(String, u64)>, key: &str, value: u64| match list
        .iter_mut()
        .find(|(k, _)| k == key)
    {
        Some(entry) => entry.1 = value,
        None => list.push((key.to_string(), value)),
    };
    for line in info.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        match key {
            "model name" | "Processor" | "vendor_id" | "cpu" | "Vendor" | "processor" => {
                processor.push(json!(value));
                if key == "processor" {
                    seen += 1;
                }
            }
            "physical id" => {
                physid = value.to_string();
                if !sockets.iter().any(|(k, _)| *k == physid) {
                    sockets.push((physid.clone(), 1));
                }
            }
            "core id" => {
                coreid = value.to_string();
                if !cores.iter().any(|(k, _)| *k == coreid) {
                    cores.push((coreid.clone(), 1));
                }
            }
            "cpu cores" => set(&mut sockets, &physid, value.parse().unwrap_or(1)),
            "siblings" => set(&mut cores, &coreid, value.parse().unwrap_or(1)),
            // Each processor's line replaces the last, as in Ansible's collector.
            "flags" => {
                f.insert(
                    "flags".into(),
                    json!(value.split_whitespace().collect::<Vec<_>>()),
                );
            }
            _ => {}
        }
    }
    let count = if sockets.is_empty() {
        seen
    } else {
        sockets.len() as u64
    };
    let per_socket = sockets.first().map_or(1, |(_, n)| *n).max(1);
    let threads = cores.first().map_or(1, |(_, n)| *n / per_socket).max(1);
    f.insert("processor".into(), Value::Array(processor));
    f.insert("processor_count".into(), json!(count));
    f.insert("processor_cores".into(), json!(per_socket));
    f.insert("processor_threads_per_core".into(), json!(threads));
}

/// The DMI facts Ansible reads from /sys/devices/virtual/dmi/id (setup.sh sends `dmi` as
/// `name=value` lines when the directory exists): each is its file's text, or "NA".
fn dmi_facts(f: &mut Map<String, Value>, raw: &Map<String, Value>) {
    const FORM_FACTOR: [&str; 37] = [
        "Unknown",
        "Other",
        "Unknown",
        "Desktop",
        "Low Profile Desktop",
        "Pizza Box",
        "Mini Tower",
        "Tower",
        "Portable",
        "Laptop",
        "Notebook",
        "Hand Held",
        "Docking Station",
        "All In One",
        "Sub Notebook",
        "Space-saving",
        "Lunch Box",
        "Main Server Chassis",
        "Expansion Chassis",
        "Sub Chassis",
        "Bus Expansion Chassis",
        "Peripheral Chassis",
        "RAID Chassis",
        "Rack Mount Chassis",
        "Sealed-case PC",
        "Multi-system",
        "CompactPCI",
        "AdvancedTCA",
        "Blade",
        "Blade Enclosure",
        "Tablet",
        "Convertible",
        "Detachable",
        "IoT Gateway",
        "Embedded PC",
        "Mini PC",
        "Stick PC",
    ];
    let read: Map<String, Value> = raw
        .get("dmi")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), json!(v.trim())))
        .collect();
    for (fact, file) in [
        ("bios_date", "bios_date"),
        ("bios_vendor", "bios_vendor"),
        ("bios_version", "bios_version"),
        ("board_asset_tag", "board_asset_tag"),
        ("board_name", "board_name"),
        ("board_serial", "board_serial"),
        ("board_vendor", "board_vendor"),
        ("board_version", "board_version"),
        ("chassis_asset_tag", "chassis_asset_tag"),
        ("chassis_serial", "chassis_serial"),
        ("chassis_vendor", "chassis_vendor"),
        ("chassis_version", "chassis_version"),
        ("form_factor", "chassis_type"),
        ("product_name", "product_name"),
        ("product_serial", "product_serial"),
        ("product_uuid", "product_uuid"),
        ("product_version", "product_version"),
        ("system_vendor", "sys_vendor"),
    ] {
        let value = match read.get(file).and_then(Value::as_str) {
            Some(v) if fact == "form_factor" => match v.parse::<usize>() {
                Ok(n) => FORM_FACTOR
                    .get(n)
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| format!("unknown ({v})")),
                Err(_) => format!("unknown ({v})"),
            },
            Some(v) => v.to_string(),
            None => "NA".to_string(),
        };
        f.insert(fact.into(), json!(value));
    }
}

/// `cmdline` (the last value of a key wins) and `proc_cmdline` (repeated keys become lists),
/// split as Python's `shlex.split(posix=False)` does: at blanks outside quotes.
fn cmdline_facts(text: &str) -> (Value, Value) {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (None, c) if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            (None, '"' | '\'') => {
                quote = Some(c);
                word.push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                word.push(c);
            }
            (_, c) => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let mut cmdline = Map::new();
    let mut proc_cmdline = Map::new();
    for w in words {
        let (key, value) = match w.split_once('=') {
            Some((k, v)) => (k.to_string(), json!(v)),
            None => (w.clone(), json!(true)),
        };
        cmdline.insert(key.clone(), value.clone());
        match proc_cmdline.get_mut(&key) {
            Some(Value::Array(list)) => list.push(value),
            Some(old) => *old = json!([old.clone(), value]),
            None => {
                proc_cmdline.insert(key, value);
            }
        }
    }
    (Value::Object(cmdline), Value::Object(proc_cmdline))
}

/// `dns` from resolv.conf: `nameservers`, `domain`, `search`, `sortlist`, `options`.
fn dns_facts(text: &str) -> Value {
    let mut dns = Map::new();
    let push = |dns: &mut Map<String, Value>, key: &str, value: &str| {
        let list = dns.entry(key).or_insert_with(|| json!([]));
        if let Value::Array(l) = list {
            l.push(json!(value));
        }
    };
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let Some(first) = words.next() else {
            continue;
        };
        if first.starts_with('#') || first.starts_with(';') {
            continue;
        }
        match first {
            "nameserver" => {
                if let Some(ns) = words.next() {
                    push(&mut dns, "nameservers", ns);
                }
            }
            "domain" => {
                if let Some(d) = words.next() {
                    dns.insert("domain".into(), json!(d));
                }
            }
            "search" | "sortlist" => {
                let list: Vec<Value> = words.map(|w| json!(w)).collect();
                dns.insert(first.into(), Value::Array(list));
            }
            "options" => {
                let options = dns
                    .entry("options")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(o) = options {
                    for w in words {
                        match w.split_once(':') {
                            Some((k, v)) => o.insert(k.into(), json!(v)),
                            None => o.insert(w.into(), json!(true)),
                        };
                    }
                }
            }
            _ => {}
        }
    }
    Value::Object(dns)
}

/// `memory_mb` as Ansible computes it from /proc/meminfo.
fn memory_facts(text: &str) -> Value {
    let kb = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap_or(0)
            / 1024
    };
    let (total, free) = (kb("MemTotal"), kb("MemFree"));
    let (buffers, cached) = (kb("Buffers"), kb("Cached"));
    let (swap_total, swap_free, swap_cached) = (kb("SwapTotal"), kb("SwapFree"), kb("SwapCached"));
    json!({
        "real": {"total": total, "used": total - free.min(total), "free": free},
        "nocache": {
            "free": free + buffers + cached,
            "used": total.saturating_sub(free + buffers + cached),
        },
        "swap": {
            "total": swap_total,
            "free": swap_free,
            "used": swap_total.saturating_sub(swap_free),
            "cached": swap_cached,
        },
    })
}

/// `interfaces`, `all_ipv4_addresses`, `all_ipv6_addresses`, and the interface details in
/// `default_ipv4`. `net` has one `NAME MTU TYPE MAC` line per interface in directory order, as
/// Ansible lists /sys/class/net; `addrs` is `ip -o addr`.
fn network_facts(f: &mut Map<String, Value>, net: &str, addrs: &str) {
    let mut interfaces = Vec::new();
    let mut v4 = Vec::new();
    let mut v6 = Vec::new();
    for line in net.lines() {
        let Some(name) = line.split_whitespace().next() else {
            continue;
        };
        interfaces.push(json!(name));
        for a in addrs.lines() {
            let w: Vec<&str> = a.split_whitespace().collect();
            if w.len() < 4 || w[1] != name {
                continue;
            }
            let address = w[3].split('/').next().unwrap_or_default();
            match w[2] {
                "inet" if !address.starts_with("127.") => v4.push(json!(address)),
                "inet6" if address != "::1" => v6.push(json!(address)),
                _ => {}
            }
        }
    }
    f.insert("interfaces".into(), Value::Array(interfaces));
    f.insert("all_ipv4_addresses".into(), Value::Array(v4));
    f.insert("all_ipv6_addresses".into(), Value::Array(v6));
    default_ipv6_details(f, net, addrs);
    let Some(Value::Object(default)) = f.get_mut("default_ipv4") else {
        return;
    };
    let Some(dev) = default
        .get("interface")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return;
    };
    let address = default
        .get("address")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    default.insert("alias".into(), json!(dev));
    device_details(default, net, &dev);
    for a in addrs.lines() {
        let w: Vec<&str> = a.split_whitespace().collect();
        if w.len() < 4 || w[1] != dev || w[2] != "inet" {
            continue;
        }
        let (addr, prefix) = w[3].split_once('/').unwrap_or((w[3], "32"));
        if addr != address {
            continue;
        }
        let bits: u32 = prefix.parse().unwrap_or(32).min(32);
        let mask = if bits == 0 {
            0
        } else {
            u32::MAX << (32 - bits)
        };
        let ip: u32 = addr
            .parse::<std::net::Ipv4Addr>()
            .map(u32::from)
            .unwrap_or(0);
        let dotted = |n: u32| std::net::Ipv4Addr::from(n).to_string();
        default.insert("prefix".into(), json!(prefix));
        default.insert("netmask".into(), json!(dotted(mask)));
        default.insert("network".into(), json!(dotted(ip & mask)));
        if let Some(i) = w.iter().position(|x| *x == "brd") {
            default.insert(
                "broadcast".into(),
                json!(w.get(i + 1).copied().unwrap_or("")),
            );
        }
    }
}

/// `mtu`, `type` and `macaddress` of device `dev` (a `NAME MTU TYPE MAC` line of `net`), as
/// Ansible adds them to `default_ipv4` and `default_ipv6`.
fn device_details(default: &mut Map<String, Value>, net: &str, dev: &str) {
    let Some(line) = net
        .lines()
        .find(|l| l.split_whitespace().next() == Some(dev))
    else {
        return;
    };
    let w: Vec<&str> = line.split_whitespace().collect();
    if let Some(mtu) = w.get(1).and_then(|m| m.parse::<u64>().ok()) {
        default.insert("mtu".into(), json!(mtu));
    }
    let kind = match w.get(2).copied() {
        Some("1") => "ether",
        Some("772") => "loopback",
        _ => "unknown",
    };
    default.insert("type".into(), json!(kind));
    if let Some(mac) = w.get(3).filter(|m| **m != "-") {
        default.insert("macaddress".into(), json!(mac));
    }
}

/// The interface details Ansible adds to `default_ipv6`: the device's `mtu`, `type` and
/// `macaddress`, and the route's address's `prefix` and `scope`.
fn default_ipv6_details(f: &mut Map<String, Value>, net: &str, addrs: &str) {
    let Some(Value::Object(default)) = f.get_mut("default_ipv6") else {
        return;
    };
    let (Some(dev), Some(address)) = (
        default
            .get("interface")
            .and_then(Value::as_str)
            .map(str::to_string),
        default
            .get("address")
            .and_then(Value::as_str)
            .map(str::to_string),
    ) else {
        return;
    };
    device_details(default, net, &dev);
    for a in addrs.lines() {
        let w: Vec<&str> = a.split_whitespace().collect();
        if w.len() < 4 || w[1] != dev || w[2] != "inet6" {
            continue;
        }
        let (addr, prefix) = w[3].split_once('/').unwrap_or((w[3], "128"));
        if addr != address {
            continue;
        }
        default.insert("prefix".into(), json!(prefix));
        if let Some(i) = w.iter().position(|x| *x == "scope") {
            default.insert("scope".into(), json!(w.get(i + 1).copied().unwrap_or("")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_counts_as_ansible_does() {
        let info = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: X\nphysical id\t: 0\nsiblings\t: 4\ncore id\t\t: 0\ncpu cores\t: 2\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\nmodel name\t: X\nphysical id\t: 0\nsiblings\t: 4\ncore id\t\t: 1\ncpu cores\t: 2\n";
        let mut f = Map::new();
        cpu_facts(&mut f, info);
        assert_eq!(
            f["processor"],
            json!(["0", "GenuineIntel", "X", "1", "GenuineIntel", "X"])
        );
        assert_eq!(f["processor_count"], json!(1));
        assert_eq!(f["processor_cores"], json!(2));
        assert_eq!(f["processor_threads_per_core"], json!(2));
    }

    #[test]
    fn cmdline_keeps_quotes_and_lists_repeats() {
        let (c, p) = cmdline_facts("ro console=tty0 console=ttyS0 x=\"a b\"");
        assert_eq!(c["console"], json!("ttyS0"));
        assert_eq!(p["console"], json!(["tty0", "ttyS0"]));
        assert_eq!(c["ro"], json!(true));
        assert_eq!(c["x"], json!("\"a b\""));
    }

    #[test]
    fn chroot_is_decided_as_ansible_decides() {
        assert!(!is_chroot("64768:2\n64768:2"));
        assert!(is_chroot("64768:2\n2049:2"));
        // Not root: init's root unreadable, the root inode of the file system decides.
        assert!(!is_chroot("65024:2 ext2/ext3"));
        assert!(!is_chroot("40:256 btrfs"));
        assert!(is_chroot("40:5123 btrfs"));
    }

    #[test]
    fn resolv_conf_becomes_dns() {
        let d = dns_facts(
            "# c\nnameserver 1.1.1.1\nnameserver 8.8.8.8\nsearch a b\noptions ndots:2 rotate\n",
        );
        assert_eq!(
            d,
            json!({"nameservers": ["1.1.1.1", "8.8.8.8"], "search": ["a", "b"], "options": {"ndots": "2", "rotate": true}})
        );
    }
}
