//! Webhook deliveries take effect once: one attempt begins a delivery, a finished one is done,
//! one in flight is left alone until its lease runs out (then a redelivery takes it over), and a
//! released one is handled again at once.

use crate::common::store;
use futures::future::join_all;
use promo_core::Timestamp;
use promo_store::{Delivery, Store};

const LEASE_MS: i64 = 30_000;

#[tokio::test]
async fn concurrent_deliveries_of_one_update_have_exactly_one_winner() {
    let store = store().await;
    let now = Timestamp::now();
    for round in 0..20 {
        let id = format!("update-{round}");
        let outcomes = join_all((0..16).map(|_| {
            let (store, id) = (store.clone(), id.clone());
            async move { store.begin_delivery("telegram", &id, now, LEASE_MS).await }
        }))
        .await;
        let winners = outcomes
            .into_iter()
            .map(|o| o.expect("store answers"))
            .filter(|o| *o == Delivery::New)
            .count();
        assert_eq!(winners, 1, "round {round}");
    }
}

#[tokio::test]
async fn a_finished_delivery_is_done_and_an_unfinished_one_is_in_flight_until_stale() {
    let store = store().await;
    let now = Timestamp::now();
    assert_eq!(
        store
            .begin_delivery("discord", "1", now, LEASE_MS)
            .await
            .expect("begin"),
        Delivery::New
    );
    assert_eq!(
        store
            .begin_delivery("discord", "1", now, LEASE_MS)
            .await
            .expect("again"),
        Delivery::InFlight
    );
    // The attempt died: after the lease a redelivery takes it over, once.
    let later = now.plus_ms(LEASE_MS + 1);
    assert_eq!(
        store
            .begin_delivery("discord", "1", later, LEASE_MS)
            .await
            .expect("takeover"),
        Delivery::New
    );
    assert_eq!(
        store
            .begin_delivery("discord", "1", later, LEASE_MS)
            .await
            .expect("again"),
        Delivery::InFlight
    );
    store.finish_delivery("discord", "1").await.expect("finish");
    let much_later = later.plus_ms(10 * LEASE_MS);
    assert_eq!(
        store
            .begin_delivery("discord", "1", much_later, LEASE_MS)
            .await
            .expect("after finish"),
        Delivery::Done
    );
    // Sources do not collide: the same id from Telegram is another delivery.
    assert_eq!(
        store
            .begin_delivery("telegram", "1", now, LEASE_MS)
            .await
            .expect("other source"),
        Delivery::New
    );
}

#[tokio::test]
async fn a_delivery_past_its_record_lifetime_counts_as_new() {
    let store = store().await;
    let now = Timestamp::now();
    store
        .begin_delivery("telegram", "9", now, LEASE_MS)
        .await
        .expect("begin");
    store
        .finish_delivery("telegram", "9")
        .await
        .expect("finish");
    let after_ttl = now.plus_ms(promo_store::bots::DELIVERY_TTL_MS + 1_000);
    assert_eq!(
        store
            .begin_delivery("telegram", "9", after_ttl, LEASE_MS)
            .await
            .expect("begin"),
        Delivery::New
    );
}

/// What the store says about delivery `id` from `source` begun at `at`.
async fn begin(store: &Store, source: &str, id: &str, at: Timestamp) -> Delivery {
    store
        .begin_delivery(source, id, at, LEASE_MS)
        .await
        .expect("begin")
}

#[tokio::test]
async fn a_released_delivery_is_handled_again_at_once() {
    let store = store().await;
    let started = Timestamp::now();
    assert_eq!(begin(&store, "telegram", "7", started).await, Delivery::New);
    store
        .release_delivery("telegram", "7", started)
        .await
        .expect("release");
    // Well within the lease: the redelivery does not wait for it.
    let redelivered = started.plus_ms(1);
    assert_eq!(
        begin(&store, "telegram", "7", redelivered).await,
        Delivery::New
    );
    assert_eq!(
        begin(&store, "telegram", "7", redelivered).await,
        Delivery::InFlight
    );
}

#[tokio::test]
async fn releasing_leaves_a_finished_or_taken_over_delivery_alone() {
    let store = store().await;
    let started = Timestamp::now();

    // Finished: a late release of its attempt does not make it new again.
    begin(&store, "discord", "1", started).await;
    store.finish_delivery("discord", "1").await.expect("finish");
    store
        .release_delivery("discord", "1", started)
        .await
        .expect("release");
    assert_eq!(
        begin(&store, "discord", "1", started.plus_ms(1)).await,
        Delivery::Done
    );

    // Taken over after the lease: the dead attempt's release leaves the new attempt's record.
    begin(&store, "discord", "2", started).await;
    let taken_over = started.plus_ms(LEASE_MS + 1);
    assert_eq!(
        begin(&store, "discord", "2", taken_over).await,
        Delivery::New
    );
    store
        .release_delivery("discord", "2", started)
        .await
        .expect("release");
    assert_eq!(
        begin(&store, "discord", "2", taken_over.plus_ms(1)).await,
        Delivery::InFlight
    );
}
