//! SHA-crypt (`$5$` and `$6$` password hashes) as `/etc/shadow` and Ansible's `password_hash`
//! write them. The digest (the rounds) is the `sha-crypt` crate's; the hash string is written
//! here because the crate's encoder takes the salt as bytes it base64-encodes, while glibc and
//! Ansible use the salt text as given.

const ITOA64: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const DEFAULT_ROUNDS: u32 = 5000;

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Scheme {
    Sha256,
    Sha512,
}

impl Scheme {
    fn id(self) -> &'static str {
        match self {
            Scheme::Sha256 => "5",
            Scheme::Sha512 => "6",
        }
    }
}

/// True when every character may appear in a crypt salt.
pub fn valid_salt(salt: &str) -> bool {
    salt.bytes().all(|b| ITOA64.contains(&b))
}

/// A random salt of 16 crypt characters.
pub fn random_salt() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ITOA64[rng.random_range(0..ITOA64.len())] as char)
        .collect()
}

/// The full hash string; the salt is cut to 16 characters and `rounds` clamped to the
/// spec's 1000..=999999999 (written out only when not the default 5000).
pub fn hash(scheme: Scheme, password: &[u8], salt: &str, rounds: Option<u32>) -> String {
    let salt = &salt.as_bytes()[..salt.len().min(16)];
    let rounds = rounds.map(|r| r.clamp(1000, 999_999_999));
    let params = sha_crypt::Params::new(rounds.unwrap_or(DEFAULT_ROUNDS))
        .expect("rounds are clamped to the range sha-crypt accepts");
    let encoded = match scheme {
        Scheme::Sha256 => encode(scheme, &sha_crypt::sha256_crypt(password, salt, params)),
        Scheme::Sha512 => encode(scheme, &sha_crypt::sha512_crypt(password, salt, params)),
    };
    let salt = String::from_utf8_lossy(salt);
    match rounds {
        Some(r) if r != DEFAULT_ROUNDS => {
            format!("${}$rounds={r}${salt}${encoded}", scheme.id())
        }
        _ => format!("${}${salt}${encoded}", scheme.id()),
    }
}

/// The spec's byte order: groups of three bytes, each written as four characters, low bits
/// first.
fn encode(scheme: Scheme, c: &[u8]) -> String {
    let (groups, tail): (Vec<[usize; 3]>, ([usize; 3], usize)) = match scheme {
        Scheme::Sha512 => (
            (0..21).map(order512).collect(),
            ([usize::MAX, usize::MAX, 63], 2),
        ),
        Scheme::Sha256 => ((0..10).map(order256).collect(), ([usize::MAX, 31, 30], 3)),
    };
    let byte = |i: usize| if i == usize::MAX { 0 } else { u32::from(c[i]) };
    let mut out = String::new();
    let mut emit = |idx: [usize; 3], n: usize| {
        let mut w = (byte(idx[0]) << 16) | (byte(idx[1]) << 8) | byte(idx[2]);
        for _ in 0..n {
            out.push(ITOA64[(w & 0x3f) as usize] as char);
            w >>= 6;
        }
    };
    for g in groups {
        emit(g, 4);
    }
    emit(tail.0, tail.1);
    out
}

/// Group `i` of SHA-512's order: (0,21,42), (22,43,1), (44,2,23), then repeating by one.
fn order512(i: usize) -> [usize; 3] {
    let base = [i, i + 21, i + 42];
    match i % 3 {
        0 => base,
        1 => [base[1], base[2], base[0]],
        _ => [base[2], base[0], base[1]],
    }
}

/// Group `i` of SHA-256's order: (0,10,20), (21,1,11), (12,22,2), then repeating by one.
fn order256(i: usize) -> [usize; 3] {
    let base = [i, i + 10, i + 20];
    match i % 3 {
        0 => base,
        1 => [base[2], base[0], base[1]],
        _ => [base[1], base[2], base[0]],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha512_spec_vectors() {
        assert_eq!(
            hash(Scheme::Sha512, b"Hello world!", "saltstring", None),
            "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"
        );
        assert_eq!(
            hash(
                Scheme::Sha512,
                b"Hello world!",
                "saltstringsaltstring",
                Some(10000)
            ),
            "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."
        );
    }

    #[test]
    fn sha256_spec_vectors() {
        assert_eq!(
            hash(Scheme::Sha256, b"Hello world!", "saltstring", None),
            "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"
        );
        assert_eq!(
            hash(
                Scheme::Sha256,
                b"Hello world!",
                "saltstringsaltstring",
                Some(10000)
            ),
            "$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA"
        );
    }
}
