//! A per-process cache of each campaign's settings and influencers, read in one query. Claims
//! read it instead of the campaign item, which would otherwise be a hot key on every claim.

use crate::Store;
use crate::admin::OrderTotals;
use crate::admin::orders::SalesItem;
use crate::table::error::StoreError;
use crate::table::items::{CampaignItem, InfluencerItem, campaign_pk, from_item, pk_of, s, sk_of};
use promo_core::{Campaign, CampaignId, Influencer, InfluencerId, Lane};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A campaign with its influencers, as of one read.
#[derive(Debug, Clone)]
pub struct CampaignContext {
    /// The campaign.
    pub campaign: Campaign,
    /// Its influencers by id.
    pub influencers: HashMap<InfluencerId, Influencer>,
    /// True once the expire sweep has finished with it.
    pub swept: bool,
    /// Amazon sales credited to each influencer (kept in the campaign's partition).
    pub sales: HashMap<InfluencerId, OrderTotals>,
}

impl CampaignContext {
    /// Where a follower of `influencer` (or of nobody) uses the code: the influencer's own
    /// product link, else the campaign's product page on its marketplace.
    pub fn product_url(&self, influencer: &InfluencerId) -> Option<String> {
        self.influencers
            .get(influencer)
            .and_then(|i| i.product_url.as_ref())
            .map(|u| u.as_str().to_owned())
            .or_else(|| self.campaign.product_url())
    }

    /// Every lane that can hold a code of the campaign: open, reserve, over-cap, and each
    /// influencer's.
    pub(crate) fn lanes(&self) -> Vec<Lane> {
        let mut lanes = vec![Lane::Open, Lane::Reserve, Lane::OverCap];
        lanes.extend(
            self.influencers
                .values()
                .map(|i| i.lane())
                .filter(|l| *l != Lane::Open),
        );
        lanes
    }
}

pub(crate) struct ContextCache {
    ttl: Mutex<Duration>,
    entries: Mutex<HashMap<CampaignId, Entry>>,
}

struct Entry {
    read_at: Instant,
    ctx: Arc<CampaignContext>,
    // When a caller set out to refresh this stale entry; the others keep using it meanwhile.
    refreshing_since: Option<Instant>,
}

impl ContextCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl: Mutex::new(ttl),
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn set_ttl(&self, ttl: Duration) {
        *self.ttl.lock().expect("context ttl lock") = ttl;
        self.entries.lock().expect("context cache lock").clear();
    }

    // The context to use, or `None` when this caller must read it. One caller refreshes a
    // stale entry while the others go on with it for the length of one query, so that a busy
    // process reads the campaign once per TTL, not once per claim in flight when the entry
    // expires. A refresh that failed is taken over after a TTL.
    fn get(&self, id: &CampaignId) -> Option<Arc<CampaignContext>> {
        let ttl = *self.ttl.lock().expect("context ttl lock");
        let mut entries = self.entries.lock().expect("context cache lock");
        let entry = entries.get_mut(id)?;
        let refreshing = entry
            .refreshing_since
            .is_some_and(|since| since.elapsed() < ttl);
        if entry.read_at.elapsed() < ttl || refreshing {
            return Some(entry.ctx.clone());
        }
        entry.refreshing_since = Some(Instant::now());
        None
    }

    fn put(&self, id: CampaignId, ctx: Option<Arc<CampaignContext>>) {
        let mut entries = self.entries.lock().expect("context cache lock");
        match ctx {
            Some(ctx) => {
                entries.insert(
                    id,
                    Entry {
                        read_at: Instant::now(),
                        ctx,
                        refreshing_since: None,
                    },
                );
            }
            None => {
                entries.remove(&id);
            }
        }
    }

    pub(crate) fn invalidate(&self, id: &CampaignId) {
        self.entries.lock().expect("context cache lock").remove(id);
    }
}

impl Store {
    /// The campaign and its influencers, from the per-process cache or one strongly consistent
    /// query. `None` for an unknown campaign. While one caller refreshes an expired entry, the
    /// others are answered from it.
    pub async fn campaign_context(
        &self,
        id: &CampaignId,
    ) -> Result<Option<Arc<CampaignContext>>, StoreError> {
        if let Some(ctx) = self.inner.contexts.get(id) {
            return Ok(Some(ctx));
        }
        let ctx = self.read_context(id).await?.map(Arc::new);
        self.inner.contexts.put(id.clone(), ctx.clone());
        Ok(ctx)
    }

    /// Reads the campaign partition (campaign item and influencers), bypassing the cache.
    pub async fn read_context(
        &self,
        id: &CampaignId,
    ) -> Result<Option<CampaignContext>, StoreError> {
        let query = self
            .client()
            .query()
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(campaign_pk(id)))
            .consistent_read(true);
        let mut campaign = None;
        let mut swept = false;
        let mut influencers = HashMap::new();
        let mut sales = HashMap::new();
        for item in self.query_items(query, false).await? {
            match sk_of(&item) {
                Some(crate::table::items::META) => {
                    let c: CampaignItem = from_item(item)?;
                    swept = c.swept;
                    campaign = Some(c.campaign);
                }
                Some(sk) if sk.starts_with("I#") => {
                    let i: InfluencerItem = from_item(item)?;
                    influencers.insert(i.influencer.id.clone(), i.influencer);
                }
                // Sales are reports, not claim settings: one that does not read is left out
                // rather than stopping claims.
                Some(sk) if sk.starts_with("S#") => {
                    if let Ok(row) = from_item::<SalesItem>(item) {
                        sales
                            .entry(row.influencer.clone())
                            .or_insert_with(OrderTotals::default)
                            .add(&row.totals());
                    }
                }
                _ => {}
            }
        }
        Ok(campaign.map(|campaign| CampaignContext {
            campaign,
            influencers,
            swept,
            sales,
        }))
    }

    /// Every campaign with its influencers, sorted by id, read fresh.
    pub async fn list_contexts(&self) -> Result<Vec<CampaignContext>, StoreError> {
        let query = self
            .client()
            .query()
            .index_name(crate::table::schema::GSI_LISTING)
            .key_condition_expression("gsi2pk = :p")
            .expression_attribute_values(":p", s(crate::table::items::CAMPAIGNS_PK));
        let mut out = Vec::new();
        // The index lists ids only: each campaign is read whole from its own partition.
        for item in self.query_items(query, false).await? {
            if let Some(id) = pk_of(&item).and_then(|pk| pk.strip_prefix("C#")) {
                let id = CampaignId::parse(id).map_err(StoreError::corrupt)?;
                out.extend(self.read_context(&id).await?);
            }
        }
        out.sort_by(|a, b| a.campaign.id.cmp(&b.campaign.id));
        Ok(out)
    }

    pub(crate) fn invalidate_context(&self, id: &CampaignId) {
        self.inner.contexts.invalidate(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use promo_core::{Caps, NewCampaign, Timestamp};

    fn context(id: &CampaignId) -> Arc<CampaignContext> {
        let now = Timestamp::now();
        let new = NewCampaign {
            id: id.clone(),
            name: "Test".into(),
            product: "B0TEST".into(),
            discount: "10%".into(),
            starts_at: now,
            ends_at: now.plus_ms(60_000),
            redeem_until: None,
            caps: Caps::default(),
            shards: 1,
            activate: true,
            marketplace: promo_core::Marketplace::default(),
        };
        Arc::new(CampaignContext {
            campaign: Campaign::create(new, now),
            influencers: HashMap::new(),
            swept: false,
            sales: HashMap::new(),
        })
    }

    #[test]
    fn one_caller_refreshes_an_expired_entry_while_the_others_use_it() {
        let id = CampaignId::parse("spring").expect("id");
        let cache = ContextCache::new(Duration::from_millis(200));
        assert!(cache.get(&id).is_none(), "nothing cached: read it");
        cache.put(id.clone(), Some(context(&id)));
        assert!(cache.get(&id).is_some(), "fresh");
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            cache.get(&id).is_none(),
            "the first caller after expiry reads"
        );
        assert!(
            cache.get(&id).is_some(),
            "the others use the stale entry meanwhile"
        );
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            cache.get(&id).is_none(),
            "a refresh that never came is taken over"
        );
        cache.put(id.clone(), None);
        assert!(
            cache.get(&id).is_none(),
            "a campaign found gone is forgotten"
        );
    }
}
