//! Each update takes effect once, and sending failures leave the follower with their code.

use crate::support::updates::*;
use crate::support::{Failure, Harness};
use futures::future::join_all;
use promo_telegram::Tuning;
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes};
use std::time::Duration;

async fn spring(h: &Harness) -> serde_json::Value {
    campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 5).await;
    private_text(42, 111, &format!("/start {}", h.payload("spring", None)))
}

#[tokio::test]
async fn one_update_delivered_three_times_at_once_claims_and_messages_once() {
    let h = Harness::start().await;
    let update = spring(&h).await;
    let statuses = join_all((0..3).map(|_| h.post(&update))).await;
    // One attempt handled it; the others found it in flight and asked for a redelivery.
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "{statuses:?}"
    );
    assert_eq!(h.api.calls_of("sendMessage").len(), 1);
    // Telegram's redelivery of the in-flight copies: acknowledged, nothing done again.
    assert_eq!(h.post(&update).await, 200);
    assert_eq!(h.api.calls_of("sendMessage").len(), 1);
    assert_eq!(
        h.store
            .campaign_stats(&"spring".parse_id(), promo_core::Timestamp::now())
            .await
            .unwrap()
            .claims,
        1
    );
}

#[tokio::test]
async fn one_update_delivered_three_times_in_a_row_claims_and_messages_once() {
    let h = Harness::start().await;
    let update = spring(&h).await;
    for _ in 0..3 {
        assert_eq!(h.post(&update).await, 200);
    }
    assert_eq!(h.api.calls_of("sendMessage").len(), 1);
    let stats = h
        .store
        .campaign_stats(&"spring".parse_id(), promo_core::Timestamp::now())
        .await
        .unwrap();
    assert_eq!(stats.claims, 1);
}

#[tokio::test]
async fn a_follower_who_blocked_the_bot_keeps_their_code() {
    let h = Harness::start().await;
    let update = spring(&h).await;
    h.api.fail_next("sendMessage", Failure::Blocked);
    assert_eq!(
        h.post(&update).await,
        200,
        "nothing to retry: the user blocked the bot"
    );
    let code = h.held_code("spring", 111).await.expect("the claim stays");
    assert_eq!(h.post(&update).await, 200);
    assert_eq!(
        h.api.calls_of("sendMessage").len(),
        1,
        "a blocked update is finished"
    );
    // They unblock and ask again: the same code.
    let again = private_text(43, 111, &format!("/start {}", h.payload("spring", None)));
    assert_eq!(h.post(&again).await, 200);
    let texts = h.api.texts();
    assert_eq!(texts.len(), 2);
    assert!(texts[1].contains(&format!("<code>{code}</code>")));
}

#[tokio::test]
async fn a_short_429_is_waited_out_in_place() {
    let h = Harness::start().await;
    let update = spring(&h).await;
    h.api.fail_next("sendMessage", Failure::RetryAfter(1));
    assert_eq!(h.post(&update).await, 200);
    let calls = h.api.calls_of("sendMessage");
    assert_eq!(calls.len(), 2);
    let waited = calls[1].at.duration_since(calls[0].at);
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");
    assert_eq!(calls[0].params, calls[1].params);
}

#[tokio::test]
async fn a_long_429_hands_the_update_back_and_the_redelivery_sends_the_same_code() {
    let h = Harness::with_tuning(Tuning {
        max_inline_wait: Duration::from_secs(2),
        ..Tuning::default()
    })
    .await;
    let update = spring(&h).await;
    h.api.fail_next("sendMessage", Failure::RetryAfter(30));
    let (status, body) = h
        .post_raw(update.to_string(), Some(crate::support::SECRET))
        .await;
    assert_eq!(
        (status, body["error"]["reason"].as_str()),
        (503, Some("busy"))
    );
    let code = h
        .held_code("spring", 111)
        .await
        .expect("claimed before sending");
    // Telegram redelivers within the lease: still in flight.
    assert_eq!(h.post(&update).await, 503);
    // After the lease, the redelivery takes over and sends the same code, once.
    h.advance(Tuning::default().lease.as_millis() as i64 + 1);
    assert_eq!(h.post(&update).await, 200);
    assert_eq!(h.post(&update).await, 200);
    let texts = h.api.texts();
    assert_eq!(
        texts.len(),
        2,
        "one refused by flood control, one delivered"
    );
    assert!(texts[1].contains(&format!("<code>{code}</code>")));
}

#[tokio::test]
async fn a_telegram_5xx_answers_503_and_a_later_redelivery_completes() {
    let h = Harness::start().await;
    let update = spring(&h).await;
    h.api.fail_next("sendMessage", Failure::ServerError);
    assert_eq!(h.post(&update).await, 503);
    let code = h.held_code("spring", 111).await.expect("claimed");
    h.advance(Tuning::default().lease.as_millis() as i64 + 1);
    assert_eq!(h.post(&update).await, 200);
    let texts = h.api.texts();
    assert_eq!(texts.len(), 2);
    assert!(texts[1].contains(&format!("<code>{code}</code>")));
    let stats = h
        .store
        .campaign_stats(&"spring".parse_id(), promo_core::Timestamp::now())
        .await
        .unwrap();
    assert_eq!(stats.claims, 1);
}

trait ParseId {
    fn parse_id(&self) -> promo_core::CampaignId;
}

impl ParseId for str {
    fn parse_id(&self) -> promo_core::CampaignId {
        promo_core::CampaignId::parse(self).unwrap()
    }
}
