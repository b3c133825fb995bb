//! A fake Telegram Bot API on loopback: records every call (method and JSON parameters) and
//! answers like Telegram, or with the failures a test scripts.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::Notify;

/// One recorded Bot API call.
#[derive(Debug, Clone)]
pub struct Call {
    /// The method, e.g. `sendMessage`.
    pub method: String,
    /// Its JSON parameters.
    pub params: Value,
    /// When it arrived.
    pub at: Instant,
}

/// A failure to answer a call with, as Telegram does.
#[derive(Debug, Clone)]
pub enum Failure {
    /// 403: the user blocked the bot.
    Blocked,
    /// 429 with `retry_after` seconds.
    RetryAfter(u32),
    /// 500 from Telegram.
    ServerError,
    /// 400 with a description.
    BadRequest(&'static str),
}

/// Flood control on one chat, as Telegram applies it: the first message after it is switched on
/// starts a window of `secs`; every message to the chat in the window is refused with the
/// time left, and messages after it go through.
struct Throttle {
    secs: u32,
    until: Option<Instant>,
}

#[derive(Default)]
struct Inner {
    calls: Vec<Call>,
    failures: HashMap<String, VecDeque<Failure>>,
    throttles: HashMap<i64, Throttle>,
    members: HashMap<u64, &'static str>,
    updates: VecDeque<Value>,
    next_message_id: i64,
}

/// The fake server's handle.
#[derive(Clone)]
pub struct FakeBotApi {
    inner: Arc<Mutex<Inner>>,
    updates_ready: Arc<Notify>,
    /// The base URL to give teloxide (`http://127.0.0.1:<port>/`).
    pub url: String,
}

impl FakeBotApi {
    /// Starts the server on a loopback port.
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let updates_ready = Arc::new(Notify::new());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let api = Self {
            inner,
            updates_ready,
            url: format!("http://{addr}/"),
        };
        let app = Router::new()
            .route("/{bot}/{method}", axum::routing::post(answer))
            .with_state(api.clone());
        tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("fake Bot API serves");
        });
        api
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// The calls of `method` so far.
    pub fn calls_of(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method)
            .collect()
    }

    /// The texts of every `sendMessage` so far.
    pub fn texts(&self) -> Vec<String> {
        self.calls_of("sendMessage")
            .iter()
            .map(|c| c.params["text"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Forgets the calls so far.
    pub fn clear(&self) {
        self.lock().calls.clear();
    }

    /// Answers the next call of `method` with `failure` (queued after earlier ones).
    pub fn fail_next(&self, method: &str, failure: Failure) {
        self.lock()
            .failures
            .entry(method.to_owned())
            .or_default()
            .push_back(failure);
    }

    /// Puts chat `chat` under flood control for `secs` from its next message (see
    /// [`Throttle`]).
    pub fn throttle_chat(&self, chat: i64, secs: u32) {
        self.lock()
            .throttles
            .insert(chat, Throttle { secs, until: None });
    }

    /// The texts of every `sendMessage` to chat `chat` so far, with when each arrived.
    pub fn sent_to(&self, chat: i64) -> Vec<(String, Instant)> {
        self.calls_of("sendMessage")
            .iter()
            .filter(|c| c.params["chat_id"].as_i64() == Some(chat))
            .map(|c| {
                (
                    c.params["text"].as_str().unwrap_or_default().to_owned(),
                    c.at,
                )
            })
            .collect()
    }

    /// Makes `getChatMember` answer `status` (`member`, `left`, ...) for `user`.
    pub fn set_member(&self, user: u64, status: &'static str) {
        self.lock().members.insert(user, status);
    }

    /// Queues an update for `getUpdates`.
    pub fn push_update(&self, update: Value) {
        promo_testkit::contract::telegram_update(&update);
        self.lock().updates.push_back(update);
        self.updates_ready.notify_waiters();
    }
}

async fn answer(
    State(api): State<FakeBotApi>,
    Path((_bot, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let params: Value = match content_type.strip_prefix("multipart/form-data") {
        Some(rest) => form_fields(rest, &body),
        None => serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    // teloxide names methods `SendMessage`; Telegram's names are case-insensitive.
    let mut chars = method.chars();
    let method: String = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => method,
    };
    promo_testkit::contract::telegram_call(&method, &params);
    let failure = {
        let mut inner = api.lock();
        inner.calls.push(Call {
            method: method.clone(),
            params: params.clone(),
            at: Instant::now(),
        });
        let chat = params["chat_id"].as_i64();
        let now = Instant::now();
        let throttled = chat
            .and_then(|chat| inner.throttles.get_mut(&chat))
            .filter(|_| method == "sendMessage")
            .and_then(|t| {
                let until = *t
                    .until
                    .get_or_insert(now + std::time::Duration::from_secs(t.secs.into()));
                let left = until.saturating_duration_since(now);
                (!left.is_zero()).then(|| Failure::RetryAfter(left.as_secs_f64().ceil() as u32))
            });
        throttled.or_else(|| {
            inner
                .failures
                .get_mut(&method)
                .and_then(VecDeque::pop_front)
        })
    };
    if let Some(failure) = failure {
        return fail(failure);
    }
    let result = match method.as_str() {
        "sendMessage" => {
            let id = {
                let mut inner = api.lock();
                inner.next_message_id += 1;
                inner.next_message_id
            };
            message(id, &params)
        }
        "getChatMember" => {
            let user = params["user_id"].as_u64().unwrap_or_default();
            let status = api.lock().members.get(&user).copied().unwrap_or("left");
            json!({"status": status, "user": {"id": user, "is_bot": false, "first_name": "U"}})
        }
        "getUpdates" => {
            let offset = params["offset"].as_i64().unwrap_or(0);
            let wait = api.updates_ready.notified();
            let ready = {
                let mut inner = api.lock();
                inner
                    .updates
                    .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
                !inner.updates.is_empty()
            };
            if !ready {
                let _ = tokio::time::timeout(std::time::Duration::from_millis(200), wait).await;
            }
            // Like Telegram: updates stay until a later call's offset confirms them.
            let mut inner = api.lock();
            inner
                .updates
                .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
            Value::Array(inner.updates.iter().cloned().collect())
        }
        "getMe" => {
            json!({"id": 999, "is_bot": true, "first_name": "Promo", "username": "promo_test_bot"})
        }
        _ => Value::Bool(true),
    };
    (
        StatusCode::OK,
        axum::Json(json!({"ok": true, "result": result})),
    )
        .into_response()
}

fn fail(failure: Failure) -> Response {
    let (status, body) = match failure {
        Failure::Blocked => (
            StatusCode::FORBIDDEN,
            json!({"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}),
        ),
        Failure::RetryAfter(s) => (
            StatusCode::TOO_MANY_REQUESTS,
            json!({"ok": false, "error_code": 429,
                   "description": format!("Too Many Requests: retry after {s}"),
                   "parameters": {"retry_after": s}}),
        ),
        Failure::ServerError => (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"ok": false, "error_code": 500, "description": "Internal Server Error"}),
        ),
        Failure::BadRequest(d) => (
            StatusCode::BAD_REQUEST,
            json!({"ok": false, "error_code": 400, "description": d}),
        ),
    };
    (status, axum::Json(body)).into_response()
}

fn message(id: i64, params: &Value) -> Value {
    let chat_id = params["chat_id"].as_i64().unwrap_or_default();
    let chat = if chat_id < 0 {
        json!({"id": chat_id, "title": "Group", "type": "supergroup"})
    } else {
        json!({"id": chat_id, "first_name": "U", "type": "private"})
    };
    json!({
        "message_id": id,
        "from": {"id": 999, "is_bot": true, "first_name": "Promo", "username": "promo_test_bot"},
        "chat": chat,
        "date": 1_700_000_000,
        "text": params["text"].clone(),
    })
}

/// The fields of a `multipart/form-data` body (teloxide sends `setWebhook` so, for its optional
/// certificate), given the content type after `multipart/form-data`. Telegram reads a list or
/// object field's value as JSON, and so does this.
fn form_fields(content_type: &str, body: &[u8]) -> Value {
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .unwrap_or_default()
        .trim_matches('"');
    let text = String::from_utf8_lossy(body);
    let mut fields = serde_json::Map::new();
    for part in text.split(&format!("--{boundary}")) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let Some(name) = head
            .split("name=\"")
            .nth(1)
            .and_then(|n| n.split('"').next())
        else {
            continue;
        };
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        let json = serde_json::from_str::<Value>(value)
            .ok()
            .filter(|v| v.is_array() || v.is_object());
        fields.insert(
            name.to_owned(),
            json.unwrap_or_else(|| Value::String(value.to_owned())),
        );
    }
    Value::Object(fields)
}
