//! Signed attribution links: the payload of a Telegram deep link
//! (`https://t.me/<bot>?start=<payload>`) or a Discord button that names a campaign and the
//! influencer who gets the credit.
//!
//! Attribution can pay out, so a payload is signed: nobody can mint a link for an influencer
//! or move a claim to another influencer by editing one. The format fits Telegram's limit of 64
//! characters of `A-Za-z0-9_-`:
//!
//! ```text
//! <campaign length><influencer length><campaign><influencer><signature>
//! ```
//!
//! The two lengths are one base64url character each (ids are at most 24 characters); the
//! signature is the first 72 bits of HMAC-SHA256 over both ids, base64url (12 characters).
//! A direct link (no influencer) has influencer length 0. At most 2 + 24 + 24 + 12 = 62.

use crate::error::ParseError;
use crate::ids::{CampaignId, InfluencerId};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Telegram's limit on a `start` payload.
pub const MAX_PAYLOAD: usize = 64;
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const SIG_BYTES: usize = 9;
const SIG_CHARS: usize = 12;

/// What a verified link names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTarget {
    /// The campaign.
    pub campaign: CampaignId,
    /// The influencer credited, or `None` for a direct link.
    pub influencer: Option<InfluencerId>,
}

/// The secret that signs and verifies links. Keep it with the other secrets; rotating it
/// invalidates every link printed before.
#[derive(Clone)]
pub struct LinkKey(Vec<u8>);

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(..)")
    }
}

impl LinkKey {
    /// A key from secret bytes, at least 16 of them.
    pub fn new(secret: &[u8]) -> Result<Self, ParseError> {
        if secret.len() < 16 {
            return Err(ParseError::new(
                "link secret",
                "must be at least 16 bytes long",
            ));
        }
        Ok(Self(secret.to_vec()))
    }

    /// An HMAC-SHA256 keyed with this key, with `domain` already fed in, so that a signature
    /// made for one purpose never verifies for another.
    pub(crate) fn keyed(&self, domain: &[u8]) -> Hmac<Sha256> {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(domain);
        mac
    }

    fn mac(&self, campaign: &CampaignId, influencer: Option<&InfluencerId>) -> Hmac<Sha256> {
        let mut mac = self.keyed(b"promo-link-v1\0");
        mac.update(campaign.as_str().as_bytes());
        mac.update(b"\0");
        mac.update(influencer.map_or("", |i| i.as_str()).as_bytes());
        mac
    }

    /// The payload for `campaign`, crediting `influencer` (or nobody).
    pub fn sign(&self, campaign: &CampaignId, influencer: Option<&InfluencerId>) -> String {
        let c = campaign.as_str();
        let i = influencer.map_or("", |i| i.as_str());
        let tag = self.mac(campaign, influencer).finalize().into_bytes();
        let mut out = String::with_capacity(MAX_PAYLOAD);
        out.push(ALPHABET[c.len()] as char);
        out.push(ALPHABET[i.len()] as char);
        out.push_str(c);
        out.push_str(i);
        out.push_str(&URL_SAFE_NO_PAD.encode(&tag[..SIG_BYTES]));
        out
    }

    /// Checks a payload and says what it names. Malformed, tampered and foreign payloads are
    /// all refused with a reason that never echoes the payload.
    pub fn verify(&self, payload: &str) -> Result<LinkTarget, ParseError> {
        let bad = |reason: &str| ParseError::new("link", reason);
        let bytes = payload.as_bytes();
        if bytes.len() > MAX_PAYLOAD || bytes.len() < 2 + 1 + SIG_CHARS {
            return Err(bad("has the wrong length"));
        }
        let len_of = |b: u8| ALPHABET.iter().position(|&a| a == b);
        let (Some(cl), Some(il)) = (len_of(bytes[0]), len_of(bytes[1])) else {
            return Err(bad("is malformed"));
        };
        if 2 + cl + il + SIG_CHARS != bytes.len() {
            return Err(bad("is malformed"));
        }
        let c = &payload[2..2 + cl];
        let i = &payload[2 + cl..2 + cl + il];
        let campaign = CampaignId::parse(c).map_err(|_| bad("is malformed"))?;
        let influencer = if il == 0 {
            None
        } else {
            Some(InfluencerId::parse(i).map_err(|_| bad("is malformed"))?)
        };
        let tag = URL_SAFE_NO_PAD
            .decode(&payload[2 + cl + il..])
            .map_err(|_| bad("is malformed"))?;
        self.mac(&campaign, influencer.as_ref())
            .verify_truncated_left(&tag)
            .map_err(|_| bad("has a signature that does not match"))?;
        Ok(LinkTarget {
            campaign,
            influencer,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> LinkKey {
        LinkKey::new(b"0123456789abcdef-test-key").expect("key")
    }

    #[test]
    fn a_signed_link_verifies_to_what_it_names() {
        let c = CampaignId::parse("spring-sale").expect("id");
        let i = InfluencerId::parse("alice").expect("id");
        let p = key().sign(&c, Some(&i));
        assert!(p.len() <= MAX_PAYLOAD);
        assert!(
            p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        let t = key().verify(&p).expect("verifies");
        assert_eq!((t.campaign, t.influencer), (c, Some(i)));
    }

    #[test]
    fn a_direct_link_names_no_influencer() {
        let c = CampaignId::parse("sale").expect("id");
        let t = key().verify(&key().sign(&c, None)).expect("verifies");
        assert_eq!(t.influencer, None);
    }

    #[test]
    fn the_longest_ids_fit_telegrams_limit() {
        let c = CampaignId::parse(&"c".repeat(24)).expect("id");
        let i = InfluencerId::parse(&"i".repeat(24)).expect("id");
        let p = key().sign(&c, Some(&i));
        assert!(p.len() <= MAX_PAYLOAD, "{}", p.len());
        assert!(key().verify(&p).is_ok());
    }

    #[test]
    fn a_link_moved_to_another_influencer_is_refused() {
        let c = CampaignId::parse("sale").expect("id");
        let p = key().sign(&c, Some(&InfluencerId::parse("alice").expect("id")));
        let forged = p.replacen("alice", "bobby", 1);
        assert!(key().verify(&forged).is_err());
    }

    #[test]
    fn another_key_and_garbage_are_refused() {
        let c = CampaignId::parse("sale").expect("id");
        let other = LinkKey::new(b"another-secret-key-here").expect("key");
        assert!(key().verify(&other.sign(&c, None)).is_err());
        for junk in [
            "",
            "x",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "!!!!!!!!!!!!!!!!!",
            &"z".repeat(65),
        ] {
            assert!(key().verify(junk).is_err(), "{junk}");
        }
        assert!(LinkKey::new(b"short").is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_one_changed_character_is_refused(pos in 0usize..40, ch in 0usize..64) {
            let c = CampaignId::parse("spring-sale").expect("id");
            let p = key().sign(&c, Some(&InfluencerId::parse("alice").expect("id")));
            let mut bytes = p.clone().into_bytes();
            let pos = pos % bytes.len();
            let new = ALPHABET[ch];
            proptest::prop_assume!(bytes[pos] != new);
            bytes[pos] = new;
            let s = String::from_utf8(bytes).expect("ascii");
            proptest::prop_assert!(key().verify(&s).is_err());
        }
    }
}
