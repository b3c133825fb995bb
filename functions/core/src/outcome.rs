//! What a claim or a redemption comes to: the success, or a refusal that says why.

use crate::code::PromoCode;
use crate::ids::{InfluencerId, Platform};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// A follower's code, newly issued or the one they already hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claimed {
    /// The code. Send it privately to the follower; never log it.
    pub code: PromoCode,
    /// The influencer the claim is attributed to (`direct` for none).
    pub influencer: InfluencerId,
    /// When the code was issued.
    pub claimed_at: Timestamp,
    /// Until when the code can be redeemed.
    pub redeem_until: Timestamp,
    /// False when this follower already held the code (a repeat or a redelivery).
    pub new: bool,
    /// True for a group code: one code shared by at most N followers, each taking one use of it.
    pub shared: bool,
}

/// Why a claim was refused. Each variant has a stable machine-readable `reason()`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum ClaimRefusal {
    /// No such campaign.
    #[error("unknown campaign")]
    UnknownCampaign,
    /// No such influencer in this campaign.
    #[error("unknown influencer")]
    UnknownInfluencer,
    /// The campaign is not open on the platform the claim comes from: the seller listed other
    /// platforms, or set eligibility rules for other platforms only.
    #[error("the campaign is not open on {platform}")]
    PlatformClosed {
        /// The platform the claim came from.
        platform: Platform,
    },
    /// The campaign is a draft or its start time is ahead.
    #[error("the campaign has not started")]
    NotStarted {
        /// When it starts, if scheduled.
        starts_at: Option<Timestamp>,
    },
    /// The seller paused the campaign.
    #[error("the campaign is paused")]
    Paused,
    /// The campaign is over.
    #[error("the campaign has ended")]
    Ended,
    /// No code left that this claim could be given.
    #[error("all codes have been claimed")]
    SoldOut,
    /// The influencer's quota is used up.
    #[error("this influencer's quota is used up")]
    QuotaReached,
    /// Today's release is used up; more codes are released later.
    #[error("today's codes are gone")]
    DripExhausted {
        /// When the next codes are released.
        next_release: Timestamp,
    },
    /// The store stayed too busy (conflicts or throttling) for the retry budget; nothing was
    /// issued, and asking again is safe.
    #[error("too busy, try again")]
    Busy,
}

impl ClaimRefusal {
    /// A stable machine-readable reason, e.g. `sold_out`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::UnknownCampaign => "unknown_campaign",
            Self::UnknownInfluencer => "unknown_influencer",
            Self::PlatformClosed { .. } => "platform_closed",
            Self::NotStarted { .. } => "not_started",
            Self::Paused => "paused",
            Self::Ended => "ended",
            Self::SoldOut => "sold_out",
            Self::QuotaReached => "quota_reached",
            Self::DripExhausted { .. } => "drip_exhausted",
            Self::Busy => "busy",
        }
    }
}

/// A successful redemption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redeemed {
    /// When the code was redeemed.
    pub redeemed_at: Timestamp,
    /// The influencer the code was attributed to.
    pub influencer: InfluencerId,
    /// True when this order reference had already redeemed this code (an idempotent retry).
    pub replayed: bool,
}

/// Why a redemption was refused. Each variant has a stable machine-readable `reason()`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum RedeemRefusal {
    /// No such code in any pool.
    #[error("unknown code")]
    UnknownCode,
    /// The code exists but was never handed to a follower (still in the pool, or retired).
    #[error("the code was never issued")]
    NotIssued,
    /// The code was redeemed before, by another order.
    #[error("the code was already redeemed")]
    AlreadyRedeemed {
        /// When it was redeemed.
        redeemed_at: Timestamp,
    },
    /// The code's redemption window has closed.
    #[error("the code has expired")]
    Expired {
        /// When the window closed.
        expired_at: Timestamp,
    },
    /// A group code is shared by many followers, so an order cannot say whose use it was:
    /// its orders are credited from the Amazon order report, by the influencer's promotion.
    #[error(
        "a group code is redeemed by many followers; import the order report to credit its orders"
    )]
    GroupCode,
}

impl RedeemRefusal {
    /// A stable machine-readable reason, e.g. `already_redeemed`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::UnknownCode => "unknown_code",
            Self::NotIssued => "not_issued",
            Self::AlreadyRedeemed { .. } => "already_redeemed",
            Self::Expired { .. } => "expired",
            Self::GroupCode => "group_code",
        }
    }
}
