//! What `get_url` and `uri` share: the request settings that travel on stdin (headers and
//! credentials, never in a process's argv) for modules/http.sh.

use serde_json::Value;

use super::args::Args;

/// http.sh's function library, put before the module body.
pub const HTTP_SH: &str = include_str!("../../modules/http.sh");

/// `H header` / `U user` / `P password` lines for `rc_http_init`, from `headers`,
/// `url_username` and `url_password`. Values with a newline are refused.
pub fn request_stdin(args: &Args, extra_headers: &[(String, String)]) -> Result<Vec<u8>, String> {
    let mut out = String::new();
    let mut headers: Vec<(String, String)> = Vec::new();
    match args.get("headers") {
        None => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                headers.push((k.clone(), v));
            }
        }
        Some(other) => {
            return Err(format!(
                "argument `headers` must be a mapping of header names to values, got `{other}`"
            ));
        }
    }
    for (k, v) in extra_headers {
        if !headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(k)) {
            headers.push((k.clone(), v.clone()));
        }
    }
    for (k, v) in &headers {
        if k.contains(['\n', '\r', ':']) || v.contains(['\n', '\r']) || k.is_empty() {
            return Err(format!(
                "header `{k}` cannot be sent: names and values must be one line, and names cannot hold `:`"
            ));
        }
        out.push_str(&format!("H {k}: {v}\n"));
    }
    if let Some(user) = args.string("url_username") {
        let pass = args.string("url_password").unwrap_or_default();
        if user.contains(['\n', '\r']) || pass.contains(['\n', '\r']) {
            return Err("`url_username` and `url_password` cannot contain a newline".into());
        }
        out.push_str(&format!("U {user}\nP {pass}\n"));
    }
    Ok(out.into_bytes())
}
