//! Influencers: who brought a follower, and how many codes they may hand out.

use crate::code::Lane;
use crate::ids::{CampaignId, InfluencerId};
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
}

impl Influencer {
    /// The lane this influencer's followers draw from.
    pub fn lane(&self) -> Lane {
        match self.quota {
            Some(_) => Lane::Influencer(self.id.clone()),
            None => Lane::Open,
        }
    }

    /// How many more codes the lane needs to back the whole quota.
    pub fn unbacked(&self) -> u32 {
        self.quota.map_or(0, |q| q.saturating_sub(self.backed))
    }
}
