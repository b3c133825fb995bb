//! The real `issue` binary under a fake Lambda Runtime API, on a dynoxide server, driven with
//! API Gateway HTTP API (v2) events.

mod common;

use common::{KEY, campaign, codes};
use promo_core::Timestamp;
use promo_store::Store;
use promo_store::engine::{EmbeddedEngine, client_for};
use promo_testkit::runtime_api::FakeRuntimeApi;
use serde_json::Value;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/apigw_v2_claim.json")).expect("fixture is JSON")
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

    let api = FakeRuntimeApi::start().await;
    let _child = tokio::process::Command::new(env!("CARGO_BIN_EXE_issue"))
        .envs(api.lambda_env())
        .env("PROMO_TABLE", "promo")
        .env("AWS_ENDPOINT_URL_DYNAMODB", engine.endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "x")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env("PROMO_API_KEY", KEY)
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the issue binary");
    api.wait_ready(WAIT)
        .await
        .expect("the runtime polls for events");

    let first = api.invoke(fixture(), WAIT).await.expect("first answer");
    assert_eq!(first["statusCode"], 201, "{first}");
    let claimed = body_of(&first);
    let code = claimed["code"].as_str().expect("a code").to_owned();
    assert!(code.starts_with("RT-"));
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
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_issue"))
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
