//! Identifiers that parse rather than validate: once built, they are known to be well formed.

use crate::error::ParseError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Checks a slug: 1..=max characters of `a-z`, `0-9`, `-` and `_`, starting with a letter or digit.
/// Slugs end up inside table keys (joined with `#`) and inside Telegram `start` payloads
/// (at most 64 characters of `A-Za-z0-9_-`), so both limits shape this rule.
fn parse_slug(field: &'static str, raw: &str, max: usize) -> Result<String, ParseError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ParseError::new(field, "must not be empty"));
    }
    if s.len() > max {
        return Err(ParseError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        return Err(ParseError::new(
            field,
            "may contain only a-z, 0-9, '-' and '_'",
        ));
    }
    if !s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric()) {
        return Err(ParseError::new(
            field,
            "must start with a letter or a digit",
        ));
    }
    Ok(s.to_owned())
}

macro_rules! slug_id {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses and normalises an identifier (trimmed; lower-case slug).
            pub fn parse(raw: &str) -> Result<Self, ParseError> {
                parse_slug($field, raw, $max).map(Self)
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(s: String) -> Result<Self, ParseError> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, ParseError> {
                Self::parse(s)
            }
        }
    };
}

slug_id!(
    /// A campaign's identifier, chosen by the seller (e.g. `spring-sale`).
    CampaignId, "campaign id", 24
);
slug_id!(
    /// An influencer's identifier within a campaign (e.g. `alice`). `direct` is reserved for
    /// claims that came through no influencer.
    InfluencerId, "influencer id", 24
);

impl InfluencerId {
    /// The attribution recorded for a claim that came through no influencer.
    pub fn direct() -> Self {
        Self("direct".to_owned())
    }

    /// True for the reserved `direct` attribution.
    pub fn is_direct(&self) -> bool {
        self.0 == "direct"
    }
}

/// The chat platform (or channel) a follower claims through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// A Discord user, identified by their snowflake.
    Discord,
    /// A Telegram user, identified by their numeric user id.
    Telegram,
    /// A shop's own site or app calling the HTTP API, with its own user ids.
    Web,
}

impl Platform {
    /// Parses `discord`, `telegram` or `web` (any case).
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "discord" => Ok(Self::Discord),
            "telegram" => Ok(Self::Telegram),
            "web" => Ok(Self::Web),
            _ => Err(ParseError::new(
                "platform",
                "must be one of discord, telegram, web",
            )),
        }
    }

    /// The platform's name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Discord => "discord",
            Self::Telegram => "telegram",
            Self::Web => "web",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The longest id a `web` follower may have.
pub const MAX_WEB_USER_ID: usize = 64;

/// A user's id on a platform, in the one spelling that platform's ids have, so that one person
/// is one follower:
///
/// - **Discord** and **Telegram**: the user id as a decimal number without leading zeros, 1 to
///   `u64::MAX` (`42`, never `042`, `+42`, ` 42`, `4.2e1` or `0`). Discord snowflakes and
///   Telegram user ids are positive integers that fit in 64 bits.
/// - **Web** (a shop's own ids): 1 to [`MAX_WEB_USER_ID`] bytes of printable ASCII (`!` to
///   `~`), without spaces and without `#` (the separator inside table keys). Nothing is trimmed
///   or case-folded: the shop must send each user's id the same way every time, because
///   `User-1` and `user-1` are two followers. Control characters and non-ASCII are refused,
///   since Unicode text can spell one visible id in several ways.
///
/// Deserializing a `PlatformUserId` alone cannot know its platform and so checks nothing:
/// deserialize a [`Follower`], which checks the pair.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PlatformUserId(String);

impl PlatformUserId {
    /// Parses a user id for `platform`. Anything but the canonical spelling described on
    /// [`PlatformUserId`] is refused with a `follower id` error that does not echo the input.
    pub fn parse(platform: Platform, raw: &str) -> Result<Self, ParseError> {
        let bad = |why: &str| Err(ParseError::new("follower id", why));
        match platform {
            Platform::Discord | Platform::Telegram => {
                let why = match platform {
                    Platform::Telegram => {
                        "a Telegram user id must be a positive decimal number without leading zeros"
                    }
                    _ => {
                        "a Discord user id must be a positive decimal number without leading zeros"
                    }
                };
                // Digits only (no sign, space or '+'), no leading zero (which also refuses 0),
                // and within u64: then the text is exactly `n.to_string()` for one n.
                let canonical = raw.bytes().all(|b| b.is_ascii_digit())
                    && raw.bytes().next().is_some_and(|b| b != b'0')
                    && raw.parse::<u64>().is_ok();
                if !canonical {
                    return bad(why);
                }
            }
            Platform::Web => {
                if raw.is_empty() || raw.len() > MAX_WEB_USER_ID {
                    return bad("a web user id must be 1 to 64 characters");
                }
                if !raw.bytes().all(|b| b.is_ascii_graphic() && b != b'#') {
                    return bad(
                        "a web user id may contain only printable ASCII without spaces or '#'",
                    );
                }
            }
        }
        Ok(Self(raw.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One follower: a platform identity. A follower holds at most one code per campaign.
///
/// Deserializing checks the id as [`Follower::parse`] does, so a follower read from anywhere
/// is canonical.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "FollowerRepr", into = "FollowerRepr")]
pub struct Follower {
    /// The platform the follower claims through.
    pub platform: Platform,
    /// The follower's id on that platform.
    pub user_id: PlatformUserId,
}

/// The serialized form of a [`Follower`]: the same fields, the id not yet checked.
#[derive(Serialize, Deserialize)]
struct FollowerRepr {
    platform: Platform,
    user_id: String,
}

impl TryFrom<FollowerRepr> for Follower {
    type Error = ParseError;
    fn try_from(r: FollowerRepr) -> Result<Self, ParseError> {
        let user_id = PlatformUserId::parse(r.platform, &r.user_id)?;
        Ok(Self {
            platform: r.platform,
            user_id,
        })
    }
}

impl From<Follower> for FollowerRepr {
    fn from(f: Follower) -> Self {
        Self {
            platform: f.platform,
            user_id: f.user_id.0,
        }
    }
}

impl Follower {
    /// Parses a follower from a platform name (`discord`, `telegram` or `web`, any case) and a
    /// user id in its platform's canonical spelling (see [`PlatformUserId`]).
    pub fn parse(platform: &str, user_id: &str) -> Result<Self, ParseError> {
        let platform = Platform::parse(platform)?;
        let user_id = PlatformUserId::parse(platform, user_id)?;
        Ok(Self { platform, user_id })
    }
}

impl fmt::Display for Follower {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.platform, self.user_id.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campaign_ids_are_trimmed_slugs() {
        assert_eq!(
            CampaignId::parse(" spring-sale ").unwrap().as_str(),
            "spring-sale"
        );
        assert!(CampaignId::parse("Spring").is_err());
        assert!(CampaignId::parse("").is_err());
        assert!(CampaignId::parse("-x").is_err());
        assert!(CampaignId::parse("a#b").is_err());
        assert!(CampaignId::parse(&"a".repeat(25)).is_err());
    }

    #[test]
    fn followers_need_numeric_ids_on_chat_platforms() {
        assert!(Follower::parse("telegram", "12345").is_ok());
        assert!(Follower::parse("Discord", "80351110224678912").is_ok());
        assert!(Follower::parse("telegram", "12a").is_err());
        assert!(Follower::parse("web", "user#1").is_err());
        assert!(Follower::parse("web", "user-1@shop").is_ok());
        assert!(Follower::parse("icq", "1").is_err());
    }

    #[test]
    fn a_chat_user_id_has_one_spelling() {
        for platform in ["telegram", "discord"] {
            assert_eq!(
                Follower::parse(platform, "42").unwrap().user_id.as_str(),
                "42"
            );
            assert!(Follower::parse(platform, "18446744073709551615").is_ok());
            for other in [
                "042",
                "0",
                "00",
                "+42",
                "-42",
                " 42",
                "42 ",
                "4 2",
                "42\n",
                "",
                "4.2e1",
                "0x2a",
                "١٢",
                "４２",
                "18446744073709551616",
                "99999999999999999999999",
            ] {
                let e = Follower::parse(platform, other).unwrap_err();
                assert_eq!(e.field, "follower id", "{other:?}");
            }
        }
    }

    #[test]
    fn a_web_user_id_is_taken_exactly_as_sent() {
        assert_eq!(
            Follower::parse("web", "User-1").unwrap().user_id.as_str(),
            "User-1"
        );
        assert_ne!(
            Follower::parse("web", "User-1").unwrap(),
            Follower::parse("web", "user-1").unwrap()
        );
        for bad in [
            "",
            " u",
            "u ",
            "a b",
            "a\tb",
            "a\u{0}",
            "é",
            "a#b",
            &"u".repeat(65),
        ] {
            assert!(Follower::parse("web", bad).is_err(), "{bad:?}");
        }
        assert!(Follower::parse("web", &"u".repeat(64)).is_ok());
    }

    #[test]
    fn a_follower_read_back_is_checked_like_a_parsed_one() {
        let f = Follower::parse("telegram", "42").unwrap();
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(json, r#"{"platform":"telegram","user_id":"42"}"#);
        assert_eq!(serde_json::from_str::<Follower>(&json).unwrap(), f);
        assert!(
            serde_json::from_str::<Follower>(r#"{"platform":"telegram","user_id":"042"}"#).is_err()
        );
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_positive_u64_formats_and_parses_back_to_itself(n in 1u64.., discord in any::<bool>()) {
            let platform = if discord { "discord" } else { "telegram" };
            let f = Follower::parse(platform, &n.to_string()).expect("canonical id");
            prop_assert_eq!(f.user_id.as_str().parse::<u64>(), Ok(n));
            prop_assert_eq!(f.user_id.as_str(), n.to_string());
        }

        #[test]
        fn a_chat_id_with_a_leading_zero_or_a_non_digit_is_refused(
            digits in "[0-9]{0,19}", junk in "\\PC", at_end in any::<bool>(), discord in any::<bool>(),
        ) {
            let platform = if discord { "discord" } else { "telegram" };
            let zero_led = format!("0{digits}");
            prop_assert!(Follower::parse(platform, &zero_led).is_err());
            prop_assume!(!junk.bytes().all(|b| b.is_ascii_digit()));
            let s = if at_end { format!("1{digits}{junk}") } else { format!("{junk}1{digits}") };
            prop_assert!(Follower::parse(platform, &s).is_err());
        }

        #[test]
        fn a_chat_id_accepted_from_any_string_is_a_canonical_u64(s in any::<String>(), discord in any::<bool>()) {
            let platform = if discord { "discord" } else { "telegram" };
            if let Ok(f) = Follower::parse(platform, &s) {
                let n: u64 = s.parse().expect("digits");
                prop_assert!(n > 0);
                prop_assert_eq!(n.to_string(), f.user_id.as_str());
                prop_assert_eq!(f.user_id.as_str(), s.as_str());
            }
        }

        #[test]
        fn a_web_id_accepted_from_any_string_is_bounded_printable_ascii(s in "\\PC{0,80}|.{0,80}") {
            if let Ok(f) = Follower::parse("web", &s) {
                prop_assert_eq!(f.user_id.as_str(), s.as_str());
                prop_assert!((1..=MAX_WEB_USER_ID).contains(&s.len()));
                prop_assert!(s.bytes().all(|b| b.is_ascii_graphic() && b != b'#'));
            }
        }

        #[test]
        fn a_follower_survives_serde_and_a_forged_one_does_not(s in any::<String>(), p in 0..3usize) {
            let platform = ["discord", "telegram", "web"][p];
            let json = serde_json::json!({ "platform": platform, "user_id": s });
            let read = serde_json::from_value::<Follower>(json);
            prop_assert_eq!(read.ok(), Follower::parse(platform, &s).ok());
        }

        #[test]
        fn a_slug_accepted_from_any_string_is_a_slug_and_parses_to_itself(s in any::<String>()) {
            let accepted = [
                CampaignId::parse(&s).map(|c| c.to_string()),
                InfluencerId::parse(&s).map(|i| i.to_string()),
            ];
            for id in accepted.into_iter().flatten() {
                prop_assert!((1..=24).contains(&id.len()));
                prop_assert!(id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'));
                prop_assert!(id.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric()));
                prop_assert_eq!(CampaignId::parse(&id).map(|c| c.to_string()), Ok(id.clone()));
                prop_assert_eq!(id.as_str(), s.trim());
            }
        }

        #[test]
        fn other_id_parsers_take_any_string_without_panicking(s in "\\PC{0,200}") {
            let _ = Platform::parse(&s);
            if let Ok(r) = OrderRef::parse(&s) {
                prop_assert!((1..=128).contains(&r.as_str().len()));
                prop_assert!(r.as_str().bytes().all(|b| b.is_ascii_graphic() || b == b' '));
            }
        }
    }
}

/// A shop's order reference for a redemption: 1..=128 printable ASCII characters. Redeeming the
/// same code again with the same reference is an idempotent retry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrderRef(String);

impl OrderRef {
    /// Parses an order reference.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        if s.is_empty() || s.len() > 128 || !s.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
            return Err(ParseError::new(
                "order reference",
                "must be 1 to 128 printable ASCII characters",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The reference as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
