//! Campaigns: what is promoted, when, under which caps, and their lifecycle.

use crate::error::ParseError;
use crate::ids::CampaignId;
use crate::marketplace::Marketplace;
use crate::outcome::ClaimRefusal;
use crate::time::{DAY_MS, Timestamp};
use serde::{Deserialize, Serialize};

/// A campaign's lifecycle state. `Draft -> Active <-> Paused`, and any state `-> Ended`, which
/// is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CampaignStatus {
    /// Being set up; followers cannot claim yet.
    Draft,
    /// Open for claims within its time window.
    Active,
    /// Temporarily closed by the seller.
    Paused,
    /// Closed for good.
    Ended,
}

impl CampaignStatus {
    /// Whether the lifecycle allows moving from `self` to `next`.
    pub fn can_become(self, next: CampaignStatus) -> bool {
        use CampaignStatus::*;
        matches!(
            (self, next),
            (Draft, Active)
                | (Active, Paused)
                | (Paused, Active)
                | (Draft | Active | Paused, Ended)
        )
    }

    /// Parses `draft`, `active`, `paused` or `ended`.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "draft" => Ok(Self::Draft),
            "active" => Ok(Self::Active),
            "paused" => Ok(Self::Paused),
            "ended" => Ok(Self::Ended),
            _ => Err(ParseError::new(
                "status",
                "must be draft, active, paused or ended",
            )),
        }
    }

    /// The status's name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Paused => "paused",
            Self::Ended => "ended",
        }
    }
}

/// A campaign's caps. The pool size is a cap by itself; these narrow it further.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caps {
    /// At most this many codes issued in the whole campaign.
    pub total: Option<u32>,
    /// At most this many codes released per day since the start; unclaimed ones carry over.
    pub daily_drip: Option<u32>,
}

/// The point a changed drip counts from: the code with sequence number `seq` is released at
/// `at` (a day boundary of the schedule), and each later `drip` codes a day after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DripAnchor {
    /// A day boundary of the schedule (the start plus whole days).
    pub at: Timestamp,
    /// The first sequence number released at `at`.
    pub seq: u32,
}

/// What the seller gives to create a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCampaign {
    /// The campaign's id.
    pub id: CampaignId,
    /// A name for people.
    pub name: String,
    /// The product, e.g. an Amazon ASIN.
    pub product: String,
    /// The discount as shown to followers, e.g. "20% off".
    pub discount: String,
    /// Claims open at this time.
    pub starts_at: Timestamp,
    /// Claims close at this time (exclusive).
    pub ends_at: Timestamp,
    /// Issued codes can be redeemed until this time; defaults to `ends_at`.
    pub redeem_until: Option<Timestamp>,
    /// Caps beyond the pool size.
    pub caps: Caps,
    /// How many shards the pool is spread over (1..=256); more shards spread a viral load.
    pub shards: u16,
    /// Start as `active` rather than `draft`.
    pub activate: bool,
    /// The Amazon marketplace the codes work on.
    #[serde(default)]
    pub marketplace: Marketplace,
}

impl NewCampaign {
    /// Checks the parts that cannot be checked one field at a time.
    pub fn validate(&self) -> Result<(), ParseError> {
        if self.name.trim().is_empty() || self.name.len() > 200 {
            return Err(ParseError::new("name", "must be 1 to 200 characters"));
        }
        if self.product.len() > 200 || self.discount.len() > 200 {
            return Err(ParseError::new(
                "product",
                "product and discount must be at most 200 characters",
            ));
        }
        if self.ends_at <= self.starts_at {
            return Err(ParseError::new("ends_at", "must be after starts_at"));
        }
        if let Some(r) = self.redeem_until
            && r < self.ends_at
        {
            return Err(ParseError::new(
                "redeem_until",
                "must not be before ends_at",
            ));
        }
        if self.shards == 0 || self.shards > 256 {
            return Err(ParseError::new("shards", "must be 1 to 256"));
        }
        if self.caps.daily_drip == Some(0) || self.caps.total == Some(0) {
            return Err(ParseError::new(
                "caps",
                "a cap must be at least 1 (leave it out for no cap)",
            ));
        }
        Ok(())
    }
}

/// A campaign as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    /// The campaign's id.
    pub id: CampaignId,
    /// A name for people.
    pub name: String,
    /// The product, e.g. an Amazon ASIN.
    pub product: String,
    /// The discount as shown to followers.
    pub discount: String,
    /// Claims open at this time.
    pub starts_at: Timestamp,
    /// Claims close at this time (exclusive).
    pub ends_at: Timestamp,
    /// Issued codes can be redeemed until this time.
    pub redeem_until: Timestamp,
    /// Lifecycle state.
    pub status: CampaignStatus,
    /// Caps beyond the pool size.
    pub caps: Caps,
    /// Pool shards.
    pub shards: u16,
    /// Codes imported into the pool, in every lane.
    pub pool_size: u32,
    /// Codes in the lanes claims draw from, issued or available (the pool, limited by the
    /// total cap): what the cap counts. Kept exact by every move in or out of those lanes.
    pub issuable: u32,
    /// The drip sequence number the next code placed in a lane takes; `None` (campaigns made
    /// before it was kept) means `issuable`. Only ever grows, so no two codes share one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_seq: Option<u32>,
    /// Where the drip's schedule restarts after a change of the drip: `None` is the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drip_from: Option<DripAnchor>,
    /// When the campaign was created.
    pub created_at: Timestamp,
    /// The Amazon marketplace the codes work on (`amazon.com` for campaigns made before it
    /// was asked).
    #[serde(default)]
    pub marketplace: Marketplace,
}

impl Campaign {
    /// Builds the stored form of a new campaign.
    pub fn create(new: NewCampaign, now: Timestamp) -> Self {
        Self {
            redeem_until: new.redeem_until.unwrap_or(new.ends_at),
            status: if new.activate {
                CampaignStatus::Active
            } else {
                CampaignStatus::Draft
            },
            id: new.id,
            name: new.name,
            product: new.product,
            discount: new.discount,
            starts_at: new.starts_at,
            ends_at: new.ends_at,
            caps: new.caps,
            shards: new.shards,
            pool_size: 0,
            issuable: 0,
            next_seq: None,
            drip_from: None,
            created_at: now,
            marketplace: new.marketplace,
        }
    }

    /// The product's page on the campaign's marketplace, when the product is an ASIN.
    pub fn product_url(&self) -> Option<String> {
        self.marketplace.product_url(&self.product)
    }

    /// Whether a claim may be attempted at `now`; the store's conditions enforce the window again
    /// atomically on each code.
    pub fn check_open(&self, now: Timestamp) -> Result<(), ClaimRefusal> {
        match self.status {
            CampaignStatus::Draft => return Err(ClaimRefusal::NotStarted { starts_at: None }),
            CampaignStatus::Paused => return Err(ClaimRefusal::Paused),
            CampaignStatus::Ended => return Err(ClaimRefusal::Ended),
            CampaignStatus::Active => {}
        }
        if now < self.starts_at {
            return Err(ClaimRefusal::NotStarted {
                starts_at: Some(self.starts_at),
            });
        }
        if now >= self.ends_at {
            return Err(ClaimRefusal::Ended);
        }
        Ok(())
    }

    /// Whether the campaign is over at `now` (ended by the seller or past its end time).
    pub fn is_over(&self, now: Timestamp) -> bool {
        self.status == CampaignStatus::Ended || now >= self.ends_at
    }

    /// When the code with drip sequence number `seq` is released: at the start, or with a daily
    /// drip of `d`, on day `seq / d` after the start (after a change of the drip, `d` a day
    /// from its anchor).
    pub fn release_at(&self, seq: u32) -> Timestamp {
        let anchor = self.drip_from.unwrap_or(DripAnchor {
            at: self.starts_at,
            seq: 0,
        });
        match self.caps.daily_drip {
            Some(d) if d > 0 => anchor
                .at
                .max(self.starts_at)
                .plus_ms(i64::from(seq.saturating_sub(anchor.seq) / d) * DAY_MS),
            _ => self.starts_at,
        }
    }

    /// The sequence number the next code placed in a lane takes.
    pub fn next_seq(&self) -> u32 {
        self.next_seq.unwrap_or(self.issuable)
    }

    /// The first day boundary of the schedule (the start plus whole days) after `now`: where a
    /// changed drip begins, so that the day under way keeps what it released.
    pub fn next_drip_day(&self, now: Timestamp) -> Timestamp {
        if now < self.starts_at {
            return self.starts_at;
        }
        let days = (now.millis() - self.starts_at.millis()) / DAY_MS + 1;
        self.starts_at.plus_ms(days.saturating_mul(DAY_MS))
    }

    /// How many of `incoming` new codes still fit under the total cap, given what is issuable now.
    pub fn issuable_room(&self, incoming: u32) -> u32 {
        match self.caps.total {
            Some(cap) => cap.saturating_sub(self.issuable).min(incoming),
            None => incoming,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign() -> Campaign {
        Campaign::create(
            NewCampaign {
                id: CampaignId::parse("c").unwrap(),
                name: "C".into(),
                product: "B000".into(),
                discount: "20%".into(),
                starts_at: Timestamp(1_000),
                ends_at: Timestamp(2_000),
                redeem_until: None,
                caps: Caps {
                    total: Some(10),
                    daily_drip: Some(3),
                },
                shards: 4,
                activate: true,
                marketplace: Marketplace::default(),
            },
            Timestamp(0),
        )
    }

    #[test]
    fn lifecycle_transitions() {
        use CampaignStatus::*;
        assert!(Draft.can_become(Active));
        assert!(Active.can_become(Paused) && Paused.can_become(Active));
        assert!(Paused.can_become(Ended));
        assert!(!Ended.can_become(Active));
        assert!(!Draft.can_become(Paused));
    }

    #[test]
    fn open_only_inside_the_window_when_active() {
        let mut c = campaign();
        assert_eq!(
            c.check_open(Timestamp(999)),
            Err(ClaimRefusal::NotStarted {
                starts_at: Some(Timestamp(1_000))
            })
        );
        assert_eq!(c.check_open(Timestamp(1_000)), Ok(()));
        assert_eq!(c.check_open(Timestamp(2_000)), Err(ClaimRefusal::Ended));
        c.status = CampaignStatus::Paused;
        assert_eq!(c.check_open(Timestamp(1_500)), Err(ClaimRefusal::Paused));
    }

    #[test]
    fn drip_releases_day_by_day_and_cap_limits_room() {
        let c = campaign();
        assert_eq!(c.release_at(2), Timestamp(1_000));
        assert_eq!(c.release_at(3), Timestamp(1_000 + DAY_MS));
        assert_eq!(c.issuable_room(25), 10);
    }

    #[test]
    fn a_changed_drip_counts_from_its_anchor_on_the_next_day() {
        let mut c = campaign();
        assert_eq!(c.next_drip_day(Timestamp(999)), Timestamp(1_000));
        assert_eq!(c.next_drip_day(Timestamp(1_000)), Timestamp(1_000 + DAY_MS));
        let day2 = Timestamp(1_000 + 2 * DAY_MS);
        assert_eq!(c.next_drip_day(Timestamp(1_000 + DAY_MS + 5)), day2);
        c.caps.daily_drip = Some(5);
        c.drip_from = Some(DripAnchor { at: day2, seq: 40 });
        assert_eq!(c.release_at(40), day2);
        assert_eq!(c.release_at(44), day2);
        assert_eq!(c.release_at(45), day2.plus_ms(DAY_MS));
        c.caps.daily_drip = None;
        assert_eq!(c.release_at(45), Timestamp(1_000));
        assert_eq!(c.next_seq(), c.issuable);
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn a_status_accepted_from_any_string_is_one_of_the_four(s in "\\PC{0,40}|.{0,40}") {
            if let Ok(status) = CampaignStatus::parse(&s) {
                prop_assert_eq!(status.as_str(), s.trim().to_ascii_lowercase());
            }
        }

        #[test]
        fn any_drip_position_has_a_release_time(seq in any::<u32>(), drip in any::<u32>(), start in any::<i64>()) {
            let mut c = campaign();
            c.starts_at = Timestamp(start);
            c.caps.daily_drip = Some(drip);
            prop_assert!(c.release_at(seq) >= c.starts_at);
        }
    }
}
