//! Ansible's play, block and task keywords: which ones rconf reads, and which ones it knows
//! but does not support yet (reported as such, rather than as typos).

use crate::transport::keywords::KEYS as CONNECTION_KEYS;

/// The keywords valid on a play, a task, or a block (and passed down): each list below plus the
/// connection keywords (`become*`, `timeout`, `remote_user`), which the transport owns.
pub fn play_keys() -> impl Iterator<Item = &'static str> + Clone {
    PLAY_KEYS.iter().chain(CONNECTION_KEYS).copied()
}

pub fn task_keys() -> impl Iterator<Item = &'static str> + Clone {
    TASK_KEYS.iter().chain(CONNECTION_KEYS).copied()
}

pub fn inherited_keys() -> impl Iterator<Item = &'static str> + Clone {
    INHERITED_KEYS.iter().chain(CONNECTION_KEYS).copied()
}

const PLAY_KEYS: &[&str] = &[
    "name",
    "hosts",
    "vars",
    "vars_files",
    "vars_prompt",
    "gather_facts",
    "gather_subset",
    "gather_timeout",
    "fact_path",
    "roles",
    "pre_tasks",
    "tasks",
    "post_tasks",
    "handlers",
    "tags",
    "serial",
    "max_fail_percentage",
    "any_errors_fatal",
    "strategy",
    "order",
    "force_handlers",
    "environment",
    "check_mode",
    "diff",
    "no_log",
    "ignore_errors",
    "collections",
    "throttle",
];

/// Keywords a block passes down to every task inside it (also valid on tasks).
const INHERITED_KEYS: &[&str] = &[
    "name",
    "when",
    "tags",
    "vars",
    "ignore_errors",
    "no_log",
    "check_mode",
    "diff",
    "environment",
    "run_once",
    "delegate_to",
    "delegate_facts",
    "any_errors_fatal",
    "collections",
    "throttle",
];

pub const BLOCK_KEYS: &[&str] = &["block", "rescue", "always"];

const TASK_KEYS: &[&str] = &[
    "name",
    "when",
    "register",
    "loop",
    "with_items",
    "with_list",
    "with_dict",
    "with_fileglob",
    "with_first_found",
    "loop_control",
    "async",
    "poll",
    "changed_when",
    "failed_when",
    "ignore_errors",
    "notify",
    "listen",
    "tags",
    "vars",
    "args",
    "no_log",
    "check_mode",
    "diff",
    "until",
    "retries",
    "delay",
    "environment",
    "run_once",
    "delegate_to",
    "delegate_facts",
    "any_errors_fatal",
    "collections",
    "throttle",
];

/// Task-shaped entries that pull in other task files or roles, resolved at load time.
pub const INCLUDE_KEYS: &[&str] = &[
    "include_tasks",
    "import_tasks",
    "include_role",
    "import_role",
    "ansible.builtin.include_tasks",
    "ansible.builtin.import_tasks",
    "ansible.builtin.include_role",
    "ansible.builtin.import_role",
];

/// Ansible keywords that a real playbook may use and rconf does not implement yet.
pub const NOT_YET: &[&str] = &[
    "become_exe",
    "debugger",
    "module_defaults",
    "ignore_unreachable",
    "with_random_choice",
    "include",
    "hosts_limit",
    "run_on",
];

/// The closest candidate to a misspelt word, when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (distance(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4) && *d < word.len().max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_words_only() {
        assert_eq!(
            did_you_mean("regster", TASK_KEYS.iter().copied()),
            Some("register")
        );
        assert_eq!(did_you_mean("whn", TASK_KEYS.iter().copied()), Some("when"));
        assert_eq!(did_you_mean("frobnicate", TASK_KEYS.iter().copied()), None);
    }
}
