//! Importing codes: a re-run of the same file resumes and never writes a code twice, a code that
//! is in another campaign's pool stays there, and codes over the campaign's cap go to reserve,
//! where no claim ever reaches them.

use crate::common::{
    HOUR_MS, campaign, campaign_with_codes, claim_at_once, follower, open_campaign, request,
    snapshot, store,
};
use promo_core::{Caps, CodeState, Lane, NewCampaign, PromoCode};
use promo_store::StoreError;
use promo_store::admin::{Existing, import_id};
use promo_testkit::fixtures;
use std::collections::{HashMap, HashSet};

#[tokio::test]
async fn a_rerun_of_the_same_file_resumes_and_writes_no_code_twice() {
    let store = store().await;
    let (id, _) = open_campaign(&store, "resume", 0).await;
    let file = fixtures::codes("FILE", 200);
    let import = import_id(&id, b"the file's bytes");
    // A first run stopped after one batch of 90 ...
    store
        .import_codes(&id, &import, &file[..90], &|_| {})
        .await
        .expect("import");
    // ... and every later run of the same file finds what this import wrote and writes the rest.
    for left in [110, 0] {
        let existing = store
            .existing_codes(&id, &import, &file)
            .await
            .expect("check");
        assert!(existing.iter().all(|e| e.same_import));
        let done: HashSet<usize> = existing.iter().map(|e| e.index).collect();
        let rest: Vec<PromoCode> = file
            .iter()
            .enumerate()
            .filter(|(i, _)| !done.contains(i))
            .map(|(_, c)| c.clone())
            .collect();
        assert_eq!(rest.len(), left);
        if !rest.is_empty() {
            let summary = store
                .import_codes(&id, &import, &rest, &|_| {})
                .await
                .expect("import");
            assert_eq!(summary.imported, 110);
        }
        let resumed = campaign(&store, &id).await;
        assert_eq!((resumed.pool_size, resumed.issuable), (200, 200));
        let records = store.records().await.expect("scan");
        assert_eq!(records.codes.len(), 200);
    }

    // Writing codes that are there already is refused as a whole, whoever asks.
    let before = snapshot(&store).await;
    let again = store.import_codes(&id, &import, &file[..5], &|_| {}).await;
    assert!(matches!(again, Err(StoreError::Refused(_))), "{again:?}");
    assert_eq!(snapshot(&store).await, before);
}

#[tokio::test]
async fn a_code_in_another_campaigns_pool_is_not_taken() {
    let store = store().await;
    let (first, taken) = open_campaign(&store, "first", 3).await;
    let (second, _) = open_campaign(&store, "second", 0).await;
    let own = fixtures::codes("SECOND", 2);
    let file = vec![own[0].clone(), taken[1].clone(), own[1].clone()];
    assert_eq!(
        store
            .existing_codes(&second, "second-file", &file)
            .await
            .expect("check"),
        vec![Existing {
            index: 1,
            same_import: false
        }]
    );

    let before = snapshot(&store).await;
    let import = store
        .import_codes(&second, "second-file", &file, &|_| {})
        .await;
    assert!(matches!(import, Err(StoreError::Refused(_))), "{import:?}");
    assert_eq!(snapshot(&store).await, before, "the batch wrote nothing");
    let item = store
        .get_code(&taken[1])
        .await
        .expect("read")
        .expect("the code");
    assert_eq!(
        (item.campaign, item.code_state),
        (first, CodeState::Available)
    );
    let second = campaign(&store, &second).await;
    assert_eq!(second.pool_size, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn codes_over_the_cap_go_to_reserve_and_are_never_issued() {
    let store = store().await;
    let capped = NewCampaign {
        caps: Caps {
            total: Some(5),
            daily_drip: None,
        },
        ..fixtures::campaign("capped", HOUR_MS)
    };
    let (id, _) = campaign_with_codes(&store, capped, 0).await;
    let lanes = |pairs: &[(&Lane, u32)]| -> HashMap<String, u32> {
        pairs
            .iter()
            .map(|(l, n)| (l.key().to_owned(), *n))
            .collect()
    };
    let file = fixtures::codes("CAPPED", 8);
    let first = store
        .import_codes(&id, "first", &file, &|_| {})
        .await
        .expect("import");
    assert_eq!(first.imported, 8);
    assert_eq!(first.lanes, lanes(&[(&Lane::Open, 5), (&Lane::OverCap, 3)]));
    // Once the cap is reached, a later import goes to reserve whole.
    let second = store
        .import_codes(&id, "second", &fixtures::codes("LATER", 2), &|_| {})
        .await
        .expect("import");
    assert_eq!(second.lanes, lanes(&[(&Lane::OverCap, 2)]));
    let pool = campaign(&store, &id).await;
    assert_eq!((pool.pool_size, pool.issuable), (10, 5));

    let asks = (0..20).map(|i| request(&id, follower(i), None)).collect();
    let outcomes = claim_at_once(&store, asks).await;
    let issued: HashSet<PromoCode> = outcomes
        .iter()
        .filter_map(|o| o.as_ref().ok().map(|c| c.code.clone()))
        .collect();
    assert_eq!(issued, file[..5].iter().cloned().collect());
    let records = store.records().await.expect("scan");
    let reserve: Vec<_> = records
        .codes
        .iter()
        .filter(|c| c.lane == Lane::OverCap.key())
        .collect();
    assert_eq!(reserve.len(), 5);
    assert!(
        reserve
            .iter()
            .all(|c| c.code_state == CodeState::Available && c.follower.is_none())
    );
}
