//! Bounded retries with full jitter, for transaction conflicts and throttling.

use rand::Rng;
use std::time::Duration;

/// How many transaction attempts one claim may make before answering "busy".
pub(crate) const MAX_ATTEMPTS: usize = 12;

/// Sleeps a random time in `[0, min(cap, base * 2^attempt))` ("full jitter"), so that claimers
/// that collided do not collide again in lockstep.
pub(crate) async fn backoff(attempt: usize) {
    let base_ms: u64 = 5;
    let cap_ms: u64 = 200;
    let ceiling = cap_ms.min(base_ms.saturating_mul(1 << attempt.min(10)));
    let wait = rand::rng().random_range(0..=ceiling);
    tokio::time::sleep(Duration::from_millis(wait)).await;
}
