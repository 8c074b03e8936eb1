//! The zips an Ansible module runs from on the host, as AnsiballZ packs it: ansible-core's
//! `module_utils` (one zip per run, cached on the host under its SHA-1), and per module its
//! file plus the collection `module_utils` it imports, found by reading its imports.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use regex::Regex;
use sha1::{Digest, Sha1};

use super::locate::{Core, Finder, Found};

/// A zip and its SHA-1 (hex).
pub struct Zip {
    pub bytes: Vec<u8>,
    pub sha1: String,
}

/// Paths inside a zip and their content, kept sorted so the same files make the same zip.
type Entries = BTreeMap<String, Vec<u8>>;

/// ansible-core's `module_utils` with a stub `ansible/__init__.py`, built once per run.
pub fn library(core: &Core) -> Result<Arc<Zip>, String> {
    static LIB: OnceLock<Result<Arc<Zip>, String>> = OnceLock::new();
    LIB.get_or_init(|| {
        let mut entries = Entries::new();
        // The real package imports the controller; modules need only its name and version.
        entries.insert(
            "ansible/__init__.py".into(),
            format!(
                "__version__ = {:?}\n__author__ = 'Ansible, Inc.'\n",
                core.version
            )
            .into_bytes(),
        );
        add_tree(
            &mut entries,
            &core.dir.join("module_utils"),
            "ansible/module_utils",
        )?;
        let bytes = write_zip(&entries)?;
        Ok(Arc::new(Zip {
            sha1: hex(&Sha1::digest(&bytes)),
            bytes,
        }))
    })
    .clone()
}

/// The module's own zip: its file, the packages above it, and for a collection module the
/// `module_utils` files of collections it imports (ansible-core's are in `library`).
pub fn module(found: &Found, finder: &Finder) -> Result<Arc<Zip>, String> {
    static MODULES: OnceLock<Mutex<BTreeMap<PathBuf, Arc<Zip>>>> = OnceLock::new();
    let cache = MODULES.get_or_init(Default::default);
    if let Some(z) = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&found.file)
    {
        return Ok(z.clone());
    }
    let mut entries = Entries::new();
    let source = std::fs::read(&found.file)
        .map_err(|e| format!("cannot read {}: {e}", found.file.display()))?;
    let mut pending = vec![(found.python_name.clone(), source.clone())];
    entries.insert(zip_path(&found.python_name, false), source);
    // Collection module_utils, followed through their own imports.
    while let Some((name, text)) = pending.pop() {
        for import in imports(&name, &String::from_utf8_lossy(&text)) {
            for (module, file) in collection_files(&import, found.core, finder) {
                let path = zip_path(&module, file.ends_with("__init__.py"));
                if entries.contains_key(&path) {
                    continue;
                }
                let text = std::fs::read(&file)
                    .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
                entries.insert(path, text.clone());
                pending.push((module, text));
            }
        }
    }
    add_package_inits(&mut entries);
    // The library's stub stands for the `ansible` package; one entry per name in the zip the
    // host merges the two into.
    entries.remove("ansible/__init__.py");
    let bytes = write_zip(&entries)?;
    let zip = Arc::new(Zip {
        sha1: hex(&Sha1::digest(&bytes)),
        bytes,
    });
    cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(found.file.clone(), zip.clone());
    Ok(zip)
}

/// `a.b.c` as a path in the zip: `a/b/c.py`, or `a/b/c/__init__.py` for a package.
fn zip_path(module: &str, package: bool) -> String {
    let base = module.replace('.', "/");
    if package {
        format!("{base}/__init__.py")
    } else {
        format!("{base}.py")
    }
}

/// Every Python module name `text` (the source of module `name`) may import: `import a.b`,
/// `from a.b import c` (which may be module `a.b.c`), relative imports made absolute.
fn imports(name: &str, text: &str) -> Vec<String> {
    static FROM: OnceLock<Regex> = OnceLock::new();
    static IMPORT: OnceLock<Regex> = OnceLock::new();
    let from = FROM.get_or_init(|| {
        Regex::new(r"(?m)^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)")
            .expect("valid regex")
    });
    let import = IMPORT
        .get_or_init(|| Regex::new(r"(?m)^[ \t]*import[ \t]+([\w., \t]+)").expect("valid regex"));
    let package: Vec<&str> = name.split('.').collect();
    let mut out = Vec::new();
    for c in from.captures_iter(text) {
        let target = &c[1];
        let dots = target.len() - target.trim_start_matches('.').len();
        let base = if dots > 0 {
            // `from ..module_utils.x import y` in a.b.plugins.modules.m: relative to a.b.plugins.
            if dots >= package.len() {
                continue;
            }
            let mut parts: Vec<&str> = package[..package.len() - dots].to_vec();
            let rest = target.trim_start_matches('.');
            if !rest.is_empty() {
                parts.push(rest);
            }
            parts.join(".")
        } else {
            target.to_string()
        };
        out.push(base.clone());
        for item in c[2].trim_matches(|ch| ch == '(' || ch == ')').split(',') {
            let item = item.split_whitespace().next().unwrap_or("");
            if !item.is_empty() && item != "*" {
                out.push(format!("{base}.{item}"));
            }
        }
    }
    for c in import.captures_iter(text) {
        for item in c[1].split(',') {
            if let Some(m) = item.split_whitespace().next() {
                out.push(m.to_string());
            }
        }
    }
    out
}

/// For a name under `ansible_collections.NS.COLL.plugins.module_utils`, the files that make it
/// importable: the module (or package) itself and every package `__init__.py` above it.
fn collection_files(import: &str, core: &Core, finder: &Finder) -> Vec<(String, PathBuf)> {
    let parts: Vec<&str> = import.split('.').collect();
    if parts.len() < 5
        || parts[0] != "ansible_collections"
        || parts[3] != "plugins"
        || parts[4] != "module_utils"
    {
        return Vec::new();
    }
    let Some(dir) = finder.collection_dir(Some(core), parts[1], parts[2]) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut path = dir.join("plugins/module_utils");
    for depth in 5..=parts.len() {
        let module = parts[..depth].join(".");
        let init = path.join("__init__.py");
        if init.is_file() {
            out.push((module.clone(), init));
        }
        if depth == parts.len() {
            break;
        }
        let file = path.join(format!("{}.py", parts[depth]));
        if file.is_file() {
            out.push((parts[..=depth].join("."), file));
            break;
        }
        path = path.join(parts[depth]);
        if !path.is_dir() {
            break;
        }
    }
    out
}

/// An empty `__init__.py` for every package directory that has none, so that every level
/// imports from the zip (zipimport has no namespace packages).
fn add_package_inits(entries: &mut Entries) {
    let mut dirs = Vec::new();
    for path in entries.keys() {
        let mut p = Path::new(path);
        while let Some(parent) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
            dirs.push(format!("{}/__init__.py", parent.display()));
            p = parent;
        }
    }
    for d in dirs {
        entries.entry(d).or_default();
    }
}

/// Every file under `dir` (Python caches aside), at `prefix/...` in the zip.
fn add_tree(entries: &mut Entries, dir: &Path, prefix: &str) -> Result<(), String> {
    let read = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in read {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name == "__pycache__" || name.ends_with(".pyc") {
            continue;
        }
        let inner = format!("{prefix}/{name}");
        if path.is_dir() {
            add_tree(entries, &path, &inner)?;
        } else {
            let bytes =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            entries.insert(inner, bytes);
        }
    }
    Ok(())
}

fn write_zip(entries: &Entries) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), options)
            .and_then(|()| zip.write_all(bytes).map_err(Into::into))
            .map_err(|e| format!("cannot pack {name}: {e}"))?;
    }
    let cursor = zip
        .finish()
        .map_err(|e| format!("cannot pack the module: {e}"))?;
    Ok(cursor.into_inner())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_are_read_absolute_relative_and_parenthesised() {
        let text = "from ansible.module_utils.basic import AnsibleModule\n\
            from ..module_utils.ini import (\n    read,\n    write as w,\n)\n\
            import os, ansible_collections.a.b.plugins.module_utils.x\n\
            \x20   from . import sibling\n";
        let got = imports("ansible_collections.a.b.plugins.modules.m", text);
        for want in [
            "ansible.module_utils.basic",
            "ansible.module_utils.basic.AnsibleModule",
            "ansible_collections.a.b.plugins.module_utils.ini",
            "ansible_collections.a.b.plugins.module_utils.ini.read",
            "ansible_collections.a.b.plugins.module_utils.ini.write",
            "os",
            "ansible_collections.a.b.plugins.module_utils.x",
            "ansible_collections.a.b.plugins.modules.sibling",
        ] {
            assert!(got.iter().any(|g| g == want), "{want} not in {got:?}");
        }
    }

    #[test]
    fn every_package_level_gets_an_init() {
        let mut e = Entries::new();
        e.insert("a/b/c.py".into(), b"x".to_vec());
        e.insert("a/__init__.py".into(), b"real".to_vec());
        add_package_inits(&mut e);
        assert_eq!(e["a/__init__.py"], b"real");
        assert!(e.contains_key("a/b/__init__.py"));
    }
}
