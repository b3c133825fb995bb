//! Store errors: what went wrong talking to the table, never a refusal (those are outcomes).

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

/// A failure of the store itself (the table is unreachable, an item is corrupt, a request could
/// not be built). Refusals such as "sold out" are not errors; they are outcomes.
#[derive(Debug, thiserror::Error)]
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
    },
    /// An item in the table does not map to the domain (a bug or a hand edit).
    #[error("corrupt item: {0}")]
    Corrupt(String),
    /// The embedded engine could not start.
    #[error("embedded engine: {0}")]
    Engine(String),
    /// A request could not be built.
    #[error("building a request: {0}")]
    Build(String),
    /// An admin operation cannot proceed, with the reason for the seller.
    #[error("{0}")]
    Refused(String),
}

impl StoreError {
    /// Maps an SDK error, keeping only its code and message.
    pub fn sdk<E>(
        operation: &'static str,
        err: SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
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
        }
    }

    pub(crate) fn build(e: impl std::fmt::Display) -> Self {
        Self::Build(e.to_string())
    }

    pub(crate) fn corrupt(e: impl std::fmt::Display) -> Self {
        Self::Corrupt(e.to_string())
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
