//! Each Lambda binary's size on disk and its cold start: exec to the first poll of the Lambda
//! Runtime API's `/next`, with the store configured as on AWS.

use promo_testkit::lambda::{SharedEngine, spawn_lambda};
use promo_testkit::runtime_api::FakeRuntimeApi;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The Lambda binaries of the template.
pub const BINARIES: [&str; 6] = [
    "promo-issue",
    "promo-redeem",
    "promo-expire",
    "promo-stats",
    "promo-discord",
    "promo-telegram",
];

/// One binary's numbers.
pub struct Lambda {
    pub name: &'static str,
    /// Size in bytes, or `None` when not built.
    pub size: Option<u64>,
    /// Median cold start of three, or why there is none.
    pub cold_start: Result<Duration, String>,
}

/// The profile directory the bench runs from (`target/debug` under `--profile dev`).
pub fn profile_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("target/debug"))
}

/// Everything any of the binaries reads at start (placeholders; loopback only).
fn env() -> Vec<(&'static str, String)> {
    vec![
        ("PROMO_API_KEY", "bench-api-key-0123456789".into()),
        ("PROMO_LINK_SECRET", "bench-link-secret-0123456789".into()),
        (
            "PROMO_DISCORD_PUBLIC_KEY",
            hex::encode(
                ed25519_dalek::SigningKey::from_bytes(&[9u8; 32])
                    .verifying_key()
                    .to_bytes(),
            ),
        ),
        ("PROMO_DISCORD_APP_ID", "900000000000000001".into()),
        ("PROMO_DISCORD_API_URL", "http://127.0.0.1:9".into()),
        ("PROMO_TELEGRAM_TOKEN", "123456:BENCH-token".into()),
        ("PROMO_TELEGRAM_SECRET", "bench_webhook_secret-0123".into()),
        ("PROMO_TELEGRAM_BOT", "promo_bench_bot".into()),
        ("PROMO_TELEGRAM_API_URL", "http://127.0.0.1:9/".into()),
    ]
}

/// Measures every binary found in `dir`.
pub async fn measure(dir: &Path) -> Vec<Lambda> {
    let engine = SharedEngine::start().await;
    let vars = env();
    let extra: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut out = Vec::new();
    for name in BINARIES {
        let path = dir.join(name);
        let size = std::fs::metadata(&path).ok().map(|m| m.len());
        let cold_start = match (size, path.to_str()) {
            (Some(_), Some(p)) => cold_start(p, &engine, &extra).await,
            _ => Err("not built".to_owned()),
        };
        out.push(Lambda {
            name,
            size,
            cold_start,
        });
    }
    out
}

async fn cold_start(
    path: &str,
    engine: &SharedEngine,
    extra: &[(&str, &str)],
) -> Result<Duration, String> {
    let mut runs = Vec::new();
    for _ in 0..3 {
        let api = FakeRuntimeApi::start().await;
        api.mark();
        let mut child = spawn_lambda(path, &api, engine, extra);
        let ready = api.wait_ready(Duration::from_secs(10)).await;
        let _ = child.start_kill();
        let _ = child.wait().await;
        runs.push(ready.map_err(|e| e.to_string())?);
    }
    runs.sort();
    Ok(runs[1])
}
