//! The real `promo-discord` binary under a fake Lambda Runtime API, on a dynoxide server,
//! driven with API Gateway (v2) events signed as Discord signs them.

use crate::common::discord::FakeDiscord;
use crate::common::interactions::{From, command, ping, user};
use crate::common::{apigw_event, code_in, lambda_env, signing_key};
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

/// On Lambda the environment freezes once the runtime has answered and every extension has
/// asked for its next event. A deferred claim must therefore finish (and edit its reply)
/// before the binary's internal extension asks again: proven here with a store slowed by a
/// proxy and the fake Runtime API's Extensions API.
#[tokio::test]
async fn a_deferred_claim_finishes_before_the_extension_lets_lambda_freeze() {
    use promo_testkit::proxy::{Delay, StoreProxy};
    use std::sync::Arc;

    let shared = SharedEngine::start().await;
    campaign_with_codes(&shared.store, campaign("frozen", HOUR_MS), 3).await;
    let delay = Arc::new(Delay::new(Duration::ZERO));
    let proxy = StoreProxy::start(shared.engine.endpoint(), delay.clone()).await;
    let discord = FakeDiscord::start().await;
    let api = FakeRuntimeApi::start().await;
    let mut env = lambda_env(&discord.url);
    env.push(("PROMO_DISCORD_BUDGET_MS", "300".into()));
    env.push(("AWS_ENDPOINT_URL_DYNAMODB", proxy.endpoint().to_owned()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let _child = spawn_lambda(env!("CARGO_BIN_EXE_promo-discord"), &api, &shared, &env);
    api.wait_ready(WAIT)
        .await
        .expect("the runtime polls for events");

    // The keeper registered and is waiting for the first INVOKE.
    let polls = |api: &FakeRuntimeApi| api.extension_polls().values().map(Vec::len).sum::<usize>();
    let registered = tokio::time::timeout(WAIT, async {
        while polls(&api) < 1 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(
        registered.is_ok(),
        "the follow-up keeper registered as an extension"
    );

    delay.set(Duration::from_millis(250));
    let claim = command("claim", &[("campaign", "frozen")], &From::dm(user(7))).to_string();
    let answer = api
        .invoke(apigw_event(&signing_key(), &claim), WAIT)
        .await
        .expect("an answer");
    let body = answer_body(&answer);
    assert_eq!(body["type"], 5, "deferred: {body}");
    assert_eq!(body["data"]["flags"], 64, "{body}");
    assert_eq!(
        polls(&api),
        1,
        "the invocation is held open while the claim finishes"
    );
    assert!(discord.edits().is_empty(), "the edit comes later");

    let released = tokio::time::timeout(WAIT, async {
        while polls(&api) < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(
        released.is_ok(),
        "the keeper asks for the next event once the follow-up is done"
    );
    let edits = discord.edits();
    assert_eq!(
        edits.len(),
        1,
        "exactly one edit, before Lambda could freeze: {edits:?}"
    );
    let content = edits[0].1["content"].as_str().unwrap_or("");
    assert!(code_in(content).is_some(), "{content}");
}
