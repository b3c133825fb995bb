//! Generated codes, for shops that are not on Amazon: a CSPRNG over an unambiguous alphabet.

use crate::code::PromoCode;
use rand::Rng;

/// Upper-case letters and digits without look-alikes (no 0/O, 1/I/L, 5/S, 2/Z, 8/B).
pub const ALPHABET: &[u8] = b"34679ACDEFGHJKMNPQRTUVWXY";

/// Generates one code of `groups` groups of `group_len` characters joined by `-`, from the
/// operating system's CSPRNG (`rand::rngs::OsRng` through `ThreadRng`, which is a CSPRNG).
pub fn generate(groups: usize, group_len: usize) -> PromoCode {
    let mut rng = rand::rng();
    let mut s = String::with_capacity(groups * (group_len + 1));
    for g in 0..groups.max(1) {
        if g > 0 {
            s.push('-');
        }
        for _ in 0..group_len.max(2) {
            s.push(ALPHABET[rng.random_range(0..ALPHABET.len())] as char);
        }
    }
    // The alphabet and shape always parse; a failure here is a programming error.
    PromoCode::parse(&s).unwrap_or_else(|e| panic!("generated code does not parse: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_use_only_the_alphabet_and_differ() {
        let a = generate(3, 5);
        let b = generate(3, 5);
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 17);
        assert!(
            a.expose()
                .bytes()
                .all(|c| c == b'-' || ALPHABET.contains(&c))
        );
    }
}
