//! The webhook's gate: secret, size, JSON, routes, and update kinds the bot ignores.

use crate::support::updates::*;
use crate::support::{Harness, SECRET};
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes};

#[tokio::test]
async fn a_missing_or_wrong_secret_is_refused_and_nothing_is_read_or_written() {
    let h = Harness::start().await;
    campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 3).await;
    let update = private_text(1, 111, &format!("/start {}", h.payload("spring", None)));
    let before = h.store.metrics().snapshot();
    for secret in [
        None,
        Some("wrong"),
        Some(""),
        Some(&SECRET[..SECRET.len() - 1]),
    ] {
        let (status, body) = h.post_raw(update.to_string(), secret).await;
        assert_eq!(status, 401, "{secret:?}");
        assert_eq!(body["error"]["reason"], "unauthorized");
    }
    let used = h.store.metrics().snapshot().since(&before);
    assert_eq!(used.round_trips, 0, "{used:?}");
    assert!(h.api.calls().is_empty());
    assert_eq!(h.held_code("spring", 111).await, None);
    // The same update with the right secret is then handled normally (it was not recorded).
    assert_eq!(h.post(&update).await, 200);
    assert!(h.held_code("spring", 111).await.is_some());
}

#[tokio::test]
async fn bad_bodies_get_4xx_without_a_crash() {
    let h = Harness::start().await;
    let (status, body) = h.post_raw("{not json", Some(SECRET)).await;
    assert_eq!(
        (status, body["error"]["reason"].as_str()),
        (400, Some("invalid_json"))
    );
    let (status, _) = h.post_raw("", Some(SECRET)).await;
    assert_eq!(status, 400);
    let (status, body) = h.post_raw(r#"{"message": {}}"#, Some(SECRET)).await;
    assert_eq!(
        (status, body["error"]["reason"].as_str()),
        (400, Some("bad_request"))
    );
    let huge = format!(
        r#"{{"update_id": 1, "padding": "{}"}}"#,
        "x".repeat(promo_api::BodyClass::Webhook.limit())
    );
    let (status, body) = h.post_raw(huge, Some(SECRET)).await;
    assert_eq!(
        (status, body["error"]["reason"].as_str()),
        (413, Some("payload_too_large"))
    );
    assert!(h.api.calls().is_empty());
}

#[tokio::test]
async fn other_paths_and_methods_are_refused() {
    let h = Harness::start().await;
    let mut req = crate::support::webhook_request("{}", Some(SECRET));
    *req.method_mut() = lambda_http::http::Method::GET;
    assert_eq!(h.svc.handle(req).await.status(), 405);
    let mut req = crate::support::webhook_request("{}", Some(SECRET));
    *req.uri_mut() = "/discord/interactions".parse().unwrap();
    assert_eq!(h.svc.handle(req).await.status(), 404);
    // An API Gateway stage prefix is fine (lambda_http keeps a named stage in the path).
    let mut req = crate::support::webhook_request(future_kind(9).to_string(), Some(SECRET));
    *req.uri_mut() = "/prod/telegram/webhook".parse().unwrap();
    let req = promo_testkit::fixtures::under_stage(req, "prod");
    assert_eq!(h.svc.handle(req).await.status(), 200);
}

#[tokio::test]
async fn edits_channel_posts_and_other_kinds_are_acknowledged_and_ignored() {
    let h = Harness::start().await;
    campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 3).await;
    let payload = h.payload("spring", None);
    let before = h.store.metrics().snapshot();
    for update in [
        edited_private_text(1, 111, &format!("/start {payload}")),
        channel_post(2, -100_777, "/claim"),
        my_chat_member(3, 111),
    ] {
        assert_eq!(h.post(&update).await, 200, "{update}");
    }
    // Not an update of today's Bot API (so not one for the contract records).
    let (status, _) = h.post_raw(future_kind(4).to_string(), Some(SECRET)).await;
    assert_eq!(status, 200);
    assert!(h.api.calls().is_empty(), "{:?}", h.api.calls());
    let used = h.store.metrics().snapshot().since(&before);
    assert_eq!(used.writes, 0, "ignored updates are not even recorded");
    assert_eq!(h.held_code("spring", 111).await, None);
}

#[tokio::test]
async fn registering_sets_the_webhook_with_its_secret_and_update_kinds_then_the_menu() {
    let h = Harness::start().await;
    let url = reqwest::Url::parse(&h.api.url).unwrap();
    let bot = teloxide::Bot::new(crate::support::TOKEN).set_api_url(url);
    let hook = promo_telegram::webhook_url("https://shop.example/prod").unwrap();
    let secret = promo_telegram::WebhookSecret::new(SECRET).unwrap();
    promo_telegram::register_webhook(&bot, hook, &secret)
        .await
        .unwrap();
    promo_telegram::delete_webhook(&bot).await.unwrap();
    let calls = h.api.calls();
    let methods: Vec<&str> = calls.iter().map(|c| c.method.as_str()).collect();
    assert_eq!(methods, ["setWebhook", "setMyCommands", "deleteWebhook"]);
    let set = &calls[0].params;
    assert_eq!(set["url"], "https://shop.example/prod/telegram/webhook");
    assert_eq!(set["secret_token"], SECRET);
    // teloxide sends setWebhook as multipart: its list arrives as JSON text.
    assert_eq!(
        set["allowed_updates"],
        serde_json::json!(["message", "callback_query"])
    );
    let commands = calls[1].params["commands"].as_array().unwrap();
    let names: Vec<&str> = commands
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["claim", "stats", "links", "help"]);
}
