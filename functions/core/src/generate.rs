//! Generated codes, for shops that are not on Amazon: a CSPRNG over an unambiguous alphabet.

use crate::code::PromoCode;
use crate::error::ParseError;
use rand::Rng;

/// Upper-case letters and digits without look-alikes (no 0/O, 1/I/L, 5/S, 2/Z, 8/B).
pub const ALPHABET: &[u8] = b"34679ACDEFGHJKMNPQRTUVWXY";

/// The longest code there is (see [`PromoCode`]).
const MAX_CODE: usize = 64;
/// The shortest code there is.
const MIN_CODE: usize = 4;

/// Generates one code of `groups` groups of `group_len` characters joined by `-`, from the
/// operating system's CSPRNG (`rand::rngs::OsRng` through `ThreadRng`, which is a CSPRNG).
///
/// Refuses a shape that is not a code: no group, groups shorter than 2 characters, or fewer
/// than 4 or more than 64 characters in all (`groups * (group_len + 1) - 1`). Use this for a
/// shape a person chose.
pub fn try_generate(groups: usize, group_len: usize) -> Result<PromoCode, ParseError> {
    let bad = |why: &str| Err(ParseError::new("code shape", why));
    if groups == 0 {
        return bad("needs at least one group");
    }
    if group_len < 2 {
        return bad("groups need at least 2 characters");
    }
    // groups >= 1 and group_len >= 2, so the product is at least 3 and `- 1` cannot wrap.
    let Some(len) = group_len
        .checked_add(1)
        .and_then(|g| g.checked_mul(groups))
        .map(|n| n - 1)
        .filter(|n| *n <= MAX_CODE)
    else {
        return bad("codes would be longer than 64 characters; use fewer or shorter groups");
    };
    if len < MIN_CODE {
        return bad("codes would be shorter than 4 characters; use more or longer groups");
    }
    Ok(build(groups, group_len))
}

/// Generates one code of about `groups` groups of `group_len` characters, like
/// [`try_generate`], but never fails: fewer than one group counts as one, groups shorter than 2
/// characters as 2 (a single group as 4, the shortest code), and a shape longer than 64
/// characters is cut to the most groups (then the longest group) that fit. Prefer
/// [`try_generate`] for a shape a person chose.
pub fn generate(groups: usize, group_len: usize) -> PromoCode {
    let groups = groups.max(1);
    let shortest = if groups == 1 { MIN_CODE } else { 2 };
    let group_len = group_len.clamp(shortest, MAX_CODE);
    // (MAX_CODE + 1) / (group_len + 1) groups of group_len fit in MAX_CODE; it is 1 or more, and
    // it is 1 only for groups of 32 or more characters, which are long enough alone.
    let groups = groups.min((MAX_CODE + 1) / (group_len + 1));
    build(groups, group_len)
}

/// Draws a code of a shape already known to fit.
fn build(groups: usize, group_len: usize) -> PromoCode {
    let mut rng = rand::rng();
    let mut s = String::with_capacity(MAX_CODE);
    for g in 0..groups {
        if g > 0 {
            s.push('-');
        }
        for _ in 0..group_len {
            let pick = rng.random_range(0..ALPHABET.len());
            // In range by construction; the fallback keeps this free of a panic path.
            s.push(char::from(ALPHABET.get(pick).copied().unwrap_or(b'3')));
        }
    }
    PromoCode::from_generated(s)
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

    #[test]
    fn a_shape_that_is_not_a_code_is_refused_by_try_generate() {
        assert!(try_generate(0, 5).is_err());
        assert!(try_generate(3, 1).is_err());
        assert!(try_generate(1, 3).is_err());
        assert_eq!(generate(1, 2).expose().len(), 4);
        assert_eq!(try_generate(2, 2).unwrap().expose().len(), 5);
        assert!(try_generate(11, 5).is_err());
        assert!(try_generate(usize::MAX, 5).is_err());
        assert!(try_generate(1 << 62, 3).is_err());
        assert!(try_generate(2, usize::MAX).is_err());
        assert_eq!(try_generate(1, 64).unwrap().expose().len(), 64);
        assert_eq!(try_generate(13, 4).unwrap().expose().len(), 64);
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_shape_generates_a_code_that_parses(
            groups in prop_oneof![0usize..40, any::<usize>()],
            group_len in prop_oneof![0usize..70, any::<usize>()],
        ) {
            let code = generate(groups, group_len);
            prop_assert_eq!(PromoCode::parse(code.expose()), Ok(code.clone()));
            match try_generate(groups, group_len) {
                Ok(c) => {
                    prop_assert_eq!(c.expose().split('-').count(), groups);
                    prop_assert!(c.expose().split('-').all(|g| g.len() == group_len));
                    prop_assert_eq!(PromoCode::parse(c.expose()), Ok(c.clone()));
                }
                Err(e) => {
                    let len = groups.saturating_mul(group_len.saturating_add(1)).saturating_sub(1);
                    prop_assert!(
                        groups == 0 || group_len < 2 || !(MIN_CODE..=MAX_CODE).contains(&len),
                        "{e}"
                    );
                }
            }
        }
    }
}
