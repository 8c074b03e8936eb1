//! The one function that quotes a value for a POSIX shell. Every argument a module sends to a
//! target goes through `quote`, so this file is the whole injection surface.

/// Quotes `value` as one POSIX sh word that expands to exactly these bytes: the value is wrapped
/// in single quotes and each embedded `'` becomes `'\''`. Works on arbitrary bytes (non-UTF-8
/// included); NUL cannot be passed through a shell word, so it is refused.
pub fn quote(value: &[u8]) -> Result<Vec<u8>, String> {
    if value.contains(&0) {
        return Err(
            "a value passed to the target contains a NUL byte, which a shell cannot carry".into(),
        );
    }
    let mut out = Vec::with_capacity(value.len() + 2);
    out.push(b'\'');
    for &b in value {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
    Ok(out)
}

/// `quote` for text; the result is text too.
pub fn quote_str(value: &str) -> Result<String, String> {
    quote(value.as_bytes()).map(|q| String::from_utf8(q).expect("quoting keeps UTF-8 valid"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn through_sh(value: &[u8]) -> Vec<u8> {
        let mut script = b"printf %s ".to_vec();
        script.extend(quote(value).unwrap());
        use std::os::unix::ffi::OsStrExt;
        let out = Command::new("/bin/sh")
            .arg("-c")
            .arg(std::ffi::OsStr::from_bytes(&script))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    #[test]
    fn hostile_values_arrive_byte_exact_through_sh() {
        let cases: &[&[u8]] = &[
            b"",
            b"plain",
            b"it's",
            b"''",
            b"'",
            b"$(touch /tmp/rconf-pwned)",
            b"`id`",
            b"a; rm -rf /nonexistent",
            b"line1\nline2\n",
            b"  spaces  inside ",
            b"*",
            b"~",
            b"~root",
            b"-n",
            b"--help",
            b"\\n \\ back\\slash",
            b"$HOME ${PATH} $1 $@",
            b"\"double\" 'single' \"'mixed'\"",
            b"!event #comment &bg |pipe >redir <in",
            b"\xff\xfe non-utf8 \x80",
            b"\t\r\x01\x7f",
        ];
        for &case in cases {
            assert_eq!(
                through_sh(case),
                case,
                "value {:?}",
                String::from_utf8_lossy(case)
            );
        }
    }

    #[test]
    fn nul_is_refused() {
        assert!(quote(b"a\0b").unwrap_err().contains("NUL"));
    }

    #[test]
    fn quote_str_is_single_quoted() {
        assert_eq!(quote_str("a'b").unwrap(), "'a'\\''b'");
    }
}
