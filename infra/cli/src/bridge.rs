//! Converts between axum's HTTP types and the Lambda handlers' `lambda_http` types, so the local
//! server runs exactly the handlers deployed on Lambda.

use axum::body::Body as AxumBody;
use axum::http::{Request, header};
use axum::response::Response;
use bytes::BytesMut;
use http_body_util::BodyExt;
use lambda_http::Body as LambdaBody;
use promo_api::ApiError;
use std::time::Duration;

/// The largest request body the server reads: 1 MiB.
pub const MAX_BODY: usize = 1024 * 1024;

/// An oversized body up to this size is read and thrown away before answering 413, so that a
/// client still sending it sees the answer rather than a reset connection; beyond it the
/// connection is simply closed.
const DRAIN_LIMIT: usize = 8 * MAX_BODY;

/// Reads an axum request's body (at most [`MAX_BODY`] kept) into a `lambda_http::Request`; a
/// larger body is answered 413 before any handler runs.
pub async fn to_lambda(req: Request<AxumBody>) -> Result<lambda_http::Request, Response> {
    let (parts, mut body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        if declared.is_some_and(|n| n <= DRAIN_LIMIT as u64) {
            drain(body, 0).await;
        }
        return Err(too_large());
    }
    let mut bytes = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Err(from_lambda(
                ApiError::BadRequest("the body could not be read".into()).to_response(),
            ));
        };
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > MAX_BODY {
                drain(body, bytes.len() + data.len()).await;
                return Err(too_large());
            }
            bytes.extend_from_slice(&data);
        }
    }
    let body = if bytes.is_empty() {
        LambdaBody::Empty
    } else {
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => LambdaBody::Text(text),
            Err(e) => LambdaBody::Binary(e.into_bytes()),
        }
    };
    Ok(lambda_http::Request::from_parts(parts, body))
}

/// Reads and discards the rest of a body, up to [`DRAIN_LIMIT`] and for at most 5 seconds.
async fn drain(mut body: AxumBody, mut seen: usize) {
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while seen <= DRAIN_LIMIT {
            match body.frame().await {
                Some(Ok(frame)) => seen += frame.data_ref().map_or(0, |d| d.len()),
                _ => break,
            }
        }
    })
    .await;
}

/// Turns a handler's `lambda_http` response into an axum response.
pub fn from_lambda(res: lambda_http::Response<LambdaBody>) -> Response {
    let (parts, body) = res.into_parts();
    let body = match body {
        LambdaBody::Empty => AxumBody::empty(),
        LambdaBody::Text(text) => AxumBody::from(text),
        LambdaBody::Binary(bytes) => AxumBody::from(bytes),
        // `Body` is non-exhaustive upstream; anything new is passed on as its bytes.
        other => AxumBody::from(other.to_vec()),
    };
    Response::from_parts(parts, body)
}

fn too_large() -> Response {
    from_lambda(ApiError::PayloadTooLarge.to_response())
}
