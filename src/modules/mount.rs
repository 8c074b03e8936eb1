//! `mount` (`ansible.posix.mount`): a mount point's fstab entry and its live mount (mount.sh
//! edits the fstab and runs the system's `mount`/`umount`, reading `/proc/mounts`).

use super::args::{Arg, FreeForm, Kind, ModuleSpec, Return};
use super::simple::sh_module;

const BODY: &str = include_str!("../../modules/mount.sh");

pub struct Mount;

static SPEC: ModuleSpec = ModuleSpec {
    name: "mount",
    summary: "Manages a mount point's fstab entry and whether it is mounted",
    aliases: &["ansible.posix.mount"],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("path", Kind::Str)
            .aliases(&["name"])
            .required()
            .doc("The mount point."),
        Arg::new("src", Kind::Str).doc(
            "The device (or `UUID=...`, `host:/export`) to mount; needed for `present`, \
             `mounted` and `ephemeral`.",
        ),
        Arg::new("fstype", Kind::Str)
            .doc("The file system type; needed for `present`, `mounted` and `ephemeral`."),
        Arg::new("opts", Kind::Str)
            .implied_default("defaults")
            .doc("The mount options, comma-separated; a remount passes them when given."),
        Arg::new("dump", Kind::Str)
            .default("0")
            .doc("The fstab dump field."),
        Arg::new("passno", Kind::Str)
            .default("0")
            .doc("The fstab field saying in which order `fsck` checks the file system."),
        Arg::new("state", Kind::Str)
            .required()
            .choices(&[
                "absent",
                "absent_from_fstab",
                "mounted",
                "present",
                "unmounted",
                "remounted",
                "ephemeral",
            ])
            .doc(
                "`present` (fstab only), `mounted` (fstab, mount point, mounted), `unmounted`, \
                 `remounted`, `absent` (fstab entry, mount and mount point removed), \
                 `absent_from_fstab`, or `ephemeral` (mounted, fstab untouched).",
            ),
        Arg::new("fstab", Kind::Str)
            .default("/etc/fstab")
            .doc("The fstab file to edit."),
        Arg::new("boot", Kind::Bool)
            .default("true")
            .doc("Mount at boot; false adds `noauto` to the options."),
        Arg::new("backup", Kind::Bool).default("false").doc(
            "Keep a copy of the old fstab beside it, its name stamped with the time, before \
             changing it.",
        ),
        Arg::new("opts_no_log", Kind::Bool).doc("Accepted as Ansible does; rconf does not use it."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new("name", "str", "success", "The mount point."),
        Return::new("src", "str", "success", "The device."),
        Return::new("fstype", "str", "success", "The file system type."),
        Return::new("opts", "str", "success", "The options written."),
        Return::new("fstab", "str", "success", "The fstab file."),
        Return::new(
            "backup_file",
            "str",
            "changed and backup=true",
            "The copy of the old fstab.",
        ),
    ],
    notes: "",
    example: concat!(
        "- mount:\n",
        "    path: /srv/data\n",
        "    src: UUID=0a1b2c3d-0000-4000-8000-000000000000\n",
        "    fstype: ext4\n",
        "    opts: noatime\n",
        "    state: mounted"
    ),
};

sh_module!(Mount, SPEC, BODY);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    fn read(path: &str) -> String {
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn present_adds_updates_and_is_idempotent() {
        let t = TestCtx::new();
        let f = t.path("fstab");
        let before = "# static\nproc /proc proc defaults 0 0\n";
        std::fs::write(&f, before).unwrap();
        let args = json!({"path": "/srv/data/", "src": "UUID=abc", "fstype": "ext4",
                          "opts": "noatime", "state": "present", "fstab": f});
        let r = run(&Mount, args.clone(), &t.ctx(true));
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(read(&f), before, "check mode must not write");

        let r = run(&Mount, args.clone(), &t.ctx(false));
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(r.data["name"], "/srv/data");
        assert_eq!(
            read(&f),
            format!("{before}UUID=abc /srv/data ext4 noatime 0 0\n")
        );
        let r = run(&Mount, args.clone(), &t.ctx(false));
        assert!(!r.changed && !r.failed, "{r:?}");

        // An equivalent line with other spacing and no dump/passno is left alone.
        std::fs::write(&f, "UUID=abc\t/srv/data  ext4 noatime\n").unwrap();
        assert!(!run(&Mount, args.clone(), &t.ctx(false)).changed);

        let upd = json!({"path": "/srv/data", "src": "UUID=abc", "fstype": "ext4",
                         "state": "present", "fstab": f, "boot": false, "passno": 2});
        assert!(run(&Mount, upd.clone(), &t.ctx(false)).changed);
        assert_eq!(read(&f), "UUID=abc /srv/data ext4 defaults,noauto 0 2\n");
        assert!(!run(&Mount, upd, &t.ctx(false)).changed);
    }

    #[test]
    fn absent_from_fstab_removes_every_entry_and_keeps_the_file_mode() {
        use std::os::unix::fs::PermissionsExt;
        let t = TestCtx::new();
        let f = t.path("fstab");
        std::fs::write(
            &f,
            "a /x ext4 defaults 0 0\n# /srv/y is ours\nb /srv/y xfs defaults 0 0\nc /srv/y xfs ro 0 0\n",
        )
        .unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
        let args = json!({"path": "/srv/y", "state": "absent_from_fstab", "fstab": f,
                          "backup": true});
        let r = run(&Mount, args.clone(), &t.ctx(false));
        assert!(r.changed && r.data.contains_key("backup_file"), "{r:?}");
        assert_eq!(read(&f), "a /x ext4 defaults 0 0\n# /srv/y is ours\n");
        assert_eq!(
            std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o640
        );
        let r = run(&Mount, args, &t.ctx(false));
        assert!(!r.changed && !r.failed, "{r:?}");
    }

    #[test]
    fn absent_on_an_unmounted_path_edits_fstab_and_removes_the_empty_mount_point() {
        let t = TestCtx::new();
        let f = t.path("fstab");
        let mp = t.path("mnt point");
        std::fs::create_dir(&mp).unwrap();
        let esc = mp.replace(' ', "\\040");
        std::fs::write(&f, format!("tmpfs {esc} tmpfs defaults 0 0\n")).unwrap();
        let args = json!({"path": mp, "state": "absent", "fstab": f});
        let r = run(&Mount, args.clone(), &t.ctx(true));
        assert!(r.changed, "{r:?}");
        assert!(std::path::Path::new(&mp).exists());
        let r = run(&Mount, args.clone(), &t.ctx(false));
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(read(&f), "");
        assert!(!std::path::Path::new(&mp).exists());
        assert!(!run(&Mount, args, &t.ctx(false)).changed);
    }

    #[test]
    fn hostile_paths_are_escaped_as_fstab_wants() {
        let mut t = TestCtx::new();
        t.diff = true;
        let f = t.path("fstab");
        let args = json!({"path": "/mnt/my disk\\x\t'$(touch /tmp/pwned)'", "src": "//srv/share name",
                          "fstype": "cifs", "state": "present", "fstab": f});
        let r = run(&Mount, args.clone(), &t.ctx(false));
        assert!(r.changed && !r.failed, "{r:?}");
        let want = "//srv/share\\040name /mnt/my\\040disk\\134x\\011'$(touch\\040/tmp/pwned)' cifs defaults 0 0\n";
        assert_eq!(read(&f), want);
        assert_eq!(r.data["diff"]["before"], "");
        assert_eq!(r.data["diff"]["after"], want);
        assert!(!std::path::Path::new("/tmp/pwned").exists());
        assert!(!run(&Mount, args, &t.ctx(false)).changed);
    }

    #[test]
    fn present_without_src_or_fstype_fails_and_names_them() {
        let t = TestCtx::new();
        let f = t.path("fstab");
        let r = run(
            &Mount,
            json!({"path": "/mnt/x", "state": "mounted", "fstab": f}),
            &t.ctx(false),
        );
        assert!(r.failed, "{r:?}");
        let msg = r.msg.unwrap();
        assert!(msg.contains("`src`") && msg.contains("`mounted`"), "{msg}");
        assert!(!std::path::Path::new(&f).exists());
    }

    #[test]
    fn unmounted_and_remounted_see_what_is_not_mounted() {
        let t = TestCtx::new();
        let mp = t.path("never-mounted");
        let r = run(
            &Mount,
            json!({"path": mp, "state": "unmounted"}),
            &t.ctx(false),
        );
        assert!(!r.changed && !r.failed, "{r:?}");
        let r = run(
            &Mount,
            json!({"path": mp, "state": "remounted"}),
            &t.ctx(false),
        );
        assert!(r.failed && r.msg.unwrap().contains("not mounted"));
    }

    #[test]
    fn fully_qualified_name_finds_the_module() {
        assert!(crate::modules::find("ansible.posix.mount").is_some());
    }
}
