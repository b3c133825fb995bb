//! The 3-second deadline, with a store made slow on purpose by a proxy in front of the engine:
//! a fast store answers in the response; a store slower than the budget gets a deferred
//! ephemeral answer within the budget and then exactly one edit with the code.

use crate::common::discord::FakeDiscord;
use crate::common::interactions::{From, command, user};
use crate::common::{Recording, assert_mentions_nobody, code_in, config, signed};
use promo_core::{Follower, Timestamp};
use promo_discord::DiscordService;
use promo_store::Store;
use promo_store::claims::ClaimRequest;
use promo_store::table::engine::{EmbeddedEngine, client_for};
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes};
use promo_testkit::proxy::{Delay, StoreProxy};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BUDGET: Duration = Duration::from_millis(600);

#[tokio::test]
async fn a_slow_store_gets_a_deferred_reply_then_one_edit_with_the_code() {
    let engine = EmbeddedEngine::memory().await.expect("engine");
    let direct = Store::new(client_for(engine.endpoint()), "promo");
    direct.ensure_table().await.expect("table");
    let c = campaign_with_codes(&direct, campaign("slow", HOUR_MS), 5).await;

    let delay = Arc::new(Delay::new(Duration::ZERO));
    let proxy = StoreProxy::start(engine.endpoint(), delay.clone()).await;
    let discord = FakeDiscord::start().await;
    let svc = Recording(DiscordService::new(
        proxy.store("promo"),
        config(Some(&discord.url), BUDGET),
    ));

    // Fast store: the code is in the response itself.
    let started = Instant::now();
    let fast = svc
        .handle(signed(&command(
            "claim",
            &[("campaign", "slow")],
            &From::dm(user(1)),
        )))
        .await;
    assert!(started.elapsed() < BUDGET, "{:?}", started.elapsed());
    assert!(fast.follow_up.is_none());
    let body: serde_json::Value = serde_json::from_slice(fast.response.body()).expect("json");
    assert_eq!(body["type"], 4, "{body}");
    assert!(
        code_in(body["data"]["content"].as_str().unwrap_or("")).is_some(),
        "{body}"
    );
    assert!(proxy.requests() > 0, "the store goes through the proxy");

    // Slow store: every round trip takes 300 ms, a claim needs several.
    delay.set(Duration::from_millis(300));
    let me = user(2);
    let ask = command("claim", &[("campaign", "slow")], &From::dm(me));
    let token = ask["token"].as_str().expect("token").to_owned();
    let started = Instant::now();
    let slow = svc.handle(signed(&ask)).await;
    let answered_in = started.elapsed();
    assert!(
        answered_in < BUDGET + Duration::from_millis(100),
        "{answered_in:?}"
    );
    let body: serde_json::Value = serde_json::from_slice(slow.response.body()).expect("json");
    assert_eq!(body["type"], 5, "deferred: {body}");
    assert_eq!(body["data"]["flags"], 64, "ephemeral: {body}");
    assert_mentions_nobody(&body["data"]);
    assert!(discord.edits().is_empty());

    let follow_up = slow.follow_up.expect("a follow-up");
    tokio::time::timeout(Duration::from_secs(30), tokio::spawn(follow_up))
        .await
        .expect("the follow-up finishes")
        .expect("task");
    let edits = discord.edits();
    assert_eq!(edits.len(), 1, "exactly one edit: {edits:?}");
    assert_eq!(edits[0].0, token);
    // The edit, as Discord received it, mentions nobody either.
    assert_mentions_nobody(&edits[0].1);
    let content = edits[0].1["content"].as_str().expect("content");
    let code = code_in(content).expect("the code in the edit");

    // It is the code the store holds for this follower.
    delay.set(Duration::ZERO);
    let held = direct
        .claim(
            &ClaimRequest {
                campaign: c,
                follower: Follower::parse("discord", &me.to_string()).expect("follower"),
                influencer: None,
            },
            Timestamp::now(),
        )
        .await
        .expect("store")
        .expect("code");
    assert!(!held.new);
    assert_eq!(held.code.expose(), code);
}
