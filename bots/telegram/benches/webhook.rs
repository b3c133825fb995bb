//! The webhook handler's latency and throughput on the embedded engine, with the fake Bot API
//! on loopback: `cargo bench --profile dev -p promo-telegram --bench webhook`.
//!
//! Phases: new claims one at a time (p50/p99 of the whole handler: secret check, dedupe put,
//! claim transaction, sendMessage, finish), redeliveries of handled updates, and new claims
//! 16 at a time (updates/s).

#![allow(missing_docs, clippy::unwrap_used)]

#[path = "../tests/bot/support/fake_api.rs"]
#[allow(dead_code)]
mod fake_api;

use futures::StreamExt;
use lambda_http::{Body, http};
use promo_core::{CampaignId, Timestamp};
use promo_store::Store;
use promo_telegram::{TelegramConfig, TelegramService};
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes};
use serde_json::json;
use std::time::{Duration, Instant};

const SECRET: &str = "bench_secret_0123456789";
const SEQUENTIAL: u32 = 500;
const CONCURRENT: u32 = 1_000;
const IN_FLIGHT: usize = 16;

fn update(id: u32, user: u64, payload: &str) -> String {
    json!({
        "update_id": id,
        "message": {
            "message_id": id,
            "from": {"id": user, "is_bot": false, "first_name": "F", "language_code": "en"},
            "chat": {"id": user, "first_name": "F", "type": "private"},
            "date": 1_700_000_000,
            "text": format!("/start {payload}"),
            "entities": [{"offset": 0, "length": 6, "type": "bot_command"}],
        }
    })
    .to_string()
}

async fn post(svc: &TelegramService, body: String) -> (u16, Duration) {
    let req = http::Request::builder()
        .method("POST")
        .uri("/telegram/webhook")
        .header("x-telegram-bot-api-secret-token", SECRET)
        .body(Body::Text(body))
        .unwrap();
    let start = Instant::now();
    let status = svc.handle(req).await.status().as_u16();
    (status, start.elapsed())
}

fn report(name: &str, mut times: Vec<Duration>, wall: Duration) {
    times.sort();
    let pick = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "{name:<28} n={:<5} p50={:>7.2} ms  p99={:>7.2} ms  max={:>7.2} ms  {:>7.0} updates/s",
        times.len(),
        pick(0.50).as_secs_f64() * 1e3,
        pick(0.99).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
        times.len() as f64 / wall.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let store = Store::embedded_memory().await.unwrap();
    let api = fake_api::FakeBotApi::start().await;
    let url = api.url.clone();
    let config = TelegramConfig::from_vars(|name| {
        Some(
            match name {
                "PROMO_TELEGRAM_TOKEN" => "123456:BENCH-token",
                "PROMO_TELEGRAM_SECRET" => SECRET,
                "PROMO_TELEGRAM_BOT" => "promo_bench_bot",
                "PROMO_TELEGRAM_API_URL" => url.as_str(),
                "PROMO_LINK_SECRET" => "0123456789abcdef-bench",
                _ => return None,
            }
            .to_owned(),
        )
    })
    .unwrap();
    let total = (SEQUENTIAL + CONCURRENT) as usize + 10;
    let mut new = campaign("bench", HOUR_MS);
    new.shards = 16;
    let id: CampaignId = campaign_with_codes(&store, new, total).await;
    let payload = config
        .link_key
        .sign_for(promo_core::Surface::TelegramStart, &id, None);
    let svc = TelegramService::new(store.clone(), config);

    // Warm-up: caches, connections.
    for i in 0..5 {
        post(
            &svc,
            update(1_000_000 + i, 9_000_000 + u64::from(i), &payload),
        )
        .await;
    }

    let mut times = Vec::new();
    let wall = Instant::now();
    for i in 0..SEQUENTIAL {
        let (status, t) = post(&svc, update(i + 1, u64::from(i) + 1, &payload)).await;
        assert_eq!(status, 200);
        times.push(t);
    }
    report("new claim, one at a time", times, wall.elapsed());

    let mut times = Vec::new();
    let wall = Instant::now();
    for i in 0..SEQUENTIAL.min(200) {
        let (status, t) = post(&svc, update(i + 1, u64::from(i) + 1, &payload)).await;
        assert_eq!(status, 200);
        times.push(t);
    }
    report("redelivery (duplicate)", times, wall.elapsed());

    let wall = Instant::now();
    let base = SEQUENTIAL + 10;
    let times: Vec<Duration> = futures::stream::iter(0..CONCURRENT)
        .map(|i| {
            let body = update(base + i, u64::from(base + i) + 1, &payload);
            let svc = &svc;
            async move {
                let (status, t) = post(svc, body).await;
                assert_eq!(status, 200);
                t
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    report(
        &format!("new claim, {IN_FLIGHT} in flight"),
        times,
        wall.elapsed(),
    );

    let stats = store.campaign_stats(&id, Timestamp::now()).await.unwrap();
    let sent = api.calls_of("sendMessage").len();
    println!(
        "claims recorded: {} (expected {}), messages sent: {sent}",
        stats.claims,
        SEQUENTIAL + CONCURRENT + 5
    );
    assert_eq!(stats.claims, SEQUENTIAL + CONCURRENT + 5);
    assert_eq!(sent as u32, SEQUENTIAL + CONCURRENT + 5);
}
