//! `--version` on every subcommand, as `ansible --version` prints it: rconf's version, the
//! config file in use, the module search path, and the ansible-core found for Ansible's own
//! modules. Worked out only when `--version` is on the command line (finding ansible-core
//! runs Python).

use crate::template::py_str_repr;

/// The text after `rconf ` that `--version` prints.
pub fn long_version() -> String {
    let (major, minor, _) = crate::run::ANSIBLE_COMPAT;
    let config = match super::ansible_cfg::find() {
        Ok((Some((path, _)), _)) => absolute(&path),
        Ok((None, _)) => "None".to_string(),
        Err(e) => format!("None ({e})"),
    };
    let search_path = match super::ansible_cfg::settings(None, &|k| std::env::var(k).ok()) {
        Ok(env_only) => {
            // The file's `library` counts too; read it the way a run reads it.
            let cfg = super::ansible_cfg::find()
                .ok()
                .and_then(|(file, _)| {
                    super::ansible_cfg::settings(file, &|k| std::env::var(k).ok()).ok()
                })
                .unwrap_or(env_only);
            cfg.module_search_path()
        }
        Err(_) => crate::ansible::default_library(),
    };
    let search_path: Vec<String> = search_path
        .iter()
        .map(|p| py_str_repr(&p.display().to_string()))
        .collect();
    let core = match crate::ansible::core() {
        Some(core) => format!("{} ({})", core.version, core.dir.display()),
        None => "none found (no `ansible-playbook` or `ansible` on PATH, and no `python3` that \
                 imports ansible): only rconf's native modules run"
            .to_string(),
    };
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "unknown".to_string());
    format!(
        "{version} (runs playbooks as ansible-core {major}.{minor} does)\n  \
         config file = {config}\n  \
         configured module search path = [{search_path}]\n  \
         ansible-core for Ansible's own modules = {core}\n  \
         executable location = {exe}",
        version = env!("CARGO_PKG_VERSION"),
        search_path = search_path.join(", "),
    )
}

fn absolute(p: &std::path::Path) -> String {
    std::fs::canonicalize(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}
