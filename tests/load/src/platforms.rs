//! Fake chat platforms on loopback: the Telegram Bot API the bot sends codes through, and the
//! Discord API a deferred interaction is finished through. Each keeps only what the harness
//! checks: which code each chat (or interaction) was shown.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{patch, post};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Codes shown, by recipient (a Telegram chat id, or a Discord interaction token).
#[derive(Debug, Default, Clone)]
pub struct Shown {
    inner: Arc<Mutex<HashMap<String, Vec<String>>>>,
}

impl Shown {
    fn add(&self, to: String, code: String) {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(to)
            .or_default()
            .push(code);
    }

    /// Every code shown to `to`, in order.
    pub fn to(&self, recipient: &str) -> Vec<String> {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(recipient)
            .cloned()
            .unwrap_or_default()
    }

    /// How many messages carried a code.
    pub fn messages(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(Vec::len)
            .sum()
    }
}

/// The code in a Telegram message (set in `<code>`), if any.
pub fn telegram_code(text: &str) -> Option<String> {
    let (_, rest) = text.split_once("<code>")?;
    let (code, _) = rest.split_once("</code>")?;
    Some(code.to_owned())
}

/// The code in a Discord reply (in a code block, or between backticks), if any.
pub fn discord_code(text: &str) -> Option<String> {
    // A code block (```\nCODE\n```) first, else inline backticks.
    let (open, close) = if text.contains("```\n") {
        ("```\n", "\n```")
    } else {
        ("`", "`")
    };
    let (_, rest) = text.split_once(open)?;
    let (code, _) = rest.split_once(close)?;
    Some(code.to_owned())
}

/// A running fake server. Stops when dropped.
pub struct FakePlatform {
    /// Its base URL.
    pub url: String,
    /// What it was shown.
    pub shown: Shown,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakePlatform {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(router: Router) -> std::io::Result<(String, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok((url, task))
}

impl FakePlatform {
    /// A Telegram Bot API: every method answers `ok`; `sendMessage` records the code it
    /// carries under the chat id.
    pub async fn telegram() -> std::io::Result<Self> {
        let shown = Shown::default();
        let router = Router::new()
            .route("/{bot}/{method}", post(bot_api))
            .with_state(shown.clone());
        let (url, task) = serve(router).await?;
        Ok(Self {
            url: format!("{url}/"),
            shown,
            task,
        })
    }

    /// A Discord API: edits of an interaction's original response record their code under the
    /// interaction token.
    pub async fn discord() -> std::io::Result<Self> {
        let shown = Shown::default();
        let router = Router::new()
            .route(
                "/api/v10/webhooks/{app}/{token}/messages/@original",
                patch(discord_edit),
            )
            .with_state(shown.clone());
        let (url, task) = serve(router).await?;
        Ok(Self { url, shown, task })
    }
}

async fn bot_api(
    State(shown): State<Shown>,
    Path((_bot, method)): Path<(String, String)>,
    body: Bytes,
) -> axum::Json<Value> {
    let params: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    promo_testkit::contract::telegram_call(&method, &params);
    let result = if method.eq_ignore_ascii_case("sendMessage") {
        let chat = params["chat_id"].as_i64().unwrap_or_default();
        if let Some(code) = params["text"].as_str().and_then(telegram_code) {
            shown.add(chat.to_string(), code);
        }
        json!({
            "message_id": 1,
            "from": {"id": 999, "is_bot": true, "first_name": "Promo", "username": "promo_load_bot"},
            "chat": {"id": chat, "first_name": "U", "type": "private"},
            "date": 1_700_000_000,
            "text": "",
        })
    } else {
        Value::Bool(true)
    };
    axum::Json(json!({"ok": true, "result": result}))
}

async fn discord_edit(
    State(shown): State<Shown>,
    Path((app, token)): Path<(String, String)>,
    body: Bytes,
) -> axum::Json<Value> {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    promo_testkit::contract::discord_request(
        "PATCH",
        &format!("/webhooks/{app}/{token}/messages/@original"),
        &body,
    );
    if let Some(code) = body["content"].as_str().and_then(discord_code) {
        shown.add(token, code);
    }
    axum::Json(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_found_in_both_platforms_formats() {
        assert_eq!(
            telegram_code("Your code:\n\n<code>ABCD-EFGHIJ-KLMNOP</code>\n").as_deref(),
            Some("ABCD-EFGHIJ-KLMNOP")
        );
        assert_eq!(
            discord_code("Here is your code: `ABCD-EFGHIJ-KLMNOP`\nRedeem").as_deref(),
            Some("ABCD-EFGHIJ-KLMNOP")
        );
        assert_eq!(
            discord_code("Here is your code for B0 (5%):\n```\nABCD-EFGHIJ-KLMNOP\n```\nHow")
                .as_deref(),
            Some("ABCD-EFGHIJ-KLMNOP")
        );
        assert_eq!(telegram_code("Sorry, all codes have been claimed."), None);
        assert_eq!(discord_code("Something went wrong"), None);
    }
}
