//! A panic while handling an update never wedges its delivery: it is caught, answered as
//! retryable, and the redelivery is handled at once.

use crate::support::updates::*;
use crate::support::{Harness, SECRET};
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes};

#[tokio::test]
async fn a_panic_answers_500_and_the_redelivery_is_handled_at_once() {
    let h = Harness::start().await;
    campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 3).await;
    let update = private_text(42, 111, &format!("/start {}", h.payload("spring", None)));
    h.svc.faults().panic_on_update(42, 1);

    let (status, body) = h.post_raw(update.to_string(), Some(SECRET)).await;
    assert_eq!(
        (status, body["error"]["reason"].as_str()),
        (500, Some("internal")),
        "{body}"
    );
    assert!(h.api.calls().is_empty());
    assert_eq!(h.held_code("spring", 111).await, None, "nothing issued");
    assert_eq!(h.issued("spring").await, 0);

    // Telegram redelivers right away: no lease to wait out, the update is handled once.
    assert_eq!(h.post(&update).await, 200);
    let code = h
        .held_code("spring", 111)
        .await
        .expect("claimed on redelivery");
    let texts = h.api.texts();
    assert_eq!(texts.len(), 1);
    assert!(texts[0].contains(&format!("<code>{code}</code>")));
    assert!(
        !texts[0].contains("already claimed"),
        "the first code the follower sees is not a repeat"
    );
    assert_eq!(h.post(&update).await, 200);
    assert_eq!(
        h.api.texts().len(),
        1,
        "the redelivery after it is a duplicate"
    );
}

#[tokio::test]
async fn a_panic_in_one_update_leaves_the_others_answered() {
    let h = Harness::start().await;
    campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 3).await;
    let payload = h.payload("spring", None);
    h.svc.faults().panic_on_update(1, u32::MAX);
    let statuses = futures::future::join_all([
        h.post(&private_text(1, 111, &format!("/start {payload}"))),
        h.post(&private_text(2, 222, &format!("/start {payload}"))),
        h.post(&private_text(3, 333, "hello")),
    ])
    .await;
    assert_eq!(statuses, vec![500, 200, 200]);
    assert!(h.held_code("spring", 222).await.is_some());
    assert_eq!(h.held_code("spring", 111).await, None);
    assert_eq!(h.api.sent_to(222).len(), 1);
    assert_eq!(h.api.sent_to(333).len(), 1, "help answered");
    assert!(h.api.sent_to(111).is_empty());
    // Every redelivery of the panicking update is answered 500 again at once (never 503 for
    // a lease), and nothing is issued.
    for _ in 0..3 {
        assert_eq!(
            h.post(&private_text(1, 111, &format!("/start {payload}")))
                .await,
            500
        );
    }
    assert_eq!(h.issued("spring").await, 1);
}
