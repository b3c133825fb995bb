//! Changing a campaign while 32 followers claim at once: the end extended and then brought
//! forward, the texts and the promotion's end changed. No code is issued twice, none after the
//! end in force, issued codes keep their dates, and every invariant holds.

use crate::common::{follower, influencer, open_campaign, store};
use promo_core::{ClaimRefusal, Timestamp};
use promo_store::admin::CampaignEdit;
use promo_store::claims::ClaimRequest;
use promo_store::{AdminRefusal, StoreError};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn edits_while_32_followers_claim_keep_every_invariant() {
    let store = store().await;
    let (id, _) = open_campaign(&store, "edits", 2_000).await;
    store
        .add_influencer(&id, influencer("alice"), "Alice", Some(300))
        .await
        .expect("alice");
    let before = store.get_campaign(&id).await.expect("read").expect("there");
    // The claimers are another instance: their own campaign cache, which the edits below do not
    // clear, so only the codes' own end can stop them in time.
    let other = promo_store::Store::new(store.client().clone(), store.table());
    let next = Arc::new(AtomicU32::new(0));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let claimers: Vec<_> = (0..32)
        .map(|t| {
            let (store, id, next, stop) = (other.clone(), id.clone(), next.clone(), stop.clone());
            tokio::spawn(async move {
                let mut got = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let request = ClaimRequest {
                        campaign: id.clone(),
                        follower: follower(i),
                        influencer: (t % 2 == 0).then(|| influencer("alice")),
                    };
                    let at = Timestamp::now();
                    let out = store.claim(&request, at).await.expect("store");
                    got.push((request.follower, at, out));
                    // Paced, so that the pool outlasts the edits.
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                got
            })
        })
        .collect();

    // Extended by a day, renamed, the promotion's end moved along.
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let later = before.ends_at.plus_ms(86_400_000);
    let extended = store
        .edit_campaign(
            &id,
            &CampaignEdit {
                ends_at: Some(later),
                name: Some("Launch, extended".into()),
                ..CampaignEdit::default()
            },
            Timestamp::now(),
        )
        .await
        .expect("extend");
    assert_eq!(extended.campaign.ends_at, later);
    assert_eq!(extended.campaign.redeem_until, later, "it followed the end");
    assert!(extended.codes_updated > 0);
    // Then brought forward to 300 ms from now.
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let soon = Timestamp::now().plus_ms(300);
    let shortened = store
        .edit_campaign(
            &id,
            &CampaignEdit {
                ends_at: Some(soon),
                redeem_until: Some(later),
                ..CampaignEdit::default()
            },
            Timestamp::now(),
        )
        .await
        .expect("shorten");
    assert_eq!(shortened.campaign.ends_at, soon);
    // Exact from the later of the new end and the edit's return (while it rewrites, a code it
    // has not reached yet still carries the old end).
    let in_force = soon.max(Timestamp::now());
    // Claims go on past the new end.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    stop.store(true, Ordering::Relaxed);
    let mut outcomes = Vec::new();
    for c in claimers {
        outcomes.extend(c.await.expect("claimer"));
    }

    let mut codes = HashSet::new();
    let (mut issued, mut ended_refusals) = (0, 0);
    for (_, at, out) in &outcomes {
        match out {
            Ok(c) => {
                assert!(codes.insert(c.code.clone()), "a code went twice");
                // Exact: the codes carry the end, so none is issued at or after it.
                assert!(
                    c.claimed_at < in_force,
                    "issued at {} after the end {}",
                    c.claimed_at.0,
                    in_force.0
                );
                assert!(*at < in_force);
                issued += 1;
            }
            Err(ClaimRefusal::Ended) => ended_refusals += 1,
            Err(r) => assert!(matches!(r, ClaimRefusal::QuotaReached), "{r:?}"),
        }
    }
    assert!(
        issued > 0 && ended_refusals > 0,
        "{issued} issued, {ended_refusals} refused as ended"
    );
    assert_eq!(store.audit().await.expect("audit"), Vec::<String>::new());
    let now = store.get_campaign(&id).await.expect("read").expect("there");
    assert_eq!(now.name, "Launch, extended");
    assert_eq!(now.redeem_until, later);

    // Once over, it can no longer be changed; nothing is written.
    let refused = store
        .edit_campaign(
            &id,
            &CampaignEdit {
                ends_at: Some(later),
                ..CampaignEdit::default()
            },
            Timestamp::now(),
        )
        .await;
    assert!(
        matches!(
            refused,
            Err(StoreError::Refused(AdminRefusal::CampaignOver(_)))
        ),
        "{refused:?}"
    );
}

#[tokio::test]
async fn an_edit_that_makes_no_sense_is_refused_and_changes_nothing() {
    let store = store().await;
    let (id, _) = open_campaign(&store, "checks", 5).await;
    let before = store.get_campaign(&id).await.expect("read").expect("there");
    let now = Timestamp::now();
    for edit in [
        CampaignEdit {
            ends_at: Some(now.plus_ms(-1_000)),
            ..CampaignEdit::default()
        },
        CampaignEdit {
            name: Some("   ".into()),
            ..CampaignEdit::default()
        },
        CampaignEdit {
            redeem_until: Some(before.ends_at.plus_ms(-1)),
            ..CampaignEdit::default()
        },
    ] {
        let refused = store.edit_campaign(&id, &edit, now).await;
        assert!(
            matches!(
                refused,
                Err(StoreError::Refused(AdminRefusal::InvalidCampaign(_)))
            ),
            "{edit:?}: {refused:?}"
        );
    }
    assert_eq!(
        store.get_campaign(&id).await.expect("read").expect("there"),
        before
    );
}
