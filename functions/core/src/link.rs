//! Signed attribution links: the payload of a Telegram deep link
//! (`https://t.me/<bot>?start=<payload>`) or a Discord button that names a campaign and the
//! influencer who gets the credit.
//!
//! Attribution can pay out, so a payload is signed: nobody can mint a link for an influencer
//! or move a claim to another influencer by editing one. Each [`Surface`] signs under its own
//! HMAC domain, so a payload made for one surface never verifies on another: a Discord button's
//! custom id (which any member of the server can read) is no Telegram deep link, and the other
//! way round. The format fits Telegram's limit of 64 characters of `A-Za-z0-9_-`:
//!
//! ```text
//! <campaign length><influencer length><campaign><influencer><signature>
//! ```
//!
//! The two lengths are one base64url character each (ids are at most 24 characters); the
//! signature is the first 72 bits of HMAC-SHA256 over both ids, base64url (12 characters).
//! A direct link (no influencer) has influencer length 0. At most 2 + 24 + 24 + 12 = 62.
//! The surface is not in the payload; it is in what the signature covers.

use crate::error::ParseError;
use crate::ids::{CampaignId, InfluencerId};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretBox};
use sha2::Sha256;

/// Telegram's limit on a `start` payload.
pub const MAX_PAYLOAD: usize = 64;
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const SIG_BYTES: usize = 9;
const SIG_CHARS: usize = 12;

/// Where a signed payload is used. A payload verifies only for the surface it was signed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Surface {
    /// A Telegram deep link's `start` payload (and the Telegram bot's own buttons that repeat
    /// it to the follower who opened that link).
    TelegramStart,
    /// A Discord claim button's custom id (after the bot's `claim:` prefix).
    DiscordButton,
}

impl Surface {
    /// Every surface.
    pub const ALL: [Surface; 2] = [Surface::TelegramStart, Surface::DiscordButton];

    /// The HMAC domain of this surface. Each ends in a NUL byte and none is a prefix of another
    /// (nor of the page tokens' `promo-page-v1`), so no two purposes share a signature.
    /// `promo-link-v1` (one domain for both surfaces) is retired: links signed with it no
    /// longer verify anywhere.
    fn domain(self) -> &'static [u8] {
        match self {
            Surface::TelegramStart => b"promo-link-v2\0telegram-start\0",
            Surface::DiscordButton => b"promo-link-v2\0discord-button\0",
        }
    }
}

/// What a verified link names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTarget {
    /// The campaign.
    pub campaign: CampaignId,
    /// The influencer credited, or `None` for a direct link.
    pub influencer: Option<InfluencerId>,
}

/// The secret that signs and verifies links, at least 16 bytes. Keep it with the other secrets;
/// rotating it invalidates every link printed before. Its `Debug` form hides it.
#[derive(Debug, Clone)]
pub struct LinkKey(SecretBox<[u8]>);

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
        Ok(Self(SecretBox::from(secret.to_vec())))
    }

    /// An HMAC-SHA256 keyed with this key, with `domain` already fed in, so that a signature
    /// made for one purpose never verifies for another.
    pub(crate) fn keyed(&self, domain: &[u8]) -> Hmac<Sha256> {
        // Keyed per use, so that only the secret itself (zeroed on drop) is kept; HMAC takes a
        // key of any length, so this cannot fail (hmac's own `KeyInit::new` says the same).
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.expose_secret())
            .expect("HMAC accepts keys of any length");
        mac.update(domain);
        mac
    }

    fn mac(
        &self,
        surface: Surface,
        campaign: &CampaignId,
        influencer: Option<&InfluencerId>,
    ) -> Hmac<Sha256> {
        let mut mac = self.keyed(surface.domain());
        mac.update(campaign.as_str().as_bytes());
        mac.update(b"\0");
        mac.update(influencer.map_or("", |i| i.as_str()).as_bytes());
        mac
    }

    /// The payload for `campaign` on `surface`, crediting `influencer` (or nobody).
    pub fn sign_for(
        &self,
        surface: Surface,
        campaign: &CampaignId,
        influencer: Option<&InfluencerId>,
    ) -> String {
        let c = campaign.as_str();
        let i = influencer.map_or("", |i| i.as_str());
        let tag = self
            .mac(surface, campaign, influencer)
            .finalize()
            .into_bytes();
        let sig: Vec<u8> = tag.iter().take(SIG_BYTES).copied().collect();
        let mut out = String::with_capacity(MAX_PAYLOAD);
        out.push(length_char(c.len()));
        out.push(length_char(i.len()));
        out.push_str(c);
        out.push_str(i);
        out.push_str(&URL_SAFE_NO_PAD.encode(sig));
        out
    }

    /// Checks a payload made for `surface` and says what it names. Malformed, tampered and foreign payloads are
    /// all refused with a reason that never echoes the payload. Any string is safe to pass,
    /// whatever its length or characters.
    pub fn verify_for(&self, surface: Surface, payload: &str) -> Result<LinkTarget, ParseError> {
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
        self.mac(surface, &campaign, influencer.as_ref())
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
        let p = key().sign_for(Surface::TelegramStart, &c, Some(&i));
        assert!(p.len() <= MAX_PAYLOAD);
        assert!(
            p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        let t = key()
            .verify_for(Surface::TelegramStart, &p)
            .expect("verifies");
        assert_eq!((t.campaign, t.influencer), (c, Some(i)));
    }

    #[test]
    fn a_direct_link_names_no_influencer() {
        let c = CampaignId::parse("sale").expect("id");
        let t = key()
            .verify_for(
                Surface::TelegramStart,
                &key().sign_for(Surface::TelegramStart, &c, None),
            )
            .expect("verifies");
        assert_eq!(t.influencer, None);
    }

    #[test]
    fn the_longest_ids_fit_telegrams_limit() {
        let c = CampaignId::parse(&"c".repeat(24)).expect("id");
        let i = InfluencerId::parse(&"i".repeat(24)).expect("id");
        let p = key().sign_for(Surface::TelegramStart, &c, Some(&i));
        assert!(p.len() <= MAX_PAYLOAD, "{}", p.len());
        assert!(key().verify_for(Surface::TelegramStart, &p).is_ok());
    }

    #[test]
    fn a_link_moved_to_another_influencer_is_refused() {
        let c = CampaignId::parse("sale").expect("id");
        let p = key().sign_for(
            Surface::TelegramStart,
            &c,
            Some(&InfluencerId::parse("alice").expect("id")),
        );
        let forged = p.replacen("alice", "bobby", 1);
        assert!(key().verify_for(Surface::TelegramStart, &forged).is_err());
    }

    #[test]
    fn another_key_and_garbage_are_refused() {
        let c = CampaignId::parse("sale").expect("id");
        let other = LinkKey::new(b"another-secret-key-here").expect("key");
        assert!(
            key()
                .verify_for(
                    Surface::TelegramStart,
                    &other.sign_for(Surface::TelegramStart, &c, None)
                )
                .is_err()
        );
        for junk in [
            "",
            "x",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "!!!!!!!!!!!!!!!!!",
            &"z".repeat(65),
        ] {
            assert!(
                key().verify_for(Surface::TelegramStart, junk).is_err(),
                "{junk}"
            );
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
            let e = key()
                .verify_for(Surface::TelegramStart, payload)
                .unwrap_err();
            assert_eq!(e.field, "link");
            assert!(!e.reason.contains(payload));
        }
    }

    #[test]
    fn a_payload_padded_with_spaces_does_not_verify_as_the_unpadded_one() {
        let c = CampaignId::parse("sal").expect("id");
        let p = key().sign_for(Surface::TelegramStart, &c, None);
        // Same campaign under a trimmed-away space: one target must have one spelling.
        let sig = p.get(5..).expect("ascii");
        let padded = format!("EAsal {sig}");
        assert!(key().verify_for(Surface::TelegramStart, &padded).is_err());
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
            if let Ok(t) = key().verify_for(Surface::TelegramStart, &s) {
                prop_assert_eq!(key().sign_for(Surface::TelegramStart, &t.campaign, t.influencer.as_ref()), s);
            }
        }

        #[test]
        fn any_printable_string_is_refused_or_is_exactly_a_signed_payload(s in "\\PC{0,200}") {
            if let Ok(t) = key().verify_for(Surface::TelegramStart, &s) {
                prop_assert_eq!(key().sign_for(Surface::TelegramStart, &t.campaign, t.influencer.as_ref()), s);
            }
        }

        #[test]
        fn sign_then_verify_gives_back_the_same_target(c in campaign_id(), i in influencer_id()) {
            let p = key().sign_for(Surface::TelegramStart, &c, i.as_ref());
            prop_assert!(p.len() <= MAX_PAYLOAD);
            prop_assert!(p.bytes().all(in_alphabet));
            let t = key().verify_for(Surface::TelegramStart, &p).expect("a signed payload verifies");
            prop_assert_eq!(t, LinkTarget { campaign: c, influencer: i });
        }

        #[test]
        fn one_character_replaced_by_any_character_is_refused(
            c in campaign_id(), i in influencer_id(), pos in any::<prop::sample::Index>(), ch in any_char(),
        ) {
            let p = key().sign_for(Surface::TelegramStart, &c, i.as_ref());
            let mut chars: Vec<char> = p.chars().collect();
            let slot = chars.get_mut(pos.index(p.len())).expect("index in range");
            prop_assume!(*slot != ch);
            *slot = ch;
            let forged: String = chars.into_iter().collect();
            prop_assert!(key().verify_for(Surface::TelegramStart, &forged).is_err());
        }

        #[test]
        fn a_character_inserted_anywhere_is_refused(
            c in campaign_id(), i in influencer_id(), pos in any::<prop::sample::Index>(), ch in any_char(),
        ) {
            let p = key().sign_for(Surface::TelegramStart, &c, i.as_ref());
            let mut chars: Vec<char> = p.chars().collect();
            chars.insert(pos.index(chars.len() + 1), ch);
            let forged: String = chars.into_iter().collect();
            prop_assert!(key().verify_for(Surface::TelegramStart, &forged).is_err());
        }

        #[test]
        fn a_truncated_or_extended_payload_is_refused(
            c in campaign_id(), i in influencer_id(), cut in any::<prop::sample::Index>(), tail in "\\PC{1,20}",
        ) {
            let p = key().sign_for(Surface::TelegramStart, &c, i.as_ref());
            let short: String = p.chars().take(cut.index(p.len())).collect();
            prop_assert!(key().verify_for(Surface::TelegramStart, &short).is_err());
            let longer = format!("{p}{tail}");
            prop_assert!(key().verify_for(Surface::TelegramStart, &longer).is_err());
        }

        #[test]
        fn a_payload_signed_with_another_key_is_refused(c in campaign_id(), i in influencer_id()) {
            let other = LinkKey::new(b"another-secret-key-here").expect("key");
            prop_assert!(key().verify_for(Surface::TelegramStart, &other.sign_for(Surface::TelegramStart, &c, i.as_ref())).is_err());
        }
    }
}

#[cfg(test)]
mod surface_tests {
    use super::*;
    use proptest::prelude::*;

    const TG: Surface = Surface::TelegramStart;
    const DC: Surface = Surface::DiscordButton;

    fn key() -> LinkKey {
        LinkKey::new(b"0123456789abcdef-test-key").expect("key")
    }

    #[test]
    fn a_signed_link_verifies_to_what_it_names_on_its_own_surface() {
        let c = CampaignId::parse("spring-sale").expect("id");
        let i = InfluencerId::parse("alice").expect("id");
        for surface in Surface::ALL {
            let p = key().sign_for(surface, &c, Some(&i));
            assert!(p.len() <= MAX_PAYLOAD);
            assert!(
                p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
            let t = key().verify_for(surface, &p).expect("verifies");
            assert_eq!((t.campaign, t.influencer), (c.clone(), Some(i.clone())));
        }
    }

    #[test]
    fn a_discord_button_payload_is_no_telegram_link_and_the_other_way_round() {
        let c = CampaignId::parse("spring-sale").expect("id");
        let i = InfluencerId::parse("alice").expect("id");
        let button = key().sign_for(DC, &c, Some(&i));
        let start = key().sign_for(TG, &c, Some(&i));
        assert_ne!(button, start);
        assert!(key().verify_for(TG, &button).is_err());
        assert!(key().verify_for(DC, &start).is_err());
    }

    #[test]
    fn links_signed_under_the_retired_shared_domain_verify_nowhere() {
        let c = CampaignId::parse("sale").expect("id");
        let mut mac = key().keyed(b"promo-link-v1\0");
        mac.update(b"sale\0");
        let tag = mac.finalize().into_bytes();
        let old = format!("EAsale{}", URL_SAFE_NO_PAD.encode(&tag[..SIG_BYTES]));
        for surface in Surface::ALL {
            assert!(key().verify_for(surface, &old).is_err());
        }
        // The same shape, signed today, does verify: only the domain differs.
        assert!(key().verify_for(TG, &key().sign_for(TG, &c, None)).is_ok());
    }

    fn slug() -> impl Strategy<Value = String> {
        "[a-z0-9][a-z0-9_-]{0,23}"
    }

    proptest! {
        #[test]
        fn a_payload_signed_for_one_surface_never_verifies_for_the_other(
            c in slug(),
            i in proptest::option::of(slug()),
        ) {
            let c = CampaignId::parse(&c).expect("id");
            let i = i.map(|i| InfluencerId::parse(&i).expect("id"));
            for (made, used) in [(TG, DC), (DC, TG)] {
                let p = key().sign_for(made, &c, i.as_ref());
                prop_assert!(key().verify_for(made, &p).is_ok());
                prop_assert!(key().verify_for(used, &p).is_err());
            }
        }

    }
}
