//! The bot's configuration, read from the environment once per process.

use promo_core::LinkKey;
use secrecy::SecretString;
use serenity::interactions_endpoint::Verifier;
use std::fmt;
use std::time::Duration;

/// The application's Ed25519 public key, hex (from the developer portal).
pub const PUBLIC_KEY_ENV: &str = "PROMO_DISCORD_PUBLIC_KEY";
/// The application id.
pub const APP_ID_ENV: &str = "PROMO_DISCORD_APP_ID";
/// The bot token (needed to register commands; follow-ups use interaction tokens).
pub const TOKEN_ENV: &str = "PROMO_DISCORD_TOKEN";
/// Another Discord API base, e.g. `http://127.0.0.1:3000` in tests (default `https://discord.com`).
pub const API_URL_ENV: &str = "PROMO_DISCORD_API_URL";
/// The secret that signs claim buttons (shared with the Telegram deep links).
pub const LINK_SECRET_ENV: &str = "PROMO_LINK_SECRET";
/// How long a claim may run before the bot answers "deferred" and finishes with a follow-up, in
/// milliseconds (default [`DEFAULT_BUDGET`]).
pub const BUDGET_ENV: &str = "PROMO_DISCORD_BUDGET_MS";

/// The default time budget: well inside Discord's 3 seconds, with room for a cold start and
/// the network.
pub const DEFAULT_BUDGET: Duration = Duration::from_millis(2000);

/// Why the configuration could not be built. Messages name the variable, never its value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is not set.
    #[error("{0} is not set")]
    Missing(&'static str),
    /// A variable is set to something unusable.
    #[error("{0} is invalid: {1}")]
    Invalid(&'static str, &'static str),
}

/// Everything the bot needs to know about its Discord application.
#[derive(Clone)]
pub struct DiscordConfig {
    /// Checks request signatures with the application's public key.
    pub verifier: Verifier,
    /// The application id.
    pub app_id: u64,
    /// The bot token, if configured; hand it to the one client that needs it, never to a log.
    pub token: Option<SecretString>,
    /// The API base the bot calls (`None`: Discord itself).
    pub api_url: Option<String>,
    /// Signs and verifies claim buttons.
    pub link_key: LinkKey,
    /// How long a claim may run before the reply is deferred.
    pub budget: Duration,
}

// By hand only because serenity's `Verifier` has no `Debug` (it holds the public key, no
// secret); the token and the link key hide themselves.
impl fmt::Debug for DiscordConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiscordConfig")
            .field("app_id", &self.app_id)
            .field("token", &self.token)
            .field("api_url", &self.api_url)
            .field("link_key", &self.link_key)
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

impl DiscordConfig {
    /// Builds a configuration from its parts: a hex public key, the application id, and the
    /// link secret.
    pub fn new(public_key_hex: &str, app_id: u64, link_secret: &[u8]) -> Result<Self, ConfigError> {
        Ok(Self {
            verifier: verifier(public_key_hex)?,
            app_id,
            token: None,
            api_url: None,
            link_key: LinkKey::new(link_secret)
                .map_err(|_| ConfigError::Invalid(LINK_SECRET_ENV, "must be at least 16 bytes"))?,
            budget: DEFAULT_BUDGET,
        })
    }

    /// Reads the configuration from the environment (see the `*_ENV` constants).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `var` (the environment, or the secrets on Lambda).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let key = get(PUBLIC_KEY_ENV).ok_or(ConfigError::Missing(PUBLIC_KEY_ENV))?;
        let app_id = get(APP_ID_ENV)
            .ok_or(ConfigError::Missing(APP_ID_ENV))?
            .trim()
            .parse()
            .map_err(|_| ConfigError::Invalid(APP_ID_ENV, "must be the numeric application id"))?;
        let secret = get(LINK_SECRET_ENV).ok_or(ConfigError::Missing(LINK_SECRET_ENV))?;
        let mut config = Self::new(key.trim(), app_id, secret.trim().as_bytes())?;
        config.token = get(TOKEN_ENV).map(|t| SecretString::from(t.trim()));
        config.api_url = get(API_URL_ENV).map(|u| u.trim().trim_end_matches('/').to_owned());
        if let Some(ms) = get(BUDGET_ENV) {
            let ms: u64 = ms
                .trim()
                .parse()
                .map_err(|_| ConfigError::Invalid(BUDGET_ENV, "must be milliseconds"))?;
            config.budget = Duration::from_millis(ms);
        }
        Ok(config)
    }
}

fn verifier(hex_key: &str) -> Result<Verifier, ConfigError> {
    let bytes: [u8; 32] = hex::decode(hex_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(ConfigError::Invalid(
            PUBLIC_KEY_ENV,
            "must be 64 hex digits",
        ))?;
    Verifier::try_new(bytes)
        .map_err(|_| ConfigError::Invalid(PUBLIC_KEY_ENV, "is not an Ed25519 public key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_token_and_the_link_secret() {
        let mut c = DiscordConfig::new(&"00".repeat(32), 1, b"0123456789abcdef-secret")
            .or_else(|_| DiscordConfig::new(&hex::encode([1u8; 32]), 1, b"0123456789abcdef-secret"))
            .expect("config");
        c.token = Some(SecretString::from("very-secret-token"));
        let shown = format!("{c:?}");
        assert!(!shown.contains("very-secret-token"), "{shown}");
        assert!(!shown.contains("0123456789abcdef"), "{shown}");
    }

    #[test]
    fn bad_keys_are_refused() {
        assert!(DiscordConfig::new("zz", 1, b"0123456789abcdef").is_err());
        assert!(DiscordConfig::new(&"ab".repeat(31), 1, b"0123456789abcdef").is_err());
        assert!(DiscordConfig::new(&hex::encode([1u8; 32]), 1, b"short").is_err());
    }
}
