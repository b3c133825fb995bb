//! The real `promo-discord` binary under a fake Lambda Runtime API, on a dynoxide server,
//! driven with API Gateway (v2) events signed as Discord signs them.

mod common;

use common::discord::FakeDiscord;
use common::interactions::{From, command, ping, user};
use common::{apigw_event, code_in, lambda_env, signing_key};
use ed25519_dalek::SigningKey;
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes};
use promo_testkit::lambda::{SharedEngine, answer_body, spawn_lambda};
use promo_testkit::runtime_api::FakeRuntimeApi;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn the_binary_answers_pings_claims_and_refuses_bad_signatures() {
    let shared = SharedEngine::start().await;
    campaign_with_codes(&shared.store, campaign("lambda", HOUR_MS), 3).await;
    let discord = FakeDiscord::start().await;
    let api = FakeRuntimeApi::start().await;
    let env = lambda_env(&discord.url);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let _child = spawn_lambda(env!("CARGO_BIN_EXE_promo-discord"), &api, &shared, &env);
    api.wait_ready(WAIT)
        .await
        .expect("the runtime polls for events");

    let pong = api
        .invoke(apigw_event(&signing_key(), &ping().to_string()), WAIT)
        .await
        .expect("an answer");
    assert_eq!(pong["statusCode"], 200, "{pong}");
    assert_eq!(answer_body(&pong), serde_json::json!({"type": 1}));

    let claim = command("claim", &[("campaign", "lambda")], &From::dm(user(1))).to_string();
    let answer = api
        .invoke(apigw_event(&signing_key(), &claim), WAIT)
        .await
        .expect("an answer");
    let body = answer_body(&answer);
    assert_eq!(body["type"], 4, "{body}");
    assert_eq!(body["data"]["flags"], 64, "{body}");
    assert!(
        code_in(body["data"]["content"].as_str().unwrap_or("")).is_some(),
        "{body}"
    );

    let forged = api
        .invoke(
            apigw_event(&SigningKey::from_bytes(&[3u8; 32]), &claim),
            WAIT,
        )
        .await
        .expect("an answer");
    assert_eq!(forged["statusCode"], 401, "{forged}");
}

#[tokio::test]
async fn the_binary_refuses_to_start_without_its_configuration() {
    let api = FakeRuntimeApi::start().await;
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_promo-discord"))
        .envs(api.lambda_env())
        .env("PROMO_DATA", ":memory:")
        .env_remove("PROMO_TABLE")
        .env_remove("PROMO_DISCORD_PUBLIC_KEY")
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(WAIT, run)
        .await
        .expect("exits promptly")
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("PROMO_DISCORD_PUBLIC_KEY is not set"));
}
