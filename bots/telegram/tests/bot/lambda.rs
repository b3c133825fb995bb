//! The real `promo-telegram` binary under a fake Lambda Runtime API, on a dynoxide server,
//! driven with API Gateway HTTP API (v2) events carrying Telegram updates; and the
//! `promo-telegram-notify` binary answering a scheduled event.

use crate::support::fake_api::FakeBotApi;
use crate::support::updates::{edited_private_text, private_text};
use crate::support::{BOT, LINK_SECRET, SECRET, TOKEN};
use promo_core::LinkKey;
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes};
use promo_testkit::lambda::{SharedEngine, spawn_lambda};
use promo_testkit::runtime_api::FakeRuntimeApi;
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn event(update: &Value, secret: Option<&str>) -> Value {
    let mut headers = json!({
        "content-type": "application/json",
        "host": "abcdef1234.execute-api.us-east-1.amazonaws.com",
        "x-forwarded-proto": "https"
    });
    if let Some(s) = secret {
        headers["x-telegram-bot-api-secret-token"] = json!(s);
    }
    json!({
        "version": "2.0",
        "routeKey": "POST /telegram/webhook",
        "rawPath": "/telegram/webhook",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012", "apiId": "abcdef1234",
            "domainName": "abcdef1234.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abcdef1234",
            "http": {"method": "POST", "path": "/telegram/webhook", "protocol": "HTTP/1.1",
                     "sourceIp": "91.108.6.1", "userAgent": ""},
            "requestId": "tg-1", "routeKey": "POST /telegram/webhook", "stage": "$default",
            "time": "22/Nov/2026:01:00:00 +0000", "timeEpoch": 1795309200000_i64
        },
        "body": update.to_string(),
        "isBase64Encoded": false
    })
}

fn bot_env(api: &FakeBotApi) -> Vec<(&'static str, String)> {
    vec![
        ("PROMO_TELEGRAM_TOKEN", TOKEN.to_owned()),
        ("PROMO_TELEGRAM_SECRET", SECRET.to_owned()),
        ("PROMO_TELEGRAM_BOT", BOT.to_owned()),
        ("PROMO_TELEGRAM_API_URL", api.url.clone()),
        ("PROMO_LINK_SECRET", LINK_SECRET.to_owned()),
    ]
}

#[tokio::test]
async fn the_webhook_binary_answers_api_gateway_events() {
    let shared = SharedEngine::start().await;
    let c = campaign_with_codes(&shared.store, campaign("lambda", HOUR_MS), 3).await;
    let bot_api = FakeBotApi::start().await;
    let runtime = FakeRuntimeApi::start().await;
    let env = bot_env(&bot_api);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let _child = spawn_lambda(
        env!("CARGO_BIN_EXE_promo-telegram"),
        &runtime,
        &shared,
        &env,
    );
    runtime
        .wait_ready(WAIT)
        .await
        .expect("the runtime polls for events");

    let refused = runtime
        .invoke(event(&private_text(1, 42, "/start"), Some("wrong")), WAIT)
        .await
        .expect("answer");
    assert_eq!(refused["statusCode"], 401, "{refused}");
    assert!(
        bot_api.calls().is_empty(),
        "nothing sent for a forged update"
    );

    let ignored = runtime
        .invoke(
            event(&edited_private_text(2, 42, "/claim"), Some(SECRET)),
            WAIT,
        )
        .await
        .expect("answer");
    assert_eq!(ignored["statusCode"], 200, "{ignored}");
    assert!(bot_api.calls().is_empty());

    let payload = LinkKey::new(LINK_SECRET.as_bytes()).expect("key").sign_for(
        promo_core::Surface::TelegramStart,
        &c,
        None,
    );
    let start = private_text(3, 42, &format!("/start {payload}"));
    let first = runtime
        .invoke(event(&start, Some(SECRET)), WAIT)
        .await
        .expect("answer");
    assert_eq!(first["statusCode"], 200, "{first}");
    let again = runtime
        .invoke(event(&start, Some(SECRET)), WAIT)
        .await
        .expect("answer");
    assert_eq!(again["statusCode"], 200, "{again}");
    let texts = bot_api.texts();
    assert_eq!(
        texts.len(),
        1,
        "one message for one update delivered twice: {texts:?}"
    );
    assert!(
        texts[0].contains("LAMBDA-"),
        "the code is in the private reply"
    );
}

#[tokio::test]
async fn the_notifier_binary_answers_a_scheduled_event() {
    let shared = SharedEngine::start().await;
    let bot_api = FakeBotApi::start().await;
    let runtime = FakeRuntimeApi::start().await;
    let env = bot_env(&bot_api);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let _child = spawn_lambda(
        env!("CARGO_BIN_EXE_promo-telegram-notify"),
        &runtime,
        &shared,
        &env,
    );
    runtime
        .wait_ready(WAIT)
        .await
        .expect("the runtime polls for events");
    let scheduled = json!({
        "version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event", "source": "aws.scheduler",
        "account": "123456789012", "time": "2026-11-22T01:00:00Z", "region": "us-east-1",
        "resources": [], "detail": {}
    });
    let answer = runtime.invoke(scheduled, WAIT).await.expect("answer");
    assert_eq!(answer["notified"], 0, "{answer}");
}
