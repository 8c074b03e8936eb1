//! A minimal ustar writer: `copy` sends a controller directory tree to the target as one tar
//! stream on stdin (directories, regular files, symlinks; the target's `tar -x` unpacks it).

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// Appends the tree under `root` (not `root` itself) to a tar stream, entries named relative
/// to `root`. `follow` copies what symlinks point to instead of the links.
pub fn tar_tree(root: &Path, follow: bool) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    walk(root, Path::new(""), follow, &mut out, 0)?;
    out.extend_from_slice(&[0u8; 1024]);
    Ok(out)
}

fn walk(
    root: &Path,
    rel: &Path,
    follow: bool,
    out: &mut Vec<u8>,
    depth: usize,
) -> Result<(), String> {
    if depth > 64 {
        return Err(format!(
            "`{}` is nested too deeply (a symlink loop?)",
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
        let meta = if lmeta.file_type().is_symlink() && follow {
            std::fs::metadata(&path)
                .map_err(|err| format!("cannot follow the symlink `{}`: {err}", path.display()))?
        } else {
            lmeta
        };
        let mode = meta.permissions().mode() & 0o7777;
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).map_err(|err| err.to_string())?;
            header(
                out,
                &name,
                mode,
                0,
                meta.mtime(),
                b'2',
                target.as_os_str().as_bytes(),
            )?;
        } else if meta.is_dir() {
            header(out, &name, mode, 0, meta.mtime(), b'5', b"")?;
            walk(root, &name, follow, out, depth + 1)?;
        } else if meta.is_file() {
            let data = std::fs::read(&path)
                .map_err(|err| format!("cannot read `{}`: {err}", path.display()))?;
            header(out, &name, mode, data.len() as u64, meta.mtime(), b'0', b"")?;
            out.extend_from_slice(&data);
            let pad = (512 - data.len() % 512) % 512;
            out.extend(std::iter::repeat_n(0u8, pad));
        }
        // Sockets, fifos and devices are not copied, as in Ansible.
    }
    Ok(())
}

fn octal(field: &mut [u8], value: u64) {
    let s = format!("{:0width$o}\0", value, width = field.len() - 1);
    field.copy_from_slice(s.as_bytes());
}

fn header(
    out: &mut Vec<u8>,
    name: &Path,
    mode: u32,
    size: u64,
    mtime: i64,
    kind: u8,
    link: &[u8],
) -> Result<(), String> {
    let mut full = name.as_os_str().as_bytes().to_vec();
    if kind == b'5' {
        full.push(b'/');
    }
    let (prefix, base): (&[u8], &[u8]) = if full.len() <= 100 {
        (b"", &full)
    } else {
        // ustar splits a long path at a `/` into prefix (155) and name (100).
        let cut = full
            .iter()
            .enumerate()
            .filter(|(i, b)| **b == b'/' && *i <= 155 && full.len() - i - 1 <= 100 && *i > 0)
            .map(|(i, _)| i)
            .next()
            .ok_or_else(|| format!("path `{}` is too long to copy", name.display()))?;
        (&full[..cut], &full[cut + 1..])
    };
    if link.len() > 100 {
        return Err(format!(
            "symlink target of `{}` is too long to copy",
            name.display()
        ));
    }
    let mut h = [0u8; 512];
    h[..base.len()].copy_from_slice(base);
    octal(&mut h[100..108], u64::from(mode));
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], mtime.max(0) as u64);
    h[148..156].copy_from_slice(b"        ");
    h[156] = kind;
    h[157..157 + link.len()].copy_from_slice(link);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[345..345 + prefix.len()].copy_from_slice(prefix);
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    let s = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(s.as_bytes());
    out.extend_from_slice(&h);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::process::{Command, Stdio};

    #[test]
    fn system_tar_unpacks_what_we_write() {
        let src = tempfile::tempdir().unwrap();
        let deep = "d".repeat(90);
        std::fs::create_dir_all(src.path().join(format!("sub/{deep}/{deep}"))).unwrap();
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
        let followed = tar_tree(src.path(), true).unwrap();
        assert!(
            followed.len() > tar.len(),
            "following the link copies the tree twice"
        );
    }
}
