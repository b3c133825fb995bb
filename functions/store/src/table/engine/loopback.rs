//! The engine on a loopback HTTP port, for test harnesses only: a fault proxy in front of the
//! engine, or a child process (a Lambda binary under test) that reaches it through
//! `AWS_ENDPOINT_URL_DYNAMODB`. `promo serve` never opens it.
//!
//! It answers through the same queue and dispatch as the in-process transport, so what a test
//! exercises over the port is what the product runs. It has no CORS at all: a request carrying
//! an `Origin` header (any browser's) is refused before it reaches the engine.

use super::transport::Queue;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::any;

/// DynamoDB takes bodies up to 16 MB.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Serves `listener` until the engine's runtime stops.
pub async fn serve(listener: std::net::TcpListener, queue: Queue) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(error) => {
            tracing::error!(%error, "the engine's loopback port");
            return;
        }
    };
    let app = Router::new()
        .route("/", any(handle))
        .fallback(|| async { plain(StatusCode::NOT_FOUND, "") })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(queue);
    if let Err(error) = axum::serve(listener, app).await {
        tracing::error!(%error, "the engine's loopback port stopped");
    }
}

async fn handle(
    method: Method,
    State(queue): State<Queue>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if headers.contains_key(header::ORIGIN) {
        return plain(StatusCode::FORBIDDEN, "");
    }
    if method != Method::POST {
        return plain(StatusCode::NOT_FOUND, "");
    }
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Ok(reply) = queue.call(target, body.to_vec()).await else {
        return plain(StatusCode::SERVICE_UNAVAILABLE, "");
    };
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/x-amz-json-1.0")
        .header("x-amzn-requestid", super::request_id())
        .body(Body::from(reply.body))
        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, ""))
}

fn plain(status: StatusCode, body: &'static str) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
}
