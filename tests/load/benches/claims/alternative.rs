//! The obvious alternative design, measured against the same engine: one campaign counter item
//! that every claim reads and advances in its transaction ("next code" pointer), with the same
//! bounded retries as the real store. It never double-issues (the transaction sees to that), but
//! every claim writes the same item: under concurrency the transactions conflict, and the
//! counter's partition takes a write on every claim.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnConsumedCapacity, TransactWriteItem, Update,
};
use futures::StreamExt;
use rand::Rng;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The alternative's own table on the same engine.
pub const TABLE: &str = "alt";
const COUNTER: &str = "C#alt";

/// What the alternative did.
pub struct AltRun {
    pub claims: usize,
    pub issued: usize,
    pub busy: usize,
    pub conflicts: u64,
    pub lost_races: u64,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
    pub write_units: f64,
    pub round_trips: u64,
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// Creates the counter and `pool` code slots (straight on the engine).
pub async fn set_up(direct: &Client, pool: u64) {
    direct
        .put_item()
        .table_name(TABLE)
        .item("pk", s(COUNTER))
        .item("sk", s("META"))
        .item("next", n(0))
        .send()
        .await
        .expect("counter");
    futures::stream::iter(0..pool)
        .for_each_concurrent(32, |i| async move {
            direct
                .put_item()
                .table_name(TABLE)
                .item("pk", s(format!("ALT#{i:06}")))
                .item("sk", s("K"))
                .item("state", s("available"))
                .send()
                .await
                .expect("slot");
        })
        .await;
}

struct Counters {
    conflicts: AtomicU64,
    lost_races: AtomicU64,
    wcu_milli: AtomicU64,
    round_trips: AtomicU64,
}

enum Claimed {
    Issued,
    SoldOut,
    Busy,
}

async fn claim(client: &Client, user: u64, pool: u64, c: &Counters) -> Claimed {
    for attempt in 1..=12u32 {
        c.round_trips.fetch_add(1, Ordering::Relaxed);
        let Ok(out) = client
            .get_item()
            .table_name(TABLE)
            .key("pk", s(COUNTER))
            .key("sk", s("META"))
            .consistent_read(true)
            .send()
            .await
        else {
            backoff(attempt).await;
            continue;
        };
        let next: u64 = out
            .item()
            .and_then(|i| i.get("next"))
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if next >= pool {
            return Claimed::SoldOut;
        }
        let put = Put::builder()
            .table_name(TABLE)
            .item("pk", s(format!("F#alt#{user}")))
            .item("sk", s("F"))
            .item("slot", n(next))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .expect("put");
        let counter = Update::builder()
            .table_name(TABLE)
            .key("pk", s(COUNTER))
            .key("sk", s("META"))
            .update_expression("SET #n = :n1")
            .condition_expression("#n = :n")
            .expression_attribute_names("#n", "next")
            .expression_attribute_values(":n", n(next))
            .expression_attribute_values(":n1", n(next + 1))
            .build()
            .expect("counter");
        let slot = Update::builder()
            .table_name(TABLE)
            .key("pk", s(format!("ALT#{next:06}")))
            .key("sk", s("K"))
            .update_expression("SET #s = :issued")
            .condition_expression("#s = :available")
            .expression_attribute_names("#s", "state")
            .expression_attribute_values(":issued", s("issued"))
            .expression_attribute_values(":available", s("available"))
            .build()
            .expect("slot");
        c.round_trips.fetch_add(1, Ordering::Relaxed);
        let result = client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(TransactWriteItem::builder().update(counter).build())
            .transact_items(TransactWriteItem::builder().update(slot).build())
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match result {
            Ok(out) => {
                let units: f64 = out
                    .consumed_capacity()
                    .iter()
                    .filter_map(|c| c.capacity_units())
                    .sum();
                c.wcu_milli
                    .fetch_add((units * 1000.0) as u64, Ordering::Relaxed);
                return Claimed::Issued;
            }
            Err(e) => {
                if let Some(TransactWriteItemsError::TransactionCanceledException(x)) =
                    e.as_service_error()
                {
                    let codes: Vec<&str> = x
                        .cancellation_reasons()
                        .iter()
                        .map(|r| r.code().unwrap_or_default())
                        .collect();
                    if codes.contains(&"TransactionConflict") {
                        c.conflicts.fetch_add(1, Ordering::Relaxed);
                    } else {
                        c.lost_races.fetch_add(1, Ordering::Relaxed);
                    }
                    // A failed transaction is billed too: 2 units per item.
                    c.wcu_milli.fetch_add(6_000, Ordering::Relaxed);
                }
                backoff(attempt).await;
            }
        }
    }
    Claimed::Busy
}

async fn backoff(attempt: u32) {
    let ceiling = 200u64.min(5u64 << attempt.min(10));
    let wait = rand::rng().random_range(0..=ceiling);
    tokio::time::sleep(Duration::from_millis(wait)).await;
}

/// Runs `claims` new claims, `concurrency` at a time, through `client`.
pub async fn run(client: &Client, claims: usize, pool: u64, concurrency: usize) -> AltRun {
    let c = Counters {
        conflicts: AtomicU64::new(0),
        lost_races: AtomicU64::new(0),
        wcu_milli: AtomicU64::new(0),
        round_trips: AtomicU64::new(0),
    };
    let started = Instant::now();
    let results: Vec<(Duration, Claimed)> = futures::stream::iter(0..claims as u64)
        .map(|user| {
            let c = &c;
            async move {
                let t = Instant::now();
                let out = claim(client, user, pool, c).await;
                (t.elapsed(), out)
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    AltRun {
        claims,
        issued: results
            .iter()
            .filter(|(_, r)| matches!(r, Claimed::Issued))
            .count(),
        busy: results
            .iter()
            .filter(|(_, r)| matches!(r, Claimed::Busy))
            .count(),
        conflicts: c.conflicts.load(Ordering::Relaxed),
        lost_races: c.lost_races.load(Ordering::Relaxed),
        elapsed,
        latencies: results.into_iter().map(|(d, _)| d).collect(),
        write_units: c.wcu_milli.load(Ordering::Relaxed) as f64 / 1000.0,
        round_trips: c.round_trips.load(Ordering::Relaxed),
    }
}
