//! The performance numbers, in one table: claims/s and p50/p99 through each handler (API,
//! Discord, Telegram) on the embedded engine; DynamoDB round trips and write units per new and
//! repeat claim; the busiest partition key's share of write units and what it means at 5,000
//! claims/s; each Lambda binary's size and cold start; peak memory; and the obvious alternative
//! design (one campaign counter on every claim) measured in the same run.
//!
//! Run: `cargo build --bins && cargo bench --profile dev -p promo-load --bench claims`
//! (optionally `-- <claims per handler> <concurrency>`). `PROMO_BENCH_LEDGER=1` also prints the
//! write units per key kind to stderr.
#![allow(missing_docs, clippy::unwrap_used)]

mod alternative;
mod lambdas;

use comfy_table::{Table, presets::ASCII_MARKDOWN};
use promo_load::LoadOptions;
use promo_load::drive::{Observation, Outcome, drive};
use promo_load::plan::{Channel, FollowerPlan, plan};
use promo_load::report::percentile_ms;
use promo_load::world::World;
use promo_store::MetricsSnapshot;
use promo_store::table::engine::client_for;
use promo_testkit::proxy::{Delay, StoreProxy, key_kind};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The rate the hot-key row projects to.
const VIRAL_RATE: f64 = 5_000.0;
/// DynamoDB's write limit per partition key.
const KEY_LIMIT: f64 = 1_000.0;

fn plans(per_handler: usize) -> Vec<FollowerPlan> {
    let options = LoadOptions {
        followers: per_handler * 3,
        repeat_share: 0.0,
        redelivery_share: 0.0,
        ..LoadOptions::default()
    };
    plan(&options)
        .into_iter()
        .map(|mut f| {
            f.influencer = None;
            f.asks = vec![false];
            f
        })
        .collect()
}

fn of(plan: &[FollowerPlan], c: Channel) -> Vec<FollowerPlan> {
    plan.iter().filter(|f| f.channel == c).cloned().collect()
}

fn far() -> Instant {
    Instant::now() + Duration::from_secs(3_600)
}

struct Phase {
    observations: Vec<Observation>,
    rate: f64,
    p50: f64,
    p99: f64,
    ok: usize,
    cost: MetricsSnapshot,
}

async fn phase(world: &World, store: usize, plan: &[FollowerPlan], concurrency: usize) -> Phase {
    let before = world.handler_stores[store].metrics().snapshot();
    let driven = drive(world, plan, concurrency, far()).await;
    let cost = world.handler_stores[store]
        .metrics()
        .snapshot()
        .since(&before);
    let mut lat: Vec<Duration> = driven.observations.iter().map(|o| o.latency).collect();
    let ok = driven
        .observations
        .iter()
        .filter(|o: &&Observation| matches!(o.outcome, Outcome::Code(_) | Outcome::Answered))
        .count();
    Phase {
        observations: driven.observations.clone(),
        rate: plan.len() as f64 / driven.elapsed.as_secs_f64(),
        p50: percentile_ms(&mut lat, 0.5),
        p99: percentile_ms(&mut lat, 0.99),
        ok,
        cost,
    }
}

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn is_index_key(pk: &str) -> bool {
    pk.starts_with("A#") || pk.starts_with("S#") || pk.starts_with("R#") || pk == "CAMPAIGNS"
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let (per_handler, concurrency) = promo_testkit::bench::size_and_concurrency((1_500, 32));
    promo_load::logs::capture();
    let mut t = Table::new();
    t.load_preset(ASCII_MARKDOWN);
    t.set_header(["measure", "value", "target / note"]);

    // 1. Throughput and cost per handler, handlers straight on the engine.
    let open_lane = per_handler * 3 * 10 / 7 + 100;
    let options = LoadOptions {
        followers: per_handler * 3,
        codes: Some(open_lane),
        fault_rate: 0.0,
        ..LoadOptions::default()
    };
    let world = World::direct(&options).await.expect("world");
    let all = plans(per_handler);
    let mut total_new = 0.0;
    let mut seen = Vec::new();
    for (i, c) in Channel::ALL.iter().enumerate() {
        let plan = of(&all, *c);
        let n = plan.len() as f64;
        let new = phase(&world, i, &plan, concurrency).await;
        let repeat = phase(&world, i, &plan, concurrency).await;
        total_new += new.rate;
        seen.extend(new.observations.iter().cloned());
        seen.extend(repeat.observations.iter().cloned());
        t.add_row(vec![
            format!("{} new claims: claims/s, p50 / p99 ms", c.name()),
            format!("{:.0}   {:.1} / {:.1}", new.rate, new.p50, new.p99),
            format!(
                "{} of {} got a code; >= 2,000/s end to end",
                new.ok,
                plan.len()
            ),
        ]);
        t.add_row(vec![
            format!("{} repeat claims: claims/s, p50 / p99 ms", c.name()),
            format!("{:.0}   {:.1} / {:.1}", repeat.rate, repeat.p50, repeat.p99),
            format!("{} of {} got their code back", repeat.ok, plan.len()),
        ]);
        t.add_row(vec![
            format!("{} round trips per claim, new / repeat", c.name()),
            format!(
                "{:.2} / {:.2}",
                new.cost.round_trips as f64 / n,
                repeat.cost.round_trips as f64 / n
            ),
            "bots add the delivery dedupe put + finish".into(),
        ]);
        t.add_row(vec![
            format!("{} write units per claim, new / repeat", c.name()),
            format!(
                "{:.2} (index {:.2}) / {:.2}",
                new.cost.write_units / n,
                new.cost.index_write_units / n,
                repeat.cost.write_units / n
            ),
            "target <= 5 per new claim (ReturnConsumedCapacity=INDEXES)".into(),
        ]);
    }
    let verdict = promo_load::verify::verify(&world, &all, &seen, &promo_load::logs::text())
        .await
        .expect("audit");
    t.add_row(vec![
        "invariant violations after the throughput runs".into(),
        verdict.violations.len().to_string(),
        format!("{} codes issued", verdict.issued),
    ]);
    drop(world);

    // 2. The same claims through a proxy that books every write per partition key and answers
    //    DynamoDB's conflicts between concurrent writers of one item.
    let hot_per_handler = per_handler.min(1_000);
    let options = LoadOptions {
        followers: hot_per_handler * 3,
        // A pool four times the claims: a viral campaign's steady state, not its last codes.
        codes: Some(hot_per_handler * 3 * 4 * 10 / 7),
        fault_rate: 0.0,
        contention: true,
        ..LoadOptions::default()
    };
    let world = World::start(&options).await.expect("world");
    world.proxy.reset_ledger();
    let plan = plans(hot_per_handler);
    let started = Instant::now();
    let driven = drive(&world, &plan, concurrency * 2, far()).await;
    let ours_elapsed = started.elapsed();
    let ours_ok = driven
        .observations
        .iter()
        .filter(|o| matches!(o.outcome, Outcome::Code(_) | Outcome::Answered))
        .count();
    let ledger = world.proxy.write_units_by_key();
    if std::env::var_os("PROMO_BENCH_LEDGER").is_some() {
        let mut kinds: std::collections::BTreeMap<String, f64> = Default::default();
        for (k, u) in &ledger {
            *kinds
                .entry(key_kind(k).split('#').take(2).collect::<Vec<_>>().join("#"))
                .or_default() += u;
        }
        eprintln!("{kinds:#?}");
    }
    let total: f64 = ledger.iter().map(|(_, u)| u).sum();
    let claims = plan.len() as f64;
    let (table_key, table_units) = ledger
        .iter()
        .find(|(k, _)| !is_index_key(k))
        .cloned()
        .unwrap_or_default();
    let (index_key, index_units) = ledger
        .iter()
        .find(|(k, _)| is_index_key(k))
        .cloned()
        .unwrap_or_default();
    t.add_row(vec![
        "this design, all handlers, with conflict emulation: claims/s".into(),
        format!("{:.0}", claims / ours_elapsed.as_secs_f64()),
        format!(
            "{ours_ok} of {} got a code; {} transaction conflicts",
            plan.len(),
            world.proxy.contention_conflicts()
        ),
    ]);
    t.add_row(vec![
        "write units per claim seen by the proxy (all handlers)".into(),
        format!("{:.2}", total / claims),
        "table + visible index keys, bots' dedupe items included".into(),
    ]);
    t.add_row(vec![
        format!(
            "busiest table key ({}): share of write units",
            key_kind(&table_key)
        ),
        format!("{:.3}%", 100.0 * table_units / total.max(1e-9)),
        format!(
            "at 5,000 claims/s: {:.1} WCU/s on it (limit 1,000)",
            table_units / claims * VIRAL_RATE
        ),
    ]);
    if !index_key.is_empty() {
        t.add_row(vec![
            format!(
                "busiest index key ({}): share of write units",
                key_kind(&index_key)
            ),
            format!("{:.2}%", 100.0 * index_units / total.max(1e-9)),
            format!(
                "at 5,000 claims/s: {:.0} WCU/s on it (limit 1,000){}",
                index_units / claims * VIRAL_RATE,
                if index_units / claims * VIRAL_RATE > KEY_LIMIT {
                    " OVER"
                } else {
                    ""
                }
            ),
        ]);
    }

    // 3. The alternative: one campaign counter item on every claim, same engine, same proxy.
    let engine = world.engine.endpoint().to_owned();
    let alt_direct = client_for(&engine);
    promo_store::Store::new(alt_direct.clone(), alternative::TABLE)
        .ensure_table()
        .await
        .expect("alt table");
    let alt_claims = hot_per_handler * 3;
    alternative::set_up(&alt_direct, alt_claims as u64 + 100).await;
    let alt_proxy =
        StoreProxy::with_contention(&engine, Arc::new(Delay::new(Duration::ZERO))).await;
    let alt = alternative::run(
        &client_for(alt_proxy.endpoint()),
        alt_claims,
        alt_claims as u64 + 100,
        concurrency * 2,
    )
    .await;
    let alt_ledger = alt_proxy.write_units_by_key();
    let alt_total: f64 = alt_ledger.iter().map(|(_, u)| u).sum();
    let (alt_key, alt_units) = alt_ledger.first().cloned().unwrap_or_default();
    let mut alt_lat = alt.latencies.clone();
    t.add_row(vec![
        "alternative (one counter item per campaign): claims/s, p50 / p99 ms".into(),
        format!(
            "{:.0}   {:.1} / {:.1}",
            alt.claims as f64 / alt.elapsed.as_secs_f64(),
            percentile_ms(&mut alt_lat.clone(), 0.5),
            percentile_ms(&mut alt_lat, 0.99)
        ),
        format!(
            "{} of {} issued, {} gave up busy after 12 attempts",
            alt.issued, alt.claims, alt.busy
        ),
    ]);
    t.add_row(vec![
        "alternative: conflicts and lost counter races per claim".into(),
        format!(
            "{:.2} / {:.2}",
            alt.conflicts as f64 / alt.claims as f64,
            alt.lost_races as f64 / alt.claims as f64
        ),
        format!(
            "this design: {:.3} conflicts per claim",
            world.proxy.contention_conflicts() as f64 / claims
        ),
    ]);
    t.add_row(vec![
        "alternative: round trips and write units per issued claim".into(),
        format!(
            "{:.2} / {:.2}",
            alt.round_trips as f64 / alt.issued.max(1) as f64,
            alt.write_units / alt.issued.max(1) as f64
        ),
        "failed transactions are billed too".into(),
    ]);
    t.add_row(vec![
        format!("alternative: busiest key ({alt_key}) share of write units"),
        format!("{:.1}%", 100.0 * alt_units / alt_total.max(1e-9)),
        format!(
            "at 5,000 claims/s: {:.0} WCU/s on one key (limit 1,000): throttled",
            alt_units / alt.issued.max(1) as f64 * VIRAL_RATE
        ),
    ]);
    drop(alt_proxy);
    drop(world);

    // 4. Lambda binaries.
    let dir = lambdas::profile_dir();
    let profile = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for l in lambdas::measure(&dir).await {
        t.add_row(vec![
            format!("Lambda {}: size, cold start to ready", l.name),
            format!(
                "{}   {}",
                l.size
                    .map_or("-".into(), |b| format!("{:.1} MB", b as f64 / 1_048_576.0)),
                match &l.cold_start {
                    Ok(d) => format!("{:.1} ms", d.as_secs_f64() * 1000.0),
                    Err(e) => e.clone(),
                }
            ),
            format!(
                "target/{profile}; zips: infra/function-sizes.sh; targets: zip < 8 MB, < 50 ms"
            ),
        ]);
    }

    t.add_row(vec![
        "peak memory of this bench process (VmHWM)".into(),
        peak_memory_kib().map_or("-".into(), |k| format!("{:.1} MB", k as f64 / 1024.0)),
        "engine, proxy, three handlers and all followers in one process".into(),
    ]);
    t.add_row(vec![
        "sum of new-claim rates over the three handlers".into(),
        format!("{total_new:.0}"),
        format!("{per_handler} claims per handler, {concurrency} concurrent"),
    ]);
    println!("{t}");
}
