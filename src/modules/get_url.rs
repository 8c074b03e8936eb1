//! `get_url`: downloads a URL on the target (curl or wget, see http.sh) into a temp file beside
//! `dest`, verifies `checksum`, and replaces `dest` only when the content differs.

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec};
use super::http::{HTTP_SH, request_stdin};
use super::script::Script;
use super::{Action, Ctx, Module, RemoteCall};
use crate::result::TaskResult;
use crate::transport::Stdin;

const BODY: &str = include_str!("../../modules/get_url.sh");

pub struct GetUrl;

static SPEC: ModuleSpec = ModuleSpec {
    name: "get_url",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("url", Kind::Str).required(),
        Arg::new("dest", Kind::Str).required(),
        Arg::new("checksum", Kind::Str),
        Arg::new("force", Kind::Bool).aliases(&["thirsty"]),
        Arg::new("headers", Kind::Any),
        Arg::new("timeout", Kind::Int),
        Arg::new("url_username", Kind::Str).aliases(&["username"]),
        Arg::new("url_password", Kind::Str).aliases(&["password"]),
        Arg::new("force_basic_auth", Kind::Bool),
        Arg::new("validate_certs", Kind::Bool),
        Arg::new("backup", Kind::Bool),
        Arg::new("http_agent", Kind::Str),
        Arg::new("use_proxy", Kind::Bool),
        Arg::new("mode", Kind::Mode),
        Arg::new("owner", Kind::Str),
        Arg::new("group", Kind::Str),
        Arg::new("tmp_dest", Kind::Str),
        Arg::new("unsafe_writes", Kind::Bool),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
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
