//! Long polling: the same handling and deduplication as the webhook, without a public URL.

use crate::support::updates::*;
use crate::support::{Harness, eventually};
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes};
use std::time::Duration;

#[tokio::test]
async fn polled_updates_are_handled_once_and_shutdown_stops_the_loop() {
    let h = Harness::start().await;
    campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 5).await;
    let payload = h.payload("spring", None);
    let first = private_text(500, 111, &format!("/start {payload}"));
    h.api.push_update(first.clone());
    h.api
        .push_update(private_text(501, 222, &format!("/start {payload}")));
    h.api.push_update(edited_private_text(502, 333, "/claim"));
    // The same update again (as after a crash before the offset was confirmed).
    h.api.push_update(first.clone());

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let svc = h.svc.clone();
    let poller = tokio::spawn(async move {
        svc.poll(async {
            let _ = stopped.await;
        })
        .await;
    });
    // Wait (bounded) until both codes went out.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while h.api.calls_of("sendMessage").len() < 2 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // One more getUpdates round confirms the offset and nothing else is sent.
    let polls = h.api.calls_of("getUpdates").len();
    while h.api.calls_of("getUpdates").len() < polls + 2 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), poller)
        .await
        .expect("poll stops on shutdown")
        .unwrap();

    assert_eq!(
        h.api.calls_of("sendMessage").len(),
        2,
        "{:?}",
        h.api.texts()
    );
    assert!(h.held_code("spring", 111).await.is_some());
    assert!(h.held_code("spring", 222).await.is_some());
    assert_eq!(h.held_code("spring", 333).await, None);
    let gets = h.api.calls_of("getUpdates");
    assert_eq!(gets[0].params["timeout"], promo_telegram::POLL_TIMEOUT_S);
    assert_eq!(
        gets[0].params["allowed_updates"],
        serde_json::json!(["message", "callback_query"])
    );
    assert!(gets.last().unwrap().params["offset"].as_i64().unwrap() >= 503);
    // The webhook's deduplication is shared: the polled update is known as handled.
    assert_eq!(h.post(&first).await, 200);
    assert_eq!(h.api.calls_of("sendMessage").len(), 2);
}

#[tokio::test]
async fn a_chat_under_flood_control_does_not_delay_other_chats() {
    let h = Harness::start().await;
    campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 5).await;
    let payload = h.payload("spring", None);
    let group = -100_777;
    // The group has been spamming the bot: Telegram holds its messages back for 3 s.
    h.api.throttle_chat(group, 3);
    // Nine group commands come first in the batch (more than any number of updates handled
    // at once), a private claim after them.
    for id in 600..609 {
        h.api.push_update(group_text(id, 900, group, "/claim"));
    }
    h.api
        .push_update(private_text(609, 111, &format!("/start {payload}")));

    let poller = h.start_polling();
    assert!(
        eventually(Duration::from_secs(20), || !h.api.sent_to(111).is_empty()).await,
        "{:?}",
        h.api.texts()
    );
    // A claim that arrives while the group still waits (a later batch) does not wait either.
    h.api
        .push_update(private_text(610, 222, &format!("/start {payload}")));
    assert!(eventually(Duration::from_secs(20), || !h.api.sent_to(222).is_empty()).await);
    let groups_done =
        eventually(Duration::from_secs(20), || h.api.sent_to(group).len() >= 10).await;
    assert!(groups_done, "{:?}", h.api.sent_to(group));
    // Nothing more comes once the queues are empty.
    tokio::time::sleep(Duration::from_millis(300)).await;
    poller.stop().await;

    let to_group = h.api.sent_to(group);
    let throttled_at = to_group[0].1;
    for user in [111_u64, 222] {
        let at = h.api.sent_to(user as i64)[0].1;
        let after = at.saturating_duration_since(throttled_at);
        assert!(
            after < Duration::from_millis(1500),
            "user {user}'s reply waited {after:?} on the group's flood control"
        );
    }
    // The group's updates waited the 429 out in their own queue, then went out in order, each
    // once: one refused by flood control, nine delivered.
    assert_eq!(to_group.len(), 10, "{to_group:?}");
    let waited = to_group[1].1.duration_since(throttled_at);
    assert!(waited >= Duration::from_secs(3), "retried after {waited:?}");
    for user in [111_u64, 222] {
        let sent = h.api.sent_to(user as i64);
        assert_eq!(sent.len(), 1);
        let code = h.held_code("spring", user).await.expect("claimed");
        assert!(sent[0].0.contains(&code));
    }
    assert_eq!(h.issued("spring").await, 2, "a group command never issues");
}

#[tokio::test]
async fn a_panic_in_one_polled_update_leaves_the_rest_of_the_batch_answered() {
    let h = Harness::start().await;
    campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 5).await;
    let payload = h.payload("spring", None);
    let start = format!("/start {payload}");
    // 700 panics once (then its retry goes through), 701 panics every time.
    h.svc.faults().panic_on_update(700, 1);
    h.svc.faults().panic_on_update(701, u32::MAX);
    for (id, user) in [(700, 111), (701, 222), (702, 333), (703, 444)] {
        h.api.push_update(private_text(id, user, &start));
    }
    let poller = h.start_polling();
    let answered = eventually(Duration::from_secs(20), || {
        [111, 333, 444]
            .iter()
            .all(|u| !h.api.sent_to(*u).is_empty())
    })
    .await;
    assert!(answered, "{:?}", h.api.texts());
    // The update that always panics is given up after its retry, and released: a later
    // delivery of it would be handled at once, not after the lease.
    let released = async {
        for _ in 0..200 {
            let d = h
                .store
                .begin_delivery("telegram", "701", promo_core::Timestamp::now(), 60_000)
                .await
                .unwrap();
            if d == promo_store::Delivery::New {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    };
    assert!(
        released.await,
        "the panicking update's delivery was released"
    );
    // Polling goes on: a new update after the panics is handled too.
    h.api.push_update(private_text(704, 555, &start));
    assert!(eventually(Duration::from_secs(20), || !h.api.sent_to(555).is_empty()).await);
    poller.stop().await;

    for user in [111_u64, 333, 444, 555] {
        let sent = h.api.sent_to(user as i64);
        assert_eq!(sent.len(), 1, "user {user} answered once");
        let code = h.held_code("spring", user).await.expect("claimed");
        assert!(sent[0].0.contains(&code));
    }
    assert!(h.api.sent_to(222).is_empty());
    assert_eq!(
        h.held_code("spring", 222).await,
        None,
        "a panic issues nothing"
    );
    assert_eq!(h.issued("spring").await, 4);
}

#[tokio::test]
async fn a_panic_in_the_polling_loop_restarts_it_without_losing_the_batch() {
    let h = Harness::start().await;
    campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 5).await;
    let payload = h.payload("spring", None);
    h.svc.faults().panic_polling(1);
    h.api
        .push_update(private_text(800, 111, &format!("/start {payload}")));
    let poller = h.start_polling();
    assert!(eventually(Duration::from_secs(20), || !h.api.sent_to(111).is_empty()).await);
    poller.stop().await;
    let gets = h.api.calls_of("getUpdates");
    assert!(gets.len() >= 2, "{gets:?}");
    assert_eq!(
        gets[0].params["offset"], gets[1].params["offset"],
        "the restarted loop fetches the batch it had not handled again"
    );
    assert_eq!(h.api.sent_to(111).len(), 1);
    assert!(h.held_code("spring", 111).await.is_some());
}

#[tokio::test]
async fn a_polled_update_left_in_flight_by_a_dead_process_is_handled_after_the_lease() {
    let lease = Duration::from_secs(1);
    let h = Harness::with_tuning(promo_telegram::Tuning {
        lease,
        deadline: Duration::from_millis(900),
        ..promo_telegram::Tuning::default()
    })
    .await;
    campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 5).await;
    // A process began update 900 and died: its delivery record says "started".
    let begun = h
        .store
        .begin_delivery(
            "telegram",
            "900",
            promo_core::Timestamp::now(),
            lease.as_millis() as i64,
        )
        .await
        .unwrap();
    assert_eq!(begun, promo_store::Delivery::New);
    let payload = h.payload("spring", None);
    h.api
        .push_update(private_text(900, 111, &format!("/start {payload}")));
    let poller = h.start_polling();
    assert!(eventually(Duration::from_secs(20), || !h.api.sent_to(111).is_empty()).await);
    poller.stop().await;
    assert_eq!(h.api.sent_to(111).len(), 1);
    assert!(h.held_code("spring", 111).await.is_some());
}
