//! Logging set-up for the Lambda functions and the local server.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber: JSON lines on Lambda (`AWS_LAMBDA_FUNCTION_NAME` set), compact
/// text otherwise, both on stderr, filtered by `RUST_LOG` (default `info`). Calling it again is
/// harmless: the first subscriber stays.
pub fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // An error only means a subscriber is already installed.
    let _ = if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
        builder.json().with_current_span(false).try_init()
    } else {
        builder.compact().try_init()
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn calling_twice_is_harmless() {
        super::init_tracing();
        super::init_tracing();
        tracing::info!("logged once the subscriber is up");
    }
}
