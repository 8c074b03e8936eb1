//! Works around a key-parsing gap: OpenSSH writes an ECDSA private scalar as a minimal `mpint`,
//! so about one key in 256 has a scalar shorter than the curve size, which the `ssh-key` crate
//! refuses ("length invalid"). Such an unencrypted key is re-encoded with the scalar padded.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

const MAGIC: &[u8] = b"openssh-key-v1\0";

fn read_string<'a>(b: &'a [u8], at: &mut usize) -> Option<&'a [u8]> {
    let len = u32::from_be_bytes(b.get(*at..*at + 4)?.try_into().ok()?) as usize;
    let s = b.get(*at + 4..*at + 4 + len)?;
    *at += 4 + len;
    Some(s)
}

fn put_string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s);
}

/// The key file `pem` with a short ECDSA scalar padded, or `None` when it is not such a key.
pub(super) fn pad_short_ecdsa_scalar(pem: &str) -> Option<String> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    let blob = STANDARD.decode(body.trim()).ok()?;
    let mut at = MAGIC.len();
    if !blob.starts_with(MAGIC) {
        return None;
    }
    let cipher = read_string(&blob, &mut at)?;
    read_string(&blob, &mut at)?; // kdf name
    read_string(&blob, &mut at)?; // kdf options
    at += 4; // number of keys: OpenSSH writes one
    read_string(&blob, &mut at)?; // public key
    let head = at;
    let private = read_string(&blob, &mut at)?;
    if cipher != b"none" {
        return None;
    }
    let mut p = 8; // two check integers
    let kind = read_string(private, &mut p)?;
    let curve = read_string(private, &mut p)?;
    let point = read_string(private, &mut p)?;
    let scalar = read_string(private, &mut p)?;
    let size = match (kind, curve) {
        (b"ecdsa-sha2-nistp256", b"nistp256") => 32,
        (b"ecdsa-sha2-nistp384", b"nistp384") => 48,
        (b"ecdsa-sha2-nistp521", b"nistp521") => 66,
        _ => return None,
    };
    if scalar.len() >= size {
        return None;
    }
    let comment = read_string(private, &mut p)?;
    let mut block = private[..8].to_vec();
    put_string(&mut block, kind);
    put_string(&mut block, curve);
    put_string(&mut block, point);
    let mut padded = vec![0u8; size - scalar.len()];
    padded.extend_from_slice(scalar);
    put_string(&mut block, &padded);
    put_string(&mut block, comment);
    let mut pad = 1u8;
    while block.len() % 8 != 0 {
        block.push(pad);
        pad += 1;
    }
    let mut out = blob[..head].to_vec();
    put_string(&mut out, &block);
    let text = STANDARD.encode(out);
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(70)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect();
    Some(format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
        lines.join("\n")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A throwaway test key whose P-256 scalar OpenSSH wrote in 31 bytes.
    const SHORT: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAaAAAABNlY2RzYS\n1zaGEyLW5pc3RwMjU2AAAACG5pc3RwMjU2AAAAQQQVW6fvsmuVF5hvyAQtVdhVQrx4rvYs\nFRU+jVwfrhdMCtsLcc9L5KAMAlibQIA/aN8SeHwpQ7a7CJudfG8EztzUAAAAmLp112u6dd\ndrAAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBBVbp++ya5UXmG/I\nBC1V2FVCvHiu9iwVFT6NXB+uF0wK2wtxz0vkoAwCWJtAgD9o3xJ4fClDtrsIm518bwTO3N\nQAAAAfJO1ZghN0yXSmalMwEkxc2gXbZIAKfw4Put0qHlzdYwAAAAAB\n-----END OPENSSH PRIVATE KEY-----\n";
    const SHORT_PUBLIC: &str = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBBVbp++ya5UXmG/IBC1V2FVCvHiu9iwVFT6NXB+uF0wK2wtxz0vkoAwCWJtAgD9o3xJ4fClDtrsIm518bwTO3NQ=";

    #[test]
    fn a_key_with_a_short_scalar_loads_after_padding_and_keeps_its_identity() {
        assert!(russh::keys::decode_secret_key(SHORT, None).is_err());
        let fixed = pad_short_ecdsa_scalar(SHORT).expect("a short scalar");
        let key = russh::keys::decode_secret_key(&fixed, None).unwrap();
        let public = key.public_key().to_openssh().unwrap();
        assert!(public.contains(SHORT_PUBLIC), "{public}");
    }

    #[test]
    fn other_keys_are_left_alone() {
        assert_eq!(pad_short_ecdsa_scalar("not a key"), None);
        let padded = pad_short_ecdsa_scalar(SHORT).unwrap();
        assert_eq!(pad_short_ecdsa_scalar(&padded), None);
    }
}
