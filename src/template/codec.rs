//! Text in the encodings Ansible users name (`b64encode(encoding=...)`, the template
//! module's `output_encoding`): UTF-8, UTF-16 in either byte order, Latin-1, Windows-1252
//! and ASCII, as Python's codecs write and read them.

/// Text as bytes in one of the encodings roles name (UTF-8, UTF-16 in either order, Latin-1,
/// ASCII), as Python's `str.encode`.
pub fn encode_text(text: &str, encoding: &str) -> Result<Vec<u8>, String> {
    let units = || text.encode_utf16();
    Ok(match encoding {
        "utf-8" | "utf8" => text.as_bytes().to_vec(),
        "utf-16-le" | "utf-16le" => units().flat_map(u16::to_le_bytes).collect(),
        "utf-16-be" | "utf-16be" => units().flat_map(u16::to_be_bytes).collect(),
        // Python writes a byte order mark, then little-endian units.
        "utf-16" | "utf16" => [0xff, 0xfe]
            .into_iter()
            .chain(units().flat_map(u16::to_le_bytes))
            .collect(),
        "latin-1" | "latin1" | "iso-8859-1" | "ascii" => {
            let limit = if encoding == "ascii" { 0x7f } else { 0xff };
            text.chars()
                .map(|c| {
                    u8::try_from(u32::from(c))
                        .ok()
                        .filter(|b| u32::from(*b) <= limit)
                        .ok_or_else(|| format!("'{encoding}' codec can't encode character {c:?}"))
                })
                .collect::<Result<_, _>>()?
        }
        "windows-1252" | "cp1252" => text
            .chars()
            .map(|c| {
                cp1252_byte(c)
                    .ok_or_else(|| format!("'charmap' codec can't encode character {c:?}"))
            })
            .collect::<Result<_, _>>()?,
        other => return Err(format!("unknown encoding: {other}")),
    })
}

/// Bytes read back as text in `encoding` (see [`encode_text`]).
pub fn decode_text(bytes: &[u8], encoding: &str) -> Result<String, String> {
    let utf16 = |le: bool, bytes: &[u8]| -> Result<String, String> {
        let units: Vec<u16> = bytes
            .chunks(2)
            .map(|c| match (le, c) {
                (true, [a, b]) => u16::from_le_bytes([*a, *b]),
                (false, [a, b]) => u16::from_be_bytes([*a, *b]),
                _ => 0xfffd,
            })
            .collect();
        String::from_utf16(&units).map_err(|_| format!("the data is not {encoding} text"))
    };
    match encoding {
        "utf-8" | "utf8" => {
            String::from_utf8(bytes.to_vec()).map_err(|_| "the data is not UTF-8 text".to_string())
        }
        "utf-16-le" | "utf-16le" => utf16(true, bytes),
        "utf-16-be" | "utf-16be" => utf16(false, bytes),
        "utf-16" | "utf16" => match bytes {
            [0xfe, 0xff, rest @ ..] => utf16(false, rest),
            [0xff, 0xfe, rest @ ..] => utf16(true, rest),
            _ => utf16(true, bytes),
        },
        "latin-1" | "latin1" | "iso-8859-1" => Ok(bytes.iter().map(|b| char::from(*b)).collect()),
        "ascii" if bytes.is_ascii() => Ok(bytes.iter().map(|b| char::from(*b)).collect()),
        other => Err(format!("cannot decode as {other}")),
    }
}

/// The Windows-1252 byte for `c`: Latin-1 but for 0x80-0x9F, where the code page puts
/// typographic characters (five of its bytes are unassigned).
fn cp1252_byte(c: char) -> Option<u8> {
    const HIGH: [u32; 32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
        0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
        0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ];
    let u = u32::from(c);
    if let Some(i) = HIGH.iter().position(|h| *h == u && u != 0) {
        return Some(0x80 + i as u8);
    }
    match u {
        0..=0x7F | 0xA0..=0xFF => Some(u as u8),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_writes_its_typographic_characters() {
        assert_eq!(
            encode_text("€‚ƒ é", "windows-1252").unwrap(),
            vec![0x80, 0x82, 0x83, 0x20, 0xE9]
        );
        assert!(encode_text("\u{81}", "cp1252").is_err());
        assert_eq!(decode_text(&[0xE9], "latin-1").unwrap(), "é");
    }
}
