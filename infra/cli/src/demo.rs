//! `promo demo`: a viral campaign end to end on a fresh in-memory store, through the very
//! handlers deployed on Lambda, then every invariant checked.

use crate::cli::DemoArgs;
use crate::codes::{ImportOutcome, import_file};
use crate::output::stats_table;
use crate::sample::{self, Fan};
use crate::service::{self, Services};
use anyhow::{Context, bail};
use promo_core::{CampaignId, CampaignStatus, Caps, NewCampaign, Timestamp};
use promo_store::{MetricsSnapshot, Store};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// On-demand DynamoDB prices (us-east-1), dollars per million request units.
const WRITE_PRICE: f64 = 0.625;
const READ_PRICE: f64 = 0.125;

/// One claim as the follower saw it.
struct Ask {
    fan: usize,
    status: u16,
    /// The code, or the refusal's reason.
    answer: Result<String, String>,
    took: Duration,
}

/// Runs the demo; returns 0, or exits with 1 when an invariant broke.
pub async fn run(args: DemoArgs) -> anyhow::Result<u8> {
    if args.codes == 0 || args.followers == 0 || args.concurrency == 0 {
        bail!("--codes, --followers and --concurrency must be at least 1");
    }
    let seed = args.seed.unwrap_or_else(rand::random);
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();
    let store = Store::embedded_memory()
        .await
        .context("starting the embedded engine")?;
    let id = CampaignId::parse("demo")?;
    let now = Timestamp::now();
    store
        .create_campaign(
            NewCampaign {
                id: id.clone(),
                name: "Demo: viral launch".into(),
                product: "B0DEMO0001".into(),
                discount: "20% off".into(),
                starts_at: now.plus_ms(-60_000),
                ends_at: now.plus_ms(3_600_000),
                redeem_until: None,
                caps: Caps::default(),
                shards: 16,
                activate: true,
                marketplace: promo_core::Marketplace::default(),
            },
            now,
        )
        .await?;
    println!(
        "demo (seed {seed}): campaign {id}, {} followers, {} codes, {} concurrent tasks",
        args.followers, args.codes, args.concurrency
    );

    // Alice and Bob each have an Amazon promotion of their own: their codes are imported for
    // them alone, so their followers get those codes and Amazon's order report credits them.
    // Dana posts one shared code, a social-media promo code with as many uses as her quota.
    // Carol's quota is reserved from the shared pool.
    let mut own_total = 0;
    for (inf, name, percent) in sample::INFLUENCERS {
        if !sample::OWN_PROMOTIONS.contains(&inf) {
            continue;
        }
        let quota = sample::quota(args.codes, percent);
        let inf: promo_core::InfluencerId = inf.parse()?;
        store
            .add_influencer(&id, inf.clone(), name, Some(quota))
            .await?;
        let file = sample::claim_code_file(&mut rng, quota)?;
        match import_file(&store, &id, Some(&inf), file.path(), false).await? {
            ImportOutcome::Done(r) => own_total += r.imported,
            ImportOutcome::Refused(bad) => bail!("{inf}'s sample file had {bad} bad lines"),
        }
    }
    let mut group_uses = 0;
    for (inf, code) in sample::GROUP_CODES {
        let (_, name, percent) = sample::INFLUENCERS
            .into_iter()
            .find(|(i, _, _)| *i == inf)
            .context("a group code's influencer")?;
        let uses = sample::quota(args.codes, percent);
        let inf: promo_core::InfluencerId = inf.parse()?;
        store
            .add_influencer(&id, inf.clone(), name, Some(uses))
            .await?;
        store
            .create_group_code(
                &id,
                &promo_core::PromoCode::parse(code)?,
                uses,
                Some(&inf),
                now,
                &|_| {},
            )
            .await?;
        group_uses += uses;
    }
    let shared = args.codes.saturating_sub(own_total + group_uses).max(1);
    let file = sample::claim_code_file(&mut rng, shared)?;
    let report = match import_file(&store, &id, None, file.path(), false).await? {
        ImportOutcome::Done(r) => r,
        ImportOutcome::Refused(bad) => bail!("the sample file had {bad} bad lines"),
    };
    println!(
        "imported {} codes of their own promotions for {} and {} shared codes from sample Amazon claim-code files ({} header line, {} skipped); a group code with {group_uses} uses for {}",
        own_total,
        sample::OWN_PROMOTIONS.join(" and "),
        report.imported,
        report.headers,
        report.skipped,
        sample::GROUP_CODES.map(|(i, _)| i).join(" and "),
    );
    for (inf, name, percent) in sample::INFLUENCERS {
        if sample::OWN_PROMOTIONS.contains(&inf)
            || sample::GROUP_CODES.iter().any(|(i, _)| *i == inf)
        {
            continue;
        }
        let quota = sample::quota(args.codes, percent);
        store
            .add_influencer(&id, inf.parse()?, name, Some(quota))
            .await?;
    }
    let influencers = store.list_influencers(&id).await?;
    let quotas = influencers
        .iter()
        .map(|i| format!("{} {}", i.id, i.quota.unwrap_or(0)))
        .collect::<Vec<_>>()
        .join(", ");
    println!("influencers with quotas: {quotas}; direct claims draw from the rest");

    let key = format!("demo-{:032x}", rng.random::<u128>());
    let services = Arc::new(Services::new(store.clone(), &key)?);
    let crowd = Arc::new(sample::crowd(&mut rng, args.followers));
    let order = sample::asks(&mut rng, &crowd);

    let before = store.metrics().snapshot();
    let claim_started = Instant::now();
    let asks = claim_all(&services, &id, &crowd, order, &key, args.concurrency).await?;
    let claim_time = claim_started.elapsed();
    let claim_cost = store.metrics().snapshot().since(&before);

    let (holders, mut violations) = check_asks(&asks);
    let repeats = asks.len() - crowd.len();
    let refused = |r: &str| {
        asks.iter()
            .filter(|a| a.answer.as_ref().err().is_some_and(|e| e == r))
            .count()
    };
    println!(
        "claims: {} followers asked {} times ({repeats} repeats); {} got a code, {} refused sold_out, {} quota_reached",
        crowd.len(),
        asks.len(),
        holders.len(),
        refused("sold_out"),
        refused("quota_reached")
    );
    // A group code's orders are credited from the order report, not redeemed one by one.
    let mut issued: Vec<(usize, String)> = holders
        .iter()
        .filter(|(_, c)| !sample::is_group_code(c))
        .map(|(f, c)| (*f, c.clone()))
        .collect();
    issued.sort();
    issued.shuffle(&mut rng);
    let to_redeem = issued.len() * 2 / 5;
    let redeemed = redeem_some(&services, &issued[..to_redeem], &key, args.concurrency).await?;
    if redeemed != to_redeem {
        violations.push(format!(
            "{} of {to_redeem} redemptions failed",
            to_redeem - redeemed
        ));
    }

    let end = Timestamp::now();
    store
        .set_campaign_status(&id, CampaignStatus::Ended, end)
        .await?;
    let sweep = service::sweep_all(&store, end).await?;
    println!(
        "campaign ended; the expire sweep retired {} unissued codes",
        sweep
    );

    let stats = store.campaign_stats(&id, Timestamp::now()).await?;
    println!("{}", stats_table(&stats));
    print_performance(&asks, claim_time, &claim_cost, stats.claims);

    violations.extend(check_store(&store, &id, &crowd, &holders, redeemed, &stats).await?);
    println!("done in {:.1} s", started.elapsed().as_secs_f64());
    if violations.is_empty() {
        println!("invariants: all hold");
        Ok(0)
    } else {
        println!("invariants: {} violation(s)", violations.len());
        for v in &violations {
            println!("  VIOLATION: {v}");
        }
        std::process::exit(1);
    }
}

/// Sends every ask through the issue handler from `concurrency` tasks.
async fn claim_all(
    services: &Arc<Services>,
    id: &CampaignId,
    crowd: &Arc<Vec<Fan>>,
    order: Vec<usize>,
    key: &str,
    concurrency: usize,
) -> anyhow::Result<Vec<Ask>> {
    let order = Arc::new(order);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (services, crowd, order, next, id, key) = (
            services.clone(),
            crowd.clone(),
            order.clone(),
            next.clone(),
            id.clone(),
            key.to_owned(),
        );
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&fan) = order.get(i) else { break };
                let f = &crowd[fan];
                let t = Instant::now();
                let (status, answer) = services
                    .claim(&id, f.platform, &f.user_id, f.influencer.as_ref(), &key)
                    .await;
                out.push(Ask {
                    fan,
                    status,
                    answer,
                    took: t.elapsed(),
                });
            }
            out
        }));
    }
    let mut asks = Vec::new();
    for task in tasks {
        asks.extend(task.await.context("a claim task panicked")?);
    }
    Ok(asks)
}

/// Redeems the given codes through the redeem handler; returns how many succeeded.
async fn redeem_some(
    services: &Arc<Services>,
    codes: &[(usize, String)],
    key: &str,
    concurrency: usize,
) -> anyhow::Result<usize> {
    let codes = Arc::new(codes.to_vec());
    let next = Arc::new(AtomicUsize::new(0));
    let ok = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (services, codes, next, ok, key) = (
            services.clone(),
            codes.clone(),
            next.clone(),
            ok.clone(),
            key.to_owned(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((fan, code)) = codes.get(i) else {
                    break;
                };
                if services
                    .redeem(code, &format!("113-{fan:07}-{i:07}"), &key)
                    .await
                {
                    ok.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for task in tasks {
        task.await.context("a redemption task panicked")?;
    }
    Ok(ok.load(Ordering::Relaxed))
}

/// The code each follower got, and any follower who got two different codes.
fn check_asks(asks: &[Ask]) -> (HashMap<usize, String>, Vec<String>) {
    let mut holders: HashMap<usize, String> = HashMap::new();
    let mut violations = Vec::new();
    let mut changed = 0;
    let mut unexpected: HashMap<String, usize> = HashMap::new();
    for ask in asks {
        match &ask.answer {
            Ok(code) => {
                if let Some(first) = holders.get(&ask.fan) {
                    if first != code {
                        changed += 1;
                    }
                } else {
                    holders.insert(ask.fan, code.clone());
                }
            }
            Err(reason) if matches!(reason.as_str(), "sold_out" | "quota_reached") => {}
            Err(reason) => {
                *unexpected
                    .entry(format!("{} {reason}", ask.status))
                    .or_default() += 1
            }
        }
    }
    if changed > 0 {
        violations.push(format!(
            "{changed} repeated claim(s) returned a different code"
        ));
    }
    let mut holder_codes = HashSet::new();
    for code in holders.values().filter(|c| !sample::is_group_code(c)) {
        if !holder_codes.insert(code) {
            violations.push("two followers were handed the same code".to_owned());
            break;
        }
    }
    for (what, n) in unexpected {
        violations.push(format!("{n} claim(s) answered {what}"));
    }
    (holders, violations)
}

/// The store's audit plus the demo's own expectations.
async fn check_store(
    store: &Store,
    id: &CampaignId,
    crowd: &[Fan],
    holders: &HashMap<usize, String>,
    redeemed: usize,
    stats: &promo_store::admin::CampaignStats,
) -> anyhow::Result<Vec<String>> {
    let mut v = store.audit().await.context("auditing the table")?;
    let records = store.records().await?;
    let claims = records.claims.iter().filter(|c| &c.campaign == id).count() as u32;
    if stats.claims != claims {
        v.push(format!(
            "per-influencer claims add up to {} but there are {claims} claim records",
            stats.claims
        ));
    }
    if holders.len() as u32 != claims {
        v.push(format!(
            "{} followers hold a code but there are {claims} claim records",
            holders.len()
        ));
    }
    if stats.redemptions as usize != redeemed {
        v.push(format!(
            "{} redemptions succeeded but {} are recorded",
            redeemed, stats.redemptions
        ));
    }
    // Lanes are separate pools, so each issues exactly min(its demand, its codes).
    let mut expected = 0;
    let mut backed_total = 0;
    for inf in store.list_influencers(id).await? {
        let row = stats.influencers.iter().find(|r| r.influencer == inf.id);
        let got = row.map_or(0, |r| r.claims);
        if let Some(q) = inf.quota.filter(|q| got > *q) {
            v.push(format!(
                "influencer {} has {got} claims over a quota of {q}",
                inf.id
            ));
        }
        let demand = crowd
            .iter()
            .filter(|f| f.influencer.as_ref() == Some(&inf.id))
            .count() as u32;
        expected += demand.min(inf.backed);
        backed_total += inf.backed;
    }
    let direct_demand = crowd.iter().filter(|f| f.influencer.is_none()).count() as u32;
    expected += direct_demand.min(stats.issuable.saturating_sub(backed_total));
    if claims != expected {
        v.push(format!(
            "{claims} codes issued, expected {expected} (every lane's codes or its demand)"
        ));
    }
    let left = stats.available_now + stats.available_later;
    if left != 0 {
        v.push(format!("{left} codes still available after the sweep"));
    }
    Ok(v)
}

fn print_performance(asks: &[Ask], took: Duration, cost: &MetricsSnapshot, new_claims: u32) {
    let mut times: Vec<Duration> = asks.iter().map(|a| a.took).collect();
    times.sort();
    let pct = |p: f64| {
        times
            .get(((times.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    let per_sec = asks.len() as f64 / took.as_secs_f64().max(1e-9);
    println!(
        "throughput: {} claim requests ({} new codes) in {:.2} s = {:.0} claims/s; latency p50 {:.1} ms, p99 {:.1} ms",
        asks.len(),
        new_claims,
        took.as_secs_f64(),
        per_sec,
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3
    );
    let requests = asks.len().max(1) as f64;
    let new = f64::from(new_claims.max(1));
    // Refusals and repeats cost reads too, so reads are counted per request, writes per new code.
    let dollars_per_million = (cost.write_units * WRITE_PRICE + cost.read_units * READ_PRICE) / new;
    println!(
        "DynamoDB cost: {:.2} round trips and {:.2} read units per claim request, {:.2} write units per new claim; \
         ${:.2} per million codes issued (on-demand prices, refusals and repeats included)",
        cost.round_trips as f64 / requests,
        cost.read_units / requests,
        cost.write_units / new,
        dollars_per_million
    );
}
