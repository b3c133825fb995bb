//! Items as stored, their keys, and the mapping to and from DynamoDB attribute maps.

use crate::table::error::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use promo_core::{
    Campaign, CampaignId, CodeState, Follower, Influencer, InfluencerId, Lane, PromoCode, Timestamp,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// An item as the SDK sees it.
pub type Item = HashMap<String, AttributeValue>;

/// The sort key of one-item partitions.
pub const META: &str = "META";

/// Key of a campaign's partition (the campaign item and its influencers).
pub fn campaign_pk(id: &CampaignId) -> String {
    format!("C#{id}")
}

/// Sort key of an influencer item.
pub fn influencer_sk(id: &InfluencerId) -> String {
    format!("I#{id}")
}

/// Key of a code item. Codes are unique across every campaign of the table.
pub fn code_pk(code: &PromoCode) -> String {
    format!("K#{}", code.expose())
}

/// Sort key of a code item.
pub const CODE_SK: &str = "K";

/// Which code item: a single-use code (`K#<CODE>`), or one seat of a group code
/// (`K#<CODE>#<seat>`, seats 1 to N; a code never contains `#`). A group code's seats are
/// ordinary code items, so a claim takes a seat exactly as it takes a code, and N seats are at
/// most N followers without a counter. Its `Debug` form hides the code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CodeKey {
    /// The code the follower gets.
    pub code: PromoCode,
    /// The seat, for a group code.
    pub seat: Option<u32>,
}

impl CodeKey {
    /// A single-use code's key.
    pub fn single(code: PromoCode) -> Self {
        Self { code, seat: None }
    }

    /// The partition key of the item.
    pub fn pk(&self) -> String {
        match self.seat {
            None => code_pk(&self.code),
            Some(seat) => format!("K#{}#{seat}", self.code.expose()),
        }
    }

    /// The item's key.
    pub fn item_key(&self) -> Item {
        key(self.pk(), CODE_SK)
    }

    /// The key a code item's `pk` names, if it names one.
    pub fn from_pk(pk: &str) -> Option<Self> {
        let rest = pk.strip_prefix("K#")?;
        let (code, seat) = match rest.split_once('#') {
            None => (rest, None),
            Some((code, seat)) => (code, Some(seat.parse::<u32>().ok().filter(|s| *s > 0)?)),
        };
        Some(Self {
            code: PromoCode::parse(code).ok()?,
            seat,
        })
    }

    /// The pool shard of the item: a code's own hash, or for a seat its number, so that the
    /// seats of one group code spread over every shard instead of crowding one.
    pub fn shard(&self, shards: u16) -> u16 {
        match self.seat {
            None => self.code.shard(shards),
            Some(seat) => (seat % u32::from(shards.max(1))) as u16,
        }
    }
}

/// How many partitions hold a campaign's claim items. A follower's partition depends only on
/// who they are (see [`claim_shard`]), so a repeat claim is one `GetItem`; at 5,000 new claims a
/// second each partition takes about 78 (~156 write units/s, under the 1,000 per key).
pub const CLAIM_SHARDS: u16 = 64;

/// The claim partition of a follower, stable for a given follower and the same in every
/// campaign: FNV-1a of `<platform>#<user>`, modulo [`CLAIM_SHARDS`].
pub fn claim_shard(follower: &Follower) -> u16 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in claim_sk(follower).bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % u64::from(CLAIM_SHARDS)) as u16
}

/// Key of one claim partition of a campaign: `F#<campaign>#<shard>`. Its items are the
/// campaign's claims of the followers hashed to that shard, which makes the partitions
/// together the listing of every code issued.
pub fn claim_pk(campaign: &CampaignId, shard: u16) -> String {
    format!("F#{campaign}#{shard}")
}

/// Sort key of a follower's claim item: `<platform>#<user>`.
pub fn claim_sk(follower: &Follower) -> String {
    format!("{}#{}", follower.platform, follower.user_id.as_str())
}

/// The key of a follower's claim in a campaign: one item per (campaign, platform, user), in
/// the follower's claim partition.
pub fn claim_key(campaign: &CampaignId, follower: &Follower) -> Item {
    key(
        claim_pk(campaign, claim_shard(follower)),
        claim_sk(follower),
    )
}

/// The available-index partition of one lane's shard.
pub fn available_pk(campaign: &CampaignId, lane: &Lane, shard: u16) -> String {
    format!("A#{campaign}#{}#{shard}", lane.key())
}

/// The listing-index partition of one influencer's redeemed codes in one pool shard. A code
/// enters it when redeemed (issued codes are listed by the claim partitions, [`claim_pk`]).
pub fn redeemed_pk(campaign: &CampaignId, influencer: &InfluencerId, shard: u16) -> String {
    format!("S#{campaign}#{influencer}#{shard}")
}

/// The listing-index partition that lists campaigns.
pub const CAMPAIGNS_PK: &str = "CAMPAIGNS";

/// A key as an attribute map.
pub fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    HashMap::from([
        ("pk".to_owned(), AttributeValue::S(pk.into())),
        ("sk".to_owned(), AttributeValue::S(sk.into())),
    ])
}

/// Maps a value to an item.
pub fn to_item<T: Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(StoreError::corrupt)
}

/// Maps an item to a value.
pub fn from_item<T: for<'de> Deserialize<'de>>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(StoreError::corrupt)
}

/// A string attribute.
pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// A number attribute.
pub fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// The campaign item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CampaignItem {
    /// `C#<campaign>`.
    pub pk: String,
    /// `META`.
    pub sk: String,
    /// `CAMPAIGNS`, to list campaigns.
    pub gsi2pk: String,
    /// The campaign id.
    pub gsi2sk: String,
    /// The campaign.
    #[serde(flatten)]
    pub campaign: Campaign,
    /// True once the expire sweep has retired every code the campaign left unissued.
    #[serde(default)]
    pub swept: bool,
}

impl CampaignItem {
    /// Wraps a campaign with its keys.
    pub fn new(campaign: Campaign) -> Self {
        Self {
            pk: campaign_pk(&campaign.id),
            sk: META.to_owned(),
            gsi2pk: CAMPAIGNS_PK.to_owned(),
            gsi2sk: campaign.id.to_string(),
            campaign,
            swept: false,
        }
    }
}

/// The influencer item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InfluencerItem {
    /// `C#<campaign>`.
    pub pk: String,
    /// `I#<influencer>`.
    pub sk: String,
    /// The influencer.
    #[serde(flatten)]
    pub influencer: Influencer,
}

impl InfluencerItem {
    /// Wraps an influencer with its keys.
    pub fn new(influencer: Influencer) -> Self {
        Self {
            pk: campaign_pk(&influencer.campaign),
            sk: influencer_sk(&influencer.id),
            influencer,
        }
    }
}

/// A code item: one per code, the code's whole life in one place.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeItem {
    /// `K#<CODE>`.
    pub pk: String,
    /// `K`.
    pub sk: String,
    /// The code.
    pub code: PromoCode,
    /// The seat, when this item is one use of a group code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seat: Option<u32>,
    /// Its campaign.
    pub campaign: CampaignId,
    /// Its state.
    pub code_state: CodeState,
    /// Its lane's key (see [`Lane::key`]).
    pub lane: String,
    /// Its pool shard.
    pub shard: u16,
    /// Its position in the campaign's pool (drip order).
    pub seq: u32,
    /// Not issued before this time (start, or the drip's day).
    pub release_at: Timestamp,
    /// Not issued at or after this time (the campaign's end).
    pub closes_at: Timestamp,
    /// Not redeemed at or after this time.
    pub redeem_until: Timestamp,
    /// The import that brought it, so that a re-run of the same file resumes.
    pub import_id: String,
    /// Available index partition, present only while available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    /// Available index sort key (release time), present only while available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<i64>,
    /// The listing-index partition the code enters when redeemed ([`redeemed_pk`]), recorded
    /// when issued so that the redemption copies it in the same update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing_pk: Option<String>,
    /// Listing index partition, present once redeemed (a copy of `listing_pk`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    /// Listing index sort key (redemption time), present once redeemed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    /// The follower holding it (`platform:user`), once issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follower: Option<String>,
    /// The attribution, once issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub influencer: Option<InfluencerId>,
    /// When it was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_at: Option<Timestamp>,
    /// When it was redeemed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redeemed_at: Option<Timestamp>,
    /// The order that redeemed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_ref: Option<String>,
    /// When it was retired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<Timestamp>,
}

/// The value of a group code's `kind` attribute.
pub const GROUP_KIND: &str = "group";

/// A group code's head item, at the code's own key (`K#<CODE>` / `K`): it reserves the code in
/// the table (no single-use import nor other group can take it) and records the group; its
/// uses are the seat items ([`CodeKey`]). The claim path never reads or writes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupItem {
    /// `K#<CODE>`.
    pub pk: String,
    /// `K`.
    pub sk: String,
    /// Always [`GROUP_KIND`].
    pub kind: String,
    /// The shared code.
    pub code: PromoCode,
    /// Its campaign.
    pub campaign: CampaignId,
    /// The influencer whose lane holds the seats (their own promotion's code), or none: the
    /// open lane.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<InfluencerId>,
    /// How many followers may take it: seats 1 to `uses`.
    pub uses: u32,
    /// The import id its seats carry, so that a re-run resumes.
    pub import_id: String,
    /// When it was created.
    pub created_at: Timestamp,
}

/// True for a group code's head item.
pub fn is_group(item: &Item) -> bool {
    item.get("kind")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        == Some(GROUP_KIND)
}

/// A follower's claim: which code they hold in a campaign.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClaimItem {
    /// `F#<campaign>#<shard>` ([`claim_pk`]).
    pub pk: String,
    /// `<platform>#<user>` ([`claim_sk`]).
    pub sk: String,
    /// The campaign.
    pub campaign: CampaignId,
    /// The follower.
    pub follower: Follower,
    /// The code they hold.
    pub code: PromoCode,
    /// The seat they took, when the code is a group code (shared with its other holders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seat: Option<u32>,
    /// The attribution.
    pub influencer: InfluencerId,
    /// When it was issued.
    pub claimed_at: Timestamp,
    /// Until when it can be redeemed.
    pub redeem_until: Timestamp,
}

impl CodeItem {
    /// The item's key.
    pub fn key(&self) -> CodeKey {
        CodeKey {
            code: self.code.clone(),
            seat: self.seat,
        }
    }
}

impl ClaimItem {
    /// The key of the code item the follower took.
    pub fn code_key(&self) -> CodeKey {
        CodeKey {
            code: self.code.clone(),
            seat: self.seat,
        }
    }

    /// The claim as an outcome for the follower.
    pub fn claimed(self, new: bool) -> promo_core::Claimed {
        promo_core::Claimed {
            shared: self.seat.is_some(),
            code: self.code,
            influencer: self.influencer,
            claimed_at: self.claimed_at,
            redeem_until: self.redeem_until,
            new,
        }
    }
}

/// The item's `pk`, if it has one.
pub fn pk_of(item: &Item) -> Option<&str> {
    item.get("pk")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

/// The item's `sk`, if it has one.
pub fn sk_of(item: &Item) -> Option<&str> {
    item.get("sk")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn follower(user: &str) -> Follower {
        Follower::parse("telegram", user).expect("follower")
    }

    #[test]
    fn a_claim_key_depends_only_on_campaign_and_follower() {
        let spring = CampaignId::parse("spring").expect("campaign");
        let fall = CampaignId::parse("fall").expect("campaign");
        let f = follower("12345");
        let shard = claim_shard(&f);
        assert!(shard < CLAIM_SHARDS);
        assert_eq!(claim_shard(&follower("12345")), shard, "stable");
        assert_eq!(
            claim_key(&spring, &f),
            claim_key(&spring, &follower("12345"))
        );
        assert_eq!(
            pk_of(&claim_key(&spring, &f)),
            Some(format!("F#spring#{shard}").as_str())
        );
        assert_eq!(sk_of(&claim_key(&spring, &f)), Some("telegram#12345"));
        assert_eq!(
            pk_of(&claim_key(&fall, &f)),
            Some(format!("F#fall#{shard}").as_str())
        );
        let discord = Follower::parse("discord", "12345").expect("follower");
        assert_ne!(claim_key(&spring, &f), claim_key(&spring, &discord));
    }

    #[test]
    fn a_code_key_names_a_code_or_one_seat_and_reads_back() {
        let code = PromoCode::parse("SPRING-SOCIAL").expect("code");
        let single = CodeKey::single(code.clone());
        assert_eq!(single.pk(), "K#SPRING-SOCIAL");
        let seat = CodeKey {
            code,
            seat: Some(17),
        };
        assert_eq!(seat.pk(), "K#SPRING-SOCIAL#17");
        for k in [&single, &seat] {
            assert_eq!(CodeKey::from_pk(&k.pk()).as_ref(), Some(k));
        }
        for bad in [
            "K#SPRING-SOCIAL#0",
            "K#SPRING-SOCIAL#",
            "K#SPRING-SOCIAL#x",
            "K#ab#1#2",
            "F#x",
        ] {
            assert_eq!(CodeKey::from_pk(bad), None, "{bad}");
        }
        let shards: HashSet<u16> = (1..=8)
            .map(|n| {
                CodeKey {
                    seat: Some(n),
                    ..seat.clone()
                }
                .shard(4)
            })
            .collect();
        assert_eq!(shards.len(), 4, "one code's seats cover every shard");
    }

    proptest::proptest! {
        #[test]
        fn any_key_text_is_read_without_panicking(pk in "\\PC*") {
            let _ = CodeKey::from_pk(&pk);
            let _ = CodeKey::from_pk(&format!("K#{pk}"));
        }
    }

    #[test]
    fn followers_spread_over_every_claim_partition() {
        let shards: HashSet<u16> = (0..10_000)
            .map(|u| claim_shard(&follower(&(u + 1).to_string())))
            .collect();
        assert_eq!(shards.len(), usize::from(CLAIM_SHARDS));
    }
}
