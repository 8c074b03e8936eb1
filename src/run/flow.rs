//! Where a host goes next in a task list with blocks: the next task, the block's `rescue` after
//! a failure, its `always` in every case, or out of the play when a failure is not rescued.

use crate::playbook::{Part, TaskList};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    At(usize),
    /// The list is finished for this host.
    Done,
    /// A failure left the outermost block unrescued: the host has failed.
    Failed,
}

/// What happened on the way to the next task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advance {
    pub next: Next,
    /// The failure was caught: the host is now in a `rescue` section.
    pub entered_rescue: bool,
    /// A `rescue` section finished without failing (Ansible's `rescued` count).
    pub rescued: bool,
}

/// Per-host memory of blocks whose `always` is running after a failure nothing rescued: when
/// the `always` ends, the failure goes on outwards.
#[derive(Debug, Default, Clone)]
pub struct Pending(Vec<usize>);

/// The host finished task `pc` (`failed`: failed and not ignored); where does it go?
pub fn advance(list: &TaskList, pc: usize, failed: bool, pending: &mut Pending) -> Advance {
    let mut at = list.tasks[pc].block;
    let mut next = pc + 1;
    let mut failing = failed;
    let mut rescued = false;
    let done = |next: Next, rescued| Advance {
        next,
        entered_rescue: false,
        rescued,
    };
    loop {
        let Some((b, part)) = at else {
            let n = if failing {
                Next::Failed
            } else if next < list.tasks.len() {
                Next::At(next)
            } else {
                Next::Done
            };
            return done(n, rescued);
        };
        let block = &list.blocks[b];
        if failing {
            match part {
                Part::Body if !block.rescue.is_empty() => {
                    return Advance {
                        next: Next::At(block.rescue.start),
                        entered_rescue: true,
                        rescued,
                    };
                }
                Part::Body | Part::Rescue if !block.always.is_empty() => {
                    pending.0.push(b);
                    return done(Next::At(block.always.start), rescued);
                }
                Part::Body | Part::Rescue => {}
                Part::Always => pending.0.retain(|x| *x != b),
            }
        } else {
            if block.part(part).contains(&next) {
                return done(Next::At(next), rescued);
            }
            if part == Part::Rescue {
                rescued = true;
            }
            if part != Part::Always && !block.always.is_empty() {
                return done(Next::At(block.always.start), rescued);
            }
            if part == Part::Always && pending.0.contains(&b) {
                pending.0.retain(|x| *x != b);
                failing = true;
                rescued = false;
            }
        }
        next = block.end();
        at = block.parent;
    }
}

/// The first task at or after the start of the list that `selected` accepts, walking the
/// block structure as if skipped tasks had succeeded.
pub fn first(list: &TaskList, selected: &dyn Fn(usize) -> bool, pending: &mut Pending) -> Next {
    if list.tasks.is_empty() {
        return Next::Done;
    }
    skip_unselected(list, Next::At(0), selected, pending)
}

/// Moves past tasks that are not selected (tags), as if they had run and succeeded.
pub fn skip_unselected(
    list: &TaskList,
    mut next: Next,
    selected: &dyn Fn(usize) -> bool,
    pending: &mut Pending,
) -> Next {
    while let Next::At(i) = next {
        if selected(i) {
            break;
        }
        next = advance(list, i, false, pending).next;
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::{LoadOptions, load};

    fn list(yaml: &str) -> TaskList {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.yml");
        std::fs::write(&path, format!("- hosts: all\n  tasks:\n{yaml}")).unwrap();
        let mut pb = load(&path, &LoadOptions::default()).unwrap();
        std::mem::take(&mut pb.plays[0].tasks)
    }

    /// Runs the list for one host whose tasks fail when their name is in `failing`; returns
    /// the names run, and whether the host failed and how many rescues it had.
    fn walk(l: &TaskList, failing: &[&str]) -> (Vec<String>, bool, u32) {
        let mut pending = Pending::default();
        let mut ran = Vec::new();
        let mut rescues = 0;
        let mut next = first(l, &|_| true, &mut pending);
        while let Next::At(i) = next {
            let name = l.tasks[i].name.clone().unwrap();
            let failed = failing.contains(&name.as_str());
            ran.push(name);
            let a = advance(l, i, failed, &mut pending);
            rescues += u32::from(a.rescued);
            next = a.next;
        }
        (ran, next == Next::Failed, rescues)
    }

    const NESTED: &str = "    - name: t1\n      debug:\n    - block:\n        - name: b1\n          debug:\n        - block:\n            - name: i1\n              debug:\n          rescue:\n            - name: ir\n              debug:\n        - name: b2\n          debug:\n      rescue:\n        - name: r1\n          debug:\n      always:\n        - name: a1\n          debug:\n    - name: t2\n      debug:\n";

    #[test]
    fn success_skips_rescue_and_runs_always() {
        let (ran, failed, rescued) = walk(&list(NESTED), &[]);
        assert_eq!(ran, ["t1", "b1", "i1", "b2", "a1", "t2"]);
        assert!(!failed);
        assert_eq!(rescued, 0);
    }

    #[test]
    fn inner_rescue_catches_and_outer_continues() {
        let (ran, failed, rescued) = walk(&list(NESTED), &["i1"]);
        assert_eq!(ran, ["t1", "b1", "i1", "ir", "b2", "a1", "t2"]);
        assert!(!failed);
        assert_eq!(rescued, 1);
    }

    #[test]
    fn outer_rescue_then_always() {
        let (ran, failed, rescued) = walk(&list(NESTED), &["b1"]);
        assert_eq!(ran, ["t1", "b1", "r1", "a1", "t2"]);
        assert!(!failed);
        assert_eq!(rescued, 1);
    }

    #[test]
    fn failing_rescue_runs_always_then_fails_the_host() {
        let (ran, failed, rescued) = walk(&list(NESTED), &["b2", "r1"]);
        assert_eq!(ran, ["t1", "b1", "i1", "b2", "r1", "a1"]);
        assert!(failed);
        assert_eq!(rescued, 0);
    }

    #[test]
    fn failing_always_fails_the_host() {
        let (ran, failed, _) = walk(&list(NESTED), &["a1"]);
        assert_eq!(ran, ["t1", "b1", "i1", "b2", "a1"]);
        assert!(failed);
    }

    #[test]
    fn unselected_tasks_are_passed_over() {
        let l = list(NESTED);
        let mut pending = Pending::default();
        let names = |i: usize| l.tasks[i].name.clone().unwrap();
        let keep = |i: usize| ["b2", "t2"].contains(&names(i).as_str());
        let mut next = first(&l, &keep, &mut pending);
        let mut ran = Vec::new();
        while let Next::At(i) = next {
            ran.push(names(i));
            next = skip_unselected(
                &l,
                advance(&l, i, false, &mut pending).next,
                &keep,
                &mut pending,
            );
        }
        assert_eq!(ran, ["b2", "t2"]);
    }
}
