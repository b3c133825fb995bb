//! Where the table is: read from the environment, the same on AWS and on one machine.

use std::path::PathBuf;
use std::time::Duration;

/// Which DynamoDB the store talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// The embedded dynoxide engine inside this process, on a SQLite file or in memory.
    Embedded {
        /// The data file; `None` keeps everything in memory.
        path: Option<PathBuf>,
    },
    /// A DynamoDB table reached through the standard AWS configuration (region, credentials,
    /// `AWS_ENDPOINT_URL_DYNAMODB` for DynamoDB Local, LocalStack or a dynoxide server).
    Aws {
        /// The table name.
        table: String,
    },
}

/// The store's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// Which DynamoDB.
    pub backend: Backend,
}

/// The data file used by the one-machine mode when `PROMO_DATA` is not set.
pub const DEFAULT_DATA_FILE: &str = "promo-data.db";

impl StoreConfig {
    /// Reads `PROMO_TABLE` (a DynamoDB table: AWS mode) or else `PROMO_DATA` (the embedded
    /// engine's file, default [`DEFAULT_DATA_FILE`]; `:memory:` for none).
    pub fn from_env() -> Self {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// Like [`StoreConfig::from_env`], from any variable source (for tests).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        if let Some(table) = var("PROMO_TABLE").filter(|t| !t.trim().is_empty()) {
            return Self {
                backend: Backend::Aws {
                    table: table.trim().to_owned(),
                },
            };
        }
        let data = var("PROMO_DATA")
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_DATA_FILE.to_owned());
        Self::embedded(&data)
    }

    /// The embedded engine on `data` (a file path, or `:memory:`).
    pub fn embedded(data: &str) -> Self {
        let path = (data != ":memory:").then(|| PathBuf::from(data));
        Self {
            backend: Backend::Embedded { path },
        }
    }
}

/// Time-outs for every DynamoDB call: a claim must answer within a chat platform's deadline, so
/// a stuck connection is cut and retried rather than waited on.
pub fn timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(1_000))
        .operation_attempt_timeout(Duration::from_millis(1_500))
        .operation_timeout(Duration::from_millis(4_000))
        .build()
}

/// The SDK's retries for every DynamoDB call: 3 attempts on throttling, 5xx, time-outs and
/// dropped connections, with short waits. The SDK's default first wait is a whole second, which
/// alone would blow a chat platform's 3-second deadline; conflicts are retried by the store
/// itself (with jitter, against another candidate code).
pub fn retries() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(25))
        .with_max_backoff(Duration::from_millis(400))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_name_selects_aws_and_data_selects_the_file() {
        let aws = StoreConfig::from_vars(|k| (k == "PROMO_TABLE").then(|| "promo-prod".to_owned()));
        assert_eq!(
            aws.backend,
            Backend::Aws {
                table: "promo-prod".into()
            }
        );
        let file = StoreConfig::from_vars(|k| (k == "PROMO_DATA").then(|| "/tmp/x.db".to_owned()));
        assert_eq!(
            file.backend,
            Backend::Embedded {
                path: Some("/tmp/x.db".into())
            }
        );
        let mem = StoreConfig::from_vars(|k| (k == "PROMO_DATA").then(|| ":memory:".to_owned()));
        assert_eq!(mem.backend, Backend::Embedded { path: None });
        let default = StoreConfig::from_vars(|_| None);
        assert_eq!(
            default.backend,
            Backend::Embedded {
                path: Some(DEFAULT_DATA_FILE.into())
            }
        );
    }
}
