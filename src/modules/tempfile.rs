//! `tempfile`: a temporary file or directory on the target (tempfile.sh, mktemp).

use super::args::{Arg, FreeForm, Kind, ModuleSpec, Return};
use super::simple::sh_module;

const BODY: &str = include_str!("../../modules/tempfile.sh");

pub struct TempFile;

static SPEC: ModuleSpec = ModuleSpec {
    name: "tempfile",
    summary: "Creates a temporary file or directory",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("state", Kind::Str)
            .choices(&["directory", "file"])
            .default("file")
            .doc("Whether to create a `file` or a `directory`."),
        Arg::new("path", Kind::Str)
            .doc("The directory to create it in; unset, `$TMPDIR` or `/tmp`."),
        Arg::new("prefix", Kind::Str)
            .default("ansible.")
            .doc("The start of the new name."),
        Arg::new("suffix", Kind::Str)
            .default("")
            .doc("The end of the new name."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[Return::new(
        "path",
        "str",
        "success",
        "The file or directory created.",
    )],
    notes: "",
    example: concat!(
        "- tempfile:\n",
        "    state: directory\n",
        "  register: scratch"
    ),
};

sh_module!(TempFile, SPEC, BODY);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    #[test]
    fn makes_a_directory_or_file_with_prefix_and_suffix() {
        let t = TestCtx::new();
        let r = run(
            &TempFile,
            json!({"state": "directory", "path": t.dir(), "prefix": "p.", "suffix": ".d"}),
            &t.ctx(false),
        );
        assert!(r.changed && !r.failed, "{r:?}");
        let p = r.data["path"].as_str().unwrap().to_string();
        assert!(std::path::Path::new(&p).is_dir());
        let base = p.rsplit('/').next().unwrap();
        assert!(base.starts_with("p.") && base.ends_with(".d"), "{base}");
        let r = run(&TempFile, json!({"path": t.dir()}), &t.ctx(false));
        let p = r.data["path"].as_str().unwrap();
        assert!(std::path::Path::new(p).is_file());
        assert!(p.rsplit('/').next().unwrap().starts_with("ansible."));
        let before = std::fs::read_dir(t.tmp.path()).unwrap().count();
        assert!(run(&TempFile, json!({"path": t.dir()}), &t.ctx(true)).changed);
        assert_eq!(
            std::fs::read_dir(t.tmp.path()).unwrap().count(),
            before,
            "check mode made a file"
        );
    }
}
