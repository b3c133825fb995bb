//! Converts between axum's HTTP types and the Lambda handlers' `lambda_http` types, so the local
//! server runs exactly the handlers deployed on Lambda.

use axum::body::Body as AxumBody;
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use lambda_http::Body as LambdaBody;

/// The largest request body the server reads: 1 MiB.
pub const MAX_BODY: usize = 1024 * 1024;

/// Reads an axum request's body (at most [`MAX_BODY`]) into a `lambda_http::Request`; a larger
/// body is answered 413 before any handler runs.
pub async fn to_lambda(req: Request<AxumBody>) -> Result<lambda_http::Request, Response> {
    let (parts, body) = req.into_parts();
    let declared = parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    let bytes = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => return Err(too_large()),
        Err(_) => return Err(error(StatusCode::BAD_REQUEST, "bad_request", "the body could not be read")),
    };
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
    error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "the body is too large")
}

/// An error answer in the API's JSON shape.
pub fn error(status: StatusCode, reason: &str, message: &str) -> Response {
    let body = serde_json::json!({ "error": { "reason": reason, "message": message } });
    (status, [(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}
