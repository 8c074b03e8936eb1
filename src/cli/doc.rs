//! `rconf doc [MODULE]`: every module, or one module's arguments (aliases, type, choices,
//! defaults, required) read from the same `ModuleSpec` the validator uses, plus an example.

use clap::Args;

use crate::modules::{self, Kind, ModuleSpec};
use crate::run::exit;

#[derive(Debug, Args)]
pub struct DocArgs {
    /// Module to describe (`apt`, `ansible.builtin.copy`); none lists every module.
    pub module: Option<String>,
}

/// One line on what each module does, and a small example task.
const ABOUT: &[(&str, &str, &str)] = &[
    (
        "command",
        "Runs a command without a shell",
        "- command: uname -a\n  register: out",
    ),
    (
        "shell",
        "Runs a command through the target's sh",
        "- shell: ls /etc | wc -l",
    ),
    (
        "file",
        "Manages files, directories, links and their attributes",
        "- file:\n    path: /srv/app\n    state: directory\n    mode: '0755'",
    ),
    (
        "copy",
        "Copies a controller file or inline content to the target",
        "- copy:\n    src: motd\n    dest: /etc/motd\n    mode: '0644'",
    ),
    (
        "template",
        "Renders a Jinja2 template to the target",
        "- template:\n    src: app.conf.j2\n    dest: /etc/app.conf",
    ),
    (
        "debug",
        "Prints a message or a variable",
        "- debug:\n    var: ansible_facts.distribution",
    ),
    (
        "set_fact",
        "Sets host variables",
        "- set_fact:\n    port: 8080",
    ),
    (
        "lineinfile",
        "Ensures a line is in a file, or is not",
        "- lineinfile:\n    path: /etc/ssh/sshd_config\n    regexp: '^PermitRootLogin'\n    line: PermitRootLogin no",
    ),
    ("setup", "Gathers facts about the target", "- setup:"),
    (
        "meta",
        "Tells the runner what to do next: flush_handlers, end_play, end_host, ...",
        "- meta: flush_handlers",
    ),
    (
        "apt_repository",
        "Adds or removes an APT repository line (sources.list.d), then updates the cache",
        "- apt_repository:\n    repo: deb [signed-by=/etc/apt/keyrings/x.gpg] https://example.org/apt stable main\n    filename: example",
    ),
    (
        "getent",
        "Reads a name service database (passwd, group, hosts, ...) into the fact getent_<database>",
        "- getent:\n    database: passwd\n    key: deploy",
    ),
    (
        "package_facts",
        "Lists the installed packages (dpkg, rpm or apk) as the fact packages",
        "- package_facts:\n- debug:\n    msg: nginx is installed\n  when: \"'nginx' in ansible_facts.packages\"",
    ),
    (
        "group_by",
        "Puts each host in a group named from its variables, for later plays to target",
        "- group_by:\n    key: os_{{ ansible_facts.distribution }}",
    ),
    (
        "add_host",
        "Adds a host (and its variables) to the run's inventory, in the given groups",
        "- add_host:\n    name: \"{{ new_ip }}\"\n    groups: fresh\n    ansible_user: admin",
    ),
    (
        "reboot",
        "Reboots the host and waits until it is back (a new boot id, then the test command)",
        "- reboot:\n    reboot_timeout: 600\n  when: reboot_required.stat.exists",
    ),
    (
        "pip",
        "Installs or removes Python packages with pip, in a virtualenv it creates when missing",
        "- pip:\n    name: [flask, gunicorn==22.0.0]\n    virtualenv: /opt/app/venv\n    virtualenv_command: python3 -m venv",
    ),
    (
        "async_status",
        "Reports on a job started with `poll: 0`: running, or its result once finished",
        "- async_status:\n    jid: \"{{ job.ansible_job_id }}\"\n  register: done\n  until: done.finished\n  retries: 30\n  delay: 10",
    ),
    (
        "include_role",
        "Runs a role's tasks: read at load time, or at run time with a loop or a templated name",
        "- include_role:\n    name: \"{{ item }}\"\n  loop: [common, web]",
    ),
    (
        "ping",
        "Checks that the host answers and runs a module: returns pong",
        "- ping:",
    ),
    (
        "service_facts",
        "Lists the host's services (systemd, or sysvinit init scripts) as the fact services",
        "- service_facts:\n- debug:\n    var: ansible_facts.services['nginx.service'].state",
    ),
    (
        "debconf",
        "Sets a package's debconf answers (debconf-set-selections); returns the current ones",
        "- debconf:\n    name: locales\n    question: locales/default_environment_locale\n    value: fr_FR.UTF-8\n    vtype: select",
    ),
    (
        "validate_argument_spec",
        "Checks variables against an argument spec (required, type, choices); roles with meta/argument_specs.yml run it first, as in Ansible",
        "- validate_argument_spec:\n    argument_spec:\n      port: {type: int, required: true}",
    ),
    (
        "include_tasks",
        "Runs the tasks of a file while the play runs: per host, with loops and templated names",
        "- include_tasks: \"{{ item }}.yml\"\n  loop: [users, packages]",
    ),
    (
        "include_vars",
        "Loads variables from a YAML or JSON file on the controller",
        "- include_vars: vars/{{ ansible_facts.os_family }}.yml",
    ),
    (
        "wait_for_connection",
        "Waits until the host answers again, reconnecting as needed",
        "- wait_for_connection:\n    timeout: 300",
    ),
    (
        "pause",
        "Waits a number of seconds or minutes (never for a keypress)",
        "- pause:\n    seconds: 10",
    ),
    (
        "fail",
        "Fails with a message",
        "- fail:\n    msg: unsupported platform",
    ),
    (
        "assert",
        "Fails unless every condition holds",
        "- assert:\n    that: ansible_facts.os_family == 'Debian'",
    ),
    (
        "stat",
        "Reports a path's attributes",
        "- stat:\n    path: /etc/hosts\n  register: st",
    ),
    (
        "apt",
        "Installs, upgrades and removes Debian packages",
        "- apt:\n    name: [nginx, git]\n    state: present\n    update_cache: yes\n    cache_valid_time: 3600",
    ),
    (
        "package",
        "Installs or removes packages with the target's own manager",
        "- package:\n    name: git\n    state: latest",
    ),
    (
        "dnf",
        "Installs or removes packages with dnf",
        "- dnf:\n    name: httpd\n    state: present",
    ),
    (
        "yum",
        "Installs or removes packages with yum",
        "- yum:\n    name: httpd",
    ),
    (
        "apk",
        "Installs or removes Alpine packages",
        "- apk:\n    name: curl\n    update_cache: yes",
    ),
    (
        "pacman",
        "Installs or removes Arch packages",
        "- pacman:\n    name: vim\n    state: latest",
    ),
    (
        "zypper",
        "Installs or removes SUSE packages",
        "- zypper:\n    name: nginx",
    ),
    (
        "service",
        "Starts, stops and enables services (systemd, sysvinit, OpenRC)",
        "- service:\n    name: nginx\n    state: started\n    enabled: yes",
    ),
    (
        "systemd",
        "Manages systemd units",
        "- systemd:\n    name: app\n    state: restarted\n    daemon_reload: yes",
    ),
    (
        "user",
        "Manages user accounts",
        "- user:\n    name: deploy\n    groups: [sudo]\n    append: yes\n    shell: /bin/bash",
    ),
    (
        "group",
        "Manages groups",
        "- group:\n    name: deploy\n    gid: 2000",
    ),
    (
        "authorized_key",
        "Adds or removes SSH authorized keys",
        "- authorized_key:\n    user: deploy\n    key: \"{{ lookup('file', 'id_ed25519.pub') }}\"",
    ),
    (
        "slurp",
        "Returns a remote file's content, base64 encoded",
        "- slurp:\n    src: /etc/hostname\n  register: h",
    ),
    (
        "fetch",
        "Copies a remote file to the controller",
        "- fetch:\n    src: /var/log/app.log\n    dest: logs/",
    ),
    (
        "raw",
        "Runs a command through sh with no module machinery",
        "- raw: uptime",
    ),
    (
        "tempfile",
        "Creates a temporary file or directory",
        "- tempfile:\n    state: directory\n  register: tmp",
    ),
    (
        "wait_for",
        "Waits for a port or a path",
        "- wait_for:\n    port: 8080\n    timeout: 30",
    ),
    (
        "blockinfile",
        "Ensures a marked block of lines is in a file",
        "- blockinfile:\n    path: /etc/hosts\n    block: |\n      10.0.0.5 db",
    ),
    (
        "sysctl",
        "Manages kernel parameters in sysctl.conf",
        "- sysctl:\n    name: vm.swappiness\n    value: '10'",
    ),
    (
        "replace",
        "Replaces every match of a regular expression in a file",
        "- replace:\n    path: /etc/hosts\n    regexp: '(\\s+)old\\.example(\\s+.*)?$'\n    replace: '\\1new.example\\2'",
    ),
    (
        "find",
        "Lists files by name, type, age, size or content",
        "- find:\n    paths: /var/log\n    patterns: '*.gz'\n    age: 4w\n    recurse: true\n  register: old_logs",
    ),
    (
        "script",
        "Runs a controller-side script on the target",
        "- script: scripts/setup.sh --fast\n  args:\n    creates: /etc/app/.done",
    ),
    (
        "cron",
        "Manages cron jobs and variables marked `#Ansible: NAME`",
        "- cron:\n    name: nightly backup\n    minute: '0'\n    hour: '2'\n    job: /usr/local/bin/backup",
    ),
    (
        "hostname",
        "Sets the host name (running and in /etc/hostname)",
        "- hostname:\n    name: web1.example.org",
    ),
    (
        "get_url",
        "Downloads a URL to a file on the target (curl or wget)",
        "- get_url:\n    url: https://example.org/app.tar.gz\n    dest: /opt/app.tar.gz\n    checksum: sha256:0123...",
    ),
    (
        "uri",
        "Sends an HTTP request from the target and returns the response",
        "- uri:\n    url: http://localhost:8080/health\n    return_content: true\n  register: health",
    ),
    (
        "unarchive",
        "Unpacks a tar or zip archive (from the controller or the target) into a directory",
        "- unarchive:\n    src: app.tar.gz\n    dest: /opt/app",
    ),
    (
        "git",
        "Clones a git repository or brings a checkout to a version",
        "- git:\n    repo: https://example.org/app.git\n    dest: /srv/app\n    version: v1.2.0",
    ),
    (
        "mount",
        "Manages a mount point's fstab entry and whether it is mounted",
        "- mount:\n    path: /srv/data\n    src: UUID=0a1b2c3d-...\n    fstype: ext4\n    opts: noatime\n    state: mounted",
    ),
];

/// Defaults worth knowing, as Ansible documents them.
const DEFAULTS: &[(&str, &str, &str)] = &[
    ("apt", "state", "present"),
    ("apt", "cache_valid_time", "0"),
    ("apt", "dpkg_options", "force-confdef,force-confold"),
    ("apt", "upgrade", "no"),
    ("package", "state", "present"),
    ("package", "use", "auto"),
    ("service", "use", "auto"),
    ("systemd", "scope", "system"),
    ("user", "state", "present"),
    ("user", "create_home", "true"),
    ("user", "update_password", "always"),
    ("group", "state", "present"),
    ("authorized_key", "state", "present"),
    ("authorized_key", "manage_dir", "true"),
    ("fetch", "fail_on_missing", "true"),
    ("fetch", "validate_checksum", "true"),
    ("tempfile", "state", "file"),
    ("tempfile", "prefix", "ansible."),
    ("wait_for", "host", "127.0.0.1"),
    ("wait_for", "state", "started"),
    ("wait_for", "timeout", "300"),
    ("wait_for", "sleep", "1"),
    ("blockinfile", "state", "present"),
    ("blockinfile", "marker", "# {mark} ANSIBLE MANAGED BLOCK"),
    ("blockinfile", "insertafter", "EOF"),
    ("file", "follow", "true"),
    ("copy", "force", "true"),
    ("lineinfile", "state", "present"),
    ("stat", "get_checksum", "true"),
    ("sysctl", "sysctl_file", "/etc/sysctl.conf"),
    ("sysctl", "reload", "true"),
    ("find", "file_type", "file"),
    ("git", "version", "HEAD"),
    ("git", "remote", "origin"),
    ("git", "update", "true"),
    ("git", "clone", "true"),
    ("uri", "method", "GET"),
    ("uri", "status_code", "200"),
    ("uri", "body_format", "raw"),
    ("uri", "timeout", "30"),
    ("get_url", "force", "false"),
    ("get_url", "timeout", "10"),
    ("get_url", "validate_certs", "true"),
    ("cron", "state", "present"),
    ("cron", "minute", "*"),
    ("cron", "hour", "*"),
    ("cron", "day", "*"),
    ("cron", "month", "*"),
    ("cron", "weekday", "*"),
    ("find", "patterns", "*"),
    ("find", "age_stamp", "mtime"),
    ("mount", "opts", "defaults"),
    ("mount", "dump", "0"),
    ("mount", "passno", "0"),
    ("mount", "fstab", "/etc/fstab"),
    ("mount", "boot", "true"),
];

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Str => "str",
        Kind::Bool => "bool",
        Kind::Int => "int",
        Kind::Mode => "mode",
        Kind::List => "list",
        Kind::Any => "any",
    }
}

/// The listing of every module, one a line.
pub fn list() -> String {
    let mut out = String::new();
    for m in modules::BUILTINS {
        let name = m.spec().name;
        let about = ABOUT
            .iter()
            .find(|(n, _, _)| *n == name)
            .map_or("", |(_, a, _)| a);
        out.push_str(&format!("{name:<16} {about}\n"));
    }
    out
}

/// One module's page.
pub fn page(spec: &ModuleSpec) -> String {
    let name = spec.name;
    let mut out = String::new();
    let about = ABOUT.iter().find(|(n, _, _)| *n == name);
    out.push_str(&format!(
        "{name}{}\n",
        about.map_or(String::new(), |(_, a, _)| format!(" - {a}"))
    ));
    if !spec.aliases.is_empty() {
        out.push_str(&format!("Also called: {}\n", spec.aliases.join(", ")));
    }
    out.push_str("\nArguments:\n");
    if spec.any_args {
        out.push_str("  any names (each becomes a variable)\n");
    }
    for a in spec.args.iter().filter(|a| a.name != "_raw_params") {
        let mut line = format!("  {:<22} {:<5}", a.name, kind_name(a.kind));
        if a.required {
            line.push_str(" required");
        }
        if let Some((_, _, d)) = DEFAULTS.iter().find(|(m, n, _)| *m == name && *n == a.name) {
            line.push_str(&format!(" default: {d}"));
        }
        if !a.choices.is_empty() {
            line.push_str(&format!(" choices: {}", a.choices.join(", ")));
        }
        if !a.aliases.is_empty() {
            line.push_str(&format!(" aliases: {}", a.aliases.join(", ")));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    for group in spec.required_one_of {
        out.push_str(&format!("  needs one of: {}\n", group.join(", ")));
    }
    for group in spec.mutually_exclusive {
        out.push_str(&format!("  mutually exclusive: {}\n", group.join(", ")));
    }
    if spec.free_form != modules::FreeForm::No {
        out.push_str("  also takes a one-line `key=value` string\n");
    }
    if let Some((_, _, example)) = about {
        out.push_str("\nExample:\n");
        for l in example.lines() {
            out.push_str(&format!("  {l}\n"));
        }
    }
    out
}

impl DocArgs {
    pub fn execute(&self) -> i32 {
        match &self.module {
            None => {
                print!("{}", list());
                exit::OK
            }
            Some(name) => match modules::find(name) {
                Some(m) => {
                    print!("{}", page(m.spec()));
                    exit::OK
                }
                None => {
                    eprintln!(
                        "error: unknown module `{name}`; `rconf doc` lists the {} modules",
                        modules::BUILTINS.len()
                    );
                    exit::BAD_INPUT
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_is_listed_with_a_description_and_an_example() {
        let l = list();
        for m in modules::BUILTINS {
            let name = m.spec().name;
            assert!(l.lines().any(|x| x.starts_with(name)), "{name} not listed");
            assert!(
                ABOUT.iter().any(|(n, _, _)| *n == name),
                "no description/example for `{name}`"
            );
        }
    }

    #[test]
    fn a_page_shows_aliases_choices_defaults_and_required() {
        let p = page(modules::find("apt").unwrap().spec());
        assert!(p.starts_with("apt - Installs"), "{p}");
        assert!(p.contains("aliases: package, pkg"), "{p}");
        assert!(
            p.contains("default: present choices: absent, build-dep"),
            "{p}"
        );
        assert!(p.contains("mutually exclusive: deb, name"), "{p}");
        assert!(p.contains("Example:\n  - apt:"), "{p}");
        let p = page(modules::find("systemd_service").unwrap().spec());
        assert!(p.contains("Also called: systemd_service"));
        let p = page(modules::find("user").unwrap().spec());
        assert!(
            p.contains("name                   str   required aliases: user"),
            "{p}"
        );
    }

    #[test]
    fn defaults_and_examples_name_real_modules_and_arguments() {
        for (m, a, _) in DEFAULTS {
            let spec = modules::find(m).unwrap_or_else(|| panic!("{m}")).spec();
            assert!(spec.args.iter().any(|x| x.name == *a), "{m}.{a}");
        }
        for (m, _, _) in ABOUT {
            assert!(
                modules::find(m).is_some(),
                "`{m}` is documented but not registered"
            );
        }
    }
}
