//! The real `promo-redeem` binary under a fake Lambda Runtime API, on a dynoxide server, driven with
//! API Gateway HTTP API (v2) events.

use promo_testkit::fixtures::{HOUR_MS, KEY, campaign, campaign_with_codes, claim_one};
use promo_testkit::lambda::{SharedEngine, answer_body as body_of, spawn_lambda};
use promo_testkit::runtime_api::FakeRuntimeApi;
use serde_json::Value;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// The fixture, with `code` in its body (the fixture holds a placeholder).
fn event(code: &str) -> Value {
    let mut event: Value = serde_json::from_str(include_str!("fixtures/apigw_v2_redeem.json"))
        .expect("fixture is JSON");
    let body = event["body"]
        .as_str()
        .expect("a body")
        .replace("__CODE__", code);
    event["body"] = Value::from(body);
    event
}

#[tokio::test]
async fn the_binary_answers_api_gateway_events() {
    let shared = SharedEngine::start().await;
    let id = campaign_with_codes(&shared.store, campaign("spring", HOUR_MS), 3).await;
    let code = claim_one(&shared.store, &id, "u1").await;

    let api = FakeRuntimeApi::start().await;
    let _child = spawn_lambda(
        env!("CARGO_BIN_EXE_promo-redeem"),
        &api,
        &shared,
        &[("PROMO_API_KEY", KEY)],
    );
    api.wait_ready(WAIT)
        .await
        .expect("the runtime polls for events");

    let first = api
        .invoke(event(code.expose()), WAIT)
        .await
        .expect("first answer");
    assert_eq!(first["statusCode"], 200, "{first}");
    let redeemed = body_of(&first);
    assert_eq!(redeemed["replayed"], false);

    let again = api
        .invoke(event(code.expose()), WAIT)
        .await
        .expect("second answer");
    assert_eq!(again["statusCode"], 200, "{again}");
    assert_eq!(body_of(&again)["replayed"], true);
    assert_eq!(body_of(&again)["redeemed_at"], redeemed["redeemed_at"]);

    let unknown = api
        .invoke(event("NO-SUCH-CODE"), WAIT)
        .await
        .expect("third answer");
    assert_eq!(unknown["statusCode"], 404, "{unknown}");
    assert_eq!(body_of(&unknown)["error"]["reason"], "unknown_code");
}
