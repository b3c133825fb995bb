//! The redeem function: `POST /v1/redemptions` marks a code used by an order.
//!
//! [`RedeemService::router`] is the handler: the Lambda runs it with `lambda_http::run`, and
//! `promo serve` merges it with the others.

use axum::Router;
use axum::extract::State;
use lambda_http::http::{HeaderMap, StatusCode};
use promo_api::{
    ApiError, ApiKey, Buffered, RawBody, Request, Response, json_response, parse_json_body, routes,
};
use promo_core::{OrderRef, PromoCode, Timestamp};
use promo_store::Store;
use serde::{Deserialize, Serialize};

/// The redemption body: `{"code": "...", "order_ref": "..."}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RedeemBody {
    code: String,
    order_ref: String,
}

/// The success body.
#[derive(Debug, Serialize)]
struct RedeemResponse<'a> {
    redeemed_at: i64,
    influencer: &'a str,
    replayed: bool,
}

/// Answers redemption requests. Cheap to clone.
#[derive(Clone)]
pub struct RedeemService {
    store: Store,
    api_key: ApiKey,
}

impl RedeemService {
    /// A service on `store`, accepting requests that carry `api_key`.
    pub fn new(store: Store, api_key: ApiKey) -> Self {
        Self { store, api_key }
    }

    /// The function's routes ([`routes::REDEMPTIONS`]). Every failure is a JSON error response
    /// (see [`ApiError`]: 404 `unknown_code`, 409 `not_issued`, 409 `already_redeemed` with
    /// `redeemed_at`, 410 `expired` with `expired_at`). Success is 200 with
    /// `{"redeemed_at", "influencer", "replayed"}`; `replayed` is true when this order had already
    /// redeemed this code.
    pub fn router(&self) -> Router {
        routes::REDEMPTIONS
            .mount(Router::new(), redeem)
            .with_state(self.clone())
    }

    /// Runs [`Self::router`] on one request (tests and in-process drivers).
    pub async fn handle(&self, req: Request) -> Buffered {
        promo_api::call(self.router(), req).await
    }

    async fn redeem(&self, headers: &HeaderMap, body: &[u8]) -> Result<Response, ApiError> {
        self.api_key.check(headers)?;
        let body: RedeemBody = parse_json_body(headers, body)?;
        let code = PromoCode::parse(&body.code)?;
        let order = OrderRef::parse(&body.order_ref)?;
        let outcome = self
            .store
            .redeem(&code, &order, Timestamp::now())
            .await
            .map_err(|e| ApiError::store("redeem", &e))?;
        match outcome {
            Ok(r) => {
                tracing::info!(influencer = %r.influencer, replayed = r.replayed, "redeemed");
                let body = RedeemResponse {
                    redeemed_at: r.redeemed_at.millis(),
                    influencer: r.influencer.as_str(),
                    replayed: r.replayed,
                };
                Ok(json_response(StatusCode::OK, &body))
            }
            Err(refusal) => {
                tracing::info!(reason = refusal.reason(), "redemption refused");
                Err(refusal.into())
            }
        }
    }
}

async fn redeem(
    State(svc): State<RedeemService>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Response {
    svc.redeem(&headers, &body)
        .await
        .unwrap_or_else(|e| e.to_response())
}
