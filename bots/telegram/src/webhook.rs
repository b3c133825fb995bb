//! `POST /telegram/webhook`: the update Telegram pushes, behind the secret-token header.
//!
//! | status | when |
//! |--------|------|
//! | 200 | handled, ignored, or a duplicate of a handled update |
//! | 400 | the body is not JSON, or not an update |
//! | 401 | `X-Telegram-Bot-Api-Secret-Token` missing or wrong (nothing is read or written) |
//! | 404 / 405 | another path / method |
//! | 413 | the body is over the webhook limit ([`promo_api::BodyClass::Webhook`]) |
//! | 503 | in flight elsewhere, or failed in a way worth retrying: Telegram redelivers it |
//! | 500 | the store failed for good, or handling panicked (logged without the update; the
//! |     | delivery is released, so the redelivery Telegram sends is handled at once) |

use crate::service::{Delivered, TelegramService};
use axum::Router;
use axum::extract::State;
use lambda_http::http::HeaderMap;
use promo_api::{ApiError, Buffered, RawBody, Request, Response, json_response, routes};
use teloxide::types::Update;

/// The header carrying the webhook's secret token.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

impl TelegramService {
    /// The webhook's route ([`routes::TELEGRAM_WEBHOOK`]). Every outcome is a response (see the
    /// module docs for the statuses).
    pub fn router(&self) -> Router {
        routes::TELEGRAM_WEBHOOK
            .mount(Router::new(), webhook)
            .with_state(self.clone())
    }

    /// Runs [`Self::router`] on one request (tests and in-process drivers).
    pub async fn handle(&self, req: Request) -> Buffered {
        promo_api::call(self.router(), req).await
    }

    async fn webhook(&self, headers: &HeaderMap, body: &[u8]) -> Result<Response, ApiError> {
        self.check_secret(headers)?;
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

    fn check_secret(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(secret) = &self.config().secret else {
            return Err(ApiError::Unauthorized);
        };
        let given = headers.get(SECRET_HEADER).ok_or(ApiError::Unauthorized)?;
        if secret.matches(given.as_bytes()) {
            Ok(())
        } else {
            Err(ApiError::Unauthorized)
        }
    }
}

async fn webhook(
    State(svc): State<TelegramService>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Response {
    svc.webhook(&headers, &body)
        .await
        .unwrap_or_else(|e| e.to_response())
}
