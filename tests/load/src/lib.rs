//! Proof under load and faults: claims through the real API, Discord and Telegram handlers,
//! many followers at once, repeats and redeliveries, with DynamoDB's faults injected between the
//! store and the engine; then every invariant of the product checked against the table, and
//! every follower's shown code against the one they hold.
//!
//! ```text
//! cargo run -p promo-load -- --followers 600 --concurrency 48 --fault-rate 0.1
//! ```
//!
//! Loopback only; bounded by the follower count and a time limit.

pub mod drive;
pub mod logs;
pub mod options;
pub mod plan;
pub mod platforms;
pub mod report;
pub mod verify;
pub mod world;

pub use options::LoadOptions;
pub use report::Report;

use anyhow::Result;
use std::time::Instant;

/// Runs one bounded load: sets up, drives every follower, stops the faults, checks.
pub async fn run(options: &LoadOptions) -> Result<Report> {
    options.validate().map_err(anyhow::Error::msg)?;
    logs::capture();
    let world = world::World::start(options).await?;
    let plan = plan::plan(options);
    let deadline = Instant::now() + options.time_limit();
    world.faults_on();
    let driven = drive::drive(&world, &plan, options.concurrency, deadline).await;
    world.faults_off();
    let verdict = verify::verify(&world, &plan, &driven.observations, &logs::text()).await?;
    Ok(Report {
        followers: plan.len(),
        per_channel: report::per_channel(&plan),
        faults: world.faults.counts(),
        store_requests: world.proxy.requests(),
        contention_conflicts: world.proxy.contention_conflicts(),
        driven,
        verdict,
    })
}
