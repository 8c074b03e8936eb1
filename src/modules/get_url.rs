//! `get_url`: downloads a URL on the target (curl or wget, see http.sh) into a temp file beside
//! `dest`, verifies `checksum`, and replaces `dest` only when the content differs.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::http::{HTTP_SH, request_stdin};
use super::script::Script;
use super::{Action, Ctx, Module, RemoteCall};
use crate::result::TaskResult;
use crate::transport::Stdin;

const BODY: &str = include_str!("../../modules/get_url.sh");

pub struct GetUrl;

static SPEC: ModuleSpec = ModuleSpec {
    name: "get_url",
    summary: "Downloads a URL to a file on the target (curl or wget)",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("url", Kind::Str)
            .required()
            .doc("The `http://`, `https://` or `ftp://` URL to download."),
        Arg::new("dest", Kind::Str).required().doc(
            "Where the file goes on the target; a directory gets the file under the URL's last \
             path segment.",
        ),
        Arg::new("checksum", Kind::Str).doc(
            "`ALGORITHM:HEX` (`sha256:0123...`): the download must have this digest, and an \
             existing `dest` that has it is not downloaded again.",
        ),
        Arg::new("force", Kind::Bool)
            .aliases(&["thirsty"])
            .default("false")
            .doc(
                "Download again even when `dest` exists, and replace it when the content differs.",
            ),
        Arg::new("headers", Kind::Any).doc("HTTP headers to send, a mapping of names to values."),
        Arg::new("timeout", Kind::Int)
            .default("10")
            .doc("Seconds the request may take."),
        Arg::new("url_username", Kind::Str)
            .aliases(&["username"])
            .doc(
                "The user name for HTTP basic authentication; the credentials travel on stdin into \
                 a private curl or wget configuration, never on a command line.",
            ),
        Arg::new("url_password", Kind::Str)
            .secret()
            .aliases(&["password"])
            .doc("The password for HTTP basic authentication, with `url_username`."),
        Arg::new("force_basic_auth", Kind::Bool)
            .doc("Accepted as Ansible does; the credentials are sent with the first request."),
        Arg::new("validate_certs", Kind::Bool)
            .default("true")
            .doc("Check the server's TLS certificate; false accepts any certificate."),
        Arg::new("backup", Kind::Bool).default("false").doc(
            "Keep a copy of the old file beside it, its name stamped with the time, before \
             replacing it.",
        ),
        Arg::new("http_agent", Kind::Str)
            .default("ansible-httpget")
            .doc("The `User-Agent` header sent."),
        Arg::new("use_proxy", Kind::Bool).doc(
            "Accepted as Ansible does; curl and wget use the proxy the target's environment \
             names.",
        ),
        Arg::new("mode", Kind::Mode).doc(
            "The permissions of the file, as an octal string (`'0644'`) or symbolic \
             (`u=rw,g=r`); quote octal numbers in YAML.",
        ),
        Arg::new("owner", Kind::Str)
            .doc("The user that owns the file (a name, or a number taken as a uid)."),
        Arg::new("group", Kind::Str)
            .doc("The group that owns the file (a name, or a number taken as a gid)."),
        Arg::new("tmp_dest", Kind::Str)
            .doc("Accepted as Ansible does; rconf downloads to a temp file beside `dest`."),
        Arg::new("unsafe_writes", Kind::Bool)
            .doc("Accepted as Ansible does; rconf always writes through a temp file and a rename."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new("dest", "str", "success", "The file written."),
        Return::new("url", "str", "always", "The URL asked for."),
        Return::new(
            "status_code",
            "int",
            "a request was made",
            "The HTTP status of the answer.",
        ),
        Return::new(
            "msg",
            "str",
            "always",
            "What happened (`OK (N bytes)`, `file already exists`, an error).",
        ),
        Return::new(
            "checksum_src",
            "str",
            "downloaded",
            "The SHA-1 of what was downloaded.",
        ),
        Return::new(
            "checksum_dest",
            "str",
            "downloaded",
            "The SHA-1 of `dest` after the task.",
        ),
        Return::new("elapsed", "int", "downloaded", "Seconds the download took."),
        Return::new(
            "backup_file",
            "str",
            "changed and backup=true",
            "The copy of the old file.",
        ),
    ],
    notes: "",
    example: concat!(
        "- get_url:\n",
        "    url: https://example.org/app.tar.gz\n",
        "    dest: /opt/app.tar.gz\n",
        "    checksum: sha256:8a4f1b4b2f0f0e5d7c51d1c4b1e3f8a1d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f\n",
        "    mode: '0644'"
    ),
};

const ALGORITHMS: &[&str] = &["md5", "sha1", "sha224", "sha256", "sha384", "sha512"];

/// `sha256:abc...` -> its lowercased form, after checking the algorithm and the digits.
fn checksum(spec: &str) -> Result<String, String> {
    let (alg, sum) = spec.split_once(':').ok_or_else(|| {
        format!("checksum `{spec}` must be `<algorithm>:<hex digest>`, e.g. `sha256:...`")
    })?;
    let alg = alg.trim().to_ascii_lowercase();
    if !ALGORITHMS.contains(&alg.as_str()) {
        return Err(format!(
            "checksum algorithm `{alg}` is not supported; expected one of: {}",
            ALGORITHMS.join(", ")
        ));
    }
    let sum = sum.trim().to_ascii_lowercase();
    if sum.starts_with("http://") || sum.starts_with("https://") || sum.starts_with("ftp://") {
        return Err("a checksum URL is not supported; give the hex digest".into());
    }
    if sum.is_empty() || !sum.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("checksum `{spec}` does not end in a hex digest"));
    }
    Ok(format!("{alg}:{sum}"))
}

impl Module for GetUrl {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        let built = (|| {
            let mut s = Script::new(ctx)?;
            s.args(
                args,
                &[
                    "url",
                    "dest",
                    "force",
                    "timeout",
                    "validate_certs",
                    "backup",
                    "mode",
                    "owner",
                    "group",
                ],
            )?;
            if let Some(c) = args.str("checksum").filter(|c| !c.is_empty()) {
                s.var("A_checksum", checksum(c)?.as_bytes())?;
            }
            let agent = args
                .string("http_agent")
                .unwrap_or_else(|| "ansible-httpget".into());
            let stdin = request_stdin(args, &[("User-Agent".into(), agent)])?;
            let body = format!("{HTTP_SH}{BODY}");
            Ok::<_, String>(RemoteCall {
                script: s.finish(&body),
                stdin: Stdin::Bytes(stdin),
            })
        })();
        match built {
            Ok(call) => Action::Remote(call),
            Err(e) => Action::Done(TaskResult::failed(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::http_test_server::{Response, Server};
    use crate::modules::testutil::{TestCtx, run};
    use serde_json::json;

    fn server() -> Server {
        Server::start(vec![
            ("/f.txt", Response::new(200, b"payload 'x' $(y)\n")),
            ("/bin", Response::new(200, b"\x00\x01\xff")),
            (
                "/redir",
                Response::new(302, b"").header("Location", "/f.txt"),
            ),
            ("/secret", Response::new(200, b"ok\n")),
        ])
    }

    #[test]
    fn downloads_once_and_check_mode_only_asks() {
        let srv = server();
        let t = TestCtx::new();
        let dest = t.path("out 'q'.txt");
        let args = json!({"url": srv.url("/f.txt"), "dest": dest, "mode": "0640"});
        let r = run(&GetUrl, args.clone(), &t.ctx(true));
        assert!(r.changed && !r.failed, "{r:?}");
        assert!(!std::path::Path::new(&dest).exists());
        assert_eq!(srv.requests().last().unwrap().method, "HEAD");
        let r = run(&GetUrl, args.clone(), &t.ctx(false));
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(std::fs::read(&dest).unwrap(), b"payload 'x' $(y)\n");
        assert_eq!(r.data["status_code"], 200);
        assert_eq!(r.data["mode"], "0640");
        assert_eq!(r.msg.as_deref(), Some("OK (17 bytes)"));
        let n = srv.requests().len();
        let r = run(&GetUrl, args.clone(), &t.ctx(false));
        assert!(
            !r.changed && r.msg.as_deref() == Some("file already exists"),
            "{r:?}"
        );
        assert_eq!(
            srv.requests().len(),
            n,
            "an existing dest is not downloaded again"
        );
        let mut forced = args;
        forced["force"] = json!(true);
        assert!(!run(&GetUrl, forced, &t.ctx(false)).changed);
        let names: Vec<_> = std::fs::read_dir(t.dir()).unwrap().collect();
        assert_eq!(names.len(), 1, "temp files left: {names:?}");
    }

    #[test]
    fn checksum_redirect_directory_dest_and_errors() {
        let srv = server();
        let t = TestCtx::new();
        let r = run(
            &GetUrl,
            json!({"url": srv.url("/redir"), "dest": t.dir(), "checksum": "sha256:00"}),
            &t.ctx(false),
        );
        assert!(
            r.failed && r.msg.as_deref().unwrap().contains("did not match"),
            "{r:?}"
        );
        assert!(!std::path::Path::new(&t.path("redir")).exists());
        let want = {
            use sha2::Digest;
            let d = sha2::Sha256::digest(b"payload 'x' $(y)\n");
            format!(
                "sha256:{}",
                d.iter().map(|b| format!("{b:02x}")).collect::<String>()
            )
        };
        let r = run(
            &GetUrl,
            json!({"url": srv.url("/redir"), "dest": t.dir(), "checksum": want}),
            &t.ctx(false),
        );
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(
            std::fs::read(t.path("redir")).unwrap(),
            b"payload 'x' $(y)\n"
        );
        let r = run(
            &GetUrl,
            json!({"url": srv.url("/missing"), "dest": t.path("m")}),
            &t.ctx(false),
        );
        assert!(r.failed && r.data["status_code"] == 404, "{r:?}");
        assert!(!std::path::Path::new(&t.path("m")).exists());
        // No HTTP answer at all (nothing listens on port 9): Ansible's -1, valid JSON.
        let r = run(
            &GetUrl,
            json!({"url": "http://127.0.0.1:9/none", "dest": t.path("n")}),
            &t.ctx(false),
        );
        assert!(r.failed && r.data.get("status_code") == Some(&json!(-1)), "{r:?}");
        assert!(r.msg.as_deref().is_some_and(|m| m.starts_with("Request failed: ")), "{r:?}");
        let r = run(
            &GetUrl,
            json!({"url": srv.url("/f.txt"), "dest": t.path("x"), "checksum": "crc:1"}),
            &t.ctx(false),
        );
        assert!(r.failed && r.msg.unwrap().contains("`crc`"));
    }

    #[test]
    fn credentials_and_headers_travel_on_stdin() {
        let srv = server();
        let t = TestCtx::new();
        let args = json!({
            "url": srv.url("/secret"), "dest": t.path("s"),
            "url_username": "bob", "url_password": "p@ss \"w\" 'x'",
            "headers": {"X-Token": "abc \"def\""}, "force_basic_auth": true,
        });
        let spec = GetUrl.spec();
        let a = spec.validate(spec.normalize(&args).unwrap()).unwrap();
        let Action::Remote(call) = GetUrl.plan(&a, &t.ctx(false)) else {
            panic!()
        };
        let script = String::from_utf8_lossy(call.script.text());
        assert!(
            !script.contains("p@ss") && !script.contains("abc"),
            "secrets in the script"
        );
        let r = run(&GetUrl, args, &t.ctx(false));
        assert!(r.changed, "{r:?}");
        let req = srv.requests().pop().unwrap();
        use base64::Engine;
        let auth = base64::engine::general_purpose::STANDARD.encode("bob:p@ss \"w\" 'x'");
        assert_eq!(req.headers["authorization"], format!("Basic {auth}"));
        assert_eq!(req.headers["x-token"], "abc \"def\"");
        assert_eq!(req.headers["user-agent"], "ansible-httpget");
    }

    #[test]
    fn wget_is_used_when_curl_is_missing() {
        if !std::path::Path::new("/usr/bin/wget").exists() {
            eprintln!("wget not installed: wget fallback not tested");
            return;
        }
        let srv = server();
        let t = TestCtx::new();
        let args = json!({"url": srv.url("/bin"), "dest": t.path("b"), "url_username": "u", "url_password": "p w",
                          "headers": {"X-A": "1"}});
        let spec = GetUrl.spec();
        let a = spec.validate(spec.normalize(&args).unwrap()).unwrap();
        let ctx = t.ctx(false);
        let Action::Remote(call) = GetUrl.plan(&a, &ctx) else {
            panic!()
        };
        let mut program = call.script;
        program.prepend(b"RC_NO_CURL=1\n");
        let out = crate::modules::script::run_local(&program, &call.stdin);
        let r = GetUrl.finish(
            &a,
            crate::modules::script::ScriptOutput::parse(out, ctx.marker),
        );
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(std::fs::read(t.path("b")).unwrap(), b"\x00\x01\xff");
        let req = srv.requests().pop().unwrap();
        assert!(
            req.headers["user-agent"].starts_with("ansible-httpget"),
            "{req:?}"
        );
        assert_eq!(req.headers["x-a"], "1");
        assert_eq!(req.headers["authorization"], "Basic dTpwIHc=");
    }
}
