//! `rconf run --syntax-check / --list-tasks / --list-hosts / --list-tags`: what a run would do,
//! in the layout `ansible-playbook` prints, without contacting any host.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::run::RunArgs;
use crate::inventory::Inventory;
use crate::playbook::Playbook;
use crate::run::RunOptions;

pub fn render(
    args: &RunArgs,
    opts: &RunOptions,
    playbook: &Playbook,
    inventory: &Inventory,
) -> String {
    let mut out = format!("\nplaybook: {}\n", playbook.path.display());
    if args.syntax_check && !(args.list_tasks || args.list_hosts || args.list_tags) {
        return out;
    }
    let limit = opts
        .limit
        .as_ref()
        .map(|l| inventory.select(l).unwrap_or_default());
    for (i, play) in playbook.plays.iter().enumerate() {
        let _ = write!(
            out,
            "\n  play #{} ({}): {}\tTAGS: [{}]\n",
            i + 1,
            play.hosts,
            play.name,
            // As ansible-playbook: the play's tags joined by a bare comma.
            play.tags.join(",")
        );
        if args.list_hosts {
            let hosts: Vec<String> = inventory
                .select(&play.hosts)
                .unwrap_or_default()
                .into_iter()
                .filter(|h| limit.as_ref().is_none_or(|l| l.contains(h)))
                .collect();
            let _ = writeln!(
                out,
                "    pattern: ['{}']\n    hosts ({}):",
                play.hosts,
                hosts.len()
            );
            for h in hosts {
                let _ = writeln!(out, "      {h}");
            }
        }
        let lists = [&play.pre_tasks, &play.tasks, &play.post_tasks];
        let tasks = lists
            .iter()
            .flat_map(|l| l.tasks.iter())
            .filter(|t| opts.tags.selects(&t.tags));
        if args.list_tags {
            let all: BTreeSet<&str> = tasks
                .clone()
                .flat_map(|t| t.tags.iter().map(String::as_str))
                .collect();
            let all: Vec<&str> = all.into_iter().collect();
            let _ = writeln!(out, "      TASK TAGS: [{}]", all.join(", "));
        }
        if args.list_tasks {
            let _ = writeln!(out, "    tasks:");
            for t in tasks {
                // Sorted, as ansible-playbook lists them.
                let own: BTreeSet<&str> = t.tags.iter().map(String::as_str).collect();
                let own: Vec<&str> = own.into_iter().collect();
                let _ = writeln!(
                    out,
                    "      {}\tTAGS: [{}]",
                    t.display_name(),
                    own.join(", ")
                );
            }
        }
    }
    out
}
