//! `apt_repository`: a repository line in APT's one-line sources (apt_repository.sh). The
//! controller checks and normalizes the line and names the list file as Ansible does.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::simple::remote_with;
use super::{Action, Ctx, Module};
use crate::result::TaskResult;

const BODY: &str = include_str!("../../modules/apt_repository.sh");

pub struct AptRepository;

static SPEC: ModuleSpec = ModuleSpec {
    name: "apt_repository",
    summary: "Adds or removes an APT repository line (sources.list.d), then updates the cache",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("repo", Kind::Str).required().doc(
            "The repository line in APT's one-line format, such as `deb \
             [signed-by=/etc/apt/keyrings/x.gpg] https://example.org/apt stable main`. PPAs \
             are not supported.",
        ),
        Arg::new("state", Kind::Str)
            .choices(&["absent", "present"])
            .default("present")
            .doc(
                "Whether the line should be in APT's lists; `absent` removes it from every list \
                 that has it.",
            ),
        Arg::new("filename", Kind::Str).doc(
            "The name of the list file in `sources.list.d`, without `.list`; by default it is \
             made from the URL, as Ansible names it.",
        ),
        Arg::new("mode", Kind::Mode)
            .doc("The permissions of a list file the task creates (`0644` when unset)."),
        Arg::new("update_cache", Kind::Bool)
            .aliases(&["update-cache"])
            .default("true")
            .doc("Run `apt-get update` after a change."),
        Arg::new("update_cache_retries", Kind::Int)
            .default("5")
            .doc("How many times a failed `apt-get update` is tried again."),
        Arg::new("update_cache_retry_max_delay", Kind::Int)
            .default("12")
            .doc("The longest wait between two tries, in seconds (the waits grow exponentially)."),
        Arg::new("validate_certs", Kind::Bool)
            .doc("Accepted as Ansible does; rconf fetches nothing itself."),
        Arg::new("install_python_apt", Kind::Bool)
            .doc("Accepted as Ansible does; rconf needs no python-apt."),
        Arg::new("codename", Kind::Str)
            .doc("Accepted as Ansible does; it concerns PPAs, which rconf does not support."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new(
            "repo",
            "str",
            "always",
            "The repository line, spacing normalized.",
        ),
        Return::new(
            "sources_added",
            "list",
            "success",
            "The list files the line was added to.",
        ),
        Return::new(
            "sources_removed",
            "list",
            "success",
            "The list files the line was removed from.",
        ),
    ],
    notes: "",
    example: concat!(
        "- apt_repository:\n",
        "    repo: deb [signed-by=/etc/apt/keyrings/example.gpg] https://example.org/apt stable main\n",
        "    filename: example"
    ),
};

/// The line with its words separated by single spaces, after checking its type.
fn normalize(repo: &str) -> Result<String, String> {
    let words: Vec<&str> = repo.split_whitespace().collect();
    match words.first() {
        Some(w) if w.starts_with("ppa:") => Err(format!(
            "`{repo}`: PPA repositories need Launchpad, which rconf does not ask; give the \
             repository's `deb` line (and its key with `signed-by`) instead"
        )),
        Some(&"deb" | &"deb-src") if words.len() >= 3 => Ok(words.join(" ")),
        _ => Err(format!(
            "Invalid repository string: `{repo}` (expected `deb URI SUITE [COMPONENT...]` or `deb-src ...`)"
        )),
    }
}

/// The list file for `repo` (normalized) as Ansible names it: the first word of the source after
/// the type, without options, scheme and credentials, non-alphanumerics turned into `_`.
fn list_name(repo: &str, filename: Option<&str>) -> String {
    if let Some(f) = filename {
        return format!("{f}.list");
    }
    let mut line = repo.to_string();
    while let (Some(a), Some(b)) = (line.find('['), line.find(']')) {
        if b < a {
            break;
        }
        line.replace_range(a..=b, "");
    }
    let source = line
        .split_whitespace()
        .find(|w| !matches!(*w, "deb" | "deb-src"))
        .unwrap_or_default();
    let source = source.split_once("://").map_or(source, |(_, rest)| rest);
    let source = source.rsplit_once('@').map_or(source, |(_, host)| host);
    let cleaned: Vec<&str> = source
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect();
    format!("{}.list", cleaned.join("_"))
}

impl Module for AptRepository {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        let repo = match normalize(args.str("repo").unwrap_or_default()) {
            Ok(r) => r,
            Err(e) => return Action::Done(TaskResult::failed(e)),
        };
        let file = format!(
            "/etc/apt/sources.list.d/{}",
            list_name(&repo, args.str("filename"))
        );
        let names = [
            "state",
            "mode",
            "update_cache",
            "update_cache_retries",
            "update_cache_retry_max_delay",
        ];
        remote_with(args, ctx, &names, BODY, |s| {
            s.var("A_repo", repo.as_bytes())?;
            s.var("A_file", file.as_bytes())?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run_with_fakes};
    use serde_json::json;
    use std::os::unix::fs::PermissionsExt;

    const GOOGLE: &str = "deb [arch=amd64] http://dl.google.com/linux/chrome/deb/ stable main";

    #[test]
    fn list_files_are_named_as_ansible_names_them() {
        assert_eq!(
            list_name(GOOGLE, None),
            "dl_google_com_linux_chrome_deb.list"
        );
        assert_eq!(
            list_name("deb https://user:pw@repo.example.org/apt ./", None),
            "repo_example_org_apt.list"
        );
        assert_eq!(
            list_name(GOOGLE, Some("google-chrome")),
            "google-chrome.list"
        );
        assert!(normalize("ppa:nginx/stable").unwrap_err().contains("PPA"));
        assert!(
            normalize("rpm http://x y")
                .unwrap_err()
                .starts_with("Invalid repository string")
        );
        assert_eq!(
            normalize(" deb  http://x   y z ").unwrap(),
            "deb http://x y z"
        );
    }

    /// A fake root with APT's lists and an `apt-get` that logs its calls.
    fn apt_root(t: &TestCtx, sources: &str) {
        let etc = format!("{}/etc/apt/sources.list.d", t.dir());
        std::fs::create_dir_all(&etc).unwrap();
        std::fs::write(t.path("etc/apt/sources.list"), sources).unwrap();
        std::fs::create_dir_all(t.path("bin")).unwrap();
        let fake = t.path("bin/apt-get");
        std::fs::write(&fake, "#!/bin/sh\necho \"apt-get $*\" >> \"$FAKE/log\"\n").unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(t.path("log"), "").unwrap();
    }

    fn run(t: &TestCtx, args: serde_json::Value, check: bool) -> (TaskResult, String) {
        run_with_fakes(t, &AptRepository, args, minijinja::Value::UNDEFINED, check)
    }

    #[test]
    fn a_new_repository_gets_its_own_list_then_nothing_changes() {
        let t = TestCtx::new();
        apt_root(&t, "deb http://deb.debian.org/debian bookworm main\n");
        let args = json!({"repo": format!("{GOOGLE}  "), "mode": "0640"});
        let (r, log) = run(&t, args.clone(), true);
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(log, "", "check mode updates nothing");
        let list = t.path("etc/apt/sources.list.d/dl_google_com_linux_chrome_deb.list");
        assert!(!std::path::Path::new(&list).exists());
        let (r, log) = run(&t, args.clone(), false);
        assert!(r.changed, "{r:?}");
        assert_eq!(
            r.data["sources_added"],
            json!(["/etc/apt/sources.list.d/dl_google_com_linux_chrome_deb.list"])
        );
        assert_eq!(
            std::fs::read_to_string(&list).unwrap(),
            format!("{GOOGLE}\n")
        );
        let mode = std::fs::metadata(&list).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert_eq!(log, "apt-get update -q\n");
        let (r, log) = run(&t, args, false);
        assert!(!r.changed, "{r:?}");
        assert_eq!(log, "", "no change, no update");
    }

    #[test]
    fn a_line_already_enabled_anywhere_counts_whatever_its_spacing() {
        let t = TestCtx::new();
        apt_root(
            &t,
            "# deb http://x/debian sid main\ndeb   http://x/debian  bookworm main # the main one\n",
        );
        let (r, log) = run(
            &t,
            json!({"repo": "deb http://x/debian bookworm main", "update_cache": false}),
            false,
        );
        assert!(!r.changed, "{r:?}");
        assert_eq!(log, "");
        // Only commented out: it is added.
        let (r, _) = run(
            &t,
            json!({"repo": "deb http://x/debian sid main", "update_cache": false}),
            false,
        );
        assert!(r.changed, "{r:?}");
    }

    #[test]
    fn absent_removes_the_line_from_every_list_and_an_emptied_list_goes() {
        let t = TestCtx::new();
        apt_root(&t, "deb http://a/debian stable main\ndeb http://b/x ./\n");
        std::fs::write(
            t.path("etc/apt/sources.list.d/b.list"),
            "deb  http://b/x ./\n\n",
        )
        .unwrap();
        let args = json!({"repo": "deb http://b/x ./", "state": "absent"});
        let (r, _) = run(&t, args.clone(), true);
        assert!(r.changed);
        assert!(std::path::Path::new(&t.path("etc/apt/sources.list.d/b.list")).exists());
        let (r, log) = run(&t, args.clone(), false);
        assert!(r.changed, "{r:?}");
        assert_eq!(
            std::fs::read_to_string(t.path("etc/apt/sources.list")).unwrap(),
            "deb http://a/debian stable main\n"
        );
        assert!(!std::path::Path::new(&t.path("etc/apt/sources.list.d/b.list")).exists());
        assert_eq!(log, "apt-get update -q\n");
        let (r, _) = run(&t, args, false);
        assert!(!r.changed, "{r:?}");
    }
}
