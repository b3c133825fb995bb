//! The seller's API key and its constant-time check.

use crate::ApiError;
use lambda_http::http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

/// The environment variable holding the API key.
pub const API_KEY_ENV: &str = "PROMO_API_KEY";

/// The request header carrying the API key.
pub const API_KEY_HEADER: &str = "x-api-key";

/// Why an API key could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiKeyError {
    /// `PROMO_API_KEY` is not set (or not valid UTF-8).
    #[error("{API_KEY_ENV} is not set")]
    Missing,
    /// The key is empty or only spaces.
    #[error("the API key is empty")]
    Empty,
    /// The key is shorter than [`ApiKey::MIN_LEN`] characters: guessable.
    #[error("the API key must be at least {} characters long", ApiKey::MIN_LEN)]
    TooShort,
}

/// The seller's API key, at least [`ApiKey::MIN_LEN`] characters. Its `Debug` form hides the key.
#[derive(Debug, Clone)]
pub struct ApiKey(SecretString);

impl ApiKey {
    /// The shortest key accepted, in characters.
    pub const MIN_LEN: usize = 16;

    /// Wraps the seller's key (surrounding spaces are trimmed, as a pasted key often has them);
    /// refuses one shorter than [`Self::MIN_LEN`] characters.
    pub fn new(key: &str) -> Result<Self, ApiKeyError> {
        let key = key.trim();
        if key.is_empty() {
            return Err(ApiKeyError::Empty);
        }
        if key.chars().count() < Self::MIN_LEN {
            return Err(ApiKeyError::TooShort);
        }
        Ok(Self(SecretString::from(key)))
    }

    /// Reads the key from `PROMO_API_KEY`.
    pub fn from_env() -> Result<Self, ApiKeyError> {
        let key = std::env::var(API_KEY_ENV).map_err(|_| ApiKeyError::Missing)?;
        Self::new(&key)
    }

    /// Reads `PROMO_API_KEY` from the secrets (which fall back to the environment).
    pub fn from_secrets(secrets: &crate::Secrets) -> Result<Self, ApiKeyError> {
        Self::new(&secrets.get(API_KEY_ENV).ok_or(ApiKeyError::Missing)?)
    }

    /// Accepts a request whose `x-api-key` header equals the key, compared in constant time;
    /// refuses a missing or wrong key with [`ApiError::Unauthorized`].
    pub fn check(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(given) = headers.get(API_KEY_HEADER) else {
            return Err(ApiError::Unauthorized);
        };
        let given = given.as_bytes().trim_ascii();
        if bool::from(given.ct_eq(self.0.expose_secret().as_bytes())) {
            Ok(())
        } else {
            Err(ApiError::Unauthorized)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http::HeaderValue;

    fn headers(key: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(k) = key {
            h.insert(
                API_KEY_HEADER,
                HeaderValue::from_str(k).expect("header value"),
            );
        }
        h
    }

    #[test]
    fn only_the_exact_key_passes() {
        let key = ApiKey::new(" secret-key-0123456 ").expect("key");
        assert!(key.check(&headers(Some("secret-key-0123456"))).is_ok());
        assert!(matches!(
            key.check(&headers(None)),
            Err(ApiError::Unauthorized)
        ));
        assert!(matches!(
            key.check(&headers(Some("secret-key-0123457"))),
            Err(ApiError::Unauthorized)
        ));
        assert!(matches!(
            key.check(&headers(Some("secret"))),
            Err(ApiError::Unauthorized)
        ));
        assert!(matches!(
            key.check(&headers(Some(""))),
            Err(ApiError::Unauthorized)
        ));
    }

    #[test]
    fn empty_keys_are_refused_and_never_shown() {
        assert_eq!(ApiKey::new("  ").err(), Some(ApiKeyError::Empty));
        assert_eq!(
            ApiKey::new("fifteen-chars-k").err(),
            Some(ApiKeyError::TooShort)
        );
        assert!(ApiKey::new("sixteen-chars-ke").is_ok());
        let key = ApiKey::new("secret-key-0123456").expect("key");
        assert!(!format!("{key:?}").contains("secret"));
    }
}
