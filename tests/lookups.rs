//! Lookups and `omit` through the real binary against sshd hosts: files, templates, the
//! controller's environment, globs and commands end up in files written on the hosts.

mod common;

use std::path::Path;

use common::{Fleet, text};

fn write(dir: &Path, rel: &str, content: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

#[test]
fn lookups_render_controller_data_into_host_files() {
    let fleet = Fleet::start(2);
    let inventory = fleet.write_inventory();
    let dir = fleet.dir.path();
    let out_dir = dir.join("out");
    write(dir, "files/motd.txt", "message of the day\n");
    write(dir, "files/a.conf", "a");
    write(dir, "files/b.conf", "b");
    write(
        dir,
        "templates/greet.j2",
        "hello {{ who }} from {{ inventory_hostname }}\n",
    );
    write(dir, "roles/web/files/motd.txt", "role motd\n");
    write(
        dir,
        "roles/web/tasks/main.yml",
        "- copy:\n    content: \"{{ lookup('file', 'motd.txt') }}\"\n    dest: \"{{ out }}/{{ inventory_hostname }}.role\"\n",
    );
    write(
        dir,
        "site.yml",
        r#"
- hosts: all_hosts
  gather_facts: no
  vars:
    who: lab
  tasks:
    - file: {path: "{{ out }}", state: directory}
      run_once: true
    - name: write what the lookups found
      copy:
        dest: "{{ out }}/{{ inventory_hostname }}.txt"
        content: |
          file={{ lookup('file', 'motd.txt') }}
          template={{ lookup('template', 'greet.j2') | trim }}
          env={{ lookup('env', 'RCONF_LOOKUP_TEST') }}
          glob={{ query('fileglob', '*.conf') | map('basename') | join(' ') }}
          pipe={{ lookup('pipe', 'echo piped; basename $(pwd)') }}
        owner: "{{ no_such_owner | default(omit) }}"
        mode: "{{ no_such_mode | default(omit) }}"
- hosts: all_hosts
  gather_facts: no
  roles: [web]
"#,
    );
    let out = fleet
        .rconf()
        .args(["run", "site.yml", "-i"])
        .arg(&inventory)
        .arg("-e")
        .arg(format!("out={}", out_dir.display()))
        .env("RCONF_LOOKUP_TEST", "from the controller")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let playbook_dir_name = std::fs::canonicalize(dir)
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    for h in ["h1", "h2"] {
        let written = std::fs::read_to_string(out_dir.join(format!("{h}.txt"))).unwrap();
        assert_eq!(
            written,
            format!(
                "file=message of the day\ntemplate=hello lab from {h}\nenv=from the controller\nglob=a.conf b.conf\npipe=piped\n{playbook_dir_name}\n"
            ),
            "{}",
            text(&out)
        );
        let role = std::fs::read_to_string(out_dir.join(format!("{h}.role"))).unwrap();
        assert_eq!(role, "role motd");
    }
}

#[test]
fn a_failing_lookup_fails_the_task_with_its_reason() {
    let fleet = Fleet::start(1);
    let inventory = fleet.write_inventory();
    write(
        fleet.dir.path(),
        "site.yml",
        r#"
- hosts: all_hosts
  gather_facts: no
  tasks:
    - debug:
        msg: "{{ lookup('pipe', 'exit 7') }}"
"#,
    );
    let out = fleet
        .rconf()
        .args(["run", "site.yml", "-i"])
        .arg(&inventory)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("lookup `pipe`: command `exit 7` failed with exit status 7"),
        "{}",
        text(&out)
    );
}
