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
        let mut out = String::with_capacity(MAX_PAYLOAD);
        out.push(ALPHABET[c.len()] as char);
        out.push(ALPHABET[i.len()] as char);
        out.push_str(c);
        out.push_str(i);
        out.push_str(&URL_SAFE_NO_PAD.encode(&tag[..SIG_BYTES]));
        out
    }

    /// Checks a payload made for `surface` and says what it names. Malformed, tampered and
    /// foreign payloads, and payloads signed for another surface, are all refused with a reason
    /// that never echoes the payload. Any text is safe to pass: nothing is sliced before every
    /// byte is known to be one of the payload alphabet's (ASCII) characters.
    pub fn verify_for(&self, surface: Surface, payload: &str) -> Result<LinkTarget, ParseError> {
        let bad = |reason: &str| ParseError::new("link", reason);
        let bytes = payload.as_bytes();
        if bytes.len() > MAX_PAYLOAD || bytes.len() < 2 + 1 + SIG_CHARS {
            return Err(bad("has the wrong length"));
        }
        // Byte offsets below are character boundaries only because every byte is ASCII.
        if !bytes.iter().all(|b| ALPHABET.contains(b)) {
            return Err(bad("is malformed"));
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

    #[test]
    fn a_direct_link_names_no_influencer() {
        let c = CampaignId::parse("sale").expect("id");
        let t = key()
            .verify_for(TG, &key().sign_for(TG, &c, None))
            .expect("verifies");
        assert_eq!(t.influencer, None);
    }

    #[test]
    fn the_longest_ids_fit_telegrams_limit() {
        let c = CampaignId::parse(&"c".repeat(24)).expect("id");
        let i = InfluencerId::parse(&"i".repeat(24)).expect("id");
        let p = key().sign_for(TG, &c, Some(&i));
        assert!(p.len() <= MAX_PAYLOAD, "{}", p.len());
        assert!(key().verify_for(TG, &p).is_ok());
    }

    #[test]
    fn a_link_moved_to_another_influencer_is_refused() {
        let c = CampaignId::parse("sale").expect("id");
        let p = key().sign_for(TG, &c, Some(&InfluencerId::parse("alice").expect("id")));
        let forged = p.replacen("alice", "bobby", 1);
        assert!(key().verify_for(TG, &forged).is_err());
    }

    #[test]
    fn another_key_and_garbage_are_refused() {
        let c = CampaignId::parse("sale").expect("id");
        let other = LinkKey::new(b"another-secret-key-here").expect("key");
        assert!(key().verify_for(TG, &other.sign_for(TG, &c, None)).is_err());
        for junk in [
            "",
            "x",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "!!!!!!!!!!!!!!!!!",
            &"z".repeat(65),
            // A multi-byte character where the ids end: once a panic (byte slicing).
            "BAéabcdefghijk",
            "BAéabcdefghijklmn",
            "EAsal\u{e9}abcdefghijkl",
            "\u{1F600}\u{1F600}\u{1F600}\u{1F600}",
        ] {
            for surface in Surface::ALL {
                assert!(key().verify_for(surface, junk).is_err(), "{junk}");
            }
        }
        assert!(LinkKey::new(b"short").is_err());
    }

    fn slug() -> impl Strategy<Value = String> {
        "[a-z0-9][a-z0-9_-]{0,23}"
    }

    proptest! {
        #[test]
        fn any_one_changed_character_is_refused(pos in 0usize..40, ch in 0usize..64) {
            let c = CampaignId::parse("spring-sale").expect("id");
            let p = key().sign_for(TG, &c, Some(&InfluencerId::parse("alice").expect("id")));
            let mut bytes = p.clone().into_bytes();
            let pos = pos % bytes.len();
            let new = ALPHABET[ch];
            prop_assume!(bytes[pos] != new);
            bytes[pos] = new;
            let s = String::from_utf8(bytes).expect("ascii");
            prop_assert!(key().verify_for(TG, &s).is_err());
        }

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

        #[test]
        fn any_unicode_text_is_refused_without_a_panic(s in any::<String>()) {
            for surface in Surface::ALL {
                // Only a real signature verifies; arbitrary text never does.
                prop_assert!(key().verify_for(surface, &s).is_err());
            }
        }

        #[test]
        fn a_signed_payload_with_any_character_spliced_in_is_refused_without_a_panic(
            pos in 0usize..64,
            ch in any::<char>(),
            replace in any::<bool>(),
        ) {
            let c = CampaignId::parse("spring").expect("id");
            let p = key().sign_for(DC, &c, Some(&InfluencerId::parse("alice").expect("id")));
            let at = pos % (p.len() + 1);
            let mut s = String::with_capacity(p.len() + 4);
            s.push_str(&p[..at]);
            s.push(ch);
            let rest = if replace && at < p.len() { &p[at + 1..] } else { &p[at..] };
            s.push_str(rest);
            prop_assume!(s != p);
            for surface in Surface::ALL {
                prop_assert!(key().verify_for(surface, &s).is_err());
            }
        }
    }
}
