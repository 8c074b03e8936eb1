//! `uri`: one HTTP request from the target (curl or wget, see http.sh). The body is encoded
//! here (json, form-urlencoded, raw) and sent on stdin; the response body comes back as payload
//! for `content`/`json`, or is written to `dest` on the target.

use serde_json::Value;

use super::args::{Arg, Args, FreeForm, Kind, ModuleSpec, Return};
use super::http::{HTTP_SH, request_stdin};
use super::script::{Script, ScriptOutput};
use super::{Action, Ctx, Module, RemoteCall};
use crate::result::TaskResult;
use crate::transport::Stdin;

const BODY: &str = include_str!("../../modules/uri.sh");

pub struct Uri;

static SPEC: ModuleSpec = ModuleSpec {
    name: "uri",
    summary: "Sends an HTTP request from the target and returns the response",
    aliases: &[],
    free_form: FreeForm::KeyValue,
    args: &[
        Arg::new("url", Kind::Str)
            .required()
            .doc("The `http://` or `https://` URL to send the request to."),
        Arg::new("method", Kind::Str)
            .default("GET")
            .doc("The HTTP method."),
        Arg::new("body", Kind::Any).doc(
            "The request body: text, or with `body_format` json or form-urlencoded a mapping \
             or list to encode.",
        ),
        Arg::new("body_format", Kind::Str)
            .choices(&["form-urlencoded", "json", "raw"])
            .default("raw")
            .doc(
                "How `body` is encoded: `json` and `form-urlencoded` also set `Content-Type`; \
                 `raw` sends it as it is.",
            ),
        Arg::new("headers", Kind::Any).doc("HTTP headers to send, a mapping of names to values."),
        Arg::new("status_code", Kind::List)
            .default("200")
            .doc("The HTTP statuses that count as success; any other fails the task."),
        Arg::new("return_content", Kind::Bool)
            .default("false")
            .doc("Return the response body as `content` even when it is written to `dest`."),
        Arg::new("dest", Kind::Str).doc("A file on the target to write the response body to."),
        Arg::new("creates", Kind::Str)
            .doc("A path on the target: when it exists, the request is not sent."),
        Arg::new("removes", Kind::Str)
            .doc("A path on the target: when it does not exist, the request is not sent."),
        Arg::new("timeout", Kind::Int)
            .default("30")
            .doc("Seconds the request may take."),
        Arg::new("url_username", Kind::Str).aliases(&["user"]).doc(
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
        Arg::new("follow_redirects", Kind::Str)
            .choices(&["all", "no", "none", "safe", "urllib2", "yes"])
            .default("safe")
            .doc(
                "Whether redirects are followed: `none` (or `no`) follows none; the other values \
                 follow them.",
            ),
        Arg::new("http_agent", Kind::Str)
            .default("ansible-httpget")
            .doc("The `User-Agent` header sent."),
        Arg::new("mode", Kind::Mode).doc(
            "The permissions of the file, as an octal string (`'0644'`) or symbolic \
             (`u=rw,g=r`); quote octal numbers in YAML.",
        ),
        Arg::new("owner", Kind::Str)
            .doc("The user that owns the file (a name, or a number taken as a uid)."),
        Arg::new("group", Kind::Str)
            .doc("The group that owns the file (a name, or a number taken as a gid)."),
        Arg::new("use_proxy", Kind::Bool).doc(
            "Accepted as Ansible does; curl and wget use the proxy the target's environment \
             names.",
        ),
        Arg::new("unsafe_writes", Kind::Bool)
            .doc("Accepted as Ansible does; rconf always writes through a temp file and a rename."),
    ],
    any_args: false,
    required_one_of: &[],
    mutually_exclusive: &[],
    rules: &[],
    returns: &[
        Return::new(
            "status",
            "int",
            "always",
            "The HTTP status of the answer (-1 when none came).",
        ),
        Return::new("url", "str", "always", "The URL asked for."),
        Return::new(
            "msg",
            "str",
            "always",
            "What happened (`OK (N bytes)`, an error).",
        ),
        Return::new(
            "elapsed",
            "int",
            "a request was made",
            "Seconds the request took.",
        ),
        Return::new(
            "content",
            "str",
            "return_content=true",
            "The response body.",
        ),
        Return::new(
            "json",
            "dict",
            "the response is JSON",
            "The response body, parsed.",
        ),
        Return::new(
            "path",
            "str",
            "dest given",
            "The file the body was written to.",
        ),
    ],
    notes: "Each response header is also a key of the result, its name lowercased with `-` turned to `_` \
            (`content_type`). Check mode skips the task, as in Ansible.",
    example: concat!(
        "- uri:\n",
        "    url: http://localhost:8080/health\n",
        "    return_content: true\n",
        "  register: health"
    ),
};

/// `application/x-www-form-urlencoded` encoding of one key or value.
fn form_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A request body and the Content-Type it implies.
type Body = (Vec<u8>, Option<&'static str>);

/// The request body, encoded as `body_format` says.
fn encode_body(args: &Args) -> Result<Option<Body>, String> {
    let Some(body) = args.get("body") else {
        return Ok(None);
    };
    Ok(Some(match args.str("body_format").unwrap_or("raw") {
        "json" => (
            match body {
                Value::String(s) => s.clone().into_bytes(),
                other => other.to_string().into_bytes(),
            },
            Some("application/json"),
        ),
        "form-urlencoded" => {
            let pairs: Vec<(String, String)> = match body {
                Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
                Value::Array(items) => items
                    .iter()
                    .map(|p| match p {
                        Value::Array(kv) if kv.len() == 2 => Ok((text(&kv[0]), text(&kv[1]))),
                        other => Err(format!(
                            "form-urlencoded `body` items must be [key, value] pairs, got `{other}`"
                        )),
                    })
                    .collect::<Result<_, _>>()?,
                Value::String(s) => {
                    return Ok(Some((
                        s.clone().into_bytes(),
                        Some("application/x-www-form-urlencoded"),
                    )));
                }
                other => {
                    return Err(format!(
                        "form-urlencoded `body` must be a mapping, got `{other}`"
                    ));
                }
            };
            let enc: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}={}", form_escape(k), form_escape(v)))
                .collect();
            (
                enc.join("&").into_bytes(),
                Some("application/x-www-form-urlencoded"),
            )
        }
        _ => (text(body).into_bytes(), None),
    }))
}

fn build(args: &Args, ctx: &Ctx) -> Result<RemoteCall, String> {
    let method = args.str("method").unwrap_or("GET").to_ascii_uppercase();
    if method.is_empty() || !method.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(format!("invalid HTTP method `{method}`"));
    }
    let codes: Vec<String> = args
        .list("status_code")
        .unwrap_or_else(|| vec!["200".into()]);
    if let Some(bad) = codes.iter().find(|c| c.parse::<u16>().is_err()) {
        return Err(format!("status code `{bad}` is not a number"));
    }
    let body = encode_body(args)?;
    let mut extra = vec![(
        "User-Agent".to_string(),
        args.string("http_agent")
            .unwrap_or_else(|| "ansible-httpget".into()),
    )];
    if let Some((_, Some(ct))) = &body {
        extra.push(("Content-Type".into(), ct.to_string()));
    }
    let mut stdin = request_stdin(args, &extra)?;
    if let Some((bytes, _)) = body {
        stdin.extend_from_slice(b"B\n");
        stdin.extend(bytes);
    }
    let mut s = Script::new(ctx)?;
    s.args(
        args,
        &[
            "url",
            "dest",
            "creates",
            "removes",
            "validate_certs",
            "mode",
            "owner",
            "group",
        ],
    )?;
    s.var("A_method", method.as_bytes())?;
    s.var("A_status_code", codes.join(",").as_bytes())?;
    s.var(
        "A_timeout",
        args.int("timeout").unwrap_or(30).to_string().as_bytes(),
    )?;
    let follow = !matches!(args.str("follow_redirects"), Some("no" | "none"));
    s.var("A_follow", if follow { b"1" } else { b"0" })?;
    let want = args.bool("return_content", false) || !args.has("dest");
    s.var("A_want_body", if want { b"1" } else { b"0" })?;
    Ok(RemoteCall {
        script: s.finish(&format!("{HTTP_SH}{BODY}")),
        stdin: Stdin::Bytes(stdin),
    })
}

impl Module for Uri {
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn plan(&self, args: &Args, ctx: &Ctx) -> Action {
        if ctx.check {
            return Action::Done(TaskResult::skipped(
                "remote module (uri) does not support check mode",
            ));
        }
        match build(args, ctx) {
            Ok(call) => Action::Remote(call),
            Err(e) => Action::Done(TaskResult::failed(e)),
        }
    }

    fn finish(&self, args: &Args, out: ScriptOutput) -> TaskResult {
        let content = out.payload_text();
        let mut r = out.into_result_for("uri");
        if r.failed {
            return r;
        }
        let ok = r.data.remove("status_ok").is_some_and(|v| v == true);
        let is_json = r
            .data
            .get("content_type")
            .and_then(Value::as_str)
            .is_some_and(|ct| ct.contains("json"));
        if is_json && let Ok(js) = serde_json::from_str::<Value>(&content) {
            r.data.insert("json".into(), js);
        }
        if args.bool("return_content", false) {
            r.data.insert("content".into(), Value::from(content));
        }
        if !ok {
            let status = r.data.get("status").cloned().unwrap_or(Value::Null);
            let codes = args
                .list("status_code")
                .unwrap_or_else(|| vec!["200".into()]);
            r.failed = true;
            r.msg = Some(format!(
                "Status code was {status} and not [{}]: HTTP Error {status}",
                codes.join(", ")
            ));
        }
        r
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
            (
                "/api",
                Response::new(201, br#"{"id": 7, "name": "x"}"#)
                    .header("Content-Type", "application/json")
                    .header("X-Failed", "true"),
            ),
            ("/page", Response::new(200, b"<html>hi</html>")),
            ("/err", Response::new(500, b"boom")),
        ])
    }

    #[test]
    fn posts_json_and_returns_status_headers_and_json() {
        let srv = server();
        let t = TestCtx::new();
        let r = run(
            &Uri,
            json!({"url": srv.url("/api"), "method": "POST", "body_format": "json",
                   "body": {"name": "x 'y' $(z)"}, "status_code": [200, 201],
                   "headers": {"Authorization": "Bearer s3cret"}, "return_content": true}),
            &t.ctx(false),
        );
        assert!(!r.failed && !r.changed, "{r:?}");
        assert_eq!(r.data["status"], 201);
        assert_eq!(r.data["json"]["id"], 7);
        assert_eq!(r.data["content"], r#"{"id": 7, "name": "x"}"#);
        assert_eq!(r.data["content_type"], "application/json");
        assert_eq!(r.data["x_failed"], "true");
        let req = srv.requests().pop().unwrap();
        assert_eq!((req.method.as_str(), req.path.as_str()), ("POST", "/api"));
        assert_eq!(req.body, br#"{"name":"x 'y' $(z)"}"#);
        assert_eq!(req.headers["content-type"], "application/json");
        assert_eq!(req.headers["authorization"], "Bearer s3cret");
    }

    #[test]
    fn form_bodies_unexpected_status_and_dest() {
        let srv = server();
        let t = TestCtx::new();
        let r = run(
            &Uri,
            json!({"url": srv.url("/page"), "method": "PUT", "body_format": "form-urlencoded",
                   "body": {"a b": "c&d=é"}}),
            &t.ctx(false),
        );
        assert!(!r.failed, "{r:?}");
        assert!(
            !r.data.contains_key("content"),
            "content only with return_content"
        );
        let req = srv.requests().pop().unwrap();
        assert_eq!(req.body, b"a+b=c%26d%3D%C3%A9");
        assert_eq!(
            req.headers["content-type"],
            "application/x-www-form-urlencoded"
        );
        let r = run(&Uri, json!({"url": srv.url("/err")}), &t.ctx(false));
        assert!(r.failed && r.data["status"] == 500, "{r:?}");
        assert!(
            r.msg
                .unwrap()
                .starts_with("Status code was 500 and not [200]")
        );
        let dest = t.path("page.html");
        let args = json!({"url": srv.url("/page"), "dest": dest});
        assert!(run(&Uri, args.clone(), &t.ctx(false)).changed);
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "<html>hi</html>");
        assert!(!run(&Uri, args.clone(), &t.ctx(false)).changed);
        let r = run(&Uri, args, &t.ctx(true));
        assert!(r.skipped);
        let r = run(
            &Uri,
            json!({"url": srv.url("/page"), "creates": dest}),
            &t.ctx(false),
        );
        assert!(
            !r.changed && r.msg.as_deref().unwrap().contains("exists"),
            "{r:?}"
        );
    }
}
