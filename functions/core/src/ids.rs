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
    if !s.as_bytes()[0].is_ascii_alphanumeric() {
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

/// A user's id on a platform: 1..=64 printable ASCII characters without spaces or `#`.
/// Discord and Telegram ids are digits only and are checked as such.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PlatformUserId(String);

impl PlatformUserId {
    /// Parses a user id for `platform`.
    pub fn parse(platform: Platform, raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        if s.is_empty() || s.len() > 64 {
            return Err(ParseError::new("follower id", "must be 1 to 64 characters"));
        }
        let ok = match platform {
            Platform::Discord | Platform::Telegram => s.bytes().all(|b| b.is_ascii_digit()),
            Platform::Web => s.bytes().all(|b| b.is_ascii_graphic() && b != b'#'),
        };
        if !ok {
            let why = match platform {
                Platform::Web => "may contain only printable ASCII without spaces or '#'",
                _ => "must be the platform's numeric user id",
            };
            return Err(ParseError::new("follower id", why));
        }
        Ok(Self(s.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One follower: a platform identity. A follower holds at most one code per campaign.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Follower {
    /// The platform the follower claims through.
    pub platform: Platform,
    /// The follower's id on that platform.
    pub user_id: PlatformUserId,
}

impl Follower {
    /// Parses a follower from a platform name and a user id.
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
