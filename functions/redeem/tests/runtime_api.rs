//! The real `redeem` binary under a fake Lambda Runtime API, on a dynoxide server, driven with
//! API Gateway HTTP API (v2) events.

mod common;

use common::{KEY, campaign, codes};
use promo_core::{Follower, Timestamp};
use promo_store::Store;
use promo_store::claim::ClaimRequest;
use promo_store::engine::{EmbeddedEngine, client_for};
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

fn body_of(answer: &Value) -> Value {
    serde_json::from_str(answer["body"].as_str().expect("a body")).expect("JSON body")
}

#[tokio::test]
async fn the_binary_answers_api_gateway_events() {
    let engine = EmbeddedEngine::memory().await.expect("engine");
    let store = Store::new(client_for(engine.endpoint()), "promo");
    store.ensure_table().await.expect("table");
    let c = store
        .create_campaign(campaign("spring", 3_600_000), Timestamp::now())
        .await
        .expect("campaign");
    store
        .import_codes(&c.id, "test", &codes("RT", 3), &|_| {})
        .await
        .expect("codes");
    let request = ClaimRequest {
        campaign: c.id,
        follower: Follower::parse("web", "u1").expect("follower"),
        influencer: None,
    };
    let code = store
        .claim(&request, Timestamp::now())
        .await
        .expect("store")
        .expect("a code")
        .code;

    let api = FakeRuntimeApi::start().await;
    let _child = tokio::process::Command::new(env!("CARGO_BIN_EXE_redeem"))
        .envs(api.lambda_env())
        .env("PROMO_TABLE", "promo")
        .env("AWS_ENDPOINT_URL_DYNAMODB", engine.endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "x")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env("PROMO_API_KEY", KEY)
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the redeem binary");
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
