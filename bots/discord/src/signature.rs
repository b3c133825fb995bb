//! The first thing every request meets: Discord's Ed25519 signature over timestamp + raw body,
//! and the signed timestamp's age, so a captured request cannot be replayed later.

use lambda_http::http::HeaderMap;
use serenity::interactions_endpoint::Verifier;
use std::time::{SystemTime, UNIX_EPOCH};

/// The signature header (hex).
pub const SIGNATURE_HEADER: &str = "x-signature-ed25519";
/// The timestamp header (Unix seconds), signed together with the body.
pub const TIMESTAMP_HEADER: &str = "x-signature-timestamp";
/// The oldest signed timestamp accepted, in seconds before now: 5 minutes. Discord sends an
/// interaction at once; anything older is a replay (or a queue that missed the 3-second
/// deadline anyway).
pub const MAX_AGE_SECS: u64 = 300;
/// How far in the future a signed timestamp may be, in seconds: clock skew between Discord and
/// this host, nothing more.
pub const MAX_SKEW_SECS: u64 = 60;
/// The longest timestamp header accepted: Unix seconds have 10 digits until the year 2286.
const MAX_TIMESTAMP_DIGITS: usize = 12;

/// Why a request was turned away before anything was processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    /// A header is missing, not text or not hex, the signature does not match, or the signed
    /// timestamp is not decimal Unix seconds within [`MAX_AGE_SECS`] before and
    /// [`MAX_SKEW_SECS`] after now. All of these are one answer (401): a sender learns nothing
    /// about which check failed.
    #[error("invalid request signature")]
    BadSignature,
}

/// Checks the request's signature over its body and its timestamp against this host's clock.
/// Nothing else may read the request before this succeeds. (The body's size was bounded by the
/// route: [`promo_api::BodyClass::Webhook`].)
pub fn verify(verifier: &Verifier, headers: &HeaderMap, body: &[u8]) -> Result<(), Rejected> {
    verify_at(verifier, headers, body, unix_now())
}

/// [`verify`] with `now` in Unix seconds (tests set the clock).
pub fn verify_at(
    verifier: &Verifier,
    headers: &HeaderMap,
    body: &[u8],
    now: u64,
) -> Result<(), Rejected> {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .ok_or(Rejected::BadSignature)
    };
    let signature = header(SIGNATURE_HEADER)?;
    let timestamp = header(TIMESTAMP_HEADER)?;
    // An Ed25519 signature is 64 bytes: 128 hex digits, nothing else.
    if signature.len() != 128 {
        return Err(Rejected::BadSignature);
    }
    let sent = unix_seconds(timestamp).ok_or(Rejected::BadSignature)?;
    verifier
        .verify(signature, timestamp, body)
        .map_err(|()| Rejected::BadSignature)?;
    // Checked after the signature, so the window applies to what Discord signed.
    if !within_window(sent, now) {
        tracing::info!("refused a signed interaction outside the timestamp window");
        return Err(Rejected::BadSignature);
    }
    Ok(())
}

/// Whether a request signed at `sent` may be handled at `now` (both Unix seconds): at most
/// [`MAX_AGE_SECS`] old and at most [`MAX_SKEW_SECS`] ahead.
pub fn within_window(sent: u64, now: u64) -> bool {
    if sent <= now {
        now - sent <= MAX_AGE_SECS
    } else {
        sent - now <= MAX_SKEW_SECS
    }
}

/// The timestamp header as Unix seconds: ASCII digits only (no sign, space, exponent or other
/// script's digits), at most [`MAX_TIMESTAMP_DIGITS`] of them.
fn unix_seconds(header: &str) -> Option<u64> {
    if header.is_empty()
        || header.len() > MAX_TIMESTAMP_DIGITS
        || !header.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    header.parse().ok()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_five_minutes_back_and_one_minute_ahead() {
        let now = 1_800_000_000;
        assert!(within_window(now, now));
        assert!(within_window(now - MAX_AGE_SECS, now));
        assert!(!within_window(now - MAX_AGE_SECS - 1, now));
        assert!(within_window(now + MAX_SKEW_SECS, now));
        assert!(!within_window(now + MAX_SKEW_SECS + 1, now));
        assert!(!within_window(0, now));
        assert!(!within_window(u64::MAX, now));
        assert!(!within_window(now, 0));
    }

    #[test]
    fn only_plain_decimal_seconds_are_a_timestamp() {
        assert_eq!(unix_seconds("1800000000"), Some(1_800_000_000));
        assert_eq!(unix_seconds("0"), Some(0));
        for bad in [
            "",
            " 1800000000",
            "1800000000 ",
            "+1800000000",
            "-1800000000",
            "1.8e9",
            "1800000000.5",
            "0x6b49d200",
            "١٨٠٠٠٠٠٠٠٠",
            "１８００",
            "9999999999999",
            "18446744073709551616",
            "abc",
        ] {
            assert_eq!(unix_seconds(bad), None, "{bad:?}");
        }
    }
}
