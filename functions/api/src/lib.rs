//! The HTTP contract shared by the Lambda handlers and the local server: the one list of routes
//! ([`routes`]), mounting them on axum routers with their limits ([`app`], [`Route::mount`]),
//! API-key auth ([`ApiKey`]), JSON bodies ([`parse_json_body`], [`json_response`]), the error
//! responses ([`ApiError`]) and logging set-up ([`init_tracing`]).
//!
//! Nothing here logs a promo code or the API key.

mod app;
mod auth;
mod body;
mod error;
mod logging;
pub mod routes;
pub mod secrets;

pub use app::{Buffered, Param, RawBody, app, call, lambda_app};
pub use auth::{API_KEY_ENV, API_KEY_HEADER, ApiKey, ApiKeyError};
pub use body::{json_response, parse_json_body};
pub use error::ApiError;
pub use logging::{init_tracing, log_filter};
pub use routes::{BodyClass, Route};
pub use secrets::Secrets;

/// A request as Lambda hands it over (`http::Request<lambda_http::Body>`); [`call`] takes it.
pub use lambda_http::Request;
/// The response type every handler returns.
pub type Response = axum::response::Response;
