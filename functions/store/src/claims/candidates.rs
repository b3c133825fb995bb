//! Picking a code to issue without a hot key: a random shard of the claimer's lane, and a small
//! per-process stock of candidates read from the available index, so that most claims need no
//! query at all. A candidate is only a guess; the claim's conditional write decides.

use crate::Store;
use crate::table::error::StoreError;
use crate::table::index::Released;
use crate::table::items::CodeKey;
use promo_core::{Campaign, CampaignId, ClaimRefusal, Lane, Timestamp};
use rand::seq::SliceRandom;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many candidates one query fetches. A shard is read about once per `PAGE` claims of this
/// process, so this is most of the refill cost: at 500 a new claim pays 0.002 queries. The
/// stock costs about 40 bytes a code.
const PAGE: usize = 500;
/// How long a shard found empty is skipped before it is queried again.
const EMPTY_FOR: Duration = Duration::from_millis(500);

type ShardKey = (CampaignId, String, u16);

#[derive(Default)]
struct ShardStock {
    codes: Vec<CodeKey>,
    // The last query returned a short page: the stock held every code the shard had then.
    complete: bool,
    empty_until: Option<Instant>,
}

impl ShardStock {
    fn pop(&mut self) -> Option<CodeKey> {
        let code = self.codes.pop();
        if self.codes.is_empty() && self.complete {
            // The shard's last known code is gone: it counts as empty for a moment from now,
            // without a query to say so.
            self.empty_until = Some(Instant::now() + EMPTY_FOR);
        }
        code
    }
}

/// The per-process candidate stock of every lane shard.
#[derive(Default)]
pub(crate) struct CandidateCache {
    shards: Mutex<HashMap<ShardKey, Arc<tokio::sync::Mutex<ShardStock>>>>,
    // A lane found empty answers its refusal from here for a moment, so that a sold-out
    // campaign under a viral load costs no queries per refused claim.
    exhausted: Mutex<HashMap<(CampaignId, String), (Instant, ClaimRefusal)>>,
}

impl CandidateCache {
    fn shard(&self, key: ShardKey) -> Arc<tokio::sync::Mutex<ShardStock>> {
        self.shards
            .lock()
            .expect("candidate cache lock")
            .entry(key)
            .or_default()
            .clone()
    }

    /// Forgets a campaign's stock (after an import or a lane change).
    pub(crate) fn forget(&self, campaign: &CampaignId) {
        self.shards
            .lock()
            .expect("candidate cache lock")
            .retain(|(c, _, _), _| c != campaign);
        self.exhausted
            .lock()
            .expect("candidate cache lock")
            .retain(|(c, _), _| c != campaign);
    }

    pub(crate) fn exhausted(&self, campaign: &CampaignId, lane: &Lane) -> Option<ClaimRefusal> {
        let map = self.exhausted.lock().expect("candidate cache lock");
        map.get(&(campaign.clone(), lane.key().to_owned()))
            .filter(|(until, _)| Instant::now() < *until)
            .map(|(_, refusal)| refusal.clone())
    }

    pub(crate) fn set_exhausted(&self, campaign: &CampaignId, lane: &Lane, refusal: ClaimRefusal) {
        let until = Instant::now() + EMPTY_FOR;
        self.exhausted
            .lock()
            .expect("candidate cache lock")
            .insert((campaign.clone(), lane.key().to_owned()), (until, refusal));
    }
}

/// A candidate code (or group-code seat) and the shard it came from.
pub(crate) struct Candidate {
    pub(crate) code: CodeKey,
    pub(crate) shard: u16,
}

impl Store {
    /// A code from `lane` that looked available and released at `now`, or `None` when no shard
    /// of the lane has one.
    pub(crate) async fn pick_candidate(
        &self,
        campaign: &Campaign,
        lane: &Lane,
        now: Timestamp,
    ) -> Result<Option<Candidate>, StoreError> {
        let mut order: Vec<u16> = (0..campaign.shards.max(1)).collect();
        order.shuffle(&mut rand::rng());
        let mut busy = Vec::new();
        // First pass: shards nobody else is refilling right now; a busy shard is not waited on
        // while another may serve at once.
        for &shard in &order {
            let stock =
                self.inner
                    .candidates
                    .shard((campaign.id.clone(), lane.key().to_owned(), shard));
            let Ok(mut guard) = stock.try_lock() else {
                busy.push(shard);
                continue;
            };
            if let Some(code) = self
                .take_from(&mut guard, campaign, lane, shard, now)
                .await?
            {
                return Ok(Some(Candidate { code, shard }));
            }
        }
        for shard in busy {
            let stock =
                self.inner
                    .candidates
                    .shard((campaign.id.clone(), lane.key().to_owned(), shard));
            let mut guard = stock.lock().await;
            if let Some(code) = self
                .take_from(&mut guard, campaign, lane, shard, now)
                .await?
            {
                return Ok(Some(Candidate { code, shard }));
            }
        }
        Ok(None)
    }

    async fn take_from(
        &self,
        stock: &mut ShardStock,
        campaign: &Campaign,
        lane: &Lane,
        shard: u16,
        now: Timestamp,
    ) -> Result<Option<CodeKey>, StoreError> {
        if !stock.codes.is_empty() {
            return Ok(stock.pop());
        }
        if stock.empty_until.is_some_and(|t| Instant::now() < t) {
            return Ok(None);
        }
        let mut codes: Vec<CodeKey> = self
            .available_in(&campaign.id, lane, shard, Released::By(now), Some(PAGE))
            .await?
            .into_iter()
            .map(|(code, _)| code)
            .collect();
        stock.complete = codes.len() < PAGE;
        codes.shuffle(&mut rand::rng());
        stock.codes = codes;
        Ok(stock.pop())
    }

    /// Puts back a candidate that a claim did not use (it is still available).
    pub(crate) async fn return_candidate(
        &self,
        campaign: &CampaignId,
        lane: &Lane,
        candidate: Candidate,
    ) {
        let stock =
            self.inner
                .candidates
                .shard((campaign.clone(), lane.key().to_owned(), candidate.shard));
        stock.lock().await.codes.push(candidate.code);
    }

    /// Throws away a shard's stock after one of its candidates turned out taken: another
    /// process is drawing from the same codes, so the rest of the stock is likely stale too and
    /// the next claim reads a fresh page instead of failing through it.
    pub(crate) async fn drop_stock(&self, campaign: &CampaignId, lane: &Lane, shard: u16) {
        let stock = self
            .inner
            .candidates
            .shard((campaign.clone(), lane.key().to_owned(), shard));
        let mut stock = stock.lock().await;
        stock.codes.clear();
        stock.complete = false;
        stock.empty_until = None;
    }

    /// The earliest release time after `now` among the lane's codes, if any code is waiting.
    pub(crate) async fn next_release(
        &self,
        campaign: &CampaignId,
        shards: u16,
        lane: &Lane,
        now: Timestamp,
    ) -> Result<Option<Timestamp>, StoreError> {
        let mut next: Option<i64> = None;
        for shard in 0..shards.max(1) {
            let first = self
                .available_in(campaign, lane, shard, Released::After(now), Some(1))
                .await?;
            if let Some((_, at)) = first.first() {
                next = Some(next.map_or(*at, |n| n.min(*at)));
            }
        }
        Ok(next.map(Timestamp))
    }

    pub(crate) fn forget_candidates(&self, campaign: &CampaignId) {
        self.inner.candidates.forget(campaign);
    }
}
