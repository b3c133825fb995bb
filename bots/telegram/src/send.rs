//! Calls to the Bot API and what their failures mean for an update: Telegram's 429 is
//! respected (waited out in place when short, otherwise handed back so the update is retried
//! later), 5xx and network failures are retried later, and a recipient who blocked the bot (or
//! never started it) is unreachable: their claim stays with them, nothing is retried.

use crate::service::TelegramService;
use secrecy::ExposeSecret;
use std::future::IntoFuture;
use std::time::Duration;
use teloxide::ApiError;
use teloxide::RequestError;
use teloxide::payloads::{AnswerCallbackQuerySetters, SendMessageSetters};
use teloxide::prelude::Requester;
use teloxide::types::{
    CallbackQueryId, ChatId, InlineKeyboardMarkup, MessageId, ParseMode, ReplyParameters,
};

/// A failure that leaves the update to be handled again later (webhook: a 5xx answer, so
/// Telegram redelivers it; long polling: a retry in place).
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// Telegram's flood control: wait this long before calling again.
    #[error("Telegram asked to wait {0:?}")]
    RateLimited(Duration),
    /// Telegram did not answer usefully (5xx, network, a body that is not the Bot API's).
    #[error("Telegram is unavailable: {0}")]
    Telegram(String),
    /// The store failed.
    #[error("the store failed: {0}")]
    Store(#[from] promo_store::StoreError),
    /// The update took longer than the handler's deadline.
    #[error("the update took longer than the deadline")]
    Deadline,
    /// Handling the update panicked (a bug); the panic was caught and the delivery released,
    /// so a redelivery is handled at once.
    #[error("handling the update panicked")]
    Panicked,
}

impl ProcessError {
    /// How long Telegram asked to wait, for a 429.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited(d) => Some(*d),
            _ => None,
        }
    }
}

/// A Bot API call that Telegram refused for good: retrying would not help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The user blocked the bot, deleted their account or never started it.
    Unreachable,
    /// Anything else (a bad request); the reason went to the log.
    Other,
}

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sent {
    Delivered,
    Unreachable,
    Rejected,
}

impl TelegramService {
    /// Runs a Bot API call built by `make`, waiting out one 429 in place when its
    /// `retry_after` is within [`crate::Tuning::max_inline_wait`]. Only this call waits: in
    /// long polling, each chat's updates have their own queue, so other chats go on.
    pub(crate) async fn call<T, R>(
        &self,
        method: &'static str,
        make: impl Fn() -> R,
    ) -> Result<Result<T, Refused>, ProcessError>
    where
        R: IntoFuture<Output = Result<T, RequestError>>,
    {
        let mut waited = false;
        loop {
            match make().into_future().await {
                Ok(v) => return Ok(Ok(v)),
                Err(RequestError::RetryAfter(s))
                    if !waited && s.duration() <= self.tuning().max_inline_wait =>
                {
                    tracing::info!(
                        method,
                        retry_after_s = s.seconds(),
                        "Telegram rate limit, waiting"
                    );
                    waited = true;
                    tokio::time::sleep(s.duration()).await;
                }
                Err(e) => return self.classify(method, e),
            }
        }
    }

    fn classify<T>(
        &self,
        method: &'static str,
        err: RequestError,
    ) -> Result<Result<T, Refused>, ProcessError> {
        let shown = redact(&err.to_string(), self.config().token.expose_secret());
        match &err {
            RequestError::RetryAfter(s) => Err(ProcessError::RateLimited(s.duration())),
            RequestError::Network(_) | RequestError::InvalidJson { .. } | RequestError::Io(_) => {
                tracing::warn!(method, error = %shown, "Telegram call failed, will retry");
                Err(ProcessError::Telegram(shown))
            }
            RequestError::Api(api) if is_unreachable(api) => {
                tracing::info!(method, "recipient unreachable");
                Ok(Err(Refused::Unreachable))
            }
            RequestError::Api(ApiError::InvalidToken) => {
                tracing::error!(method, "Telegram refused the bot token");
                Err(ProcessError::Telegram(shown))
            }
            RequestError::Api(ApiError::Unknown(text)) if !is_client_error(text) => {
                tracing::warn!(method, error = %shown, "Telegram call failed, will retry");
                Err(ProcessError::Telegram(shown))
            }
            _ => {
                tracing::error!(method, error = %shown, "Telegram refused a call");
                Ok(Err(Refused::Other))
            }
        }
    }

    /// Sends an HTML message.
    pub(crate) async fn send(
        &self,
        chat: ChatId,
        html: String,
        buttons: Option<InlineKeyboardMarkup>,
        reply_to: Option<MessageId>,
    ) -> Result<Sent, ProcessError> {
        let outcome = self
            .call("sendMessage", || {
                let mut req = self
                    .bot()
                    .send_message(chat, html.clone())
                    .parse_mode(ParseMode::Html);
                if let Some(markup) = &buttons {
                    req = req.reply_markup(markup.clone());
                }
                if let Some(id) = reply_to {
                    req = req.reply_parameters(ReplyParameters {
                        allow_sending_without_reply: Some(true),
                        ..ReplyParameters::new(id)
                    });
                }
                req
            })
            .await?;
        Ok(match outcome {
            Ok(_) => Sent::Delivered,
            Err(Refused::Unreachable) => Sent::Unreachable,
            Err(Refused::Other) => Sent::Rejected,
        })
    }

    /// Answers a button tap (stops the client's spinner), with an optional notice. Best
    /// effort: a failure is logged, never retried (the query expires within seconds anyway).
    pub(crate) async fn answer(&self, query: &CallbackQueryId, notice: Option<&str>) {
        let result = self
            .call("answerCallbackQuery", || {
                let req = self.bot().answer_callback_query(query.clone());
                match notice {
                    Some(text) => req.text(text),
                    None => req,
                }
            })
            .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "answering a button tap failed");
        }
    }
}

fn is_unreachable(err: &ApiError) -> bool {
    matches!(
        err,
        ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::ChatNotFound
            | ApiError::CantInitiateConversation
            | ApiError::CantTalkWithBots
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::BotKickedFromChannel
    ) || matches!(err, ApiError::Unknown(text) if text.starts_with("Forbidden"))
}

// Telegram's 4xx descriptions start with their status text; anything else (5xx from Telegram
// or a proxy in front of it) is worth retrying.
fn is_client_error(description: &str) -> bool {
    [
        "Bad Request",
        "Forbidden",
        "Unauthorized",
        "Conflict",
        "Not Found",
    ]
    .iter()
    .any(|p| description.starts_with(p))
}

/// `text` with every occurrence of the bot token replaced: reqwest errors carry the request
/// URL, which carries the token.
pub(crate) fn redact(text: &str, token: &str) -> String {
    if token.is_empty() {
        text.to_owned()
    } else {
        text.replace(token, "<token>")
    }
}
