//! Influencer invites: a single-use, expiring link the seller hands an influencer, which binds
//! the Telegram account that opens it to that influencer, so nobody types a numeric user id.
//!
//! The invite itself (campaign, influencer, expiry, who took it) is a store item named by a
//! random id; the payload carries only that id and a signature, so it fits a Telegram `start`
//! parameter and a forged or mistyped one is refused before any store read:
//!
//! ```text
//! inv_<id: 16 base64url characters, 96 random bits><signature: 12 base64url characters>
//! ```
//!
//! A claim link's first character is a length below 25 (`A` to `Y`), so no claim link starts
//! with `inv_`.

use crate::error::ParseError;
use crate::link::LinkKey;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use rand::RngCore;

/// What every invite payload starts with.
pub const INVITE_PREFIX: &str = "inv_";
const ID_BYTES: usize = 12;
const ID_CHARS: usize = 16;
const SIG_BYTES: usize = 9;
const SIG_CHARS: usize = 12;
/// The length of every invite payload.
pub const INVITE_LEN: usize = INVITE_PREFIX.len() + ID_CHARS + SIG_CHARS;
// Ends in NUL and is no prefix of the links' (`promo-link-v2\0`) or pages' (`promo-page-v1`)
// domains, nor they of it: no signature serves two purposes.
const DOMAIN: &[u8] = b"promo-invite-v1\0";

/// An invite's id: 16 base64url characters, from 96 bits of the operating system's CSPRNG.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InviteId(String);

impl InviteId {
    /// A new random id.
    pub fn generate() -> Self {
        let mut bytes = [0u8; ID_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The id as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An id read back from the store, checked for its shape.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        if raw.len() == ID_CHARS && raw.bytes().all(in_alphabet) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ParseError::new("invite id", "is malformed"))
        }
    }
}

fn in_alphabet(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// True when `payload` is meant as an invite (it may still be forged or malformed).
pub fn is_invite(payload: &str) -> bool {
    payload.starts_with(INVITE_PREFIX)
}

impl LinkKey {
    fn invite_tag(&self, id: &InviteId) -> hmac::Hmac<sha2::Sha256> {
        let mut mac = self.keyed(DOMAIN);
        mac.update(id.0.as_bytes());
        mac
    }

    /// The payload that carries invite `id` (a Telegram `start` parameter).
    pub fn sign_invite(&self, id: &InviteId) -> String {
        let tag = self.invite_tag(id).finalize().into_bytes();
        let sig: Vec<u8> = tag.iter().take(SIG_BYTES).copied().collect();
        let sig = URL_SAFE_NO_PAD.encode(sig);
        format!("{INVITE_PREFIX}{}{sig}", id.0)
    }

    /// The invite a payload names, if this key signed it. Any string is safe to pass; the
    /// reason never echoes the payload.
    pub fn verify_invite(&self, payload: &str) -> Result<InviteId, ParseError> {
        let bad = |reason: &str| ParseError::new("invite", reason);
        if payload.len() != INVITE_LEN {
            return Err(bad("has the wrong length"));
        }
        let Some(rest) = payload.strip_prefix(INVITE_PREFIX) else {
            return Err(bad("is not an invite"));
        };
        if !rest.bytes().all(in_alphabet) {
            return Err(bad("may contain only A-Z, a-z, 0-9, '-' and '_'"));
        }
        // Every byte is ASCII now, so the split falls on a character boundary.
        let (id, sig) = rest
            .split_at_checked(ID_CHARS)
            .ok_or_else(|| bad("is malformed"))?;
        let tag = URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| bad("is malformed"))?;
        if tag.len() != SIG_BYTES || sig.len() != SIG_CHARS {
            return Err(bad("is malformed"));
        }
        let id = InviteId::parse(id)?;
        // One spelling per id: base64url's last character may carry unused bits.
        if URL_SAFE_NO_PAD.encode(&tag) != sig {
            return Err(bad("is malformed"));
        }
        self.invite_tag(&id)
            .verify_truncated_left(&tag)
            .map_err(|_| bad("has a signature that does not match"))?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::CampaignId;
    use crate::link::Surface;
    use proptest::prelude::*;

    fn key() -> LinkKey {
        LinkKey::new(b"0123456789abcdef-test-key").expect("key")
    }

    #[test]
    fn an_invite_verifies_to_its_id_and_fits_a_start_parameter() {
        let id = InviteId::generate();
        let payload = key().sign_invite(&id);
        assert_eq!(payload.len(), INVITE_LEN);
        assert!(payload.len() <= crate::link::MAX_PAYLOAD);
        assert!(payload.bytes().all(in_alphabet));
        assert!(is_invite(&payload));
        assert_eq!(key().verify_invite(&payload).expect("verifies"), id);
    }

    #[test]
    fn ids_are_random() {
        assert_ne!(InviteId::generate(), InviteId::generate());
    }

    #[test]
    fn a_forged_or_foreign_invite_is_refused() {
        let id = InviteId::generate();
        let payload = key().sign_invite(&id);
        let other = LinkKey::new(b"another-key-of-16+bytes").expect("key");
        assert!(other.verify_invite(&payload).is_err());
        // Another id under the same signature.
        let mut forged = payload.clone().into_bytes();
        forged[INVITE_PREFIX.len()] = if forged[INVITE_PREFIX.len()] == b'A' {
            b'B'
        } else {
            b'A'
        };
        let forged = String::from_utf8(forged).expect("ascii");
        assert!(key().verify_invite(&forged).is_err());
        // A claim link is no invite, and an invite no claim link.
        let campaign = CampaignId::parse("spring").expect("id");
        let claim = key().sign_for(Surface::TelegramStart, &campaign, None);
        assert!(!is_invite(&claim));
        assert!(key().verify_invite(&claim).is_err());
        assert!(key().verify_for(Surface::TelegramStart, &payload).is_err());
    }

    proptest! {
        #[test]
        fn any_string_is_refused_or_is_a_signed_invite(s in any::<String>()) {
            if let Ok(id) = key().verify_invite(&s) {
                prop_assert_eq!(key().sign_invite(&id), s);
            }
        }

        #[test]
        fn any_edit_of_an_invite_is_refused(pos in 0usize..INVITE_LEN, c in any::<char>()) {
            let payload = key().sign_invite(&InviteId::generate());
            let mut chars: Vec<char> = payload.chars().collect();
            prop_assume!(chars[pos] != c);
            chars[pos] = c;
            let edited: String = chars.into_iter().collect();
            prop_assert!(key().verify_invite(&edited).is_err());
        }
    }
}
