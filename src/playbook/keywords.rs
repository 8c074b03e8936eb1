//! Ansible's play and task keywords: which ones rconf reads, and which ones it knows but does
//! not support yet (reported as such, rather than as typos).

pub const PLAY_KEYS: &[&str] = &[
    "name",
    "hosts",
    "vars",
    "gather_facts",
    "pre_tasks",
    "tasks",
    "post_tasks",
    "handlers",
    "tags",
    "become",
    "become_user",
    "become_method",
    "become_flags",
    "timeout",
    "remote_user",
];

pub const TASK_KEYS: &[&str] = &[
    "name",
    "when",
    "register",
    "loop",
    "with_items",
    "with_list",
    "loop_control",
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
    "become",
    "become_user",
    "become_method",
    "become_flags",
    "timeout",
    "remote_user",
];

/// Ansible keywords that a real playbook may use and rconf does not implement yet.
pub const NOT_YET: &[&str] = &[
    "become_exe",
    "delegate_to",
    "delegate_facts",
    "run_once",
    "until",
    "retries",
    "delay",
    "environment",
    "async",
    "poll",
    "throttle",
    "any_errors_fatal",
    "block",
    "rescue",
    "always",
    "with_dict",
    "with_fileglob",
    "with_first_found",
    "with_together",
    "with_nested",
    "with_sequence",
    "with_subelements",
    "with_indexed_items",
    "with_random_choice",
    "with_lines",
    "debugger",
    "collections",
    "module_defaults",
    "connection",
    "port",
    "ignore_unreachable",
    "vars_files",
    "vars_prompt",
    "serial",
    "max_fail_percentage",
    "strategy",
    "order",
    "roles",
    "import_playbook",
    "include_tasks",
    "import_tasks",
    "include_role",
    "import_role",
    "include_vars",
    "include",
    "local_action",
    "force_handlers",
    "fact_path",
    "gather_subset",
    "gather_timeout",
    "hosts_limit",
    "check_mode_diff",
    "run_on",
    "precedence",
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
