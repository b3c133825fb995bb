//! Logging set-up for the Lambda functions and the local server.

use tracing_subscriber::EnvFilter;

/// Targets capped whatever `RUST_LOG` asks for. The AWS SDK, hyper and the Lambda runtime log
/// request and response bodies (which carry codes and order references) at debug and trace
/// level, so they stop at `info`. The embedded engine warns on every refused conditional write,
/// which is this product working as designed, so it stops at `error`.
const CAPPED_TARGETS: &[(&str, &str)] = &[
    ("aws_smithy_runtime", "info"),
    ("aws_smithy_runtime_api", "info"),
    ("aws_smithy_http", "info"),
    ("aws_smithy_http_client", "info"),
    ("aws_sdk_dynamodb", "info"),
    ("aws_config", "info"),
    ("aws_sigv4", "info"),
    ("hyper", "info"),
    ("hyper_util", "info"),
    ("h2", "info"),
    ("reqwest", "info"),
    ("lambda_runtime", "info"),
    ("lambda_runtime_api_client", "info"),
    ("lambda_http", "info"),
    ("tower_http", "info"),
    ("dynoxide", "error"),
];

/// The log filter: `directives` (e.g. from `RUST_LOG`, default `info`), with every target of
/// [`CAPPED_TARGETS`] held at its cap.
pub fn log_filter(directives: Option<&str>) -> EnvFilter {
    let mut filter = directives
        .and_then(|d| EnvFilter::try_new(d).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    for (target, cap) in CAPPED_TARGETS {
        if let Ok(directive) = format!("{target}={cap}").parse() {
            filter = filter.add_directive(directive);
        }
    }
    filter
}

/// Installs the global subscriber: JSON lines on Lambda (`AWS_LAMBDA_FUNCTION_NAME` set), compact
/// text otherwise, both on stderr, filtered by [`log_filter`] over `RUST_LOG`; and the quiet panic
/// hook ([`quiet_panics`]). Calling it again is harmless: the first subscriber stays.
pub fn init_tracing() {
    quiet_panics();
    let filter = log_filter(std::env::var("RUST_LOG").ok().as_deref());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // An error only means a subscriber is already installed.
    let _ = if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
        builder.json().with_current_span(false).try_init()
    } else {
        builder.compact().try_init()
    };
}

/// Replaces the default panic hook, which prints the panic's message (a message such as "byte
/// index 3 is not a char boundary ... of `<input>`" quotes the input, and the input may be a
/// code or a token), with one that logs only where the panic happened.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(%location, "panic (message withheld: it may quote the input)");
    }));
}

#[cfg(test)]
mod tests {
    #[test]
    fn calling_twice_is_harmless() {
        super::init_tracing();
        super::init_tracing();
        tracing::info!("logged once the subscriber is up");
    }

    #[test]
    fn body_logging_targets_stay_capped_even_at_trace() {
        let filter = super::log_filter(Some("trace")).to_string();
        assert!(filter.contains("aws_smithy_runtime=info"), "{filter}");
        assert!(filter.contains("dynoxide=error"), "{filter}");
        assert!(filter.contains("trace"), "{filter}");
    }
}
