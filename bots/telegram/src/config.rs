//! The bot's configuration: its token, the webhook's secret token, its username (for deep
//! links), an optional Bot API server, and the key that signs deep-link payloads.
//!
//! The token and the secret never appear in a `Debug` form or a log line.

use promo_core::LinkKey;
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use teloxide::Bot;

/// The bot token from @BotFather.
pub const TOKEN_ENV: &str = "PROMO_TELEGRAM_TOKEN";
/// The webhook's secret token (`X-Telegram-Bot-Api-Secret-Token`).
pub const SECRET_ENV: &str = "PROMO_TELEGRAM_SECRET";
/// The bot's username, without `@`.
pub const BOT_ENV: &str = "PROMO_TELEGRAM_BOT";
/// Another Bot API server (tests, a self-hosted `telegram-bot-api`).
pub const API_URL_ENV: &str = "PROMO_TELEGRAM_API_URL";
/// The secret that signs deep-link payloads (at least 16 bytes).
pub const LINK_SECRET_ENV: &str = "PROMO_LINK_SECRET";
/// The public base URL of the dashboards (optional): with it, `/links` gives an influencer a
/// fresh dashboard link.
pub const PUBLIC_URL_ENV: &str = "PROMO_PUBLIC_URL";

/// Why the configuration could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is not set.
    #[error("{0} is not set")]
    Missing(&'static str),
    /// A variable is set to something unusable; the message says why (never the value).
    #[error("{0} {1}")]
    Invalid(&'static str, &'static str),
}

/// The bot token. Its `Debug` form hides it; [`ExposeSecret`] hands it to the Bot API client.
#[derive(Debug, Clone)]
pub struct BotToken(SecretString);

impl BotToken {
    /// Wraps a token (`<digits>:<secret>`, surrounding spaces trimmed).
    pub fn new(token: &str) -> Result<Self, ConfigError> {
        let token = token.trim();
        let valid = token.split_once(':').is_some_and(|(id, rest)| {
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty()
        }) && !token.contains(char::is_whitespace);
        if !valid {
            return Err(ConfigError::Invalid(TOKEN_ENV, "is not a bot token"));
        }
        Ok(Self(SecretString::from(token)))
    }
}

impl ExposeSecret<str> for BotToken {
    /// The token, for the Bot API client only.
    fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

/// The webhook's secret token: 1 to 256 characters of `A-Za-z0-9_-`, as Telegram requires.
/// Its `Debug` form hides it; [`ExposeSecret`] hands it to `setWebhook` or to the operator.
#[derive(Debug, Clone)]
pub struct WebhookSecret(SecretString);

impl WebhookSecret {
    /// Wraps a secret (surrounding spaces trimmed).
    pub fn new(secret: &str) -> Result<Self, ConfigError> {
        let secret = secret.trim();
        let valid = (1..=256).contains(&secret.len())
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid {
            return Err(ConfigError::Invalid(
                SECRET_ENV,
                "must be 1 to 256 characters of A-Za-z0-9_-",
            ));
        }
        Ok(Self(SecretString::from(secret)))
    }

    /// A fresh random secret: 48 characters from a CSPRNG (about 285 bits).
    pub fn generate() -> Self {
        let secret: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(48)
            .map(char::from)
            .collect();
        Self(SecretString::from(secret))
    }

    /// Whether `given` (a header's bytes) equals the secret, compared in constant time.
    pub fn matches(&self, given: &[u8]) -> bool {
        bool::from(given.ct_eq(self.0.expose_secret().as_bytes()))
    }
}

impl ExposeSecret<str> for WebhookSecret {
    /// The secret, to hand to `setWebhook` or print once for the operator.
    fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

/// Everything the bot needs to run.
#[derive(Debug, Clone)]
pub struct TelegramConfig {
    /// The bot token.
    pub token: BotToken,
    /// The webhook's secret token; without one the webhook refuses every request (long polling
    /// needs none).
    pub secret: Option<WebhookSecret>,
    /// The bot's username without `@`, for `https://t.me/<username>` links.
    pub bot_username: String,
    /// Another Bot API server than `https://api.telegram.org`.
    pub api_url: Option<reqwest::Url>,
    /// The key that signs and verifies deep-link payloads.
    pub link_key: LinkKey,
    /// Where the dashboards are served, if known.
    pub public_url: Option<reqwest::Url>,
}

impl TelegramConfig {
    /// Reads [`TOKEN_ENV`], [`SECRET_ENV`] (optional), [`BOT_ENV`], [`API_URL_ENV`] (optional)
    /// and [`LINK_SECRET_ENV`] from the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `var` (a variable's value, or `None` when unset).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let set = |name: &'static str| var(name).filter(|v| !v.trim().is_empty());
        let token = BotToken::new(&set(TOKEN_ENV).ok_or(ConfigError::Missing(TOKEN_ENV))?)?;
        let secret = set(SECRET_ENV)
            .map(|s| WebhookSecret::new(&s))
            .transpose()?;
        let bot_username = bot_username(&set(BOT_ENV).ok_or(ConfigError::Missing(BOT_ENV))?)?;
        let api_url = set(API_URL_ENV).map(|u| api_url(&u)).transpose()?;
        let link = set(LINK_SECRET_ENV).ok_or(ConfigError::Missing(LINK_SECRET_ENV))?;
        let link_key = LinkKey::new(link.trim().as_bytes())
            .map_err(|_| ConfigError::Invalid(LINK_SECRET_ENV, "must be at least 16 bytes"))?;
        let public_url = set(PUBLIC_URL_ENV)
            .map(|u| http_url(PUBLIC_URL_ENV, &u))
            .transpose()?;
        Ok(Self {
            token,
            secret,
            bot_username,
            api_url,
            link_key,
            public_url,
        })
    }

    /// A Bot API client for this configuration.
    pub fn bot(&self) -> Bot {
        make_bot(&self.token, self.api_url.clone())
    }
}

/// A Bot API client from [`TOKEN_ENV`] and [`API_URL_ENV`] alone, for admin commands such as
/// `setWebhook` that need neither the username nor the link secret.
pub fn bot_from_env() -> Result<Bot, ConfigError> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let token = BotToken::new(&var(TOKEN_ENV).ok_or(ConfigError::Missing(TOKEN_ENV))?)?;
    let url = var(API_URL_ENV).map(|u| api_url(&u)).transpose()?;
    Ok(make_bot(&token, url))
}

fn make_bot(token: &BotToken, api_url: Option<reqwest::Url>) -> Bot {
    let bot = Bot::new(token.expose_secret());
    match api_url {
        Some(url) => bot.set_api_url(url),
        None => bot,
    }
}

/// A username as `t.me` links take it: without `@`, 5 to 32 characters of `A-Za-z0-9_`.
pub fn bot_username(raw: &str) -> Result<String, ConfigError> {
    let name = raw.trim().trim_start_matches('@');
    let valid = (5..=32).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !valid {
        return Err(ConfigError::Invalid(
            BOT_ENV,
            "must be the bot's username (5 to 32 characters of A-Za-z0-9_)",
        ));
    }
    Ok(name.to_owned())
}

fn api_url(raw: &str) -> Result<reqwest::Url, ConfigError> {
    http_url(API_URL_ENV, raw)
}

fn http_url(name: &'static str, raw: &str) -> Result<reqwest::Url, ConfigError> {
    let url =
        reqwest::Url::parse(raw.trim()).map_err(|_| ConfigError::Invalid(name, "is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(ConfigError::Invalid(name, "must be an http(s) URL"));
    }
    Ok(url)
}

/// Faults a test injects into a running bot, to prove that a panic never wedges a delivery or
/// stops long polling. Compiled only with the `test-hooks` feature (the crate's own tests turn
/// it on); a deployed bot has no such switch.
#[cfg(feature = "test-hooks")]
#[derive(Debug, Default)]
pub struct Faults {
    panic_updates: std::sync::Mutex<std::collections::HashMap<u32, u32>>,
    panic_polls: std::sync::atomic::AtomicU32,
}

#[cfg(feature = "test-hooks")]
impl Faults {
    /// Makes handling update `update_id` panic the next `times` times it is handled.
    pub fn panic_on_update(&self, update_id: u32, times: u32) {
        self.updates().insert(update_id, times);
    }

    /// Makes the long-polling loop panic the next `times` times it receives a batch, before
    /// it handles the batch.
    pub fn panic_polling(&self, times: u32) {
        self.panic_polls
            .store(times, std::sync::atomic::Ordering::SeqCst);
    }

    fn updates(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<u32, u32>> {
        self.panic_updates
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether this handling of `update_id` must panic (counting it down).
    pub(crate) fn take_update_panic(&self, update_id: u32) -> bool {
        let mut updates = self.updates();
        match updates.get_mut(&update_id) {
            Some(left) if *left > 0 => {
                *left -= 1;
                true
            }
            _ => false,
        }
    }

    /// Whether this batch must panic the polling loop (counting it down).
    pub(crate) fn take_poll_panic(&self) -> bool {
        use std::sync::atomic::Ordering;
        self.panic_polls
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const TOKEN: &str = "123456:ABC-secret-token";

    #[test]
    fn reads_a_full_configuration_and_hides_its_secrets() {
        let config = TelegramConfig::from_vars(vars(&[
            (TOKEN_ENV, TOKEN),
            (SECRET_ENV, "webhook_secret-1"),
            (BOT_ENV, "@promo_test_bot"),
            (API_URL_ENV, "http://127.0.0.1:9999/"),
            (LINK_SECRET_ENV, "0123456789abcdef-link"),
        ]))
        .expect("config");
        assert_eq!(config.bot_username, "promo_test_bot");
        assert!(
            config
                .secret
                .as_ref()
                .is_some_and(|s| s.matches(b"webhook_secret-1"))
        );
        let shown = format!("{config:?}");
        assert!(!shown.contains("ABC-secret"), "{shown}");
        assert!(!shown.contains("webhook_secret"), "{shown}");
        assert!(!shown.contains("0123456789abcdef"), "{shown}");
    }

    #[test]
    fn refuses_missing_and_malformed_values() {
        assert_eq!(
            TelegramConfig::from_vars(vars(&[])).err(),
            Some(ConfigError::Missing(TOKEN_ENV))
        );
        assert!(BotToken::new("no-colon").is_err());
        assert!(WebhookSecret::new("has space").is_err());
        assert!(WebhookSecret::new(&"x".repeat(257)).is_err());
        assert!(bot_username("ab").is_err());
        let short_link = TelegramConfig::from_vars(vars(&[
            (TOKEN_ENV, TOKEN),
            (BOT_ENV, "promo_test_bot"),
            (LINK_SECRET_ENV, "short"),
        ]));
        assert!(matches!(
            short_link,
            Err(ConfigError::Invalid(LINK_SECRET_ENV, _))
        ));
    }

    #[test]
    fn generated_secrets_are_valid_and_distinct() {
        let a = WebhookSecret::generate();
        let b = WebhookSecret::generate();
        assert!(WebhookSecret::new(a.expose_secret()).is_ok());
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert!(!a.matches(b.expose_secret().as_bytes()));
        assert!(!a.matches(b""));
    }
}
