//! `stat` reports what ansible-playbook 2.19's stat reports for the same paths on the same
//! sshd host: every key and value (access times aside: reading a file moves them).

mod common;

use serde_json::Value;

use common::{Lab, run_tool, text};

const PLAYBOOK: &str = r#"
- hosts: all_hosts
  gather_facts: false
  tasks:
    - stat: {path: "{{ item }}"}
      loop: "{{ paths }}"
      register: st
    - copy:
        dest: "{{ out }}/stat.json"
        content: "{{ st.results | map(attribute='stat') | list | to_nice_json }}"
"#;

fn stats(lab: &Lab, ansible: bool, paths: &str) -> Vec<Value> {
    let out_dir = lab.dir().join(if ansible { "a" } else { "r" });
    std::fs::create_dir_all(&out_dir).unwrap();
    lab.write("site.yml", PLAYBOOK);
    let vars = format!("{{\"out\": \"{}\", \"paths\": {paths}}}", out_dir.display());
    let out = run_tool(lab, ansible, "site.yml", &vars);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    serde_json::from_str(&std::fs::read_to_string(out_dir.join("stat.json")).unwrap()).unwrap()
}

#[test]
fn stat_reports_what_ansible_reports() {
    let lab = Lab::new(1);
    let d = lab.dir().join("files");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("text.txt"), "hello world\n").unwrap();
    std::fs::write(d.join("bin"), [0u8, 159, 146, 150]).unwrap();
    std::fs::set_permissions(
        d.join("bin"),
        std::os::unix::fs::PermissionsExt::from_mode(0o4751),
    )
    .unwrap();
    std::os::unix::fs::symlink("text.txt", d.join("link")).unwrap();
    let paths: Vec<String> = ["text.txt", "bin", "link", "", "missing"]
        .iter()
        .map(|p| d.join(p).display().to_string())
        .collect();
    let paths = serde_json::to_string(&paths).unwrap();
    let ansible = stats(&lab, true, &paths);
    let rconf = stats(&lab, false, &paths);
    for (a, r) in ansible.iter().zip(&rconf) {
        let (mut a, mut r) = (a.clone(), r.clone());
        for v in [&mut a, &mut r] {
            if let Some(m) = v.as_object_mut() {
                m.remove("atime");
            }
        }
        assert_eq!(r, a, "rconf's stat (left) differs from Ansible's (right)");
    }
}
