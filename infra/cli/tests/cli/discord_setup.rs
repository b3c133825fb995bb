//! `promo discord setup` against a fake Discord API on loopback: the Interactions Endpoint URL is
//! set with `PATCH /applications/@me` (the bot token in the header only), the commands are
//! registered after it, and the invite link is printed; Discord's refusal to verify the endpoint
//! is shown in its own words and nothing is registered then. `promo discord invite` needs no token,
//! and a reader that closed the pipe early ends promo with 141, as SIGPIPE would, not a panic.

use crate::common::{promo_env, stderr, stdout};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const TOKEN: &str = "setup-bot-token-value";
const APP: &str = "1234567890";
const INVITE: &str = "https://discord.com/oauth2/authorize?client_id=1234567890&scope=bot%20applications.commands&permissions=3072";

/// One request the fake saw: method and path, the Authorization header, the JSON body.
type Seen = Arc<Mutex<Vec<(String, String, Value)>>>;

#[derive(Clone)]
struct Fake {
    seen: Seen,
    /// Answer the PATCH as Discord does when its PING to the endpoint fails.
    unverifiable: bool,
}

async fn answer(
    State(fake): State<Fake>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, axum::Json<Value>) {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    promo_testkit::contract::discord_request(method.as_str(), uri.path(), &body);
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    fake.seen.lock().unwrap_or_else(|p| p.into_inner()).push((
        format!("{method} {}", uri.path()),
        auth,
        body.clone(),
    ));
    match (method.as_str(), uri.path()) {
        ("PATCH", "/api/v10/applications/@me") if fake.unverifiable => (
            StatusCode::BAD_REQUEST,
            axum::Json(
                json!({"code": 50035, "message": "Invalid Form Body", "errors": {
                "interactions_endpoint_url": {"_errors": [{
                    "code": "APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID",
                    "message": "The specified interactions endpoint url could not be verified."}]}}}),
            ),
        ),
        ("PATCH", "/api/v10/applications/@me") => (
            StatusCode::OK,
            axum::Json(json!({
                "id": APP, "name": "Shop", "icon": null, "description": "", "bot_public": true,
                "bot_require_code_grant": false, "verify_key": "ab".repeat(32), "flags": 0,
                "interactions_endpoint_url": body["interactions_endpoint_url"],
            })),
        ),
        ("PUT", path) if path == format!("/api/v10/applications/{APP}/commands") => {
            let commands: Vec<Value> = body
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, c)| {
                    let mut c = c.clone();
                    c["id"] = json!((1000 + i).to_string());
                    c["application_id"] = json!(APP);
                    c["version"] = json!("1");
                    c["type"] = c.get("type").cloned().unwrap_or(json!(1));
                    c
                })
                .collect();
            (StatusCode::OK, axum::Json(Value::Array(commands)))
        }
        _ => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"message": "404: Not Found"})),
        ),
    }
}

async fn fake(unverifiable: bool) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new().fallback(answer).with_state(Fake {
        seen: seen.clone(),
        unverifiable,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the fake Discord API");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), seen)
}

async fn setup(api: &str, url: &str) -> std::process::Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    let (api, url) = (api.to_owned(), url.to_owned());
    tokio::task::spawn_blocking(move || {
        promo_env(
            &data,
            &["discord", "setup", "--url", &url],
            &[
                ("PROMO_DISCORD_TOKEN", TOKEN),
                ("PROMO_DISCORD_APP_ID", APP),
                ("PROMO_DISCORD_API_URL", &api),
            ],
        )
    })
    .await
    .expect("promo ran")
}

fn seen(seen: &Seen) -> Vec<(String, String, Value)> {
    seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_sets_the_endpoint_then_registers_the_commands_and_prints_the_invite() {
    let (api, requests) = fake(false).await;
    let out = setup(&api, "https://abc.execute-api.us-east-1.amazonaws.com/").await;
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    let endpoint = "https://abc.execute-api.us-east-1.amazonaws.com/discord/interactions";
    assert!(
        text.contains(&format!("interactions endpoint set: {endpoint}")),
        "{text}"
    );
    assert!(text.contains("registered globally: /claim"), "{text}");
    assert!(text.contains(INVITE), "{text}");
    assert!(!text.contains(TOKEN) && !stderr(&out).contains(TOKEN));

    let requests = seen(&requests);
    let routes: Vec<&str> = requests.iter().map(|(r, _, _)| r.as_str()).collect();
    assert_eq!(
        routes,
        [
            "PATCH /api/v10/applications/@me",
            "PUT /api/v10/applications/1234567890/commands"
        ]
    );
    for (_, auth, _) in &requests {
        assert_eq!(auth, &format!("Bot {TOKEN}"));
    }
    assert_eq!(
        requests[0].2,
        json!({ "interactions_endpoint_url": endpoint })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_discord_cannot_verify_is_reported_and_nothing_is_registered() {
    let (api, requests) = fake(true).await;
    let out = setup(&api, "https://tunnel.example.com").await;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("The specified interactions endpoint url could not be verified."),
        "{err}"
    );
    assert!(
        err.contains("https://tunnel.example.com/discord/interactions"),
        "{err}"
    );
    assert!(!err.contains(TOKEN) && !stdout(&out).contains(TOKEN));
    let requests = seen(&requests);
    assert_eq!(
        requests.len(),
        1,
        "registered after a refusal: {requests:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_url_is_refused_before_discord_is_called() {
    let (api, requests) = fake(false).await;
    for url in [
        "http://abc.example.com",
        "https://user:pw@abc.example.com",
        "https://abc.example.com/?x=1",
        "nonsense",
        "https://",
    ] {
        let out = setup(&api, url).await;
        assert!(!out.status.success(), "{url:?} accepted");
        assert!(stderr(&out).contains("--url"), "{url:?}: {}", stderr(&out));
    }
    assert!(seen(&requests).is_empty(), "Discord was called");
}

#[test]
fn the_invite_needs_only_the_application_id() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = promo_env(
        &dir.path().join("promo.db"),
        &["discord", "invite"],
        &[("PROMO_DISCORD_APP_ID", APP)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), INVITE);
}

#[test]
fn a_reader_that_closed_the_pipe_ends_promo_quietly() {
    // `promo discord invite | head -0`: the read end is closed before promo writes a byte.
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_promo"));
    cmd.arg("--data")
        .arg(dir.path().join("promo.db"))
        .args(["discord", "invite"]);
    crate::common::clear_promo_env(&mut cmd);
    let out = cmd
        .env("PROMO_DISCORD_APP_ID", APP)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("promo ran");
    assert_eq!(out.status.code(), Some(141), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}
