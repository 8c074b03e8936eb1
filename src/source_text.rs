//! Users' files read as UTF-8 text. One that is not UTF-8 (a Latin-1 `é`, a binary file given
//! by mistake) is reported at its first invalid byte: line, column and byte offset.

use std::path::Path;

use crate::error::{Diagnostic, Error, Location};

/// The file's text; an unreadable file is `cannot read WHAT `PATH`: REASON`.
pub fn read(path: &Path, what: &str) -> Result<String, Error> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::msg(format!("cannot read {what} `{}`: {e}", path.display())))?;
    decode(path, bytes).map_err(Error::input)
}

/// `bytes` as text, or where in `path` the first byte that is not UTF-8 is.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let offset = e.utf8_error().valid_up_to();
        // Everything before the offset is valid, so it can be counted in characters.
        let before = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.matches('\n').count() + 1;
        let col = before[line_start..].chars().count() + 1;
        Diagnostic::at(
            Location::new(path, line, col),
            format!(
                "the file is not valid UTF-8: byte 0x{:02x} at offset {offset} is not part of a \
                 UTF-8 character (save the file as UTF-8)",
                bytes[offset]
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_invalid_byte_is_located() {
        let d = decode(Path::new("vars.yml"), b"a: 1\nname: caf\xe9\n".to_vec()).unwrap_err();
        assert_eq!(
            d.to_string(),
            "vars.yml:2:10: the file is not valid UTF-8: byte 0xe9 at offset 14 is not part of \
             a UTF-8 character (save the file as UTF-8)"
        );
        // Columns count characters, not bytes.
        let d = decode(Path::new("x"), b"\xc3\xa9\xc3\xa9\xff".to_vec()).unwrap_err();
        assert!(d.to_string().starts_with("x:1:3: "), "{d}");
    }

    #[test]
    fn text_passes_through() {
        assert_eq!(decode(Path::new("x"), b"ok\n".to_vec()).unwrap(), "ok\n");
    }
}
