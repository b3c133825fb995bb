//! Re-checks every invariant of the product from the table's records alone. The demo, the tests
//! and the load harness call it after the fact; it reads the whole table, so it is an operator's
//! tool, not something for the claim path.

use crate::Store;
use crate::table::error::StoreError;
use crate::table::items::{
    CampaignItem, ClaimItem, CodeItem, CodeKey, GroupItem, InfluencerItem, Item, from_item,
    is_group, pk_of, sk_of,
};
use promo_core::{CodeState, InfluencerId, Lane, Timestamp};
use std::collections::HashMap;

/// The table's records, typed.
#[derive(Debug, Default)]
pub struct Records {
    /// Campaign items.
    pub campaigns: Vec<CampaignItem>,
    /// Influencer items.
    pub influencers: Vec<InfluencerItem>,
    /// Code items (single-use codes and group-code seats).
    pub codes: Vec<CodeItem>,
    /// Group codes' head items.
    pub groups: Vec<GroupItem>,
    /// Claim items.
    pub claims: Vec<ClaimItem>,
}

impl Store {
    /// Reads every item of the table (a parallel-free scan; fine for audits and tests).
    pub async fn records(&self) -> Result<Records, StoreError> {
        let mut records = Records::default();
        let mut start = None;
        loop {
            self.metrics().read();
            let out = self
                .client()
                .scan()
                .table_name(self.table())
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::sdk("Scan", e))?;
            for item in out.items.unwrap_or_default() {
                classify(&mut records, item)?;
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        Ok(records)
    }

    /// Every invariant violation found in the table; empty when all hold.
    pub async fn audit(&self) -> Result<Vec<String>, StoreError> {
        Ok(check(&self.records().await?))
    }
}

fn classify(records: &mut Records, item: Item) -> Result<(), StoreError> {
    let pk = pk_of(&item).unwrap_or_default().to_owned();
    let sk = sk_of(&item).unwrap_or_default().to_owned();
    if pk.starts_with("K#") && is_group(&item) {
        records.groups.push(from_item(item)?);
    } else if pk.starts_with("K#") {
        records.codes.push(from_item(item)?);
    } else if pk.starts_with("F#") {
        records.claims.push(from_item(item)?);
    } else if pk.starts_with("C#") && sk == crate::table::items::META {
        records.campaigns.push(from_item(item)?);
    } else if pk.starts_with("C#") && sk.starts_with("I#") {
        records.influencers.push(from_item(item)?);
    }
    Ok(())
}

/// Checks the invariants over a set of records.
pub fn check(r: &Records) -> Vec<String> {
    let mut v = Vec::new();
    let codes: HashMap<CodeKey, &CodeItem> = r.codes.iter().map(|c| (c.key(), c)).collect();
    let mut holders: HashMap<CodeKey, usize> = HashMap::new();
    let mut per_follower: HashMap<(String, String), usize> = HashMap::new();
    for (i, claim) in r.claims.iter().enumerate() {
        *per_follower
            .entry((claim.campaign.to_string(), claim.follower.to_string()))
            .or_default() += 1;
        if let Some(prev) = holders.insert(claim.code_key(), i) {
            v.push(format!(
                "a code is held by two followers (claims #{prev} and #{i})"
            ));
        }
        match codes.get(&claim.code_key()) {
            None => v.push(format!("claim #{i} holds a code that is in no pool")),
            Some(code) => {
                if !matches!(code.code_state, CodeState::Issued | CodeState::Redeemed) {
                    v.push(format!(
                        "claim #{i} holds a code in state {}",
                        code.code_state.as_str()
                    ));
                }
                if code.follower.as_deref() != Some(claim.follower.to_string().as_str()) {
                    v.push(format!("claim #{i}: the code records another follower"));
                }
                if code.influencer.as_ref() != Some(&claim.influencer) {
                    v.push(format!("claim #{i}: the code records another influencer"));
                }
                if code.campaign != claim.campaign {
                    v.push(format!("claim #{i}: the code belongs to another campaign"));
                }
                if claim.claimed_at >= code.closes_at || claim.claimed_at < code.release_at {
                    v.push(format!("claim #{i} was issued outside the code's window"));
                }
            }
        }
    }
    for ((campaign, _), count) in &per_follower {
        if *count > 1 {
            v.push(format!("a follower holds {count} codes in {campaign}"));
        }
    }
    for code in &r.codes {
        let issued = matches!(code.code_state, CodeState::Issued | CodeState::Redeemed);
        if issued && !holders.contains_key(&code.key()) {
            v.push(format!(
                "an issued code of {} has no claim record",
                code.campaign
            ));
        }
        if !issued && holders.contains_key(&code.key()) {
            v.push(format!(
                "a {} code of {} has a claim record",
                code.code_state.as_str(),
                code.campaign
            ));
        }
        if code.code_state == CodeState::Available && code.gsi1pk.is_none() {
            v.push(format!(
                "an available code of {} is missing from the available index",
                code.campaign
            ));
        }
        if code.code_state == CodeState::Redeemed
            && (code.redeemed_at.is_none() || code.order_ref.is_none())
        {
            v.push(format!(
                "a redeemed code of {} lacks its redemption record",
                code.campaign
            ));
        }
    }
    check_groups(r, &mut v);
    for c in &r.campaigns {
        let id = &c.campaign.id;
        let pool = r.codes.iter().filter(|k| &k.campaign == id).count() as u32;
        if pool != c.campaign.pool_size {
            v.push(format!(
                "{id}: pool size {} but {pool} code records",
                c.campaign.pool_size
            ));
        }
        let issued: Vec<&ClaimItem> = r.claims.iter().filter(|k| &k.campaign == id).collect();
        if issued.len() as u32 > c.campaign.issuable {
            v.push(format!(
                "{id}: {} codes issued, more than the {} issuable",
                issued.len(),
                c.campaign.issuable
            ));
        }
        if let Some(cap) = c.campaign.caps.total
            && issued.len() as u32 > cap
        {
            v.push(format!(
                "{id}: {} codes issued over the cap of {cap}",
                issued.len()
            ));
        }
        if r.codes.iter().any(|k| {
            &k.campaign == id
                && (k.lane == Lane::Reserve.key() || k.lane == Lane::OverCap.key())
                && k.code_state != CodeState::Available
                && k.code_state != CodeState::Retired
        }) {
            v.push(format!("{id}: a reserve or over-cap code was issued"));
        }
        // What can still be or was issued: codes in the lanes claims draw from, not retired.
        let placed = r
            .codes
            .iter()
            .filter(|k| {
                &k.campaign == id
                    && k.code_state != CodeState::Retired
                    && Lane::from_key(&k.lane).is_ok_and(|l| l.is_issuable())
            })
            .count() as u32;
        if placed > c.campaign.issuable {
            v.push(format!(
                "{id}: {placed} codes in issuable lanes, more than the {} issuable",
                c.campaign.issuable
            ));
        }
        if let Some(cap) = c.campaign.caps.total
            && placed > cap
        {
            v.push(format!(
                "{id}: {placed} codes in issuable lanes over the cap of {cap}"
            ));
        }
        let mut by_influencer: HashMap<&InfluencerId, u32> = HashMap::new();
        for claim in &issued {
            *by_influencer.entry(&claim.influencer).or_default() += 1;
        }
        // An influencer's lane holds their codes (their own promotion's, or their quota): none
        // may reach a follower credited to someone else.
        let lanes: HashMap<CodeKey, &str> = r
            .codes
            .iter()
            .filter(|k| &k.campaign == id)
            .map(|k| (k.key(), k.lane.as_str()))
            .collect();
        for claim in &issued {
            let Some(lane) = lanes.get(&claim.code_key()) else {
                continue;
            };
            if *lane != Lane::Open.key()
                && *lane != Lane::Reserve.key()
                && *lane != Lane::OverCap.key()
                && *lane != claim.influencer.as_str()
            {
                v.push(format!(
                    "{id}: a code of influencer {lane}'s lane went to a follower credited to {}",
                    claim.influencer
                ));
            }
        }
        for inf in r
            .influencers
            .iter()
            .filter(|i| &i.influencer.campaign == id)
        {
            let got = by_influencer.get(&inf.influencer.id).copied().unwrap_or(0);
            if let Some(q) = inf.influencer.quota
                && got > q
            {
                v.push(format!(
                    "{id}: influencer {} has {got} claims over a quota of {q}",
                    inf.influencer.id
                ));
            }
            if inf.influencer.lane() != Lane::Open {
                let lane = Lane::Influencer(inf.influencer.id.clone());
                let backed = r
                    .codes
                    .iter()
                    .filter(|k| &k.campaign == id && k.lane == lane.key())
                    .count() as u32;
                if backed != inf.influencer.backed {
                    v.push(format!(
                        "{id}: influencer {} is backed by {backed} codes, recorded {}",
                        inf.influencer.id, inf.influencer.backed
                    ));
                }
            }
        }
        for influencer in by_influencer.keys() {
            if !influencer.is_direct()
                && !r
                    .influencers
                    .iter()
                    .any(|i| &i.influencer.campaign == id && &i.influencer.id == *influencer)
            {
                v.push(format!(
                    "{id}: claims attributed to unregistered influencer {influencer}"
                ));
            }
        }
    }
    v
}

/// A group code is handed out at most `uses` times, each seat to one follower, and no seat
/// exists without its head (which keeps the code out of every other pool).
fn check_groups(r: &Records, v: &mut Vec<String>) {
    let heads: HashMap<&str, &GroupItem> = r.groups.iter().map(|g| (g.code.expose(), g)).collect();
    let mut taken: HashMap<&str, u32> = HashMap::new();
    for code in &r.codes {
        let Some(seat) = code.seat else {
            if heads.contains_key(code.code.expose()) {
                v.push(format!(
                    "{}: a single-use code is also a group code",
                    code.campaign
                ));
            }
            continue;
        };
        let Some(head) = heads.get(code.code.expose()) else {
            v.push(format!("{}: a group-code seat has no group", code.campaign));
            continue;
        };
        if seat > head.uses || code.campaign != head.campaign {
            v.push(format!(
                "{}: a group-code seat beyond its group's uses or campaign",
                code.campaign
            ));
        }
        if matches!(code.code_state, CodeState::Issued | CodeState::Redeemed) {
            *taken.entry(code.code.expose()).or_default() += 1;
        }
    }
    for (code, n) in taken {
        if let Some(head) = heads.get(code)
            && n > head.uses
        {
            v.push(format!(
                "{}: a group code was taken {n} times, over its {} uses",
                head.campaign, head.uses
            ));
        }
    }
}

/// The latest claim time of a campaign's claims, for checks against its end.
pub fn last_claim_at(r: &Records, campaign: &promo_core::CampaignId) -> Option<Timestamp> {
    r.claims
        .iter()
        .filter(|c| &c.campaign == campaign)
        .map(|c| c.claimed_at)
        .max()
}
