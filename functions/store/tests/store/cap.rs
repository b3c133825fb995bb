//! The total cap and the daily drip changed while 32 followers claim at once (on another
//! instance, with a campaign cache of its own): never more issued than the cap in force, nobody
//! holds two codes, no code goes twice, no day releases more than the drip in force, and a
//! repeated edit changes nothing.

use crate::common::{campaign_with_codes, follower, holders, influencer, snapshot, store};
use promo_core::time::DAY_MS;
use promo_core::{CampaignId, Caps, ClaimRefusal, Lane, NewCampaign, PromoCode, Timestamp};
use promo_store::admin::CampaignEdit;
use promo_store::claims::ClaimRequest;
use promo_store::{AdminRefusal, Store, StoreError};
use promo_testkit::fixtures;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

type Outcomes = Vec<(u32, Result<PromoCode, ClaimRefusal>)>;

/// 32 claimers on `other`, each asking as one of 600 followers in turn (so followers ask
/// again), half through alice, paced; stopped by `stop`.
fn claimers(
    other: &Store,
    id: &CampaignId,
    stop: &Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<Outcomes>> {
    let next = Arc::new(AtomicU32::new(0));
    (0..32)
        .map(|t| {
            let (store, id, next, stop) = (other.clone(), id.clone(), next.clone(), stop.clone());
            tokio::spawn(async move {
                let mut got = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let who = next.fetch_add(1, Ordering::Relaxed) % 600;
                    let request = ClaimRequest {
                        campaign: id.clone(),
                        follower: follower(who),
                        influencer: (t % 2 == 0).then(|| influencer("alice")),
                    };
                    let out = store
                        .claim(&request, Timestamp::now())
                        .await
                        .expect("store");
                    got.push((who, out.map(|c| c.code)));
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                got
            })
        })
        .collect()
}

/// Every follower got one code however often they asked, and no code went to two.
fn one_code_each(outcomes: &Outcomes) -> usize {
    let mut held: HashMap<u32, &PromoCode> = HashMap::new();
    let mut owner: HashMap<&PromoCode, u32> = HashMap::new();
    for (who, out) in outcomes {
        if let Ok(code) = out {
            assert_eq!(*held.entry(*who).or_insert(code), code, "two codes");
            assert_eq!(*owner.entry(code).or_insert(*who), *who, "a code twice");
        }
    }
    owner.len()
}

async fn edit(
    store: &Store,
    id: &CampaignId,
    edit: CampaignEdit,
) -> promo_store::admin::EditReport {
    store
        .edit_campaign(id, &edit, Timestamp::now())
        .await
        .expect("edit")
}

fn cap(n: Option<u32>) -> CampaignEdit {
    CampaignEdit {
        cap: Some(n),
        ..CampaignEdit::default()
    }
}

fn drip(n: Option<u32>) -> CampaignEdit {
    CampaignEdit {
        drip: Some(n),
        ..CampaignEdit::default()
    }
}

/// Codes of `id` per lane key, and the campaign's `issuable` against the codes in the lanes
/// claims draw from.
async fn lanes(store: &Store, id: &CampaignId) -> BTreeMap<String, usize> {
    let records = store.records().await.expect("scan");
    let mut lanes = BTreeMap::new();
    for code in records.codes.iter().filter(|c| &c.campaign == id) {
        *lanes.entry(code.lane.clone()).or_default() += 1;
    }
    let placed: usize = lanes
        .iter()
        .filter(|(k, _)| Lane::from_key(k).is_ok_and(|l| l.is_issuable()))
        .map(|(_, n)| n)
        .sum();
    let campaign = store.get_campaign(id).await.expect("read").expect("there");
    assert_eq!(campaign.issuable as usize, placed, "issuable is exact");
    lanes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cap_raised_lowered_and_removed_under_32_claimers_is_never_exceeded() {
    let store = store().await;
    let new = NewCampaign {
        caps: Caps {
            total: Some(100),
            daily_drip: None,
        },
        ..fixtures::campaign("cap-edit", fixtures::HOUR_MS)
    };
    let (id, _) = campaign_with_codes(&store, new, 400).await;
    store
        .add_influencer(&id, influencer("alice"), "Alice", Some(30))
        .await
        .expect("alice");
    let other = Store::new(store.client().clone(), store.table());
    let stop = Arc::new(AtomicBool::new(false));
    // What may be issued or still issuable now: the larger cap while an edit runs.
    let bound = Arc::new(AtomicU32::new(100));
    let sampler = {
        let (store, id, stop, bound) = (store.clone(), id.clone(), stop.clone(), bound.clone());
        tokio::spawn(async move {
            let mut samples = 0;
            while !stop.load(Ordering::Relaxed) {
                // The bound as the sample begins (a lowered one is stored once the edit has
                // returned, so it holds for every sample begun after). Issued first, then what
                // is left: a claim in between is counted in neither.
                let limit = bound.load(Ordering::SeqCst);
                let issued = holders(&store, &id).await as u32;
                let (now, later) = store.stock(&id, Timestamp::now()).await.expect("stock");
                assert!(issued <= limit, "{issued} issued over {limit}");
                assert!(
                    issued + now + later <= limit,
                    "{issued}+{now}+{later} over {limit}"
                );
                samples += 1;
            }
            samples
        })
    };
    let claims = claimers(&other, &id, &stop);

    tokio::time::sleep(Duration::from_millis(100)).await;
    bound.store(250, Ordering::SeqCst);
    let raised = edit(&store, &id, cap(Some(250))).await;
    assert_eq!(raised.codes_moved, 150);
    assert_eq!(raised.campaign.caps.total, Some(250));
    tokio::time::sleep(Duration::from_millis(50)).await;
    // Lowered with room for the claims made while it runs.
    let target = (holders(&store, &id).await as u32 + 60).min(240);
    let lowered = edit(&store, &id, cap(Some(target))).await;
    bound.store(target, Ordering::SeqCst);
    assert_eq!(lowered.campaign.caps.total, Some(target));
    assert!(lowered.codes_moved > 0);
    // Claims drain what the cap leaves.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    stop.store(true, Ordering::Relaxed);
    let samples = sampler.await.expect("sampler");
    let mut outcomes = Vec::new();
    for c in claims {
        outcomes.extend(c.await.expect("claimer"));
    }
    let issued = one_code_each(&outcomes);
    assert!(issued <= target as usize && issued > 100, "{issued} issued");
    assert_eq!(holders(&store, &id).await, issued);
    assert!(samples > 3, "{samples} samples");
    for (_, out) in &outcomes {
        if let Err(r) = out {
            assert!(
                matches!(r, ClaimRefusal::SoldOut | ClaimRefusal::QuotaReached),
                "{r:?}"
            );
        }
    }
    assert_eq!(store.audit().await.expect("audit"), Vec::<String>::new());
    let by_lane = lanes(&store, &id).await;
    assert_eq!(by_lane.values().sum::<usize>(), 400);
    assert_eq!(by_lane.get("~reserve"), None, "no shared code is held out");

    // The same edit again moves nothing and writes nothing.
    let before = snapshot(&store).await;
    let again = edit(&store, &id, cap(Some(target))).await;
    assert_eq!((again.codes_moved, again.codes_repaced), (0, 0));
    assert_eq!(snapshot(&store).await, before);
    // Below what was issued: refused, nothing changed.
    let refused = store
        .edit_campaign(&id, &cap(Some(issued as u32 - 1)), Timestamp::now())
        .await;
    match refused {
        Err(StoreError::Refused(r @ AdminRefusal::CapBelowIssued { .. })) => {
            assert!(r.to_string().contains(&format!("{issued} codes")), "{r}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(snapshot(&store).await, before);
    // No cap: every code waiting over it joins the pool.
    let open = edit(&store, &id, cap(None)).await;
    assert_eq!(open.codes_moved as usize, by_lane["~overcap"]);
    assert_eq!(open.campaign.caps.total, None);
    assert_eq!(lanes(&store, &id).await.get("~overcap"), None);
    assert_eq!(store.audit().await.expect("audit"), Vec::<String>::new());
}

#[tokio::test]
async fn a_lower_cap_empties_the_open_lane_first_and_never_frees_held_codes() {
    let store = store().await;
    let (id, _) = campaign_with_codes(
        &store,
        fixtures::campaign("cap-lanes", fixtures::HOUR_MS),
        0,
    )
    .await;
    let (alice, bob) = (influencer("alice"), influencer("bob"));
    store
        .add_influencer(&id, alice.clone(), "Alice", Some(20))
        .await
        .expect("alice");
    store
        .add_influencer(&id, bob.clone(), "Bob", Some(5))
        .await
        .expect("bob");
    // Bob's own promotion: 5 codes in his lane, 3 beyond his quota held out.
    store
        .import_own_codes(&id, &bob, "bob", &fixtures::codes("BOB", 8), &|_| {})
        .await
        .expect("bob's codes");
    // The pool: alice's lane is backed first, 40 open.
    store
        .import_codes(&id, "pool", &fixtures::codes("POOL", 60), &|_| {})
        .await
        .expect("pool");
    let count = |lanes: &BTreeMap<String, usize>, k: &str| lanes.get(k).copied().unwrap_or(0);
    let before = lanes(&store, &id).await;
    assert_eq!(
        [
            count(&before, "~open"),
            count(&before, "alice"),
            count(&before, "bob")
        ],
        [40, 20, 5]
    );
    assert_eq!(count(&before, "~reserve"), 3);
    for i in 0..10 {
        let request = ClaimRequest {
            campaign: id.clone(),
            follower: follower(i),
            influencer: None,
        };
        store
            .claim(&request, Timestamp::now())
            .await
            .expect("store")
            .expect("code");
    }
    let backed = |who: &promo_core::InfluencerId| {
        let (store, id, who) = (store.clone(), id.clone(), who.clone());
        async move {
            let list = store.list_influencers(&id).await.expect("list");
            list.into_iter()
                .find(|i| i.id == who)
                .expect("there")
                .backed
        }
    };
    // 10 issued + 2 of alice's + bob's 5: the open lane's 30 go, then 18 of alice's.
    let report = edit(&store, &id, cap(Some(17))).await;
    assert_eq!(report.codes_moved, 48);
    let after = lanes(&store, &id).await;
    assert_eq!(
        [
            count(&after, "~open"),
            count(&after, "alice"),
            count(&after, "bob")
        ],
        [10, 2, 5],
        "only the issued are left open: {after:?}"
    );
    assert_eq!(count(&after, "~overcap"), 48);
    assert_eq!(backed(&alice).await, 2);
    // Down to what was issued: alice's last, then bob's own codes, which are held out (they
    // never join the shared pool).
    edit(&store, &id, cap(Some(10))).await;
    let after = lanes(&store, &id).await;
    assert_eq!([count(&after, "alice"), count(&after, "bob")], [0, 0]);
    assert_eq!(
        [count(&after, "~overcap"), count(&after, "~reserve")],
        [50, 8]
    );
    // Raised: alice's lane is backed again first, then the open lane; held codes stay out.
    edit(&store, &id, cap(None)).await;
    let after = lanes(&store, &id).await;
    assert_eq!(
        [
            count(&after, "~open"),
            count(&after, "alice"),
            count(&after, "~reserve")
        ],
        [40, 20, 8],
        "{after:?}"
    );
    assert_eq!(count(&after, "~overcap"), 0);
    assert_eq!(backed(&alice).await, 20);
    assert_eq!(store.audit().await.expect("audit"), Vec::<String>::new());
}

/// Codes of `id` in the lanes claims draw from, by day of the schedule they are released on.
async fn released_per_day(store: &Store, id: &CampaignId, start: Timestamp) -> BTreeMap<i64, u32> {
    let mut days = BTreeMap::new();
    for code in store.records().await.expect("scan").codes {
        if &code.campaign == id && Lane::from_key(&code.lane).is_ok_and(|l| l.is_issuable()) {
            if let Some(at) = code.claimed_at {
                assert!(code.release_at <= at, "issued before its release");
            }
            *days
                .entry((code.release_at.millis() - start.millis()) / DAY_MS)
                .or_default() += 1;
        }
    }
    days
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_drip_changed_under_32_claimers_releases_no_more_a_day_than_it_says() {
    let store = store().await;
    let new = NewCampaign {
        caps: Caps {
            total: None,
            daily_drip: Some(40),
        },
        ..fixtures::campaign("drip-edit", 30 * DAY_MS)
    };
    let (id, _) = campaign_with_codes(&store, new, 300).await;
    store
        .add_influencer(&id, influencer("alice"), "Alice", Some(60))
        .await
        .expect("alice");
    let start = store
        .get_campaign(&id)
        .await
        .expect("read")
        .expect("there")
        .starts_at;
    let other = Store::new(store.client().clone(), store.table());
    let stop = Arc::new(AtomicBool::new(false));
    let claims = claimers(&other, &id, &stop);

    tokio::time::sleep(Duration::from_millis(100)).await;
    let slower = edit(&store, &id, drip(Some(15))).await;
    assert_eq!(slower.codes_repaced, 260, "every code not released today");
    let days = released_per_day(&store, &id, start).await;
    assert_eq!(days.get(&0), Some(&40), "today keeps what it released");
    assert!(days.range(1..).all(|(_, n)| *n <= 15), "{days:?}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let faster = edit(&store, &id, drip(Some(60))).await;
    assert_eq!(faster.codes_repaced, 260);
    let days = released_per_day(&store, &id, start).await;
    assert_eq!(days.get(&1), Some(&60), "{days:?}");
    assert!(days.range(1..).all(|(_, n)| *n <= 60), "{days:?}");
    assert_eq!(days.values().sum::<u32>(), 300);
    // Alice's followers take today's 40 (her lane holds them); nothing beyond goes out.
    for _ in 0..300 {
        if holders(&store, &id).await >= 40 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(holders(&store, &id).await, 40);
    let before = snapshot(&store).await;
    let again = edit(&store, &id, drip(Some(60))).await;
    assert_eq!(again.codes_repaced, 0);
    assert_eq!(snapshot(&store).await, before);

    // No drip: every code is released now, and the claimers take them.
    let all = edit(&store, &id, drip(None)).await;
    assert_eq!(all.codes_repaced, 260);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut outcomes = Vec::new();
    for c in claims {
        outcomes.extend(c.await.expect("claimer"));
    }
    let issued = one_code_each(&outcomes);
    assert!(issued > 40, "{issued} issued");
    for (_, out) in &outcomes {
        if let Err(r) = out {
            assert!(
                matches!(
                    r,
                    ClaimRefusal::SoldOut
                        | ClaimRefusal::QuotaReached
                        | ClaimRefusal::DripExhausted { .. }
                ),
                "{r:?}"
            );
        }
    }
    released_per_day(&store, &id, start).await;
    assert_eq!(store.audit().await.expect("audit"), Vec::<String>::new());
}
