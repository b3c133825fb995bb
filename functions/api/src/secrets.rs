//! Secrets: the seller API key, the link-signing secret and the bot tokens.
//!
//! On AWS they live in several Secrets Manager secrets, each a JSON object of `NAME: value`
//! (the template has one for the API key, one for the link secret, one for Telegram and one for
//! Discord), so that each function's IAM role names only the secrets it needs. A function is
//! given the ids of its secrets in `PROMO_SECRET_IDS` (comma-separated; `PROMO_SECRET_ID`, one
//! id, still works and is added to the list), reads each of them once at start-up, merges them,
//! and keeps the result for its lifetime, so no secret is ever in a function's environment. A
//! secret that is not listed is never read. On one machine (no id set) the same names are read
//! from the environment. A name missing from every secret (or empty in them) falls back to the
//! environment too.

use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::future::Future;

/// The environment variable listing the Secrets Manager secrets to read, comma-separated.
pub const SECRET_IDS_ENV: &str = "PROMO_SECRET_IDS";

/// The environment variable naming one Secrets Manager secret (kept from when there was one).
pub const SECRET_ID_ENV: &str = "PROMO_SECRET_ID";

/// Secret values by name (`PROMO_API_KEY`, `PROMO_TELEGRAM_TOKEN`, ...). Debug shows names only.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    values: HashMap<String, SecretString>,
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
    /// Two secrets give the same name different values (the message names it, never a value).
    #[error("secrets {first} and {second} both set {name}, differently")]
    Conflict {
        /// The value's name.
        name: String,
        /// The secret that set it first.
        first: String,
        /// The secret that set it again.
        second: String,
    },
}

/// The secret ids to read, in order and without repeats: `PROMO_SECRET_IDS` (comma-separated,
/// blanks ignored) followed by `PROMO_SECRET_ID`, given their values (`None` when unset).
pub fn secret_ids(ids: Option<&str>, id: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids.unwrap_or("").split(',').chain(id) {
        let id = id.trim();
        if !id.is_empty() && !out.iter().any(|seen| seen == id) {
            out.push(id.to_owned());
        }
    }
    out
}

impl Secrets {
    /// Secrets from a JSON object of strings (the secret's format).
    pub fn from_json(id: &str, json: &str) -> Result<Self, SecretsError> {
        let values: HashMap<String, String> =
            serde_json::from_str(json).map_err(|_| SecretsError::Shape(id.to_owned()))?;
        let values = values
            .into_iter()
            .map(|(name, value)| (name, SecretString::from(value)))
            .collect();
        Ok(Self { values })
    }

    /// Merges secrets, each given as `(id, JSON object of strings)`. Empty values are left out
    /// (a value not filled in yet); a name set to two different values is refused, naming both
    /// secrets, so that a misconfiguration is not resolved by whichever was read last.
    pub fn merge<I, S, J>(secrets: I) -> Result<Self, SecretsError>
    where
        I: IntoIterator<Item = (S, J)>,
        S: AsRef<str>,
        J: AsRef<str>,
    {
        let mut values: HashMap<String, SecretString> = HashMap::new();
        let mut source: HashMap<String, String> = HashMap::new();
        for (id, json) in secrets {
            let id = id.as_ref();
            for (name, value) in Self::from_json(id, json.as_ref())?.values {
                if value.expose_secret().trim().is_empty() {
                    continue;
                }
                match values.get(&name) {
                    Some(held) if held.expose_secret() != value.expose_secret() => {
                        return Err(SecretsError::Conflict {
                            first: source.get(&name).cloned().unwrap_or_default(),
                            second: id.to_owned(),
                            name,
                        });
                    }
                    Some(_) => {}
                    None => {
                        source.insert(name.clone(), id.to_owned());
                        values.insert(name, value);
                    }
                }
            }
        }
        Ok(Self { values })
    }

    /// Reads each secret of `ids` through `fetch` (which returns the secret's JSON text), one at
    /// a time, and merges them ([`Secrets::merge`]). Only the listed ids are fetched; the first
    /// failure stops the load.
    pub async fn load_from<F, Fut>(ids: &[String], fetch: F) -> Result<Self, SecretsError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<String, SecretsError>>,
    {
        let mut docs = Vec::with_capacity(ids.len());
        for id in ids {
            docs.push((id.clone(), fetch(id.clone()).await?));
        }
        Self::merge(docs)
    }

    /// Loads the secrets listed by `PROMO_SECRET_IDS` and `PROMO_SECRET_ID` with the standard
    /// AWS configuration, or nothing (environment only) when neither is set.
    pub async fn load() -> Result<Self, SecretsError> {
        let ids = secret_ids(
            std::env::var(SECRET_IDS_ENV).ok().as_deref(),
            std::env::var(SECRET_ID_ENV).ok().as_deref(),
        );
        if ids.is_empty() {
            return Ok(Self::default());
        }
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let client = aws_sdk_secretsmanager::Client::new(&config);
        Self::load_from(&ids, |id| {
            let client = client.clone();
            async move {
                let out = client
                    .get_secret_value()
                    .secret_id(&id)
                    .send()
                    .await
                    .map_err(|e| SecretsError::Fetch {
                        id: id.clone(),
                        message: aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string(),
                    })?;
                out.secret_string()
                    .map(str::to_owned)
                    .ok_or(SecretsError::Shape(id))
            }
        })
        .await
    }

    /// The value of `name`: from the secrets when present and non-empty, else the environment.
    /// It is the plain text, for a configuration reader (`from_vars`) that reads secret and
    /// plain settings alike and keeps each secret in a type of its own.
    pub fn get(&self, name: &str) -> Option<String> {
        self.values
            .get(name)
            .map(|v| v.expose_secret())
            .filter(|v| !v.trim().is_empty())
            .map(str::to_owned)
            .or_else(|| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Runs a future that never waits (the fake manager answers at once), without a runtime.
    fn ready<T>(future: impl Future<Output = T>) -> T {
        let mut future = std::pin::pin!(future);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match future.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(out) => out,
            std::task::Poll::Pending => panic!("the fake secrets manager never waits"),
        }
    }

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
        assert!(matches!(
            Secrets::merge([("good", r#"{"A":"1"}"#), ("bad", "not json")]),
            Err(SecretsError::Shape(id)) if id == "bad"
        ));
    }

    #[test]
    fn the_ids_are_the_list_then_the_single_id_without_blanks_or_repeats() {
        assert!(secret_ids(None, None).is_empty());
        assert!(secret_ids(Some(" , ,"), Some(" ")).is_empty());
        assert_eq!(secret_ids(None, Some("arn:one")), ["arn:one"]);
        assert_eq!(
            secret_ids(Some("arn:a, arn:b,,arn:a"), Some("arn:b")),
            ["arn:a", "arn:b"]
        );
        assert_eq!(secret_ids(Some("arn:a"), Some("arn:c")), ["arn:a", "arn:c"]);
    }

    #[test]
    fn secrets_merge_into_one_set_of_names() {
        let s = Secrets::merge([
            ("api", r#"{"PROMO_API_KEY":"k-1"}"#),
            (
                "telegram",
                r#"{"PROMO_TELEGRAM_TOKEN":"1:t","PROMO_TELEGRAM_SECRET":"w"}"#,
            ),
        ])
        .expect("merge");
        assert_eq!(s.get("PROMO_API_KEY").as_deref(), Some("k-1"));
        assert_eq!(s.get("PROMO_TELEGRAM_TOKEN").as_deref(), Some("1:t"));
        assert_eq!(s.get("PROMO_TELEGRAM_SECRET").as_deref(), Some("w"));
        let shown = format!("{s:?}");
        assert!(!shown.contains("k-1") && !shown.contains("1:t"), "{shown}");
    }

    #[test]
    fn an_empty_value_is_filled_by_another_secret_and_a_contradiction_is_refused() {
        let s = Secrets::merge([
            ("old", r#"{"PROMO_LINK_SECRET":"","PROMO_API_KEY":"same"}"#),
            (
                "new",
                r#"{"PROMO_LINK_SECRET":"l-2","PROMO_API_KEY":"same"}"#,
            ),
        ])
        .expect("an empty value and an equal one are no conflict");
        assert_eq!(s.get("PROMO_LINK_SECRET").as_deref(), Some("l-2"));

        let err = Secrets::merge([
            ("a", r#"{"PROMO_API_KEY":"one-value"}"#),
            ("b", r#"{"PROMO_API_KEY":"another-value"}"#),
        ])
        .expect_err("two values for one name");
        let text = err.to_string();
        assert!(text.contains("PROMO_API_KEY") && text.contains('a') && text.contains('b'));
        assert!(
            !text.contains("one-value") && !text.contains("another-value"),
            "{text}"
        );
    }

    /// A fake Secrets Manager holding every secret of a stack, recording what is read.
    struct Manager {
        secrets: HashMap<&'static str, &'static str>,
        read: Mutex<Vec<String>>,
    }

    impl Manager {
        fn stack() -> Self {
            Self {
                secrets: HashMap::from([
                    ("api", r#"{"PROMO_API_KEY":"api-key-value"}"#),
                    ("link", r#"{"PROMO_LINK_SECRET":"link-secret-value"}"#),
                    (
                        "telegram",
                        r#"{"PROMO_TELEGRAM_TOKEN":"1:tg-token","PROMO_TELEGRAM_SECRET":"hook"}"#,
                    ),
                    (
                        "discord",
                        r#"{"PROMO_DISCORD_TOKEN":"dc-token","PROMO_DISCORD_PUBLIC_KEY":"ab"}"#,
                    ),
                ]),
                read: Mutex::new(Vec::new()),
            }
        }

        async fn fetch(&self, id: String) -> Result<String, SecretsError> {
            self.read.lock().expect("lock").push(id.clone());
            self.secrets
                .get(id.as_str())
                .map(|s| (*s).to_owned())
                .ok_or(SecretsError::Fetch {
                    id,
                    message: "AccessDeniedException".into(),
                })
        }
    }

    #[test]
    fn only_the_listed_secrets_are_read_and_nothing_else_is_known() {
        let manager = Manager::stack();
        // The stats function's list: the API key and the link secret.
        let ids = secret_ids(Some("api,link"), None);
        let s = ready(Secrets::load_from(&ids, |id| manager.fetch(id))).expect("load");
        assert_eq!(*manager.read.lock().expect("lock"), ["api", "link"]);
        assert_eq!(s.get("PROMO_API_KEY").as_deref(), Some("api-key-value"));
        assert_eq!(
            s.get("PROMO_LINK_SECRET").as_deref(),
            Some("link-secret-value")
        );
        for unlisted in [
            "PROMO_TELEGRAM_TOKEN",
            "PROMO_TELEGRAM_SECRET",
            "PROMO_DISCORD_TOKEN",
            "PROMO_DISCORD_PUBLIC_KEY",
        ] {
            assert_eq!(s.get(unlisted), None, "{unlisted} was never listed");
        }
    }

    #[test]
    fn a_secret_that_cannot_be_read_fails_the_load_by_its_id() {
        let manager = Manager::stack();
        let ids = secret_ids(Some("telegram,denied,discord"), None);
        let err = ready(Secrets::load_from(&ids, |id| manager.fetch(id)))
            .expect_err("a listed secret could not be read");
        assert!(
            matches!(&err, SecretsError::Fetch { id, .. } if id == "denied"),
            "{err}"
        );
        assert_eq!(
            *manager.read.lock().expect("lock"),
            ["telegram", "denied"],
            "stops at the first failure"
        );
    }

    #[test]
    fn no_ids_read_nothing() {
        let manager = Manager::stack();
        let s = ready(Secrets::load_from(&[], |id| manager.fetch(id))).expect("load");
        assert!(manager.read.lock().expect("lock").is_empty());
        assert_eq!(s.get("PROMO_API_KEY_NOT_IN_ENV_42"), None);
    }
}
