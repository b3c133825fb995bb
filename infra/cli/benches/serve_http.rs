//! End to end over loopback HTTP: a real `promo serve` process on its SQLite file (the
//! one-machine mode, every commit durable) takes claims from concurrent HTTP clients in this
//! process. Drains a whole pool with new followers, then asks again for every one of them, and
//! prints claims/s and p50/p99 for both, plus how many answers were wrong.
//!
//! `cargo bench -p promo-cli --bench serve_http -- [codes] [concurrency]` (default 5000 64).
#![allow(missing_docs, clippy::unwrap_used)]

use futures::StreamExt;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};

#[path = "../tests/cli/common/mod.rs"]
mod common;

use common::{PROMO, ok};

const KEY: &str = "bench-serve-api-key";

struct Phase {
    rate: f64,
    p50: f64,
    p99: f64,
    codes: Vec<Option<String>>,
}

async fn claims(client: &reqwest::Client, base: &str, users: usize, concurrency: usize) -> Phase {
    let started = Instant::now();
    let mut results: Vec<(usize, Duration, Option<String>)> = futures::stream::iter(0..users)
        .map(|user| async move {
            let t = Instant::now();
            let res = client
                .post(format!("{base}/v1/campaigns/bench/claims"))
                .header("x-api-key", KEY)
                .json(&serde_json::json!({ "platform": "telegram", "user_id": user.to_string() }))
                .send()
                .await;
            let code = match res {
                Ok(r) if r.status().is_success() => r
                    .json::<serde_json::Value>()
                    .await
                    .ok()
                    .and_then(|v| v["code"].as_str().map(str::to_owned)),
                _ => None,
            };
            (user, t.elapsed(), code)
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let mut lat: Vec<Duration> = results.iter().map(|r| r.1).collect();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() - 1) as f64 * p) as usize].as_secs_f64() * 1000.0;
    results.sort_by_key(|r| r.0);
    Phase {
        rate: users as f64 / elapsed.as_secs_f64(),
        p50: pct(0.5),
        p99: pct(0.99),
        codes: results.into_iter().map(|r| r.2).collect(),
    }
}

#[tokio::main]
async fn main() {
    let (codes, concurrency) = promo_testkit::bench::size_and_concurrency((5_000, 64));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("bench.db");
    let count = codes.to_string();
    let create = "campaign create bench --name Bench --product B0BENCH --discount 10% --days 1";
    ok(&data, &create.split_whitespace().collect::<Vec<_>>());
    ok(&data, &["codes", "generate", "bench", "--count", &count]);

    let mut server = tokio::process::Command::new(PROMO)
        .arg("--data")
        .arg(&data)
        .args(["serve", "--port", "0"])
        .env("PROMO_API_KEY", KEY)
        .env("RUST_LOG", "warn")
        .env_remove("PROMO_TABLE")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let base = loop {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("promo serve started in time")
            .unwrap()
            .expect("promo serve printed its address");
        if let Some(rest) = line.strip_prefix("promo API listening on ") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let new = claims(&client, &base, codes, concurrency).await;
    let repeat = claims(&client, &base, codes, concurrency).await;
    let _ = server.kill().await;

    let issued = new.codes.iter().flatten().count();
    let distinct: std::collections::HashSet<&String> = new.codes.iter().flatten().collect();
    let changed = new
        .codes
        .iter()
        .zip(&repeat.codes)
        .filter(|(a, b)| a.is_some() && a != b)
        .count();
    println!(
        "promo serve over loopback HTTP, SQLite file (WAL, every commit synced): {codes} codes, \
         {concurrency} concurrent"
    );
    println!("| phase | claims/s | p50 ms | p99 ms | answered with a code |");
    println!("|---|---|---|---|---|");
    for (name, p) in [("new (drain pool)", &new), ("repeat", &repeat)] {
        println!(
            "| {name} | {:.0} | {:.1} | {:.1} | {} |",
            p.rate,
            p.p50,
            p.p99,
            p.codes.iter().flatten().count()
        );
    }
    println!(
        "codes issued {issued}, distinct {}, repeats answered with another code {changed}",
        distinct.len()
    );
    assert_eq!(issued, codes, "every follower of a full pool gets a code");
    assert_eq!(distinct.len(), issued, "no code went to two followers");
    assert_eq!(changed, 0, "asking again returns the same code");
}
