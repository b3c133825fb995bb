//! Helpers shared by the CLI tests: running the built `promo` binary.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The built binary.
pub const PROMO: &str = env!("CARGO_BIN_EXE_promo");

/// Runs `promo --data <data> args...` with no AWS table configured.
pub fn promo(data: &Path, args: &[&str]) -> Output {
    Command::new(PROMO)
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("PROMO_TABLE")
        .env_remove("PROMO_API_KEY")
        .output()
        .expect("running promo")
}

/// stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs and asserts success, returning stdout.
pub fn ok(data: &Path, args: &[&str]) -> String {
    let out = promo(data, args);
    assert!(
        out.status.success(),
        "promo {args:?} failed:\n{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// True when `text` holds a token shaped like an Amazon claim code:
/// `[0-9A-Z]{4}-[0-9A-Z]{6}-[0-9A-Z]{6}`.
pub fn has_amazon_code(text: &str) -> bool {
    let b = text.as_bytes();
    let alnum = |c: u8| c.is_ascii_digit() || c.is_ascii_uppercase();
    let shape = [4usize, 6, 6];
    (0..b.len()).any(|start| {
        let mut i = start;
        for (g, len) in shape.iter().enumerate() {
            if g > 0 {
                if b.get(i) != Some(&b'-') {
                    return false;
                }
                i += 1;
            }
            if i + len > b.len() || !b[i..i + len].iter().all(|c| alnum(*c)) {
                return false;
            }
            i += len;
        }
        true
    })
}

/// The `stats --json` numbers of a campaign.
pub fn stats(data: &Path, campaign: &str) -> serde_json::Value {
    serde_json::from_str(&ok(data, &["stats", campaign, "--json"])).expect("stats JSON")
}
