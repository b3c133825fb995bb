//! A fake Discord API on loopback: records follow-up edits and command registrations.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{patch, put};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// What the fake received.
#[derive(Default)]
pub struct Seen {
    /// Edits of original responses: (interaction token, body).
    pub edits: Vec<(String, Value)>,
    /// Command registrations: (path, body).
    pub registrations: Vec<(String, Value)>,
}

pub struct FakeDiscord {
    pub url: String,
    pub seen: Arc<Mutex<Seen>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Shared = Arc<Mutex<Seen>>;

async fn edit(
    State(seen): State<Shared>,
    Path((app, token)): Path<(String, String)>,
    body: Bytes,
) -> axum::Json<Value> {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    promo_testkit::contract::discord_request(
        "PATCH",
        &format!("/webhooks/{app}/{token}/messages/@original"),
        &body,
    );
    seen.lock().expect("lock").edits.push((token, body));
    axum::Json(json!({}))
}

fn echo_commands(app: &str, guild: Option<&str>, body: &Value) -> Value {
    let list = body.as_array().cloned().unwrap_or_default();
    Value::Array(
        list.into_iter()
            .enumerate()
            .map(|(i, mut c)| {
                c["id"] = json!(format!("{}", 1_000 + i));
                c["application_id"] = json!(app);
                c["version"] = json!("1");
                c["type"] = c.get("type").cloned().unwrap_or(json!(1));
                c["default_member_permissions"] = c
                    .get("default_member_permissions")
                    .cloned()
                    .unwrap_or(Value::Null);
                if let Some(g) = guild {
                    c["guild_id"] = json!(g);
                }
                c
            })
            .collect(),
    )
}

async fn global(
    State(seen): State<Shared>,
    Path(app): Path<String>,
    body: Bytes,
) -> axum::Json<Value> {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    promo_testkit::contract::discord_request(
        "PUT",
        &format!("/applications/{app}/commands"),
        &body,
    );
    let out = echo_commands(&app, None, &body);
    seen.lock()
        .expect("lock")
        .registrations
        .push((format!("/applications/{app}/commands"), body));
    axum::Json(out)
}

async fn guild(
    State(seen): State<Shared>,
    Path((app, guild)): Path<(String, String)>,
    body: Bytes,
) -> axum::Json<Value> {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    promo_testkit::contract::discord_request(
        "PUT",
        &format!("/applications/{app}/guilds/{guild}/commands"),
        &body,
    );
    let out = echo_commands(&app, Some(&guild), &body);
    seen.lock()
        .expect("lock")
        .registrations
        .push((format!("/applications/{app}/guilds/{guild}/commands"), body));
    axum::Json(out)
}

impl FakeDiscord {
    pub async fn start() -> Self {
        let seen: Shared = Arc::default();
        let app = Router::new()
            .route(
                "/api/v10/webhooks/{app}/{token}/messages/@original",
                patch(edit),
            )
            .route("/api/v10/applications/{app}/commands", put(global))
            .route(
                "/api/v10/applications/{app}/guilds/{guild}/commands",
                put(guild),
            )
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, seen, task }
    }

    pub fn edits(&self) -> Vec<(String, Value)> {
        self.seen.lock().expect("lock").edits.clone()
    }

    pub fn registrations(&self) -> Vec<(String, Value)> {
        self.seen.lock().expect("lock").registrations.clone()
    }
}
