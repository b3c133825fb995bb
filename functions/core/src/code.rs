//! Promo codes, their states and the lanes a pool is divided into.

use crate::error::ParseError;
use crate::ids::InfluencerId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A promo code, normalised: trimmed and upper case (Amazon codes are upper case).
/// 4..=64 characters of `A-Z`, `0-9` and `-`. Its `Debug` form hides the code so that it cannot
/// reach a log line by accident.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PromoCode(String);

impl PromoCode {
    /// Parses a code, accepting lower case and surrounding whitespace. Any string is safe to
    /// pass; a refusal names at most the one character that is not allowed, never the code.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        // Checked before copying, so a huge input costs nothing.
        if s.len() < 4 || s.len() > 64 {
            return Err(ParseError::new("code", "must be 4 to 64 characters"));
        }
        let s = s.to_ascii_uppercase();
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '-'))
        {
            let shown = if c.is_ascii_graphic() {
                format!("'{c}'")
            } else {
                format!("U+{:04X}", c as u32)
            };
            return Err(ParseError::new(
                "code",
                format!("contains {shown}; only letters, digits and '-' are allowed"),
            ));
        }
        if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err(ParseError::new("code", "has a misplaced '-'"));
        }
        Ok(Self(s))
    }

    /// A code built by this crate from characters and a shape that always parse (the
    /// generator). Checked again in debug builds.
    pub(crate) fn from_generated(s: String) -> Self {
        debug_assert!(Self::parse(&s).is_ok(), "a generated code must parse");
        Self(s)
    }

    /// The code's text. Hand it to the follower; never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The pool shard this code belongs to, stable for a given code (FNV-1a of its text).
    pub fn shard(&self, shards: u16) -> u16 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.0.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        (h % u64::from(shards.max(1))) as u16
    }
}

impl fmt::Debug for PromoCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PromoCode(<{} chars>)", self.0.len())
    }
}

impl TryFrom<String> for PromoCode {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}

impl From<PromoCode> for String {
    fn from(c: PromoCode) -> String {
        c.0
    }
}

/// Where a code is in its life. The only transitions are
/// `Available -> Issued -> Redeemed` and `Available -> Retired`: an issued code never goes back
/// to the pool, so a code a follower has seen is never handed to anybody else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeState {
    /// In the pool, can be issued.
    Available,
    /// Handed to exactly one follower.
    Issued,
    /// Used at checkout, once.
    Redeemed,
    /// Taken out of the pool unissued (the campaign ended, or the seller withdrew it).
    Retired,
}

impl CodeState {
    /// Whether the lifecycle allows moving from `self` to `next`.
    pub fn can_become(self, next: CodeState) -> bool {
        matches!(
            (self, next),
            (Self::Available, Self::Issued)
                | (Self::Issued, Self::Redeemed)
                | (Self::Available, Self::Retired)
        )
    }

    /// The state's name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Issued => "issued",
            Self::Redeemed => "redeemed",
            Self::Retired => "retired",
        }
    }
}

/// The part of a campaign's pool a code sits in. An influencer with a quota has a lane holding
/// exactly as many codes as the quota: issuing from the lane can then never exceed the quota, and
/// no counter item sits on the claim path. Everyone else draws from the open lane; codes beyond
/// the campaign's total cap wait in the over-cap lane until the cap is raised, and codes held out
/// for an influencer (their own promotion's) wait in reserve and are never issued.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lane {
    /// Shared by direct claims and influencers without a quota.
    Open,
    /// Reserved for one influencer's quota.
    Influencer(InfluencerId),
    /// Held out: an influencer's own promotion's codes beyond their quota or moved out of their
    /// lane, a removed influencer's codes kept out, and codes placed before the over-cap lane
    /// existed. Never issued, and a raised cap never takes them.
    Reserve,
    /// Beyond the campaign's total cap: shared codes, issued only once a raised cap moves them
    /// into a lane.
    OverCap,
}

impl Lane {
    /// The lane's key as stored (`~open`, `~reserve`, `~overcap` or the influencer id; `~` cannot
    /// start an id).
    pub fn key(&self) -> &str {
        match self {
            Self::Open => "~open",
            Self::Reserve => "~reserve",
            Self::OverCap => "~overcap",
            Self::Influencer(id) => id.as_str(),
        }
    }

    /// True for the lanes claims draw from (open and influencer lanes): their codes, issued or
    /// available, are what the total cap counts.
    pub fn is_issuable(&self) -> bool {
        matches!(self, Self::Open | Self::Influencer(_))
    }

    /// Parses a stored lane key, exactly as [`Lane::key`] writes it.
    pub fn from_key(key: &str) -> Result<Self, ParseError> {
        match key {
            "~open" => Ok(Self::Open),
            "~reserve" => Ok(Self::Reserve),
            "~overcap" => Ok(Self::OverCap),
            other => match InfluencerId::parse(other) {
                Ok(id) if id.as_str() == other => Ok(Self::Influencer(id)),
                Ok(_) => Err(ParseError::new("lane", "is not written as stored")),
                Err(e) => Err(e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_normalised_to_upper_case() {
        assert_eq!(
            PromoCode::parse("  7gm3-yyyyy3-zzzzzz ").unwrap().expose(),
            "7GM3-YYYYY3-ZZZZZZ"
        );
        assert!(PromoCode::parse("AB").is_err());
        assert!(PromoCode::parse("AB CD").is_err());
        assert!(PromoCode::parse("-ABCD").is_err());
        assert!(PromoCode::parse("AB--CD").is_err());
        assert!(PromoCode::parse("ÄBCD").is_err());
    }

    #[test]
    fn debug_never_shows_the_code() {
        let c = PromoCode::parse("SECRET-CODE").unwrap();
        assert!(!format!("{c:?}").contains("SECRET"));
    }

    #[test]
    fn only_forward_transitions_are_allowed() {
        use CodeState::*;
        assert!(Available.can_become(Issued));
        assert!(Issued.can_become(Redeemed));
        assert!(Available.can_become(Retired));
        assert!(!Issued.can_become(Available));
        assert!(!Issued.can_become(Retired));
        assert!(!Redeemed.can_become(Issued));
        assert!(!Retired.can_become(Available));
    }

    #[test]
    fn lanes_round_trip_through_their_keys() {
        for lane in [
            Lane::Open,
            Lane::Reserve,
            Lane::OverCap,
            Lane::Influencer(InfluencerId::parse("alice").unwrap()),
        ] {
            assert_eq!(Lane::from_key(lane.key()).unwrap(), lane);
        }
    }

    #[test]
    fn a_refusal_never_echoes_the_code() {
        for raw in [
            "SECRET-CODE!",
            "SECRETé-CODE",
            "SECRET CODE",
            "-SECRET-CODE",
        ] {
            let e = PromoCode::parse(raw).unwrap_err();
            assert!(!e.to_string().contains("SECRET"), "{e}");
        }
    }

    #[test]
    fn a_lane_key_is_taken_only_as_written() {
        assert!(Lane::from_key(" alice").is_err());
        assert!(Lane::from_key("~OPEN").is_err());
    }

    use proptest::prelude::*;

    fn valid_code() -> impl Strategy<Value = String> {
        "[A-Z0-9]{1,8}(-[A-Z0-9]{1,8}){0,5}"
            .prop_filter("4 to 64 characters", |s| (4..=64).contains(&s.len()))
    }

    fn is_code_form(s: &str) -> bool {
        (4..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn a_code_accepted_from_any_string_has_the_code_form(s in any::<String>()) {
            if let Ok(c) = PromoCode::parse(&s) {
                prop_assert!(is_code_form(c.expose()));
                prop_assert_eq!(c.expose(), s.trim().to_ascii_uppercase());
            }
        }

        #[test]
        fn a_code_accepted_from_printable_text_has_the_code_form(s in "\\PC{0,200}") {
            if let Ok(c) = PromoCode::parse(&s) {
                prop_assert!(is_code_form(c.expose()));
            }
        }

        #[test]
        fn a_valid_code_survives_parse_display_parse(
            code in valid_code(), lower in any::<bool>(), pad in "[ \t\r\n]{0,3}",
        ) {
            let raw = if lower { code.to_ascii_lowercase() } else { code.clone() };
            let first = PromoCode::parse(&format!("{pad}{raw}{pad}")).expect("valid code");
            prop_assert_eq!(first.expose(), code.as_str());
            let again = PromoCode::parse(first.expose()).expect("shown code parses");
            prop_assert_eq!(&again, &first);
            let json = serde_json::to_string(&first).expect("serializes");
            prop_assert_eq!(serde_json::from_str::<PromoCode>(&json).expect("reads back"), first);
        }

        #[test]
        fn a_code_with_one_character_replaced_parses_only_to_the_code_form(
            code in valid_code(), pos in any::<prop::sample::Index>(), ch in any::<char>(),
        ) {
            let mut chars: Vec<char> = code.chars().collect();
            let len = chars.len();
            if let Some(slot) = chars.get_mut(pos.index(len)) {
                *slot = ch;
            }
            let s: String = chars.into_iter().collect();
            match PromoCode::parse(&s) {
                Ok(c) => prop_assert!(is_code_form(c.expose())),
                Err(e) => prop_assert!(!e.reason.contains(&code)),
            }
        }

        #[test]
        fn a_stored_lane_key_from_any_string_reads_back_to_itself(s in "\\PC{0,40}") {
            if let Ok(lane) = Lane::from_key(&s) {
                prop_assert_eq!(lane.key(), s.as_str());
            }
        }
    }
}
