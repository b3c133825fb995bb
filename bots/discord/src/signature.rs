//! The first thing every request meets: Discord's Ed25519 signature over timestamp + raw body.

use lambda_http::http::HeaderMap;
use serenity::interactions_endpoint::Verifier;

/// The signature header (hex).
pub const SIGNATURE_HEADER: &str = "x-signature-ed25519";
/// The timestamp header, signed together with the body.
pub const TIMESTAMP_HEADER: &str = "x-signature-timestamp";

/// Why a request was turned away before anything was processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    /// A header is missing, not text or not hex, or the signature does not match.
    #[error("invalid request signature")]
    BadSignature,
}

/// Checks the request's signature over its body. Nothing else may read the request before this
/// succeeds. (The body's size was bounded by the route: [`promo_api::BodyClass::Webhook`].)
pub fn verify(verifier: &Verifier, headers: &HeaderMap, body: &[u8]) -> Result<(), Rejected> {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .ok_or(Rejected::BadSignature)
    };
    let signature = header(SIGNATURE_HEADER)?;
    let timestamp = header(TIMESTAMP_HEADER)?;
    // An Ed25519 signature is 64 bytes: 128 hex digits, nothing else.
    if signature.len() != 128 || timestamp.is_empty() {
        return Err(Rejected::BadSignature);
    }
    verifier
        .verify(signature, timestamp, body)
        .map_err(|()| Rejected::BadSignature)
}
