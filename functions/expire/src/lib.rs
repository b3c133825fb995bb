//! The expire function: a scheduled sweep (EventBridge) that ends campaigns whose time is up and
//! retires the codes they left unissued. It accepts any JSON event, so a manual invoke works too.

pub mod alerts;
pub mod notify;

use lambda_runtime::{Diagnostic, LambdaEvent};
use promo_core::Timestamp;
use promo_store::claims::SweepReport;
use promo_store::{Store, StoreError};
use serde_json::Value;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The environment variable bounding the codes retired per sweep call.
pub const BATCH_ENV: &str = "PROMO_EXPIRE_BATCH";

/// Codes retired per sweep call when [`BATCH_ENV`] is not set.
pub const DEFAULT_BATCH: u32 = 500;

/// Time left unused before the Lambda deadline, so the function answers before it is killed.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(5);

/// Why a sweep failed.
#[derive(Debug, thiserror::Error)]
pub enum ExpireError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// [`BATCH_ENV`] is not a positive number.
    #[error("{BATCH_ENV} must be a positive number")]
    InvalidBatch,
}

impl From<ExpireError> for Diagnostic {
    fn from(err: ExpireError) -> Self {
        let error_type = match err {
            ExpireError::Store(_) => "ExpireError::Store",
            ExpireError::InvalidBatch => "ExpireError::InvalidBatch",
        };
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: err.to_string(),
        }
    }
}

/// Sweeps until nothing is left, `batch` codes per store call.
pub async fn run_sweep(
    store: &Store,
    now: Timestamp,
    batch: u32,
) -> Result<SweepReport, StoreError> {
    run_sweep_until(store, now, batch, None).await
}

/// Sweeps until nothing is left or `stop_at` has passed (checked between store calls), `batch`
/// codes per call. Stops as well when a call makes no progress (the index still lists codes that
/// are gone), leaving them for the next run. `more` in the report says whether work is left.
pub async fn run_sweep_until(
    store: &Store,
    now: Timestamp,
    batch: u32,
    stop_at: Option<Instant>,
) -> Result<SweepReport, StoreError> {
    let mut total = SweepReport::default();
    loop {
        let pass = store.expire_sweep(now, batch.max(1)).await?;
        total.campaigns_ended += pass.campaigns_ended;
        total.codes_retired += pass.codes_retired;
        total.campaigns_swept += pass.campaigns_swept;
        total.more = pass.more;
        let progressed = pass.codes_retired + pass.campaigns_ended + pass.campaigns_swept > 0;
        if !pass.more || !progressed || stop_at.is_some_and(|t| Instant::now() >= t) {
            return Ok(total);
        }
    }
}

/// Handles one invocation: sweeps with the batch from [`BATCH_ENV`] until done or until
/// [`DEADLINE_MARGIN`] before the invocation's deadline. The event's contents are not used.
pub async fn handle(store: &Store, event: LambdaEvent<Value>) -> Result<SweepReport, ExpireError> {
    let batch = batch_from_env()?;
    let stop_at = stop_at(event.context.deadline);
    if stop_at.is_some_and(|t| Instant::now() >= t) {
        tracing::warn!("too close to the deadline to sweep");
        return Ok(SweepReport {
            more: true,
            ..SweepReport::default()
        });
    }
    let now = Timestamp::now();
    let report = run_sweep_until(store, now, batch, stop_at).await?;
    if let Ok(stack) = std::env::var(STACK_ENV) {
        publish_stock(store, &stack, now).await?;
    }
    tracing::info!(
        campaigns_ended = report.campaigns_ended,
        codes_retired = report.codes_retired,
        campaigns_swept = report.campaigns_swept,
        more = report.more,
        "expire sweep done"
    );
    Ok(report)
}

/// The environment variable naming the stack; when set (on AWS), the sweep publishes each open
/// campaign's stock as the CloudWatch metric `promo/AvailableCodes`, which the template's
/// low-stock alarm watches.
pub const STACK_ENV: &str = "PROMO_STACK";

/// Prints one CloudWatch embedded-metric-format line per active campaign: its codes that can
/// still be issued (now or by the drip). The Lambda log pipeline turns each into a metric with
/// no API call.
pub async fn publish_stock(store: &Store, stack: &str, now: Timestamp) -> Result<(), StoreError> {
    for campaign in store.list_campaigns().await? {
        if campaign.status != promo_core::CampaignStatus::Active || campaign.ends_at <= now {
            continue;
        }
        let (ready, later) = store.stock(&campaign.id, now).await?;
        println!(
            "{}",
            stock_metric_line(stack, campaign.id.as_str(), ready + later, now)
        );
    }
    Ok(())
}

/// One EMF record of `AvailableCodes` for a campaign, with dimension sets `[Stack]` (the
/// alarm's) and `[Stack, Campaign]` (for a per-campaign graph).
pub fn stock_metric_line(stack: &str, campaign: &str, available: u32, now: Timestamp) -> String {
    serde_json::json!({
        "_aws": {
            "Timestamp": now.millis(),
            "CloudWatchMetrics": [{
                "Namespace": "promo",
                "Dimensions": [["Stack"], ["Stack", "Campaign"]],
                "Metrics": [{"Name": "AvailableCodes", "Unit": "Count"}],
            }],
        },
        "Stack": stack,
        "Campaign": campaign,
        "AvailableCodes": available,
    })
    .to_string()
}

/// The batch size from [`BATCH_ENV`], [`DEFAULT_BATCH`] when unset.
pub fn batch_from_env() -> Result<u32, ExpireError> {
    match std::env::var(BATCH_ENV) {
        Err(_) => Ok(DEFAULT_BATCH),
        Ok(v) => v
            .trim()
            .parse()
            .ok()
            .filter(|b| *b > 0)
            .ok_or(ExpireError::InvalidBatch),
    }
}

/// When to stop: [`DEADLINE_MARGIN`] before `deadline_ms` (ms since the epoch); `None` when the
/// deadline is unknown (0).
fn stop_at(deadline_ms: u64) -> Option<Instant> {
    if deadline_ms == 0 {
        return None;
    }
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let left =
        Duration::from_millis(deadline_ms.saturating_sub(now_ms)).saturating_sub(DEADLINE_MARGIN);
    Some(Instant::now() + left)
}
