//! Why a message was not delivered.

/// Why a message could not be sent. No variant holds a URL or a token: reqwest's errors are
/// stripped of their URL (which carries Telegram's token) before they are kept here.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The HTTP client could not be built (its TLS set-up failed).
    #[error("building the HTTP client")]
    Client(#[source] reqwest::Error),
    /// The request did not get an answer (connection, time-out, TLS).
    #[error("{channel}: the request failed")]
    Request {
        /// The channel (`telegram`, `discord`).
        channel: &'static str,
        /// What reqwest reported, without the URL.
        #[source]
        source: reqwest::Error,
    },
    /// The platform answered, but not with a 2xx.
    #[error("{channel}: HTTP {status}")]
    Refused {
        /// The channel (`telegram`, `discord`).
        channel: &'static str,
        /// The platform's answer.
        status: reqwest::StatusCode,
    },
}

impl NotifyError {
    /// The error and each of its causes, on one line, for a log.
    pub fn chain(&self) -> String {
        let mut line = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            line.push_str(": ");
            line.push_str(&c.to_string());
            cause = c.source();
        }
        line
    }
}
