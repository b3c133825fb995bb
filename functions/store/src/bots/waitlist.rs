//! The waitlist: followers refused because today's drip was used up or the pool was empty, who
//! asked to be told when codes open again.
//!
//! One item per waiting follower, `W#<campaign>#<shard>` / `<platform>#<user>`, spread over
//! [`WAITLIST_SHARDS`] partitions so a viral refusal wave does not land on one key. Joining is a
//! conditional put (joining twice is one entry). A notifier takes each entry with a conditional
//! delete before messaging, so each waiting follower is messaged once even with two notifiers.

use crate::Store;
use crate::table::error::StoreError;
use crate::table::index::Released;
use crate::table::items::{Item, key, n, s};
use crate::table::schema;
use aws_sdk_dynamodb::types::AttributeValue;
use promo_core::{CampaignId, Follower, InfluencerId, Lane, Platform, Timestamp};

/// How many partitions a campaign's waitlist is spread over.
pub const WAITLIST_SHARDS: u16 = 8;

/// A waiting follower.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiter {
    /// The campaign they wait for.
    pub campaign: CampaignId,
    /// Who waits.
    pub follower: Follower,
    /// Where to reach them on their platform (a Telegram chat id, a Discord channel id).
    pub contact: String,
    /// The influencer whose link they came through (`direct` for none).
    pub influencer: InfluencerId,
    /// A language code for the message, if known.
    pub language: Option<String>,
    /// When they joined.
    pub joined_at: Timestamp,
}

fn shard_of(follower: &Follower) -> u16 {
    // FNV-1a over the user id: stable across processes, unlike the std hasher.
    let mut h: u32 = 0x811c_9dc5;
    for b in follower.user_id.as_str().bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    (h % u32::from(WAITLIST_SHARDS)) as u16
}

fn waitlist_pk(campaign: &CampaignId, shard: u16) -> String {
    format!("W#{campaign}#{shard}")
}

fn waiter_sk(follower: &Follower) -> String {
    format!("{}#{}", follower.platform, follower.user_id.as_str())
}

impl Store {
    /// Puts `waiter` on the campaign's waitlist until `until` (the entry expires then). Returns
    /// false when they were already on it (nothing changes).
    pub async fn join_waitlist(
        &self,
        waiter: &Waiter,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut item = key(
            waitlist_pk(&waiter.campaign, shard_of(&waiter.follower)),
            waiter_sk(&waiter.follower),
        );
        item.insert("contact".into(), s(&waiter.contact));
        item.insert("influencer".into(), s(waiter.influencer.as_str()));
        item.insert("joined_at".into(), n(waiter.joined_at.millis()));
        if let Some(lang) = &waiter.language {
            item.insert("language".into(), s(lang));
        }
        item.insert(schema::TTL_ATTRIBUTE.into(), n(until.millis() / 1000));
        self.put_if_absent(item).await
    }

    /// Up to `limit` waiting followers of a campaign, oldest shard entries first.
    pub async fn waitlist(
        &self,
        campaign: &CampaignId,
        limit: usize,
    ) -> Result<Vec<Waiter>, StoreError> {
        let mut out = Vec::new();
        for shard in 0..WAITLIST_SHARDS {
            if out.len() >= limit {
                break;
            }
            let query = self
                .client()
                .query()
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(waitlist_pk(campaign, shard)))
                .limit((limit - out.len()).clamp(1, 1_000) as i32);
            for item in self.query_items(query, true).await? {
                if let Some(w) = waiter_of(campaign, &item) {
                    out.push(w);
                }
            }
        }
        Ok(out)
    }

    /// Removes `follower` from the waitlist. Returns true only for the one caller that removed
    /// the entry: that caller, and nobody else, sends the notification.
    pub async fn take_waiter(
        &self,
        campaign: &CampaignId,
        follower: &Follower,
    ) -> Result<bool, StoreError> {
        self.delete_if_present(key(
            waitlist_pk(campaign, shard_of(follower)),
            waiter_sk(follower),
        ))
        .await
    }

    /// Whether a follower coming through `influencer` could be given a code right now: their
    /// lane holds a code released by `now`. One small query per shard until one is found.
    pub async fn has_stock_now(
        &self,
        campaign: &CampaignId,
        influencer: &InfluencerId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let Some(ctx) = self.campaign_context(campaign).await? else {
            return Ok(false);
        };
        let lane = match ctx.influencers.get(influencer) {
            Some(i) => i.lane(),
            None => Lane::Open,
        };
        for shard in 0..ctx.campaign.shards.max(1) {
            if !self
                .available_in(campaign, &lane, shard, Released::By(now), Some(1))
                .await?
                .is_empty()
            {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

fn waiter_of(campaign: &CampaignId, item: &Item) -> Option<Waiter> {
    let text = |name: &str| match item.get(name) {
        Some(AttributeValue::S(v)) => Some(v.clone()),
        _ => None,
    };
    let sk = text("sk")?;
    let (platform, user) = sk.split_once('#')?;
    let platform = Platform::parse(platform).ok()?;
    Some(Waiter {
        campaign: campaign.clone(),
        follower: Follower::parse(platform.as_str(), user).ok()?,
        contact: text("contact")?,
        influencer: InfluencerId::parse(&text("influencer")?).ok()?,
        language: text("language"),
        joined_at: Timestamp(item.get("joined_at")?.as_n().ok()?.parse().ok()?),
    })
}
