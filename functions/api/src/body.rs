//! JSON in and out.

use crate::ApiError;
use axum::body::Body;
use lambda_http::http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;

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
    let mut response = crate::Response::new(Body::from(text));
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
/// fine), text that is not JSON (400 `invalid_json`) and JSON of the wrong shape (400
/// `bad_request`). The body's size was bounded by its route ([`crate::routes::BodyClass`]).
pub fn parse_json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<T, ApiError> {
    if headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|ct| !is_json(ct))
    {
        return Err(ApiError::UnsupportedMediaType);
    }
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => ApiError::BadRequest(strip_position(&e)),
            _ => ApiError::InvalidJson,
        })?;
    // serde reads a struct from an array too (`["telegram","42"]`): a body is an object.
    if !value.is_object() {
        return Err(ApiError::BadRequest(
            "the body must be a JSON object".into(),
        ));
    }
    serde_json::from_value(value).map_err(|e| ApiError::BadRequest(strip_position(&e)))
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
    use http_body_util::BodyExt;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Probe {
        a: String,
    }

    struct Req(HeaderMap, Vec<u8>);

    fn req(ct: Option<&str>, body: &str) -> Req {
        let mut headers = HeaderMap::new();
        if let Some(ct) = ct {
            headers.insert(header::CONTENT_TYPE, ct.parse().expect("header"));
        }
        Req(headers, body.as_bytes().to_vec())
    }

    fn parse(r: &Req) -> Result<Probe, ApiError> {
        parse_json_body(&r.0, &r.1)
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
        assert_eq!(
            parse(&req(None, r#"["x"]"#)).expect_err("refused").reason(),
            "bad_request"
        );
        let unknown = parse(&req(None, r#"{"a":"x","b":1}"#)).expect_err("refused");
        assert_eq!(unknown.reason(), "bad_request");
        assert!(
            unknown.to_string().contains("unknown field `b`"),
            "{unknown}"
        );
    }

    #[tokio::test]
    async fn responses_are_uncached_json() {
        let r = json_response(StatusCode::CREATED, &serde_json::json!({"ok": true}));
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
        let body = r.into_body().collect().await.expect("body").to_bytes();
        assert_eq!(&body[..], br#"{"ok":true}"#);
    }
}
