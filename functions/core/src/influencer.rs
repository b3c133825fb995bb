//! Influencers: who brought a follower, and how many codes they may hand out.

use crate::code::Lane;
use crate::ids::{CampaignId, InfluencerId};
use crate::marketplace::ProductUrl;
use serde::{Deserialize, Serialize};

/// An influencer registered for one campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Influencer {
    /// The campaign.
    pub campaign: CampaignId,
    /// The influencer's id within the campaign.
    pub id: InfluencerId,
    /// A display name.
    pub name: String,
    /// At most this many claims through this influencer; `None` draws from the open lane.
    pub quota: Option<u32>,
    /// Codes placed in this influencer's lane so far (at most the quota). Below the quota, the
    /// next import fills the lane first.
    pub backed: u32,
    /// Their own codes (their own Amazon promotion's) were imported into their lane: their
    /// followers draw from that lane only, and imports for the whole pool never fill it.
    #[serde(default)]
    pub own_codes: bool,
    /// When their own codes are all claimed, their followers draw from the open lane instead
    /// of being told so. Only without a quota (a quota caps everything they hand out).
    #[serde(default)]
    pub fallback: bool,
    /// Their own Amazon promotion's tracking id, once the seller set it: the order report
    /// credits them with that promotion's orders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion: Option<String>,
    /// Their own product link (the Amazon Attribution tag link), shown instead of the
    /// campaign's product page to their followers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_url: Option<ProductUrl>,
    /// The seller removed them: their links claim nothing more; the codes they handed out stay
    /// theirs (and in their numbers).
    #[serde(default)]
    pub removed: bool,
}

impl Influencer {
    /// The lane this influencer's followers draw from.
    pub fn lane(&self) -> Lane {
        if self.quota.is_some() || self.own_codes {
            Lane::Influencer(self.id.clone())
        } else {
            Lane::Open
        }
    }

    /// How many more codes the lane needs to back the whole quota.
    pub fn unbacked(&self) -> u32 {
        self.quota.map_or(0, |q| q.saturating_sub(self.backed))
    }

    /// How many of their own codes an import may still place in their lane: up to the quota
    /// with one, without limit otherwise.
    pub fn room_for_own_codes(&self) -> u32 {
        self.quota
            .map_or(u32::MAX - self.backed, |q| q.saturating_sub(self.backed))
    }

    /// True when pool imports and lane moves may put shared codes in their lane: a quota to
    /// back, and no codes of their own (their lane holds one promotion's codes only).
    pub fn takes_pool_codes(&self) -> bool {
        self.quota.is_some() && !self.own_codes && !self.removed
    }
}
