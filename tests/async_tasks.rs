//! `async` and `poll` against a real sshd host: a job left running with `poll: 0` and
//! followed with `async_status` until it finishes, a task that overruns its `async` limit,
//! and one within it. The recap is what ansible-playbook 2.19 printed for the same playbook.
//! Job files go under the test's own directory (`environment: HOME`).

mod common;

use common::{Lab, counts, text};

#[test]
fn poll_zero_jobs_are_followed_with_async_status_and_limits_hold() {
    let lab = Lab::new(1);
    std::fs::create_dir_all(lab.dir().join("out")).unwrap();
    let started = std::time::Instant::now();
    let out = lab.run(
        r#"
- hosts: all_hosts
  gather_facts: no
  environment:
    HOME: "{{ out }}"
  tasks:
    - shell: sleep 2; echo done-$((6*7)); echo err >&2
      async: 30
      poll: 0
      register: job
    - async_status: jid="{{ job.ansible_job_id }}" mode=status
      register: st
      until: st.finished
      retries: 20
      delay: 1
    - copy:
        dest: "{{ out }}/result"
        content: "{{ job.finished }} {{ st.stdout }}|{{ st.stderr }}|{{ st.rc }}|{{ st.finished }}\n"
    - async_status: jid="{{ job.ansible_job_id }}" mode=cleanup
    - command: sleep 30
      async: 2
      poll: 1
      ignore_errors: true
      register: slow
    - command: echo quick
      async: 10
      poll: 2
      register: quick
    - copy: {dest: "{{ out }}/quick", content: "{{ quick.stdout }} {{ slow.msg }}\n"}
"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.read("result"), "False done-42|err|0|True\n");
    assert_eq!(
        lab.read("quick"),
        "quick async task did not complete within the requested time - 2s\n"
    );
    assert!(
        started.elapsed().as_secs() < 25,
        "took {:?}",
        started.elapsed()
    );
    // The job's files were written under HOME and cleaned up.
    let left: Vec<_> = std::fs::read_dir(lab.dir().join("out/.ansible_async"))
        .unwrap()
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // ok, changed, failed, skipped, rescued, unreachable
    assert_eq!(counts(&out, "h1"), (7, 5, 0, 0, 0, 0), "{}", text(&out));
}
