//! The pure domain of the promo-code system: campaigns and their lifecycle, code pools and lanes,
//! claims, redemptions and code-file parsing. Nothing here does I/O; the store and the handlers
//! build on these types.

// Tests index and unwrap to assert; the code they test does neither on input.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::indexing_slicing))]

#[cfg(feature = "archive")]
pub mod archive;
pub mod campaign;
pub mod code;
pub mod error;
pub mod generate;
pub mod ids;
pub mod import;
pub mod influencer;
pub mod invite;
pub mod language;
pub mod link;
pub mod marketplace;
pub mod orders;
pub mod outcome;
pub mod page_token;
pub mod time;

pub use campaign::{Campaign, CampaignStatus, Caps, DripAnchor, NewCampaign};
pub use code::{CodeState, Lane, PromoCode};
pub use error::ParseError;
pub use ids::{CampaignId, Follower, InfluencerId, OrderRef, Platform, PlatformUserId};
pub use influencer::Influencer;
pub use invite::InviteId;
pub use link::{LinkKey, LinkTarget, Surface};
pub use marketplace::{Marketplace, ProductUrl};
pub use outcome::{ClaimRefusal, Claimed, RedeemRefusal, Redeemed};
pub use page_token::{PageHolder, PageToken, PageTokenError};
pub use time::Timestamp;
