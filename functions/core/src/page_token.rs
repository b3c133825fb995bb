//! Page tokens: the secret part of an influencer's dashboard URL (`/i/<token>`) and of the
//! seller's overview URL. A token is signed with the link key, names its holder, expires, and
//! can be revoked: the store keeps, per holder, a time before which every issued token is void.
//!
//! ```text
//! v1.<campaign>.<influencer or ~seller>.<issued at ms>.<expires at ms>.<HMAC-SHA256, base64url>
//! ```

use crate::ids::{CampaignId, InfluencerId};
use crate::link::LinkKey;
use crate::time::Timestamp;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Who a page token lets in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PageHolder {
    /// One influencer of one campaign: their own numbers only.
    Influencer(CampaignId, InfluencerId),
    /// The seller: every campaign and influencer.
    Seller,
}

impl PageHolder {
    /// A stable name for the holder, used for revocation records.
    pub fn key(&self) -> String {
        match self {
            Self::Influencer(c, i) => format!("{c}/{i}"),
            Self::Seller => "~seller".into(),
        }
    }
}

/// A verified token's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageToken {
    /// Who it lets in.
    pub holder: PageHolder,
    /// When it was issued (revocation voids tokens issued before a time).
    pub issued_at: Timestamp,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// Why a token was refused. The reasons never echo the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PageTokenError {
    /// Not a token of this format.
    #[error("the link is malformed")]
    Malformed,
    /// Signed with another key, or edited.
    #[error("the link is not valid")]
    BadSignature,
    /// Past its expiry.
    #[error("the link has expired")]
    Expired,
    /// Revoked by the seller.
    #[error("the link was revoked")]
    Revoked,
}

const SELLER: &str = "~seller";

impl LinkKey {
    fn page_mac(&self, body: &str) -> Hmac<Sha256> {
        let mut mac = self.keyed(b"promo-page-v1\0");
        mac.update(body.as_bytes());
        mac
    }

    /// Signs a page token.
    pub fn sign_page(&self, token: &PageToken) -> String {
        let (c, i) = match &token.holder {
            PageHolder::Influencer(c, i) => (c.as_str(), i.as_str()),
            PageHolder::Seller => ("~", SELLER),
        };
        let body = format!(
            "v1.{c}.{i}.{}.{}",
            token.issued_at.millis(),
            token.expires_at.millis()
        );
        let tag = URL_SAFE_NO_PAD.encode(self.page_mac(&body).finalize().into_bytes());
        format!("{body}.{tag}")
    }

    /// Verifies a page token's signature and expiry at `now`. Revocation is the store's to
    /// check (it needs the holder's revocation time). Any string is safe to pass; the error
    /// never echoes it.
    pub fn verify_page(&self, token: &str, now: Timestamp) -> Result<PageToken, PageTokenError> {
        if token.len() > 200 {
            return Err(PageTokenError::Malformed);
        }
        let (body, tag) = token.rsplit_once('.').ok_or(PageTokenError::Malformed)?;
        let parts: Vec<&str> = body.split('.').collect();
        let [version, c, i, issued, expires] = parts[..] else {
            return Err(PageTokenError::Malformed);
        };
        if version != "v1" {
            return Err(PageTokenError::Malformed);
        }
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| PageTokenError::Malformed)?;
        self.page_mac(body)
            .verify_slice(&tag)
            .map_err(|_| PageTokenError::BadSignature)?;
        let holder = if (c, i) == ("~", SELLER) {
            PageHolder::Seller
        } else {
            PageHolder::Influencer(
                CampaignId::parse(c).map_err(|_| PageTokenError::Malformed)?,
                InfluencerId::parse(i).map_err(|_| PageTokenError::Malformed)?,
            )
        };
        let ms = |s: &str| {
            s.parse::<i64>()
                .map(Timestamp)
                .map_err(|_| PageTokenError::Malformed)
        };
        let token = PageToken {
            holder,
            issued_at: ms(issued)?,
            expires_at: ms(expires)?,
        };
        if now >= token.expires_at {
            return Err(PageTokenError::Expired);
        }
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> LinkKey {
        LinkKey::new(b"0123456789abcdef-page-key").expect("key")
    }

    fn alice() -> PageToken {
        PageToken {
            holder: PageHolder::Influencer(
                CampaignId::parse("spring").expect("id"),
                InfluencerId::parse("alice").expect("id"),
            ),
            issued_at: Timestamp(1_000),
            expires_at: Timestamp(10_000),
        }
    }

    #[test]
    fn a_token_verifies_until_it_expires() {
        let t = key().sign_page(&alice());
        assert!(
            t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
        );
        assert_eq!(key().verify_page(&t, Timestamp(5_000)), Ok(alice()));
        assert_eq!(
            key().verify_page(&t, Timestamp(10_000)),
            Err(PageTokenError::Expired)
        );
        let seller = PageToken {
            holder: PageHolder::Seller,
            ..alice()
        };
        let s = key().sign_page(&seller);
        assert_eq!(key().verify_page(&s, Timestamp(5_000)), Ok(seller));
    }

    #[test]
    fn edited_or_foreign_tokens_are_refused() {
        let t = key().sign_page(&alice());
        let to_bob = t.replacen(".alice.", ".bobby.", 1);
        assert_eq!(
            key().verify_page(&to_bob, Timestamp(5_000)),
            Err(PageTokenError::BadSignature)
        );
        let longer = t.replacen(".10000.", ".99999999.", 1);
        assert_eq!(
            key().verify_page(&longer, Timestamp(5_000)),
            Err(PageTokenError::BadSignature)
        );
        let other = LinkKey::new(b"another-key-entirely-here").expect("key");
        assert_eq!(
            other.verify_page(&t, Timestamp(5_000)),
            Err(PageTokenError::BadSignature)
        );
        // A deep-link signature is not a page signature (domain separation).
        for junk in [
            "",
            "v1",
            "v1.a.b.c.d.e",
            "v2.spring.alice.1.2.AAAA",
            &"x".repeat(300),
        ] {
            assert!(key().verify_page(junk, Timestamp(5_000)).is_err(), "{junk}");
        }
    }

    use proptest::prelude::*;

    fn holder() -> impl Strategy<Value = PageHolder> {
        prop_oneof![
            Just(PageHolder::Seller),
            ("[a-z0-9][a-z0-9_-]{0,23}", "[a-z0-9][a-z0-9_-]{0,23}").prop_map(|(c, i)| {
                PageHolder::Influencer(
                    CampaignId::parse(&c).expect("id"),
                    InfluencerId::parse(&i).expect("id"),
                )
            }),
        ]
    }

    fn token() -> impl Strategy<Value = PageToken> {
        (holder(), any::<i64>(), any::<i64>()).prop_map(|(holder, a, b)| PageToken {
            holder,
            issued_at: Timestamp(a),
            expires_at: Timestamp(b),
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_string_is_refused_or_is_exactly_a_signed_token(s in any::<String>(), now in any::<i64>()) {
            if let Ok(t) = key().verify_page(&s, Timestamp(now)) {
                prop_assert_eq!(key().sign_page(&t), s);
            }
        }

        #[test]
        fn any_printable_string_is_refused_or_is_exactly_a_signed_token(s in "\\PC{0,300}") {
            if let Ok(t) = key().verify_page(&s, Timestamp(0)) {
                prop_assert_eq!(key().sign_page(&t), s);
            }
        }

        #[test]
        fn sign_then_verify_gives_back_the_same_token_until_it_expires(t in token(), now in any::<i64>()) {
            let s = key().sign_page(&t);
            let got = key().verify_page(&s, Timestamp(now));
            if now < t.expires_at.millis() {
                prop_assert_eq!(got, Ok(t));
            } else {
                prop_assert_eq!(got, Err(PageTokenError::Expired));
            }
        }

        #[test]
        fn a_token_with_one_character_replaced_inserted_or_cut_is_refused(
            t in token(), pos in any::<prop::sample::Index>(), ch in any::<char>(), edit in 0..3u8,
        ) {
            let s = key().sign_page(&t);
            let mut chars: Vec<char> = s.chars().collect();
            match edit {
                0 => {
                    let slot = chars.get_mut(pos.index(s.len())).expect("in range");
                    prop_assume!(*slot != ch);
                    *slot = ch;
                }
                1 => chars.insert(pos.index(s.len() + 1), ch),
                _ => chars.truncate(pos.index(s.len())),
            }
            let forged: String = chars.into_iter().collect();
            prop_assert!(key().verify_page(&forged, Timestamp(i64::MIN)).is_err());
        }

        #[test]
        fn a_deep_link_signature_never_opens_a_page(c in "[a-z0-9]{1,24}") {
            let link = key().sign_for(crate::link::Surface::TelegramStart, &CampaignId::parse(&c).expect("id"), None);
            prop_assert!(key().verify_page(&link, Timestamp(0)).is_err());
        }
    }
}
