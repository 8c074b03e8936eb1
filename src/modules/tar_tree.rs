//! `copy` of a controller directory: the tree as one tar stream (directories, regular files,
//! symlinks), written with the `tar` crate, that the target's `tar -x` unpacks.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// The tree under `root` (not `root` itself) as a tar stream, entries named relative to
/// `root`, owned by uid/gid 0 (the target's `tar` decides ownership), with their modes and
/// modification times. `follow` copies what symlinks point to instead of the links. GNU
/// headers: long paths and link targets need no ustar split.
pub fn tar_tree(root: &Path, follow: bool) -> Result<Vec<u8>, String> {
    let mut out = tar::Builder::new(Vec::new());
    let top =
        std::fs::metadata(root).map_err(|e| format!("cannot read `{}`: {e}", root.display()))?;
    walk(
        root,
        Path::new(""),
        follow,
        &mut out,
        &mut vec![(top.dev(), top.ino())],
    )?;
    out.into_inner()
        .map_err(|e| format!("cannot write the tar stream: {e}"))
}

/// `ancestors`: the directories (device, inode) from the root down to `rel`. A followed
/// symlink to one of them is a loop: as Ansible's copy, it is copied as the symlink.
fn walk(
    root: &Path,
    rel: &Path,
    follow: bool,
    out: &mut tar::Builder<Vec<u8>>,
    ancestors: &mut Vec<(u64, u64)>,
) -> Result<(), String> {
    if ancestors.len() > 256 {
        return Err(format!(
            "`{}` is nested too deeply",
            root.join(rel).display()
        ));
    }
    let dir = root.join(rel);
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = rel.join(e.file_name());
        let path = root.join(&name);
        let lmeta = std::fs::symlink_metadata(&path)
            .map_err(|err| format!("cannot read `{}`: {err}", path.display()))?;
        // Followed, a symlink is what it points to, as Ansible's copy: a regular file, or a
        // directory that is not one of its own ancestors. A broken or looping link, or one to
        // anything else, is copied as the link.
        let meta = match std::fs::metadata(&path) {
            Ok(target)
                if lmeta.file_type().is_symlink()
                    && follow
                    && (target.is_file()
                        || target.is_dir()
                            && !ancestors.contains(&(target.dev(), target.ino()))) =>
            {
                target
            }
            _ => lmeta,
        };
        let mut h = tar::Header::new_gnu();
        h.set_mode(meta.permissions().mode() & 0o7777);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(meta.mtime().max(0) as u64);
        let failed = |err: std::io::Error| format!("cannot add `{}`: {err}", name.display());
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).map_err(|err| err.to_string())?;
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            out.append_link(&mut h, &name, &target).map_err(failed)?;
        } else if meta.is_dir() {
            h.set_entry_type(tar::EntryType::Directory);
            h.set_size(0);
            out.append_data(&mut h, &name, std::io::empty())
                .map_err(failed)?;
            ancestors.push((meta.dev(), meta.ino()));
            walk(root, &name, follow, out, ancestors)?;
            ancestors.pop();
        } else if meta.is_file() {
            let data = std::fs::read(&path)
                .map_err(|err| format!("cannot read `{}`: {err}", path.display()))?;
            h.set_entry_type(tar::EntryType::Regular);
            h.set_size(data.len() as u64);
            out.append_data(&mut h, &name, &data[..]).map_err(failed)?;
        }
        // Sockets, fifos and devices are not copied, as in Ansible.
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::process::{Command, Stdio};

    #[test]
    fn broken_and_looping_links_are_copied_as_links_when_following() {
        let src = tempfile::tempdir().unwrap();
        std::fs::create_dir(src.path().join("d")).unwrap();
        std::fs::write(src.path().join("d/f"), "f\n").unwrap();
        std::os::unix::fs::symlink("invalid", src.path().join("d/invalid")).unwrap();
        std::os::unix::fs::symlink("nowhere", src.path().join("d/broken")).unwrap();
        std::os::unix::fs::symlink("../", src.path().join("d/circles")).unwrap();
        std::os::unix::fs::symlink("f", src.path().join("d/to_f")).unwrap();
        let tar = tar_tree(src.path(), true).unwrap();
        let mut archive = tar::Archive::new(&tar[..]);
        let mut kinds: Vec<(String, bool)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let link = e.header().entry_type() == tar::EntryType::Symlink;
                (e.path().unwrap().display().to_string(), link)
            })
            .collect();
        kinds.sort();
        let want = [
            ("d", false),
            ("d/broken", true),
            ("d/circles", true),
            ("d/f", false),
            ("d/invalid", true),
            ("d/to_f", false),
        ];
        let want: Vec<(String, bool)> = want.iter().map(|(p, l)| (p.to_string(), *l)).collect();
        assert_eq!(kinds, want);
    }

    #[test]
    fn system_tar_unpacks_what_we_write() {
        let src = tempfile::tempdir().unwrap();
        // Deeper than ustar's 155 + 100 bytes can name.
        let deep = "d".repeat(140);
        std::fs::create_dir_all(src.path().join(format!("sub/{deep}/{deep}"))).unwrap();
        let long_target = format!("sub/{deep}/{deep}/f");
        std::os::unix::fs::symlink(&long_target, src.path().join("far")).unwrap();
        std::fs::write(src.path().join("a 'x' $(y)\nz"), b"\x00\xffbin").unwrap();
        std::fs::write(src.path().join(format!("sub/{deep}/{deep}/f")), "deep\n").unwrap();
        std::fs::set_permissions(
            src.path().join("a 'x' $(y)\nz"),
            PermissionsExt::from_mode(0o751),
        )
        .unwrap();
        std::os::unix::fs::symlink("sub", src.path().join("link")).unwrap();
        let tar = tar_tree(src.path(), false).unwrap();
        let dst = tempfile::tempdir().unwrap();
        let mut child = Command::new("tar")
            .args(["-x", "-f", "-", "-C"])
            .arg(dst.path())
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&tar).unwrap();
        assert!(child.wait().unwrap().success());
        assert_eq!(
            std::fs::read(dst.path().join("a 'x' $(y)\nz")).unwrap(),
            b"\x00\xffbin"
        );
        assert_eq!(
            std::fs::read_to_string(dst.path().join(format!("sub/{deep}/{deep}/f"))).unwrap(),
            "deep\n"
        );
        assert_eq!(
            std::fs::read_link(dst.path().join("link")).unwrap(),
            Path::new("sub")
        );
        assert_eq!(
            std::fs::read_link(dst.path().join("far")).unwrap(),
            Path::new(&long_target)
        );
        let mode = std::fs::metadata(dst.path().join("a 'x' $(y)\nz"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o751);
        let followed = tar_tree(src.path(), true).unwrap();
        assert!(
            followed.len() > tar.len(),
            "following the link copies the tree twice"
        );
        // A link back up the tree (`sub/.../up -> ../..`) stays a link when following, as in
        // Ansible's copy, instead of copying forever.
        std::os::unix::fs::symlink("../..", src.path().join(format!("sub/{deep}/up"))).unwrap();
        let looped = tar_tree(src.path(), true).unwrap();
        let dst = tempfile::tempdir().unwrap();
        let mut child = Command::new("tar")
            .args(["-x", "-f", "-", "-C"])
            .arg(dst.path())
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&looped).unwrap();
        assert!(child.wait().unwrap().success());
        assert_eq!(
            std::fs::read_link(dst.path().join(format!("sub/{deep}/up"))).unwrap(),
            Path::new("../..")
        );
    }
}
