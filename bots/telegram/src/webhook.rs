//! `POST /telegram/webhook`: the update Telegram pushes, behind the secret-token header.
//!
//! | status | when |
//! |--------|------|
//! | 200 | handled, ignored, or a duplicate of a handled update |
//! | 400 | the body is not JSON, or not an update |
//! | 401 | `X-Telegram-Bot-Api-Secret-Token` missing or wrong (nothing is read or written) |
//! | 404 / 405 | another path / method |
//! | 413 | the body is over [`MAX_UPDATE_BYTES`] |
//! | 503 | in flight elsewhere, or failed in a way worth retrying: Telegram redelivers it |
//! | 500 | the store failed for good, or handling panicked (logged without the update; the
//! |     | delivery is released, so the redelivery Telegram sends is handled at once) |

use crate::service::{Delivered, TelegramService};
use futures::FutureExt;
use lambda_http::http::Method;
use promo_api::{ApiError, Request, Response, json_response, match_route, require_method};
use std::panic::AssertUnwindSafe;
use teloxide::types::Update;

/// The webhook's path (matched at the end of the request path, so a stage prefix is fine).
pub const WEBHOOK_ROUTE: &str = "/telegram/webhook";

/// The header carrying the webhook's secret token.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// The largest update accepted: 1 MiB.
pub const MAX_UPDATE_BYTES: usize = 1 << 20;

impl TelegramService {
    /// Handles one webhook request. Never fails: every outcome is a response (see the module
    /// docs for the statuses).
    pub async fn handle(&self, req: Request) -> Response {
        match self.try_handle(&req).await {
            Ok(r) => r,
            Err(e) => e.to_response(),
        }
    }

    // A panic anywhere below (the update's handling catches its own; this is the last line)
    // is a 500, which Telegram redelivers, and never a dropped connection.
    async fn try_handle(&self, req: &Request) -> Result<Response, ApiError> {
        match AssertUnwindSafe(self.answer_request(req))
            .catch_unwind()
            .await
        {
            Ok(answer) => answer,
            Err(_) => {
                tracing::error!("the webhook handler panicked");
                Err(ApiError::Internal)
            }
        }
    }

    async fn answer_request(&self, req: &Request) -> Result<Response, ApiError> {
        match_route(req.uri().path(), WEBHOOK_ROUTE).ok_or(ApiError::NotFound)?;
        require_method(req.method(), Method::POST)?;
        self.check_secret(req)?;
        let body: &[u8] = req.body();
        if body.len() > MAX_UPDATE_BYTES {
            return Err(ApiError::PayloadTooLarge);
        }
        let update: Update = serde_json::from_slice(body).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => ApiError::BadRequest("not an update".into()),
            _ => ApiError::InvalidJson,
        })?;
        let update_id = update.id.0;
        let deadline = self.tuning().deadline;
        let delivered = tokio::time::timeout(deadline, self.deliver(update))
            .await
            .unwrap_or(Delivered::Failed(crate::ProcessError::Deadline));
        match delivered {
            Delivered::Processed | Delivered::Ignored | Delivered::Duplicate => Ok(json_response(
                lambda_http::http::StatusCode::OK,
                &serde_json::json!({"ok": true}),
            )),
            Delivered::InFlight => {
                tracing::info!(
                    update_id,
                    "update in flight elsewhere; asking for a redelivery"
                );
                Err(ApiError::Busy)
            }
            Delivered::Failed(crate::ProcessError::Store(e)) if !e.is_retryable() => {
                tracing::error!(update_id, error = %e, "store failed on an update");
                Err(ApiError::Internal)
            }
            Delivered::Failed(crate::ProcessError::Panicked) => Err(ApiError::Internal),
            Delivered::Failed(_) => Err(ApiError::Busy),
        }
    }

    fn check_secret(&self, req: &Request) -> Result<(), ApiError> {
        let Some(secret) = &self.config().secret else {
            return Err(ApiError::Unauthorized);
        };
        let given = req
            .headers()
            .get(SECRET_HEADER)
            .ok_or(ApiError::Unauthorized)?;
        if secret.matches(given.as_bytes()) {
            Ok(())
        } else {
            Err(ApiError::Unauthorized)
        }
    }
}
