//! Endpoint latency and throughput with signature verification, on the embedded engine, and the
//! Lambda binary's cold start to its first answer.
//!
//! Run: `cargo bench --profile dev -p promo-discord --bench interactions`.
#![allow(missing_docs, clippy::unwrap_used)]

#[path = "../tests/discord/common/mod.rs"]
mod common;

use common::discord::FakeDiscord;
use common::interactions::{From, command, ping, user};
use common::{apigw_event, lambda_env, service, signed, signing_key};
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes, memory_store};
use promo_testkit::lambda::{SharedEngine, spawn_lambda};
use promo_testkit::runtime_api::FakeRuntimeApi;
use std::time::{Duration, Instant};

const CLAIMS: u64 = 1_000;
const CONCURRENT: u64 = 2_000;
const WORKERS: u64 = 32;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, mut samples: Vec<Duration>, wall: Duration) {
    samples.sort();
    let n = samples.len();
    println!(
        "{name:<38} n={n:<5} p50={:>8.2?} p99={:>8.2?} max={:>8.2?} {:>8.0} req/s",
        percentile(&samples, 0.50),
        percentile(&samples, 0.99),
        samples[n - 1],
        n as f64 / wall.as_secs_f64()
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let store = memory_store().await;
    campaign_with_codes(
        &store,
        campaign("bench", HOUR_MS),
        (CLAIMS + CONCURRENT + 10) as usize,
    )
    .await;
    let svc = service(&store);
    let claim = |u: u64| {
        signed(&command(
            "claim",
            &[("campaign", "bench")],
            &From::dm(user(u)),
        ))
    };

    // Warm the caches and the connection pool.
    for u in 0..10 {
        svc.handle(claim(1_000_000 + u)).await;
    }

    let mut samples = Vec::new();
    let wall = Instant::now();
    for _ in 0..CLAIMS {
        let req = signed(&ping());
        let t = Instant::now();
        let h = svc.handle(req).await;
        samples.push(t.elapsed());
        assert_eq!(h.response.status(), 200);
    }
    report("ping (verify + parse)", samples, wall.elapsed());

    let mut samples = Vec::new();
    let wall = Instant::now();
    for u in 0..CLAIMS {
        let req = claim(u);
        let t = Instant::now();
        let h = svc.handle(req).await;
        samples.push(t.elapsed());
        assert!(h.follow_up.is_none());
    }
    report("/claim new code, sequential", samples, wall.elapsed());

    let mut samples = Vec::new();
    let wall = Instant::now();
    for u in 0..CLAIMS {
        let req = claim(u);
        let t = Instant::now();
        svc.handle(req).await;
        samples.push(t.elapsed());
    }
    report("/claim repeat, sequential", samples, wall.elapsed());

    let wall = Instant::now();
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let svc = svc.clone();
            tokio::spawn(async move {
                let mut out = Vec::new();
                let mut u = CLAIMS + w;
                while u < CLAIMS + CONCURRENT {
                    let req = signed(&command(
                        "claim",
                        &[("campaign", "bench")],
                        &From::dm(user(u)),
                    ));
                    let t = Instant::now();
                    let h = svc.handle(req).await;
                    out.push(t.elapsed());
                    assert!(h.follow_up.is_none());
                    u += WORKERS;
                }
                out
            })
        })
        .collect();
    let mut samples = Vec::new();
    for w in workers {
        samples.extend(w.await.unwrap());
    }
    report(
        &format!("/claim new code, {WORKERS} concurrent"),
        samples,
        wall.elapsed(),
    );
    let m = store.metrics().snapshot();
    println!("store round trips so far: {m:?}");

    // Cold start: exec of the binary until its first answer to a signed ping.
    let shared = SharedEngine::start().await;
    campaign_with_codes(&shared.store, campaign("cold", HOUR_MS), 10).await;
    let discord = FakeDiscord::start().await;
    let env = lambda_env(&discord.url);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut ready = Vec::new();
    let mut first = Vec::new();
    for n in 0..5 {
        let api = FakeRuntimeApi::start().await;
        api.mark();
        let t = Instant::now();
        let child = spawn_lambda(env!("CARGO_BIN_EXE_promo-discord"), &api, &shared, &env);
        let answer = api
            .invoke(
                apigw_event(
                    &signing_key(),
                    &command("claim", &[("campaign", "cold")], &From::dm(user(n))).to_string(),
                ),
                Duration::from_secs(30),
            )
            .await
            .unwrap();
        first.push(t.elapsed());
        ready.push(api.wait_ready(Duration::from_secs(1)).await.unwrap());
        assert_eq!(answer["statusCode"], 200);
        drop(child);
    }
    ready.sort();
    first.sort();
    println!(
        "cold start (exec -> runtime ready)      median={:.1?} min={:.1?} max={:.1?}",
        ready[2], ready[0], ready[4]
    );
    println!(
        "cold start (exec -> first /claim code)     median={:.1?} min={:.1?} max={:.1?}",
        first[2], first[0], first[4]
    );
}
