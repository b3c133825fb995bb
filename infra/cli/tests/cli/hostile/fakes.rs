//! Fake platform APIs on loopback that record everything the bots send: the Telegram Bot API
//! (answering `sendMessage` with a Message teloxide accepts) and the Discord API (follow-up
//! edits). A hostile case proves from these records that no code went to anyone.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{Method, Uri};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// One call a bot made.
#[derive(Debug, Clone)]
pub struct Call {
    /// Telegram: the method (`sendMessage`); Discord: `PATCH /api/v10/...`.
    pub method: String,
    /// The JSON parameters (or `null`).
    pub params: Value,
}

impl Call {
    /// The chat a Telegram call addresses, as text (`chat_id` may be a number or a string).
    pub fn chat(&self) -> String {
        match &self.params["chat_id"] {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => String::new(),
        }
    }
}

type Calls = Arc<Mutex<Vec<Call>>>;

fn lock(calls: &Calls) -> std::sync::MutexGuard<'_, Vec<Call>> {
    calls.lock().unwrap_or_else(|p| p.into_inner())
}

/// A fake API server's handle; the server stops when the test's runtime ends.
#[derive(Clone)]
pub struct Fake {
    /// The base URL to give the bot.
    pub url: String,
    calls: Calls,
}

impl Fake {
    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        lock(&self.calls).clone()
    }

    /// How many calls so far (a mark for [`Self::since`]).
    pub fn mark(&self) -> usize {
        lock(&self.calls).len()
    }

    /// The calls after `mark`.
    pub fn since(&self, mark: usize) -> Vec<Call> {
        lock(&self.calls).iter().skip(mark).cloned().collect()
    }

    async fn serve(app: Router, calls: Calls, trailing_slash: bool) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a fake API");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let slash = if trailing_slash { "/" } else { "" };
        Self {
            url: format!("http://{addr}{slash}"),
            calls,
        }
    }

    /// The Telegram Bot API: `POST /bot<token>/<method>`.
    pub async fn telegram() -> Self {
        let calls: Calls = Arc::default();
        let app = Router::new()
            .route("/{bot}/{method}", axum::routing::post(telegram_method))
            .with_state(calls.clone());
        Self::serve(app, calls, true).await
    }

    /// The Discord API: records every request, answers `{}`.
    pub async fn discord() -> Self {
        let calls: Calls = Arc::default();
        let app = Router::new()
            .fallback(discord_any)
            .with_state(calls.clone());
        Self::serve(app, calls, false).await
    }
}

async fn telegram_method(
    State(calls): State<Calls>,
    Path((_bot, method)): Path<(String, String)>,
    body: Bytes,
) -> axum::Json<Value> {
    let params: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    // teloxide writes `SendMessage`; Telegram's method names are case-insensitive.
    let mut chars = method.chars();
    let method: String = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => method,
    };
    promo_testkit::contract::telegram_call(&method, &params);
    let id = {
        let mut calls = lock(&calls);
        calls.push(Call {
            method: method.clone(),
            params: params.clone(),
        });
        calls.len() as i64
    };
    let result = match method.as_str() {
        "sendMessage" | "editMessageText" => message(id, &params),
        "getChatMember" => {
            let user = params["user_id"].as_u64().unwrap_or_default();
            json!({"status": "left", "user": {"id": user, "is_bot": false, "first_name": "U"}})
        }
        "getMe" => {
            json!({"id": 999, "is_bot": true, "first_name": "Promo", "username": "hostile_bot"})
        }
        "getUpdates" => json!([]),
        _ => json!(true),
    };
    axum::Json(json!({"ok": true, "result": result}))
}

/// A Message as Telegram returns it for a sent message.
fn message(id: i64, params: &Value) -> Value {
    let chat_id = params["chat_id"].as_i64().unwrap_or_default();
    let chat = if chat_id < 0 {
        json!({"id": chat_id, "title": "Group", "type": "supergroup"})
    } else {
        json!({"id": chat_id, "first_name": "U", "type": "private"})
    };
    json!({
        "message_id": id,
        "from": {"id": 999, "is_bot": true, "first_name": "Promo", "username": "hostile_bot"},
        "chat": chat,
        "date": 1_700_000_000,
        "text": params["text"].as_str().unwrap_or("-"),
    })
}

async fn discord_any(
    State(calls): State<Calls>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> axum::Json<Value> {
    let params: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    promo_testkit::contract::discord_request(method.as_str(), uri.path(), &params);
    lock(&calls).push(Call {
        method: format!("{method} {}", uri.path()),
        params,
    });
    axum::Json(json!({}))
}
