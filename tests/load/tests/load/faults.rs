//! Each DynamoDB fault on its own, through the fault proxy, against the store's claim: the SDK
//! client parses the proxy's replies as DynamoDB's, and the claim comes out right every time.

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use promo_core::{Claimed, Follower, Timestamp};
use promo_store::Store;
use promo_store::claims::ClaimRequest;
use promo_store::table::engine::{EmbeddedEngine, client_for};
use promo_testkit::fixtures;
use promo_testkit::proxy::{Fault, Scripted, StoreProxy};
use std::sync::Arc;

const TABLE: &str = "promo";

struct Rig {
    _engine: EmbeddedEngine,
    proxy: StoreProxy,
    direct: Store,
    script: Arc<Scripted>,
}

async fn rig(operation: &str, fault: Fault, times: u64) -> Rig {
    let engine = EmbeddedEngine::memory().await.expect("engine");
    let direct = Store::new(client_for(engine.endpoint()), TABLE);
    direct.ensure_table().await.expect("table");
    let script = Arc::new(Scripted::new(operation, fault, times));
    let proxy = StoreProxy::start(engine.endpoint(), script.clone()).await;
    Rig {
        _engine: engine,
        proxy,
        direct,
        script,
    }
}

/// What the campaign hands out.
#[derive(Debug, Clone, Copy)]
enum Pool {
    /// Five single-use codes.
    Single,
    /// One group code with five uses.
    Group,
}

/// Claims one code through a store whose `TransactWriteItems` meets `fault` `times` times, and
/// checks the table afterwards.
async fn claim_through(fault: Fault, times: u64) -> Claimed {
    claim_from(Pool::Single, fault, times).await
}

async fn claim_from(pool: Pool, fault: Fault, times: u64) -> Claimed {
    let rig = rig("TransactWriteItems", fault, times).await;
    let codes = match pool {
        Pool::Single => 5,
        Pool::Group => 0,
    };
    let campaign = fixtures::campaign_with_codes(
        &rig.direct,
        fixtures::campaign("faulty", fixtures::HOUR_MS),
        codes,
    )
    .await;
    if let Pool::Group = pool {
        rig.direct
            .create_group_code(
                &campaign,
                &promo_core::PromoCode::parse("FAULTY-GROUP").expect("code"),
                5,
                None,
                Timestamp::now(),
                &|_| {},
            )
            .await
            .expect("group code");
    }
    let store = rig.proxy.store(TABLE);
    let request = ClaimRequest {
        campaign: campaign.clone(),
        follower: Follower::parse("telegram", "4242").expect("follower"),
        influencer: None,
    };
    let claimed = store
        .claim(&request, Timestamp::now())
        .await
        .expect("the claim survives the fault")
        .expect("a code");
    assert_eq!(rig.script.left(), 0, "every scripted fault was met");

    let held = rig
        .direct
        .follower_claim(&campaign, &request.follower)
        .await
        .expect("read")
        .expect("the follower holds a code");
    assert_eq!(held.code, claimed.code, "the code shown is the code held");
    let again = store
        .claim(&request, Timestamp::now())
        .await
        .expect("store")
        .expect("the same code");
    assert_eq!(again.code, claimed.code);
    assert!(!again.new);
    let records = rig.direct.records().await.expect("scan");
    assert_eq!(records.claims.len(), 1, "exactly one code issued");
    let violations = promo_store::admin::audit::check(&records);
    assert!(violations.is_empty(), "{violations:#?}");
    claimed
}

#[tokio::test]
async fn transaction_conflicts_are_retried_by_the_store_until_a_code_is_issued() {
    let claimed = claim_through(Fault::Conflict, 3).await;
    assert!(claimed.new);
}

#[tokio::test]
async fn throttling_is_retried_and_issues_one_code() {
    claim_through(Fault::Throttle, 4).await;
}

#[tokio::test]
async fn a_500_after_the_write_applied_returns_the_code_already_issued() {
    // The first 500 comes after the transaction was applied. The SDK's retry carries the same
    // `ClientRequestToken` (it fills one in itself), so DynamoDB answers it with the applied
    // write's success: the follower gets the code the table holds, as a new claim.
    let claimed = claim_through(Fault::ServerError, 2).await;
    assert!(
        claimed.new,
        "the idempotent retry reports the applied write"
    );
}

#[tokio::test]
async fn a_lost_reply_after_commit_returns_the_committed_code() {
    // Committed, reply lost: the SDK's retry (same `ClientRequestToken`) is answered with the
    // committed write's success, and the code shown is the code held.
    let claimed = claim_through(Fault::LostReply, 1).await;
    assert!(claimed.new);
}

#[tokio::test]
async fn a_reply_held_past_the_time_out_still_ends_with_one_code() {
    claim_through(Fault::Timeout, 2).await;
}

#[tokio::test]
async fn every_fault_on_a_group_code_ends_with_one_use_taken_once() {
    for (fault, times) in [
        (Fault::Conflict, 3),
        (Fault::Throttle, 4),
        (Fault::ServerError, 2),
        (Fault::LostReply, 1),
        (Fault::Timeout, 2),
    ] {
        let claimed = claim_from(Pool::Group, fault, times).await;
        assert!(claimed.shared, "{fault:?}: a use of the group code");
        assert_eq!(claimed.code.expose(), "FAULTY-GROUP");
    }
}

#[tokio::test]
async fn the_sdk_reads_the_proxy_conflicts_as_dynamodb_conflicts() {
    let rig = rig("TransactWriteItems", Fault::Conflict, 1).await;
    let client = client_for(rig.proxy.endpoint());
    let put = |pk: &str| {
        TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name(TABLE)
                    .item("pk", AttributeValue::S(pk.into()))
                    .item("sk", AttributeValue::S("x".into()))
                    .build()
                    .expect("put"),
            )
            .build()
    };
    let err = client
        .transact_write_items()
        .transact_items(put("T#1"))
        .transact_items(put("T#2"))
        .send()
        .await
        .expect_err("a conflict");
    let Some(TransactWriteItemsError::TransactionCanceledException(cancel)) =
        err.as_service_error()
    else {
        panic!("not a cancellation: {err:?}");
    };
    let codes: Vec<&str> = cancel
        .cancellation_reasons()
        .iter()
        .map(|r| r.code().unwrap_or_default())
        .collect();
    assert_eq!(codes.len(), 2, "one reason per item");
    assert_eq!(
        codes
            .iter()
            .filter(|c| **c == "TransactionConflict")
            .count(),
        1
    );
    assert!(codes.contains(&"None"));
    assert!(
        rig.direct.records().await.expect("scan").claims.is_empty(),
        "nothing applied"
    );

    let rig = rig_put_conflict().await;
    let err = client_for(rig.proxy.endpoint())
        .put_item()
        .table_name(TABLE)
        .item("pk", AttributeValue::S("T#3".into()))
        .item("sk", AttributeValue::S("x".into()))
        .send()
        .await
        .expect_err("a conflict");
    assert!(
        matches!(
            err.as_service_error(),
            Some(PutItemError::TransactionConflictException(_))
        ),
        "{err:?}"
    );
    let mapped = promo_store::StoreError::sdk("PutItem", err);
    assert!(mapped.is_retryable(), "the store may retry a conflict");
}

async fn rig_put_conflict() -> Rig {
    rig("PutItem", Fault::Conflict, 1).await
}

#[tokio::test]
async fn throttling_beyond_the_sdk_retries_is_a_retryable_store_error() {
    let rig = rig("GetItem", Fault::Throttle, 10).await;
    let campaign =
        fixtures::campaign_with_codes(&rig.direct, fixtures::campaign("hot", fixtures::HOUR_MS), 2)
            .await;
    let store = rig.proxy.store(TABLE);
    let err = store
        .follower_claim(&campaign, &Follower::parse("web", "1").expect("follower"))
        .await
        .expect_err("throttled three times in a row");
    assert!(err.is_retryable(), "{err}");
    assert_eq!(rig.script.left(), 7, "the SDK tried three times");
    assert!(!err.to_string().contains("FAULTY"), "no code in the error");
}

#[tokio::test]
async fn a_lost_reply_on_a_delivery_mark_still_lets_that_attempt_handle_it() {
    // The put landed, its reply was lost, the SDK retried: the retry fails its condition on the
    // attempt's own record, which must still read as "yours to handle", not "in flight".
    let rig = rig("PutItem", Fault::LostReply, 1).await;
    let store = rig.proxy.store(TABLE);
    let now = promo_core::Timestamp::now();
    let first = store
        .begin_delivery("telegram", "777", now, 60_000)
        .await
        .expect("store answers");
    assert_eq!(first, promo_store::Delivery::New);
    assert_eq!(rig.script.left(), 0, "the fault was injected");
    // Another delivery of the same update is still refused while this one runs.
    let second = store
        .begin_delivery("telegram", "777", now, 60_000)
        .await
        .expect("store answers");
    assert_eq!(second, promo_store::Delivery::InFlight);
}
