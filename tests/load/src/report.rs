//! The one table a run prints. Numbers only: never a code or a token.

use crate::drive::{Driven, Observation, Outcome};
use crate::plan::{Channel, FollowerPlan};
use crate::verify::Verdict;
use comfy_table::{Table, presets::ASCII_MARKDOWN};
use promo_testkit::proxy::Fault;
use std::time::Duration;

/// What a run measured.
#[derive(Debug)]
pub struct Report {
    /// The plan's followers.
    pub followers: usize,
    /// What was sent and answered.
    pub driven: Driven,
    /// The checks.
    pub verdict: Verdict,
    /// Faults injected, by kind.
    pub faults: Vec<(Fault, u64)>,
    /// DynamoDB requests the proxy saw.
    pub store_requests: u64,
    /// Followers per channel.
    pub per_channel: Vec<(Channel, usize)>,
    /// Transaction conflicts answered by contention emulation (0 without `--contention`).
    pub contention_conflicts: u64,
}

/// The `p`-th percentile of `samples` in milliseconds (0 for none).
pub fn percentile_ms(samples: &mut [Duration], p: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i].as_secs_f64() * 1000.0
}

/// Followers per channel in `plan`.
pub fn per_channel(plan: &[FollowerPlan]) -> Vec<(Channel, usize)> {
    Channel::ALL
        .iter()
        .map(|c| (*c, plan.iter().filter(|f| f.channel == *c).count()))
        .collect()
}

fn count(obs: &[&Observation], pick: impl Fn(&Outcome) -> bool) -> usize {
    obs.iter().filter(|o| pick(&o.outcome)).count()
}

impl Report {
    /// The table.
    pub fn table(&self) -> Table {
        let mut t = Table::new();
        t.load_preset(ASCII_MARKDOWN);
        t.set_header(["measure", "API", "Discord", "Telegram", "all"]);
        let groups: Vec<Vec<&Observation>> = Channel::ALL
            .iter()
            .map(|c| {
                self.driven
                    .observations
                    .iter()
                    .filter(|o| o.channel == *c)
                    .collect()
            })
            .chain(std::iter::once(
                self.driven.observations.iter().collect::<Vec<_>>(),
            ))
            .collect();
        let row = |name: &str, f: &dyn Fn(&[&Observation]) -> String| {
            let mut cells = vec![name.to_owned()];
            cells.extend(groups.iter().map(|g| f(g)));
            cells
        };
        let mut followers: Vec<String> = vec!["followers".into()];
        followers.extend(self.per_channel.iter().map(|(_, n)| n.to_string()));
        followers.push(self.followers.to_string());
        t.add_row(followers);
        t.add_row(row("requests (with redeliveries, retries)", &|g| {
            g.len().to_string()
        }));
        t.add_row(row("answered with a code / handled", &|g| {
            count(g, |o| matches!(o, Outcome::Code(_) | Outcome::Answered)).to_string()
        }));
        t.add_row(row("deferred, finished by follow-up", &|g| {
            count(g, |o| matches!(o, Outcome::Deferred)).to_string()
        }));
        t.add_row(row("refused (sold out, quota)", &|g| {
            count(g, |o| matches!(o, Outcome::Refused(_))).to_string()
        }));
        t.add_row(row("duplicates recognised", &|g| {
            count(g, |o| matches!(o, Outcome::Duplicate)).to_string()
        }));
        t.add_row(row("failed (5xx, retried by the caller)", &|g| {
            count(g, |o| matches!(o, Outcome::Failed(_))).to_string()
        }));
        t.add_row(row("p50 ms", &|g| {
            let mut l: Vec<Duration> = g.iter().map(|o| o.latency).collect();
            format!("{:.1}", percentile_ms(&mut l, 0.5))
        }));
        t.add_row(row("p99 ms", &|g| {
            let mut l: Vec<Duration> = g.iter().map(|o| o.latency).collect();
            format!("{:.1}", percentile_ms(&mut l, 0.99))
        }));
        let all = |name: String, value: String| vec![name, "".into(), "".into(), "".into(), value];
        let secs = self.driven.elapsed.as_secs_f64();
        t.add_row(all(
            "requests/s".into(),
            format!(
                "{:.0}",
                self.driven.observations.len() as f64 / secs.max(1e-9)
            ),
        ));
        t.add_row(all(
            "codes issued / pool".into(),
            format!("{} / {}", self.verdict.issued, self.verdict.pool),
        ));
        t.add_row(all(
            "followers shown their code".into(),
            self.verdict.shown.to_string(),
        ));
        t.add_row(all(
            "followers holding a code never shown (ask again)".into(),
            self.verdict.held_unseen.to_string(),
        ));
        t.add_row(all(
            "DynamoDB requests".into(),
            self.store_requests.to_string(),
        ));
        for (fault, n) in &self.faults {
            t.add_row(all(format!("faults: {}", fault.name()), n.to_string()));
        }
        t.add_row(all(
            "conflicts between concurrent writers (--contention)".into(),
            self.contention_conflicts.to_string(),
        ));
        t.add_row(all(
            "followers skipped (time limit)".into(),
            self.driven.skipped.to_string(),
        ));
        t.add_row(all("elapsed s".into(), format!("{secs:.1}")));
        t.add_row(all(
            "invariant violations".into(),
            self.verdict.violations.len().to_string(),
        ));
        t
    }
}
