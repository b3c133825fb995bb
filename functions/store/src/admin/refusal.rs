//! Why an admin operation did not happen: a typed outcome, like a claim's `ClaimRefusal`, so
//! that the CLI, the chat admin and the API can each say it their own way. The text of each is
//! the message for the seller. A refusal changed nothing.

use crate::admin::PromotionOwner;
use crate::bots::settings::MAX_SETTING_BYTES;
use promo_core::{CampaignId, CampaignStatus, InfluencerId, ParseError};

/// An admin operation refused, with nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminRefusal {
    /// The new campaign's settings are not valid (name, window, caps).
    #[error(transparent)]
    InvalidCampaign(ParseError),
    /// A campaign with this id exists.
    #[error("campaign {0} already exists")]
    CampaignExists(CampaignId),
    /// No campaign has this id.
    #[error("unknown campaign {0}")]
    UnknownCampaign(CampaignId),
    /// The campaign has ended (or its time is up): it can no longer be changed.
    #[error("campaign {0} is over and can no longer be changed")]
    CampaignOver(CampaignId),
    /// The campaign's lifecycle does not allow this change (an ended campaign stays ended).
    #[error("campaign {campaign} is {} and cannot become {}", from.as_str(), to.as_str())]
    StatusChange {
        /// The campaign.
        campaign: CampaignId,
        /// Its status now.
        from: CampaignStatus,
        /// The status asked for.
        to: CampaignStatus,
    },
    /// Another change to the campaign landed first; asking again is safe.
    #[error("campaign {0} changed meanwhile; try again")]
    ChangedMeanwhile(CampaignId),
    /// `direct` names claims through no influencer and cannot be added as one.
    #[error("`direct` is reserved for claims through no influencer")]
    ReservedInfluencer,
    /// A quota of zero (no quota is written by leaving it out).
    #[error("a quota must be at least 1 (leave it out for no quota)")]
    ZeroQuota,
    /// An influencer with this id exists in the campaign.
    #[error("influencer {influencer} already exists in {campaign}")]
    InfluencerExists {
        /// The campaign.
        campaign: CampaignId,
        /// The influencer.
        influencer: InfluencerId,
    },
    /// The campaign has no influencer with this id.
    #[error("no influencer {influencer} in campaign {campaign}")]
    UnknownInfluencer {
        /// The campaign.
        campaign: CampaignId,
        /// The influencer asked for.
        influencer: InfluencerId,
    },
    /// Their lane already holds codes moved in from the shared pool: one lane holds one
    /// promotion's codes, so their own cannot join them.
    #[error(
        "influencer {influencer} in {campaign} already holds {codes} codes from the shared pool (their \
         quota was backed from it); add them under a new id, or import their codes before giving \
         them a quota"
    )]
    SharedCodesInLane {
        /// The campaign.
        campaign: CampaignId,
        /// The influencer.
        influencer: InfluencerId,
        /// Shared codes in their lane.
        codes: u32,
    },
    /// Fallback to the open lane asked for an influencer with a quota, which caps all they hand
    /// out.
    #[error("influencer {0} has a quota: fallback to the shared pool would exceed it")]
    FallbackWithQuota(InfluencerId),
    /// A quota change for an influencer without one (their followers share the open lane).
    #[error("influencer {0} has no quota; give one when adding an influencer")]
    NoQuota(InfluencerId),
    /// A quota below the codes already issued through the influencer.
    #[error(
        "{issued} codes were already issued through influencer {influencer}: the quota cannot go \
         below that"
    )]
    QuotaBelowIssued {
        /// The influencer.
        influencer: InfluencerId,
        /// Codes in their lane that are issued.
        issued: u32,
    },
    /// A total cap below the codes already issued in the campaign.
    #[error(
        "{issued} codes of campaign {campaign} were already issued: the total cap cannot go below \
         that (set --cap {issued} or more, or end the campaign)"
    )]
    CapBelowIssued {
        /// The campaign.
        campaign: CampaignId,
        /// Codes issued so far.
        issued: u32,
    },
    /// Codes could not be moved into the influencer's lane (claims kept taking them); asking
    /// again is safe.
    #[error("could not back the influencer's lane; try again")]
    LaneBusy,
    /// An empty platform list: pausing is how a campaign closes everywhere.
    #[error("a campaign must be open on at least one platform (pause it instead)")]
    NoPlatforms,
    /// An import stopped part-way; running it again resumes where it stopped.
    #[error(
        "the import stopped after {imported} codes because the campaign kept changing, or a code \
         was imported elsewhere meanwhile; run the same import again to resume"
    )]
    ImportInterrupted {
        /// Codes imported before it stopped.
        imported: u32,
    },
    /// A promotion id that is empty or longer than 100 characters.
    #[error("a promotion id is 1 to 100 characters")]
    PromotionId,
    /// The promotion is credited to another influencer.
    #[error("promotion {promotion} already belongs to {} in {}", owner.influencer, owner.campaign)]
    PromotionTaken {
        /// The promotion id.
        promotion: String,
        /// Who it belongs to.
        owner: PromotionOwner,
    },
    /// The code is already in the table: a single-use code, or another campaign's group code.
    /// The code itself is not named, so that the refusal can be logged.
    #[error(
        "this code is already in use (imported as a single-use code, or a group code of another \
         campaign); a group code needs a code of its own"
    )]
    CodeTaken,
    /// A group code's uses out of range.
    #[error("a group code has 1 to {max} uses")]
    GroupUses {
        /// The most uses a group code can have.
        max: u32,
    },
    /// The group code exists with settings that this request would change in a way it cannot.
    #[error(
        "this group code already exists in {campaign} with {uses} uses for {}: its uses can only \
         be raised, and its influencer cannot change", owner.as_ref().map_or("the shared pool", |o| o.as_str())
    )]
    GroupExists {
        /// Its campaign.
        campaign: CampaignId,
        /// Its uses.
        uses: u32,
        /// Its influencer.
        owner: Option<InfluencerId>,
    },
    /// A settings document over the size limit.
    #[error("setting {scope}/{name} is {bytes} bytes; at most {MAX_SETTING_BYTES}")]
    SettingTooLarge {
        /// The document's scope.
        scope: String,
        /// The document's name.
        name: String,
        /// Its size as JSON.
        bytes: usize,
    },
}

impl AdminRefusal {
    /// [`AdminRefusal::UnknownInfluencer`] for `influencer` in `campaign`.
    pub fn unknown_influencer(campaign: &CampaignId, influencer: &InfluencerId) -> Self {
        Self::UnknownInfluencer {
            campaign: campaign.clone(),
            influencer: influencer.clone(),
        }
    }

    /// A stable machine-readable reason, e.g. `unknown_campaign`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::InvalidCampaign(_) => "invalid_campaign",
            Self::CampaignExists(_) => "campaign_exists",
            Self::UnknownCampaign(_) => "unknown_campaign",
            Self::CampaignOver(_) => "campaign_over",
            Self::StatusChange { .. } => "status_change",
            Self::ChangedMeanwhile(_) => "changed_meanwhile",
            Self::ReservedInfluencer => "reserved_influencer",
            Self::ZeroQuota => "zero_quota",
            Self::InfluencerExists { .. } => "influencer_exists",
            Self::UnknownInfluencer { .. } => "unknown_influencer",
            Self::SharedCodesInLane { .. } => "shared_codes_in_lane",
            Self::FallbackWithQuota(_) => "fallback_with_quota",
            Self::NoQuota(_) => "no_quota",
            Self::QuotaBelowIssued { .. } => "quota_below_issued",
            Self::CapBelowIssued { .. } => "cap_below_issued",
            Self::LaneBusy => "lane_busy",
            Self::NoPlatforms => "no_platforms",
            Self::ImportInterrupted { .. } => "import_interrupted",
            Self::PromotionId => "promotion_id",
            Self::PromotionTaken { .. } => "promotion_taken",
            Self::SettingTooLarge { .. } => "setting_too_large",
            Self::CodeTaken => "code_taken",
            Self::GroupUses { .. } => "group_uses",
            Self::GroupExists { .. } => "group_exists",
        }
    }

    /// True when the same request, sent again, may succeed: nothing about it was wrong, another
    /// change got in the way.
    pub fn try_again(&self) -> bool {
        matches!(
            self,
            Self::ChangedMeanwhile(_) | Self::LaneBusy | Self::ImportInterrupted { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_distinct_and_only_conflicts_are_worth_retrying() {
        let c = CampaignId::parse("launch").expect("id");
        let i = InfluencerId::parse("alice").expect("id");
        let all = [
            AdminRefusal::InvalidCampaign(ParseError::new("name", "must be 1 to 200 characters")),
            AdminRefusal::CampaignExists(c.clone()),
            AdminRefusal::UnknownCampaign(c.clone()),
            AdminRefusal::CampaignOver(c.clone()),
            AdminRefusal::StatusChange {
                campaign: c.clone(),
                from: CampaignStatus::Ended,
                to: CampaignStatus::Active,
            },
            AdminRefusal::ChangedMeanwhile(c.clone()),
            AdminRefusal::ReservedInfluencer,
            AdminRefusal::ZeroQuota,
            AdminRefusal::InfluencerExists {
                campaign: c.clone(),
                influencer: i.clone(),
            },
            AdminRefusal::UnknownInfluencer {
                campaign: c.clone(),
                influencer: i.clone(),
            },
            AdminRefusal::SharedCodesInLane {
                campaign: c.clone(),
                influencer: i.clone(),
                codes: 4,
            },
            AdminRefusal::FallbackWithQuota(i.clone()),
            AdminRefusal::NoQuota(i.clone()),
            AdminRefusal::QuotaBelowIssued {
                influencer: i.clone(),
                issued: 3,
            },
            AdminRefusal::CapBelowIssued {
                campaign: c.clone(),
                issued: 7,
            },
            AdminRefusal::LaneBusy,
            AdminRefusal::NoPlatforms,
            AdminRefusal::ImportInterrupted { imported: 3 },
            AdminRefusal::PromotionId,
            AdminRefusal::PromotionTaken {
                promotion: "P1".into(),
                owner: PromotionOwner {
                    campaign: c.clone(),
                    influencer: i,
                },
            },
            AdminRefusal::SettingTooLarge {
                scope: "s".into(),
                name: "n".into(),
                bytes: MAX_SETTING_BYTES + 1,
            },
            AdminRefusal::CodeTaken,
            AdminRefusal::GroupUses { max: 9 },
            AdminRefusal::GroupExists {
                campaign: c.clone(),
                uses: 5,
                owner: None,
            },
        ];
        let reasons: std::collections::BTreeSet<_> = all.iter().map(|r| r.reason()).collect();
        assert_eq!(reasons.len(), all.len());
        let retry: Vec<_> = all
            .iter()
            .filter(|r| r.try_again())
            .map(|r| r.reason())
            .collect();
        assert_eq!(
            retry,
            ["changed_meanwhile", "lane_busy", "import_interrupted"]
        );
        assert_eq!(
            all[4].to_string(),
            "campaign launch is ended and cannot become active"
        );
        assert_eq!(
            all[0].to_string(),
            "invalid name: must be 1 to 200 characters"
        );
    }
}
