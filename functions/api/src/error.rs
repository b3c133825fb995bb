//! Every failure a handler answers with, as one JSON shape:
//! `{"error": {"reason": "<machine_reason>", "message": "...", ...details}}`.

use crate::body::json_response;
use lambda_http::http::{HeaderValue, StatusCode, header};
use promo_core::{ClaimRefusal, ParseError, RedeemRefusal};
use promo_store::StoreError;
use serde_json::{Map, Value, json};

/// Seconds a client is told to wait before retrying a `busy` answer.
const RETRY_AFTER_SECS: u32 = 1;

/// A request that does not succeed, and how it is answered.
///
/// | status | reason                   | when                                                        |
/// |--------|--------------------------|-------------------------------------------------------------|
/// | 400    | `bad_request`            | JSON of the wrong shape: missing or unknown field, wrong type |
/// | 400    | `invalid_json`           | the body is not JSON                                        |
/// | 400    | `invalid_field`          | a field does not parse (`field` names it)                   |
/// | 401    | `unauthorized`           | `x-api-key` missing or wrong                                |
/// | 403    | `forbidden`              | a page link that is forged, expired, revoked or not for this page |
/// | 404    | `not_found`              | no such route                                               |
/// | 404    | `unknown_campaign`       | no such campaign                                            |
/// | 404    | `unknown_influencer`     | no such influencer in the campaign                          |
/// | 404    | `unknown_code`           | no such code                                                |
/// | 405    | `method_not_allowed`     | the route exists, the method does not (`Allow` header)      |
/// | 409    | `not_started`            | the campaign has not started (`starts_at`, if scheduled)    |
/// | 409    | `paused`                 | the campaign is paused                                      |
/// | 409    | `ended`                  | the campaign has ended                                      |
/// | 409    | `sold_out`               | no code left                                                |
/// | 409    | `quota_reached`          | the influencer's quota is used up                           |
/// | 409    | `drip_exhausted`         | today's release is gone (`next_release`)                    |
/// | 409    | `not_issued`             | the code was never handed to a follower                     |
/// | 409    | `already_redeemed`       | another order redeemed the code (`redeemed_at`)             |
/// | 410    | `expired`                | the code's redemption window closed (`expired_at`)          |
/// | 413    | `payload_too_large`      | the body is over its route's limit (`BodyClass`)          |
/// | 415    | `unsupported_media_type` | a `content-type` other than JSON                            |
/// | 503    | `busy`                   | the store stayed too busy; retry after `Retry-After` seconds |
/// | 500    | `internal`               | anything else; details are logged, never returned           |
///
/// Timestamps in details are milliseconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The JSON has the wrong shape; the message says how.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The body is not JSON.
    #[error("the body is not valid JSON")]
    InvalidJson,
    /// A field does not parse.
    #[error(transparent)]
    InvalidField(#[from] ParseError),
    /// `x-api-key` is missing or wrong.
    #[error("missing or wrong API key")]
    Unauthorized,
    /// A page link that does not let the caller in (the message says why).
    #[error("{0}")]
    Forbidden(String),
    /// No such route.
    #[error("no such route")]
    NotFound,
    /// The route does not take this method.
    #[error("method not allowed")]
    MethodNotAllowed {
        /// The methods the route takes, for the `Allow` header.
        allow: &'static str,
    },
    /// The body is larger than its route allows ([`crate::BodyClass::limit`]).
    #[error("the body is too large")]
    PayloadTooLarge,
    /// The content type is not JSON.
    #[error("the content type must be application/json")]
    UnsupportedMediaType,
    /// A claim was refused. [`ClaimRefusal::Busy`] answers 503 like [`ApiError::Busy`].
    #[error(transparent)]
    Claim(#[from] ClaimRefusal),
    /// A redemption was refused.
    #[error(transparent)]
    Redeem(#[from] RedeemRefusal),
    /// The store is too busy right now; nothing was done, and retrying is safe.
    #[error("too busy, try again")]
    Busy,
    /// Something failed inside; the details went to the log.
    #[error("internal error")]
    Internal,
}

impl ApiError {
    /// Maps a store failure: retryable ones (throttling, conflicts, time-outs) to
    /// [`ApiError::Busy`], the rest to [`ApiError::Internal`]. Logs it either way; store errors
    /// carry no item contents, so no code reaches the log.
    pub fn store(operation: &'static str, err: &StoreError) -> Self {
        if err.is_retryable() {
            tracing::warn!(operation, error = %err, "store busy");
            Self::Busy
        } else {
            tracing::error!(operation, error = %err, "store failed");
            Self::Internal
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) | Self::InvalidJson | Self::InvalidField(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Claim(r) => match r {
                ClaimRefusal::UnknownCampaign | ClaimRefusal::UnknownInfluencer => {
                    StatusCode::NOT_FOUND
                }
                ClaimRefusal::Busy => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::CONFLICT,
            },
            Self::Redeem(r) => match r {
                RedeemRefusal::UnknownCode => StatusCode::NOT_FOUND,
                RedeemRefusal::Expired { .. } => StatusCode::GONE,
                _ => StatusCode::CONFLICT,
            },
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable reason, e.g. `sold_out`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::InvalidJson => "invalid_json",
            Self::InvalidField(_) => "invalid_field",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Claim(r) => r.reason(),
            Self::Redeem(r) => r.reason(),
            Self::Busy => "busy",
            Self::Internal => "internal",
        }
    }

    /// The JSON body: `{"error": {"reason", "message", ...details}}`.
    pub fn body(&self) -> Value {
        let mut error = match self {
            // The refusals' own serde form carries their details (`next_release`, ...).
            Self::Claim(r) => to_map(r),
            Self::Redeem(r) => to_map(r),
            Self::InvalidField(e) => {
                let mut m = Map::new();
                m.insert("field".into(), Value::from(e.field));
                m
            }
            _ => Map::new(),
        };
        error.insert("reason".into(), Value::from(self.reason()));
        error.insert("message".into(), Value::from(self.to_string()));
        json!({ "error": error })
    }

    /// The full response, with `Allow` on 405 and `Retry-After` on 503.
    pub fn to_response(&self) -> crate::Response {
        let mut response = json_response(self.status(), &self.body());
        let headers = response.headers_mut();
        match self {
            Self::MethodNotAllowed { allow } => {
                headers.insert(header::ALLOW, HeaderValue::from_static(allow));
            }
            _ if self.status() == StatusCode::SERVICE_UNAVAILABLE => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
            }
            _ => {}
        }
        response
    }
}

impl From<ApiError> for crate::Response {
    fn from(err: ApiError) -> Self {
        err.to_response()
    }
}

fn to_map(value: &impl serde::Serialize) -> Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use promo_core::Timestamp;

    #[test]
    fn refusals_keep_their_details() {
        let e = ApiError::from(ClaimRefusal::DripExhausted {
            next_release: Timestamp(42),
        });
        assert_eq!(e.status(), StatusCode::CONFLICT);
        let body = e.body();
        assert_eq!(body["error"]["reason"], "drip_exhausted");
        assert_eq!(body["error"]["next_release"], 42);
        assert_eq!(body["error"]["message"], "today's codes are gone");

        let e = ApiError::from(RedeemRefusal::Expired {
            expired_at: Timestamp(7),
        });
        assert_eq!(e.status(), StatusCode::GONE);
        assert_eq!(e.body()["error"]["expired_at"], 7);
    }

    #[test]
    fn invalid_fields_name_the_field() {
        let e = ApiError::from(ParseError::new(
            "platform",
            "must be one of discord, telegram, web",
        ));
        let body = e.body();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["reason"], "invalid_field");
        assert_eq!(body["error"]["field"], "platform");
        assert_eq!(
            body["error"]["message"],
            "invalid platform: must be one of discord, telegram, web"
        );
    }

    #[test]
    fn busy_says_when_to_retry_and_405_says_what_is_allowed() {
        for e in [ApiError::Busy, ApiError::Claim(ClaimRefusal::Busy)] {
            let r = e.to_response();
            assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(r.headers()[header::RETRY_AFTER], "1");
        }
        let r = ApiError::MethodNotAllowed { allow: "POST" }.to_response();
        assert_eq!(r.headers()[header::ALLOW], "POST");
    }

    #[test]
    fn store_failures_leak_nothing() {
        let err = StoreError::Corrupt {
            detail: "secret detail".into(),
            source: None,
        };
        let e = ApiError::store("GetItem", &err);
        assert_eq!(e, ApiError::Internal);
        assert!(!e.body().to_string().contains("secret"));
    }
}
