//! The one error for input that does not parse into a domain type.

/// Why a piece of input was refused: which field, and a reason a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {reason}")]
pub struct ParseError {
    /// The field that was refused, e.g. `campaign id`.
    pub field: &'static str,
    /// What is wrong with it, never echoing a code or a secret.
    pub reason: String,
}

impl ParseError {
    /// Builds a parse error for `field`.
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}
