//! The real `promo-issue` binary under a fake Lambda Runtime API, on a dynoxide server, driven with
//! API Gateway HTTP API (v2) events.

use promo_testkit::fixtures::{HOUR_MS, KEY, campaign, campaign_with_codes};
use promo_testkit::lambda::{SharedEngine, answer_body as body_of, spawn_lambda};
use promo_testkit::runtime_api::FakeRuntimeApi;
use serde_json::Value;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/apigw_v2_claim.json")).expect("fixture is JSON")
}

#[tokio::test]
async fn the_binary_answers_api_gateway_events() {
    let shared = SharedEngine::start().await;
    campaign_with_codes(&shared.store, campaign("spring", HOUR_MS), 3).await;

    let api = FakeRuntimeApi::start().await;
    let _child = spawn_lambda(
        env!("CARGO_BIN_EXE_promo-issue"),
        &api,
        &shared,
        &[("PROMO_API_KEY", KEY)],
    );
    api.wait_ready(WAIT)
        .await
        .expect("the runtime polls for events");

    let first = api.invoke(fixture(), WAIT).await.expect("first answer");
    assert_eq!(first["statusCode"], 201, "{first}");
    let claimed = body_of(&first);
    let code = claimed["code"].as_str().expect("a code").to_owned();
    assert!(code.starts_with("SPRING-"));
    assert_eq!(claimed["new"], true);

    let again = api.invoke(fixture(), WAIT).await.expect("second answer");
    assert_eq!(again["statusCode"], 200, "{again}");
    assert_eq!(body_of(&again)["code"], code.as_str());

    let mut no_key = fixture();
    no_key["headers"]
        .as_object_mut()
        .expect("headers")
        .remove("x-api-key");
    let refused = api.invoke(no_key, WAIT).await.expect("third answer");
    assert_eq!(refused["statusCode"], 401, "{refused}");
    assert_eq!(body_of(&refused)["error"]["reason"], "unauthorized");
}

#[tokio::test]
async fn the_binary_refuses_to_start_without_an_api_key() {
    let api = FakeRuntimeApi::start().await;
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_promo-issue"))
        .envs(api.lambda_env())
        .env("PROMO_DATA", ":memory:")
        .env_remove("PROMO_TABLE")
        .env_remove("PROMO_API_KEY")
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(WAIT, run)
        .await
        .expect("exits promptly")
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("PROMO_API_KEY is not set"));
}
