//! The redeem function: `POST /v1/redemptions` marks a code used by an order.
//!
//! The same [`RedeemService::handle`] runs behind API Gateway (through `lambda_http`) and mounted
//! in the local server: it routes on the request path itself.

use lambda_http::http::{Method, StatusCode};
use promo_api::{
    ApiError, ApiKey, Request, Response, json_response, match_route, parse_json_body,
    require_method,
};
use promo_core::{OrderRef, PromoCode, Timestamp};
use promo_store::Store;
use serde::{Deserialize, Serialize};

/// The route this function serves.
pub const REDEMPTIONS_ROUTE: &str = "/v1/redemptions";

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

/// Answers redemption requests.
pub struct RedeemService {
    store: Store,
    api_key: ApiKey,
}

impl RedeemService {
    /// A service on `store`, accepting requests that carry `api_key`.
    pub fn new(store: Store, api_key: ApiKey) -> Self {
        Self { store, api_key }
    }

    /// Handles one request. Never fails: every failure is a JSON error response (see
    /// [`ApiError`]: 404 `unknown_code`, 409 `not_issued`, 409 `already_redeemed` with
    /// `redeemed_at`, 410 `expired` with `expired_at`). Success is 200 with
    /// `{"redeemed_at", "influencer", "replayed"}`; `replayed` is true when this order had already
    /// redeemed this code.
    pub async fn handle(&self, req: Request) -> Response {
        self.try_handle(&req)
            .await
            .unwrap_or_else(|e| e.to_response())
    }

    async fn try_handle(&self, req: &Request) -> Result<Response, ApiError> {
        self.api_key.check(req.headers())?;
        match_route(req.uri().path(), REDEMPTIONS_ROUTE).ok_or(ApiError::NotFound)?;
        require_method(req.method(), Method::POST)?;
        let body: RedeemBody = parse_json_body(req)?;
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
