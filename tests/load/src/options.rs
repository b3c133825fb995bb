//! What one load run does: how many followers, how hard, how faulty, for how long.

use clap::Args;
use std::time::Duration;

/// The knobs of a run. Every run is bounded: by `followers` (each asks a few times at most) and
/// by `time_limit` (no new follower starts after it; those in flight finish).
#[derive(Debug, Clone, Args)]
pub struct LoadOptions {
    /// Distinct followers, spread evenly over the API, Discord and Telegram.
    #[arg(long, default_value_t = 600)]
    pub followers: usize,
    /// Followers served at the same time.
    #[arg(long, default_value_t = 48)]
    pub concurrency: usize,
    /// Codes in the pool; by default three quarters of the followers, so the pool and the
    /// quotas run out and refusals are exercised too.
    #[arg(long)]
    pub codes: Option<usize>,
    /// Share of followers (0 to 1) who ask again, one to three more times.
    #[arg(long, default_value_t = 0.3)]
    pub repeat_share: f64,
    /// Share of requests (0 to 1) the platform delivers twice at once (same interaction id,
    /// same `update_id`, same API request).
    #[arg(long, default_value_t = 0.2)]
    pub redelivery_share: f64,
    /// Share of DynamoDB calls (0 to 1) that meet a fault, spread evenly over transaction
    /// conflicts, throttling, 5xx, time-outs and committed-but-reply-lost.
    #[arg(long, default_value_t = 0.1)]
    pub fault_rate: f64,
    /// Seconds after which no new follower starts.
    #[arg(long, default_value_t = 120)]
    pub time_limit_secs: u64,
    /// Emulate DynamoDB's transaction conflicts between concurrent writers of one item (the
    /// embedded engine serializes every write and never reports them).
    #[arg(long)]
    pub contention: bool,
    /// Seed of the follower plan.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// The pool is one group code with `--codes` uses instead of single-use codes.
    #[arg(long)]
    pub group: bool,
}

impl LoadOptions {
    /// The pool size.
    pub fn pool(&self) -> usize {
        self.codes.unwrap_or(self.followers * 3 / 4).max(1)
    }

    /// The time limit.
    pub fn time_limit(&self) -> Duration {
        Duration::from_secs(self.time_limit_secs)
    }

    /// Checks the ranges clap cannot express.
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [
            ("repeat-share", self.repeat_share),
            ("redelivery-share", self.redelivery_share),
            ("fault-rate", self.fault_rate),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("--{name} must be between 0 and 1"));
            }
        }
        if self.followers == 0 || self.followers > 100_000 {
            return Err("--followers must be 1 to 100000".into());
        }
        if self.concurrency == 0 || self.concurrency > 1_024 {
            return Err("--concurrency must be 1 to 1024".into());
        }
        if self.time_limit_secs == 0 || self.time_limit_secs > 3_600 {
            return Err("--time-limit-secs must be 1 to 3600".into());
        }
        Ok(())
    }
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            followers: 600,
            concurrency: 48,
            codes: None,
            repeat_share: 0.3,
            redelivery_share: 0.2,
            fault_rate: 0.1,
            time_limit_secs: 120,
            contention: false,
            seed: 7,
            group: false,
        }
    }
}
