//! Long polling: the same handling and deduplication as the webhook, without a public URL.

use crate::support::Harness;
use crate::support::updates::*;
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
