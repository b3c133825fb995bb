//! JSON in and out.

use crate::ApiError;
use lambda_http::Body;
use lambda_http::http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The largest request body accepted: 64 KiB.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A JSON response with `status`. Responses may carry a code, so none is ever cached.
pub fn json_response(status: StatusCode, body: &impl Serialize) -> crate::Response {
    let (status, text) = match serde_json::to_string(body) {
        Ok(text) => (status, text),
        Err(err) => {
            tracing::error!(error = %err, "serializing a response failed");
            let fallback = r#"{"error":{"reason":"internal","message":"internal error"}}"#;
            (StatusCode::INTERNAL_SERVER_ERROR, fallback.to_owned())
        }
    };
    let mut response = lambda_http::Response::new(Body::Text(text));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Reads a request's JSON body into `T`: refuses a non-JSON `content-type` (415; a missing one is
/// fine), a body over [`MAX_BODY_BYTES`] (413), text that is not JSON (400 `invalid_json`) and
/// JSON of the wrong shape (400 `bad_request`).
pub fn parse_json_body<T: DeserializeOwned>(req: &crate::Request) -> Result<T, ApiError> {
    if req
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|ct| !is_json(ct))
    {
        return Err(ApiError::UnsupportedMediaType);
    }
    let bytes: &[u8] = req.body();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => ApiError::BadRequest(strip_position(&e)),
        _ => ApiError::InvalidJson,
    })
}

/// `application/json`, or any `+json` type, with or without parameters.
fn is_json(ct: &HeaderValue) -> bool {
    let Ok(ct) = ct.to_str() else { return false };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

// serde's message without " at line 1 column 23": the position means nothing to a client.
fn strip_position(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Probe {
        a: String,
    }

    fn req(ct: Option<&str>, body: impl Into<Body>) -> crate::Request {
        let mut b = http::Request::builder().method("POST").uri("/x");
        if let Some(ct) = ct {
            b = b.header("content-type", ct);
        }
        b.body(body.into()).expect("request")
    }

    fn parse(r: &crate::Request) -> Result<Probe, ApiError> {
        parse_json_body(r)
    }

    #[test]
    fn accepts_json_with_or_without_content_type() {
        assert!(parse(&req(None, r#"{"a":"x"}"#)).is_ok());
        assert!(
            parse(&req(
                Some("application/json; charset=utf-8"),
                r#"{"a":"x"}"#
            ))
            .is_ok()
        );
        assert!(parse(&req(Some("application/merge-patch+json"), r#"{"a":"x"}"#)).is_ok());
    }

    #[test]
    fn refuses_what_is_not_json_of_the_right_shape() {
        assert_eq!(
            parse(&req(Some("text/plain"), r#"{"a":"x"}"#)).expect_err("refused"),
            ApiError::UnsupportedMediaType
        );
        assert_eq!(
            parse(&req(None, "{")).expect_err("refused"),
            ApiError::InvalidJson
        );
        assert_eq!(
            parse(&req(None, "")).expect_err("refused"),
            ApiError::InvalidJson
        );
        let unknown = parse(&req(None, r#"{"a":"x","b":1}"#)).expect_err("refused");
        assert_eq!(unknown.reason(), "bad_request");
        assert!(
            unknown.to_string().contains("unknown field `b`"),
            "{unknown}"
        );
        let big = format!(r#"{{"a":"{}"}}"#, "x".repeat(MAX_BODY_BYTES));
        assert_eq!(
            parse(&req(None, big)).expect_err("refused"),
            ApiError::PayloadTooLarge
        );
    }

    #[test]
    fn responses_are_uncached_json() {
        let r = json_response(StatusCode::CREATED, &serde_json::json!({"ok": true}));
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(&r.body()[..], br#"{"ok":true}"#);
    }
}
