//! Claim-path benchmark: drains a whole pool through the issue handler on the embedded engine
//! (reached in-process, as `promo serve` does), then asks again for every follower.
//! Prints claims/s, p50/p99 latency, and DynamoDB round trips and write units per claim.
//!
//! `cargo bench -p promo-e2e --bench claim_path` (optionally `-- <codes> <concurrency>`).

use futures::StreamExt;
use lambda_http::{Body, http};
use promo_api::ApiKey;
use promo_core::{CampaignId, NewCampaign};
use promo_issue::IssueService;
use promo_testkit::fixtures;
use std::time::{Duration, Instant};

const KEY: &str = "bench-key-0123456789";

fn request(campaign: &CampaignId, user: usize) -> lambda_http::Request {
    http::Request::builder()
        .method("POST")
        .uri(format!("/v1/campaigns/{campaign}/claims"))
        .header("content-type", "application/json")
        .header("x-api-key", KEY)
        .body(Body::from(format!(
            r#"{{"platform":"telegram","user_id":"{user}"}}"#
        )))
        .expect("request")
}

async fn run(
    issue: &IssueService,
    campaign: &CampaignId,
    users: usize,
    concurrency: usize,
) -> (Duration, Vec<Duration>, usize) {
    let started = Instant::now();
    let results: Vec<(Duration, u16)> = futures::stream::iter(0..users)
        .map(|u| async move {
            let t = Instant::now();
            let resp = issue.handle(request(campaign, u)).await;
            (t.elapsed(), resp.status().as_u16())
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let ok = results
        .iter()
        .filter(|(_, s)| *s == 200 || *s == 201)
        .count();
    let mut lat: Vec<_> = results.into_iter().map(|(d, _)| d).collect();
    lat.sort();
    (elapsed, lat, ok)
}

fn pct(lat: &[Duration], p: f64) -> f64 {
    lat[((lat.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let (codes, concurrency) = promo_testkit::bench::size_and_concurrency((5_000, 64));
    let store = fixtures::memory_store().await;
    let new = NewCampaign {
        shards: 16,
        ..fixtures::campaign("bench", fixtures::HOUR_MS)
    };
    let campaign = fixtures::campaign_with_codes(&store, new, codes).await;
    let issue = IssueService::new(store.clone(), ApiKey::new(KEY).expect("key"));

    let before = store.metrics().snapshot();
    let (elapsed, lat, ok) = run(&issue, &campaign, codes, concurrency).await;
    let new = store.metrics().snapshot().since(&before);
    let before = store.metrics().snapshot();
    let (r_elapsed, r_lat, r_ok) = run(&issue, &campaign, codes, concurrency).await;
    let repeat = store.metrics().snapshot().since(&before);

    println!(
        "claim path on the embedded engine: {codes} codes, {concurrency} concurrent, 16 shards"
    );
    println!(
        "| phase | ok | claims/s | p50 ms | p99 ms | round trips/claim | reads/claim | write units/claim | of which index |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, elapsed, lat, ok, m) in [
        ("new (drain pool)", elapsed, &lat, ok, new),
        ("repeat", r_elapsed, &r_lat, r_ok, repeat),
    ] {
        let n = codes as f64;
        println!(
            "| {name} | {ok} | {:.0} | {:.1} | {:.1} | {:.3} | {:.3} | {:.2} | {:.2} |",
            n / elapsed.as_secs_f64(),
            pct(lat, 0.5),
            pct(lat, 0.99),
            m.round_trips as f64 / n,
            m.reads as f64 / n,
            m.write_units / n,
            m.index_write_units / n
        );
    }
}
