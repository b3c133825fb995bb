//! Store errors: what went wrong talking to the table, never a refusal (those are outcomes).

use crate::admin::AdminRefusal;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use std::fmt;

/// The cause an error keeps as its `source()`.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A failure of the store, or an admin operation it refused. Claim and redeem refusals such as
/// "sold out" are not errors; they are outcomes.
///
/// Each variant's text carries the detail a log line needs (logs print an error's text, not its
/// chain), and keeps the error it came from as its [`source`](std::error::Error::source) for
/// callers that inspect it.
#[derive(thiserror::Error)]
pub enum StoreError {
    /// A DynamoDB call failed after the SDK's own retries.
    #[error("DynamoDB {operation} failed: {message}")]
    Dynamo {
        /// The operation, e.g. `TransactWriteItems`.
        operation: &'static str,
        /// The service's error code and message (never an item's contents).
        message: String,
        /// True for throttling, conflicts, 5xx and time-outs: the call may be retried.
        retryable: bool,
        /// The SDK's error.
        #[source]
        source: Cause,
    },
    /// An item in the table does not map to the domain (a bug or a hand edit).
    #[error("corrupt item: {detail}")]
    Corrupt {
        /// What did not map.
        detail: String,
        /// The mapping's error, when there is one.
        #[source]
        source: Option<Cause>,
    },
    /// The embedded engine could not start.
    #[error("embedded engine: {detail}")]
    Engine {
        /// What failed.
        detail: String,
        /// The engine's or the system's error, when there is one.
        #[source]
        source: Option<Cause>,
    },
    /// A request could not be built.
    #[error("building a request: {detail}")]
    Build {
        /// What failed.
        detail: String,
        /// The builder's error.
        #[source]
        source: Cause,
    },
    /// An admin operation refused, with the reason for the seller. Nothing changed.
    #[error(transparent)]
    Refused(#[from] AdminRefusal),
}

// Written out rather than derived: a derived Debug would print the SDK error's Debug, which
// for a cancelled transaction holds the items it returned, codes included. This prints what
// the text prints.
impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused(r) => f.debug_tuple("Refused").field(r).finish(),
            other => f
                .debug_tuple("StoreError")
                .field(&other.to_string())
                .finish(),
        }
    }
}

impl StoreError {
    /// Maps an SDK error, keeping its code and message in the text and the error as the source.
    pub fn sdk<E>(
        operation: &'static str,
        err: SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let retryable = match &err {
            SdkError::TimeoutError(_)
            | SdkError::DispatchFailure(_)
            | SdkError::ResponseError(_) => true,
            SdkError::ServiceError(s) => {
                is_retryable_code(s.err().code().unwrap_or_default())
                    || s.raw().status().is_server_error()
            }
            _ => false,
        };
        let message = match err.as_service_error() {
            Some(s) => format!(
                "{}: {}",
                s.code().unwrap_or("error"),
                s.message().unwrap_or("")
            ),
            None => format!("{err}"),
        };
        Self::Dynamo {
            operation,
            message,
            retryable,
            source: Box::new(err),
        }
    }

    /// A request that could not be built (or a value that could not be serialized for one).
    pub fn build(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Build {
            detail: e.to_string(),
            source: Box::new(e),
        }
    }

    /// An item that does not map to the domain.
    pub fn corrupt(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Corrupt {
            detail: e.to_string(),
            source: Some(Box::new(e)),
        }
    }

    /// The embedded engine failed while `doing` something.
    pub(crate) fn engine(doing: &str, e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Engine {
            detail: format!("{doing}: {e}"),
            source: Some(Box::new(e)),
        }
    }

    /// True when retrying the same operation may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Dynamo {
                retryable: true,
                ..
            }
        )
    }
}

/// DynamoDB error codes that mean "try again".
pub(crate) fn is_retryable_code(code: &str) -> bool {
    matches!(
        code,
        "ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "TransactionConflictException"
            | "TransactionInProgressException"
            | "InternalServerError"
            | "ServiceUnavailable"
            | "LimitExceededException"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn errors_keep_their_source_and_debug_prints_only_the_text() {
        let parse = serde_json::from_str::<u32>("\"K7Q2-SECRET\"").expect_err("not a number");
        let err = StoreError::corrupt(parse);
        assert!(err.source().is_some_and(|s| s.is::<serde_json::Error>()));
        assert_eq!(
            format!("{err:?}"),
            format!("StoreError({:?})", err.to_string())
        );

        let refused = StoreError::from(AdminRefusal::LaneBusy);
        assert_eq!(refused.to_string(), AdminRefusal::LaneBusy.to_string());
        assert!(
            refused.source().is_none(),
            "transparent: no second copy of the text"
        );
        assert!(matches!(
            refused,
            StoreError::Refused(AdminRefusal::LaneBusy)
        ));
        assert!(!refused.is_retryable());
    }
}
