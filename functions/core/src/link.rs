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
pub struct LinkKey(Hmac<Sha256>);

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(..)")
    }
}

/// The shortest payload: both lengths, a one-character campaign, no influencer, the signature.
const MIN_PAYLOAD: usize = 2 + 1 + SIG_CHARS;

/// The length a base64url character stands for in a payload header.
fn length_of(b: u8) -> Option<usize> {
    ALPHABET.iter().position(|&a| a == b)
}

/// The base64url character that stands for `n` in a payload header. Ids are at most 24
/// characters, so `n` is always in range; were it not, the fallback only yields a payload that
/// fails to verify, never a panic.
fn length_char(n: usize) -> char {
    char::from(ALPHABET.get(n).copied().unwrap_or(b'~'))
}

fn in_alphabet(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
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
        // HMAC accepts keys of any length; keying once here leaves no failure for later.
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
            .map_err(|_| ParseError::new("link secret", "is not usable as an HMAC key"))?;
        Ok(Self(mac))
    }

    /// An HMAC-SHA256 keyed with this key, with `domain` already fed in, so that a signature
    /// made for one purpose never verifies for another.
    pub(crate) fn keyed(&self, domain: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.0.clone();
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
        let sig: Vec<u8> = tag.iter().take(SIG_BYTES).copied().collect();
        let mut out = String::with_capacity(MAX_PAYLOAD);
        out.push(length_char(c.len()));
        out.push(length_char(i.len()));
        out.push_str(c);
        out.push_str(i);
        out.push_str(&URL_SAFE_NO_PAD.encode(sig));
        out
    }

    /// Checks a payload and says what it names. Malformed, tampered and foreign payloads are
    /// all refused with a reason that never echoes the payload. Any string is safe to pass,
    /// whatever its length or characters.
    pub fn verify(&self, payload: &str) -> Result<LinkTarget, ParseError> {
        let bad = |reason: &str| ParseError::new("link", reason);
        let malformed = || bad("is malformed");
        if payload.len() > MAX_PAYLOAD || payload.len() < MIN_PAYLOAD {
            return Err(bad("has the wrong length"));
        }
        // Refusing every byte outside the payload alphabet first makes byte positions character
        // positions, so no split below can cut a multi-byte character.
        if !payload.bytes().all(in_alphabet) {
            return Err(bad("may contain only A-Z, a-z, 0-9, '-' and '_'"));
        }
        let [cl, il, rest @ ..] = payload.as_bytes() else {
            return Err(bad("has the wrong length"));
        };
        let (Some(cl), Some(il)) = (length_of(*cl), length_of(*il)) else {
            return Err(malformed());
        };
        // cl and il are below 64, so this sum cannot overflow.
        if cl + il + SIG_CHARS != rest.len() {
            return Err(malformed());
        }
        let (c, rest) = rest.split_at_checked(cl).ok_or_else(malformed)?;
        let (i, sig) = rest.split_at_checked(il).ok_or_else(malformed)?;
        let c = std::str::from_utf8(c).map_err(|_| malformed())?;
        let i = std::str::from_utf8(i).map_err(|_| malformed())?;
        let campaign = CampaignId::parse(c).map_err(|_| malformed())?;
        let influencer = if il == 0 {
            None
        } else {
            Some(InfluencerId::parse(i).map_err(|_| malformed())?)
        };
        // A payload names its ids exactly as signed: one target, one spelling.
        if campaign.as_str() != c || influencer.as_ref().is_some_and(|id| id.as_str() != i) {
            return Err(malformed());
        }
        let tag = URL_SAFE_NO_PAD.decode(sig).map_err(|_| malformed())?;
        // verify_truncated_left accepts any prefix, even an empty one: insist on the full length.
        if tag.len() != SIG_BYTES {
            return Err(malformed());
        }
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

    #[test]
    fn a_multibyte_character_where_an_id_ends_is_refused_not_a_panic() {
        // The payload of issue 12: its lengths say the campaign ends inside the 'é'.
        for payload in [
            "BAéabcdefghijk",
            "BBaéabcdefghijkl",
            "CA€abcdefghijk",
            "BA🦀abcdefghij",
        ] {
            let e = key().verify(payload).unwrap_err();
            assert_eq!(e.field, "link");
            assert!(!e.reason.contains(payload));
        }
    }

    #[test]
    fn a_payload_padded_with_spaces_does_not_verify_as_the_unpadded_one() {
        let c = CampaignId::parse("sal").expect("id");
        let p = key().sign(&c, None);
        // Same campaign under a trimmed-away space: one target must have one spelling.
        let sig = p.get(5..).expect("ascii");
        let padded = format!("EAsal {sig}");
        assert!(key().verify(&padded).is_err());
    }

    use proptest::prelude::*;

    fn campaign_id() -> impl Strategy<Value = CampaignId> {
        "[a-z0-9][a-z0-9_-]{0,23}".prop_map(|s| CampaignId::parse(&s).expect("valid id"))
    }

    fn influencer_id() -> impl Strategy<Value = Option<InfluencerId>> {
        proptest::option::of(
            "[a-z0-9][a-z0-9_-]{0,23}".prop_map(|s| InfluencerId::parse(&s).expect("valid id")),
        )
    }

    /// Any character, weighted towards the ones that broke byte slicing.
    fn any_char() -> impl Strategy<Value = char> {
        prop_oneof![
            any::<char>(),
            proptest::sample::select(vec![
                'é', '€', '🦀', '\u{0}', ' ', '\u{200b}', 'A', '_', '.'
            ]),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_string_is_refused_or_is_exactly_a_signed_payload(s in any::<String>()) {
            if let Ok(t) = key().verify(&s) {
                prop_assert_eq!(key().sign(&t.campaign, t.influencer.as_ref()), s);
            }
        }

        #[test]
        fn any_printable_string_is_refused_or_is_exactly_a_signed_payload(s in "\\PC{0,200}") {
            if let Ok(t) = key().verify(&s) {
                prop_assert_eq!(key().sign(&t.campaign, t.influencer.as_ref()), s);
            }
        }

        #[test]
        fn sign_then_verify_gives_back_the_same_target(c in campaign_id(), i in influencer_id()) {
            let p = key().sign(&c, i.as_ref());
            prop_assert!(p.len() <= MAX_PAYLOAD);
            prop_assert!(p.bytes().all(in_alphabet));
            let t = key().verify(&p).expect("a signed payload verifies");
            prop_assert_eq!(t, LinkTarget { campaign: c, influencer: i });
        }

        #[test]
        fn one_character_replaced_by_any_character_is_refused(
            c in campaign_id(), i in influencer_id(), pos in any::<prop::sample::Index>(), ch in any_char(),
        ) {
            let p = key().sign(&c, i.as_ref());
            let mut chars: Vec<char> = p.chars().collect();
            let slot = chars.get_mut(pos.index(p.len())).expect("index in range");
            prop_assume!(*slot != ch);
            *slot = ch;
            let forged: String = chars.into_iter().collect();
            prop_assert!(key().verify(&forged).is_err());
        }

        #[test]
        fn a_character_inserted_anywhere_is_refused(
            c in campaign_id(), i in influencer_id(), pos in any::<prop::sample::Index>(), ch in any_char(),
        ) {
            let p = key().sign(&c, i.as_ref());
            let mut chars: Vec<char> = p.chars().collect();
            chars.insert(pos.index(chars.len() + 1), ch);
            let forged: String = chars.into_iter().collect();
            prop_assert!(key().verify(&forged).is_err());
        }

        #[test]
        fn a_truncated_or_extended_payload_is_refused(
            c in campaign_id(), i in influencer_id(), cut in any::<prop::sample::Index>(), tail in "\\PC{1,20}",
        ) {
            let p = key().sign(&c, i.as_ref());
            let short: String = p.chars().take(cut.index(p.len())).collect();
            prop_assert!(key().verify(&short).is_err());
            let longer = format!("{p}{tail}");
            prop_assert!(key().verify(&longer).is_err());
        }

        #[test]
        fn a_payload_signed_with_another_key_is_refused(c in campaign_id(), i in influencer_id()) {
            let other = LinkKey::new(b"another-secret-key-here").expect("key");
            prop_assert!(key().verify(&other.sign(&c, i.as_ref())).is_err());
        }
    }
}
