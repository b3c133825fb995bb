//! Calls to Discord's HTTP API through serenity's client, at Discord or at the base URL the
//! configuration names (`PROMO_DISCORD_API_URL`, e.g. a fake on loopback in tests).

use crate::config::DiscordConfig;
use crate::replies::Reply;
use secrecy::{ExposeSecret, SecretString};
use serenity::http::{Http, HttpBuilder, LightMethod, Request, Route};
use serenity::model::id::ApplicationId;
use std::sync::Arc;

/// Why a call to Discord failed.
#[derive(Debug, thiserror::Error)]
pub enum DiscordApiError {
    /// The HTTP call failed.
    #[error("discord API call failed: {0}")]
    Http(#[from] serenity::Error),
    /// A body could not be built.
    #[error("building a request body: {0}")]
    Body(#[from] serde_json::Error),
}

/// Serenity's HTTP client for this application. Cheap to clone.
#[derive(Clone)]
pub struct DiscordApi {
    http: Arc<Http>,
    app_id: u64,
}

impl DiscordApi {
    /// A client for the configured application, token and API base.
    pub fn new(config: &DiscordConfig) -> Self {
        Self::for_app(
            config.app_id,
            config.token.as_ref(),
            config.api_url.as_deref(),
        )
    }

    /// A client for application `app_id` with an optional bot `token` (registration needs it;
    /// follow-ups do not), at `api_url` (`None`: Discord itself).
    pub fn for_app(app_id: u64, token: Option<&SecretString>, api_url: Option<&str>) -> Self {
        let token = token.map_or("", |t| t.expose_secret());
        let mut builder = HttpBuilder::new(token).application_id(ApplicationId::new(app_id.max(1)));
        if let Some(url) = api_url {
            // serenity swaps `https://discord.com` for this base in every route, but only when
            // its own rate limiter is off (the limiter sends to discord.com directly).
            builder = builder
                .proxy(url.trim_end_matches('/'))
                .ratelimiter_disabled(true);
        }
        Self {
            http: Arc::new(builder.build()),
            app_id,
        }
    }

    /// Serenity's client, for registering commands.
    pub fn http(&self) -> &Http {
        &self.http
    }

    /// Replaces the original (deferred) response of the interaction with `token` by `reply`:
    /// `PATCH /webhooks/{app}/{token}/messages/@original`.
    pub async fn edit_original(&self, token: &str, reply: &Reply) -> Result<(), DiscordApiError> {
        let body = serde_json::to_vec(&reply.edit())?;
        let route = Route::WebhookOriginalInteractionResponse {
            application_id: ApplicationId::new(self.app_id.max(1)),
            token,
        };
        let response = self
            .http
            .request(Request::new(route, LightMethod::Patch).body(Some(body)))
            .await?;
        // serenity turns non-2xx answers into errors; the body (the message) is not needed.
        drop(response);
        Ok(())
    }
}
