//! The HTTP contract shared by the Lambda handlers and the local server: API-key auth
//! ([`ApiKey`]), JSON bodies ([`parse_json_body`], [`json_response`]), the error responses
//! ([`ApiError`]), path routing ([`match_route`]) and logging set-up ([`init_tracing`]).
//!
//! Nothing here logs a promo code or the API key.

mod auth;
mod body;
mod error;
mod logging;
mod route;
pub mod secrets;

pub use auth::{API_KEY_ENV, API_KEY_HEADER, ApiKey, ApiKeyError};
pub use body::{MAX_BODY_BYTES, json_response, parse_json_body};
pub use error::ApiError;
pub use logging::{init_tracing, log_filter};
pub use route::{match_route, require_method};
pub use secrets::Secrets;

/// The request type every handler takes (`http::Request<lambda_http::Body>`).
pub use lambda_http::Request;
/// The response type every handler returns.
pub type Response = lambda_http::Response<lambda_http::Body>;
