//! Secrets: the seller API key, the link-signing secret and the bot tokens.
//!
//! On AWS they live in one Secrets Manager secret (a JSON object of `NAME: value`), named by
//! `PROMO_SECRET_ID`; a function reads it once at start-up and keeps it for its lifetime, so no
//! secret is ever in a function's environment. On one machine (no `PROMO_SECRET_ID`) the same
//! names are read from the environment. A name missing from the secret (or empty in it) falls
//! back to the environment too.

use std::collections::HashMap;
use std::fmt;

/// The environment variable naming the Secrets Manager secret.
pub const SECRET_ID_ENV: &str = "PROMO_SECRET_ID";

/// Secret values by name (`PROMO_API_KEY`, `PROMO_TELEGRAM_TOKEN`, ...). Debug shows names only.
#[derive(Clone, Default)]
pub struct Secrets {
    values: HashMap<String, String>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<_> = self.values.keys().collect();
        names.sort();
        f.debug_struct("Secrets").field("names", &names).finish()
    }
}

/// Why the secrets could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// Secrets Manager refused or failed (the message names the error, never a value).
    #[error("reading secret {id}: {message}")]
    Fetch {
        /// The secret id.
        id: String,
        /// What went wrong.
        message: String,
    },
    /// The secret is not a JSON object of strings.
    #[error("secret {0} is not a JSON object of strings")]
    Shape(String),
}

impl Secrets {
    /// Secrets from a JSON object of strings (the secret's format).
    pub fn from_json(id: &str, json: &str) -> Result<Self, SecretsError> {
        let values: HashMap<String, String> =
            serde_json::from_str(json).map_err(|_| SecretsError::Shape(id.to_owned()))?;
        Ok(Self { values })
    }

    /// Loads the secret named by `PROMO_SECRET_ID` with the standard AWS configuration, or
    /// nothing (environment only) when it is not set.
    pub async fn load() -> Result<Self, SecretsError> {
        let Ok(id) = std::env::var(SECRET_ID_ENV) else {
            return Ok(Self::default());
        };
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let client = aws_sdk_secretsmanager::Client::new(&config);
        let out = client
            .get_secret_value()
            .secret_id(&id)
            .send()
            .await
            .map_err(|e| SecretsError::Fetch {
                id: id.clone(),
                message: aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string(),
            })?;
        let json = out
            .secret_string()
            .ok_or_else(|| SecretsError::Shape(id.clone()))?;
        Self::from_json(&id, json)
    }

    /// The value of `name`: from the secret when present and non-empty, else the environment.
    pub fn get(&self, name: &str) -> Option<String> {
        self.values
            .get(name)
            .filter(|v| !v.trim().is_empty())
            .cloned()
            .or_else(|| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_from_the_secret_and_debug_shows_names_only() {
        let s = Secrets::from_json("x", r#"{"PROMO_API_KEY":"k-123","EMPTY":""}"#).expect("json");
        assert_eq!(s.get("PROMO_API_KEY").as_deref(), Some("k-123"));
        assert_eq!(s.get("PROMO_NOT_SET_ANYWHERE_42"), None);
        assert_eq!(s.get("EMPTY"), None);
        assert!(!format!("{s:?}").contains("k-123"));
    }

    #[test]
    fn a_secret_that_is_not_an_object_of_strings_is_refused() {
        assert!(Secrets::from_json("x", "[1]").is_err());
        assert!(Secrets::from_json("x", r#"{"a":1}"#).is_err());
    }
}
