//! Test support: a key pair made here, interactions signed exactly as Discord signs them, a fake
//! Discord API on loopback, and a snapshot of the whole table.
#![allow(dead_code, missing_docs)]

pub mod discord;
pub mod interactions;

use ed25519_dalek::{Signer, SigningKey};
use lambda_http::{Body, Request, http};
use promo_discord::{DiscordConfig, DiscordService, Handled};
use promo_store::Store;
use serde_json::Value;
use std::time::Duration;

pub const APP_ID: u64 = 900_000_000_000_000_001;
pub const LINK_SECRET: &[u8] = b"discord-test-link-secret-0123";

/// The application's key pair, made in the test.
pub fn signing_key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

pub fn public_key_hex() -> String {
    hex::encode(signing_key().verifying_key().to_bytes())
}

pub fn config(api_url: Option<&str>, budget: Duration) -> DiscordConfig {
    let mut c = DiscordConfig::new(&public_key_hex(), APP_ID, LINK_SECRET).expect("config");
    c.api_url = api_url.map(str::to_owned);
    c.budget = budget;
    c
}

pub fn service(store: &Store) -> Recording {
    Recording(DiscordService::new(
        store.clone(),
        config(None, Duration::from_secs(10)),
    ))
}

/// The service, with each JSON answer it gives recorded for the contract checks.
#[derive(Clone)]
pub struct Recording(pub DiscordService);

impl Recording {
    /// Handles `req` as the service does, recording the answer when it is JSON.
    pub async fn handle(&self, req: Request) -> Handled {
        let handled = self.0.handle(req).await;
        if promo_testkit::contract::enabled()
            && handled.response.status().is_success()
            && let Ok(answer) = serde_json::from_slice::<Value>(handled.response.body())
        {
            promo_testkit::contract::discord_response(&answer);
        }
        handled
    }
}

/// Now, in Unix seconds (what Discord puts in `X-Signature-Timestamp`).
pub fn unix_now() -> i64 {
    promo_core::Timestamp::now().millis().div_euclid(1000)
}

/// Headers as Discord sends them: hex signature over timestamp + body.
pub fn signed_with(key: &SigningKey, body: &[u8]) -> Request {
    signed_at(key, &unix_now().to_string(), body)
}

/// Signed by `key` with `timestamp` as the timestamp header, whatever it holds.
pub fn signed_at(key: &SigningKey, timestamp: &str, body: &[u8]) -> Request {
    let message = [timestamp.as_bytes(), body].concat();
    let signature = hex::encode(key.sign(&message).to_bytes());
    raw(
        body.to_vec(),
        &[
            ("x-signature-ed25519", signature.as_str()),
            ("x-signature-timestamp", timestamp),
        ],
    )
}

pub fn signed(body: &Value) -> Request {
    signed_with(&signing_key(), body.to_string().as_bytes())
}

pub fn raw(body: Vec<u8>, headers: &[(&str, &str)]) -> Request {
    let mut b = http::Request::builder()
        .method("POST")
        .uri("/discord/interactions")
        .header("content-type", "application/json");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Body::Binary(body)).expect("request")
}

/// Status and JSON of an answer given at once (no follow-up).
pub fn answered(h: Handled) -> (u16, Value) {
    assert!(h.follow_up.is_none(), "answered without a follow-up");
    let status = h.response.status().as_u16();
    let body = serde_json::from_slice(h.response.body()).expect("JSON answer");
    (status, body)
}

/// Asserts that a message body (an interaction response's `data`, or an edit) mentions
/// nobody: `allowed_mentions` is present with nothing allowed.
pub fn assert_mentions_nobody(message: &Value) {
    let allowed = &message["allowed_mentions"];
    assert_eq!(allowed["parse"], serde_json::json!([]), "{message}");
    for list in ["users", "roles"] {
        assert!(
            allowed
                .get(list)
                .is_none_or(|v| v == &serde_json::json!([])),
            "{message}"
        );
    }
    assert_ne!(
        allowed["replied_user"],
        serde_json::json!(true),
        "{message}"
    );
}

/// The ephemeral message of a type-4 answer (which mentions nobody).
pub fn private_text(h: Handled) -> String {
    let (status, body) = answered(h);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["type"], 4, "{body}");
    assert_eq!(body["data"]["flags"], 64, "ephemeral: {body}");
    assert_mentions_nobody(&body["data"]);
    body["data"]["content"]
        .as_str()
        .expect("content")
        .to_owned()
}

/// The code in a reply (between backticks), if any.
pub fn code_in(text: &str) -> Option<String> {
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

/// An attribute as text, maps with sorted keys (their order is not stable).
fn canon(v: &aws_sdk_dynamodb::types::AttributeValue) -> String {
    match v {
        aws_sdk_dynamodb::types::AttributeValue::M(m) => {
            let mut parts: Vec<String> =
                m.iter().map(|(k, v)| format!("{k}:{}", canon(v))).collect();
            parts.sort();
            format!("M{{{}}}", parts.join(","))
        }
        other => format!("{other:?}"),
    }
}

/// Every item of the table, sorted: to prove a request changed nothing.
pub async fn table_snapshot(store: &Store) -> Vec<String> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = store
            .client()
            .scan()
            .table_name(store.table())
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .expect("scan");
        for item in page.items() {
            let mut fields: Vec<String> = item
                .iter()
                .map(|(k, v)| format!("{k}={}", canon(v)))
                .collect();
            fields.sort();
            items.push(fields.join(","));
        }
        match page.last_evaluated_key {
            Some(k) => start = Some(k),
            None => break,
        }
    }
    items.sort();
    items
}

/// An API Gateway HTTP API (v2) event carrying `body`, signed by `key` as Discord signs it.
pub fn apigw_event(key: &SigningKey, body: &str) -> Value {
    let timestamp = promo_core::Timestamp::now()
        .millis()
        .div_euclid(1000)
        .to_string();
    let signature = hex::encode(
        key.sign(&[timestamp.as_bytes(), body.as_bytes()].concat())
            .to_bytes(),
    );
    serde_json::json!({
        "version": "2.0",
        "routeKey": "POST /discord/interactions",
        "rawPath": "/discord/interactions",
        "rawQueryString": "",
        "headers": {
            "content-type": "application/json",
            "host": "abcdef1234.execute-api.us-east-1.amazonaws.com",
            "user-agent": "Discord-Interactions/1.0 (+https://discord.com)",
            "x-signature-ed25519": signature,
            "x-signature-timestamp": timestamp,
        },
        "requestContext": {
            "accountId": "123456789012", "apiId": "abcdef1234",
            "domainName": "abcdef1234.execute-api.us-east-1.amazonaws.com", "domainPrefix": "abcdef1234",
            "http": {"method": "POST", "path": "/discord/interactions", "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.7", "userAgent": "Discord-Interactions/1.0"},
            "requestId": "JKJaXmPLvHcESHA=", "routeKey": "POST /discord/interactions", "stage": "$default",
            "time": "21/Nov/2026:23:50:00 +0000", "timeEpoch": 1_795_305_000_000u64
        },
        "body": body,
        "isBase64Encoded": false
    })
}

/// The environment of the Lambda binary, besides the store's.
pub fn lambda_env(api_url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("PROMO_DISCORD_PUBLIC_KEY", public_key_hex()),
        ("PROMO_DISCORD_APP_ID", APP_ID.to_string()),
        ("PROMO_DISCORD_API_URL", api_url.to_owned()),
        (
            "PROMO_LINK_SECRET",
            String::from_utf8_lossy(LINK_SECRET).into_owned(),
        ),
    ]
}
