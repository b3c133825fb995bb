//! The first thing every request meets: Discord's Ed25519 signature over timestamp + raw body.

use lambda_http::Request;
use serenity::interactions_endpoint::Verifier;

/// The signature header (hex).
pub const SIGNATURE_HEADER: &str = "x-signature-ed25519";
/// The timestamp header, signed together with the body.
pub const TIMESTAMP_HEADER: &str = "x-signature-timestamp";
/// The largest body accepted: 1 MiB. Interactions are a few KiB.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Why a request was turned away before anything was processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    /// A header is missing, not text or not hex, or the signature does not match.
    #[error("invalid request signature")]
    BadSignature,
    /// The body is over [`MAX_BODY_BYTES`].
    #[error("request body too large")]
    TooLarge,
}

/// Checks the request's signature and returns its body. Nothing else may read the request
/// before this succeeds.
pub fn verify<'r>(verifier: &Verifier, req: &'r Request) -> Result<&'r [u8], Rejected> {
    let body: &[u8] = req.body();
    if body.len() > MAX_BODY_BYTES {
        return Err(Rejected::TooLarge);
    }
    let header = |name| {
        req.headers()
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
        .map_err(|()| Rejected::BadSignature)?;
    Ok(body)
}
