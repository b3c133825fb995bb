//! Seller alerts against the embedded engine and a fake Telegram and Discord API on loopback:
//! each alert is sent once per crossing (never once per claim), a failed send is retried next
//! run, and a refilled pool re-arms the low-stock alert. A bound influencer is told, in their
//! own Telegram chat, when their codes run low and when they run out, on the same terms.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::post;
use promo_core::{CampaignId, CampaignStatus, Follower, InfluencerId, Timestamp};
use promo_expire::alerts::{AlertSender, send_alerts};
use promo_store::Store;
use promo_store::bots::alerts::{ALERTS_SCOPE, AlertSettings};
use promo_store::claims::ClaimRequest;
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes, codes, memory_store};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Fake {
    calls: Mutex<Vec<(String, Option<String>, Value)>>,
    failing: AtomicBool,
}

async fn record(
    State(fake): State<Arc<Fake>>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    if fake.failing.load(Ordering::SeqCst) {
        return StatusCode::BAD_GATEWAY;
    }
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let json = serde_json::from_str(&body).unwrap_or(Value::Null);
    record_contract(uri.path(), &json);
    fake.calls
        .lock()
        .expect("lock")
        .push((uri.path().to_owned(), auth, json));
    StatusCode::OK
}

/// Records the call for the contract checks: a Bot API method (`/bot<token>/<method>`) or a
/// Discord request.
fn record_contract(path: &str, body: &Value) {
    match path.strip_prefix("/bot").and_then(|p| p.split_once('/')) {
        Some((_, method)) => promo_testkit::contract::telegram_call(method, body),
        None => promo_testkit::contract::discord_request("POST", path, body),
    }
}

async fn fake_apis() -> (Arc<Fake>, String) {
    let fake = Arc::new(Fake::default());
    let app = Router::new()
        .route("/{*path}", post(record))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (fake, base)
}

fn texts(fake: &Fake, path_part: &str) -> Vec<String> {
    fake.calls
        .lock()
        .expect("lock")
        .iter()
        .filter(|(p, _, _)| p.contains(path_part))
        .map(|(_, _, b)| {
            b["text"]
                .as_str()
                .or(b["content"].as_str())
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

async fn claim(store: &Store, c: &CampaignId, user: u32, influencer: Option<&str>) {
    let request = ClaimRequest {
        campaign: c.clone(),
        follower: Follower::parse("telegram", &user.to_string()).expect("follower"),
        influencer: influencer.map(|i| InfluencerId::parse(i).expect("id")),
    };
    assert!(
        store
            .claim(&request, Timestamp::now())
            .await
            .expect("store")
            .is_ok()
    );
}

#[tokio::test]
async fn alerts_are_sent_once_per_crossing_to_both_channels() {
    let (fake, base) = fake_apis().await;
    let store = memory_store().await;
    let c = campaign_with_codes(&store, campaign("alerting", HOUR_MS), 12).await;
    store
        .add_influencer(
            &c,
            InfluencerId::parse("alice").expect("id"),
            "Alice",
            Some(2),
        )
        .await
        .expect("alice");
    store
        .put_setting(
            ALERTS_SCOPE.0,
            ALERTS_SCOPE.1,
            &AlertSettings {
                telegram_chat: Some(-100_123),
                discord_channel: Some(987_654),
                stock_thresholds: vec![10, 0],
            },
        )
        .await
        .expect("settings");
    let sender = AlertSender {
        telegram: Some(("123:telegram-token".into(), base.clone())),
        discord: Some(("discord-token".into(), base.clone())),
    };
    let run = || async {
        send_alerts(&store, &sender, Timestamp::now())
            .await
            .expect("alerts")
    };

    assert_eq!(run().await.sent, 0, "12 codes: nothing to say");
    claim(&store, &c, 1, None).await;
    claim(&store, &c, 2, None).await;
    let report = run().await;
    assert_eq!(report.sent, 2, "stock 10 on both channels");
    assert_eq!(run().await.sent, 0, "the same crossing is not repeated");
    claim(&store, &c, 3, None).await;
    assert_eq!(
        run().await.sent,
        0,
        "another claim below the threshold is not a new crossing"
    );
    let tg = texts(&fake, "/sendMessage");
    assert_eq!(tg.len(), 1);
    assert!(tg[0].contains("low on codes: 10 left"), "{tg:?}");
    let calls = fake.calls.lock().expect("lock").clone();
    let discord = calls
        .iter()
        .find(|(p, _, _)| p == "/api/v10/channels/987654/messages")
        .expect("discord call");
    assert_eq!(discord.1.as_deref(), Some("Bot discord-token"));
    // A channel message that mentions nobody, whatever a campaign or influencer is called.
    assert_eq!(
        discord.2["allowed_mentions"],
        serde_json::json!({"parse": []})
    );
    let telegram = calls
        .iter()
        .find(|(p, _, _)| p.ends_with("/sendMessage"))
        .expect("telegram call");
    assert_eq!(telegram.2["chat_id"], -100_123);

    // Alice's quota of 2: reached after two claims through her.
    claim(&store, &c, 10, Some("alice")).await;
    claim(&store, &c, 11, Some("alice")).await;
    run().await;
    assert!(
        texts(&fake, "/sendMessage")
            .iter()
            .any(|t| t.contains("alice reached their quota of 2"))
    );

    // A failing channel is retried on the next run, once.
    fake.failing.store(true, Ordering::SeqCst);
    for u in 20..40 {
        let request = ClaimRequest {
            campaign: c.clone(),
            follower: Follower::parse("telegram", &u.to_string()).expect("follower"),
            influencer: None,
        };
        let _ = store
            .claim(&request, Timestamp::now())
            .await
            .expect("store");
    }
    let failed = run().await;
    assert!(failed.failed >= 1 && failed.sent == 0, "{failed:?}");
    fake.failing.store(false, Ordering::SeqCst);
    let retried = run().await;
    assert_eq!(
        retried.sent, failed.failed,
        "each failed alert sent once on retry"
    );
    assert!(
        texts(&fake, "/sendMessage")
            .iter()
            .any(|t| t.contains("sold out"))
    );

    // Refilling above the threshold re-arms it.
    store
        .import_codes(&c, "refill", &codes("REFILL", 20), &|_| {})
        .await
        .expect("refill");
    assert_eq!(run().await.sent, 0);
    let before = texts(&fake, "/sendMessage").len();
    for u in 100..120 {
        claim(&store, &c, u, None).await;
    }
    run().await;
    let after = texts(&fake, "/sendMessage");
    assert!(after.len() > before, "a new crossing alerts again");

    // The end, once.
    store
        .set_campaign_status(&c, CampaignStatus::Ended, Timestamp::now())
        .await
        .expect("end");
    run().await;
    run().await;
    let ended = texts(&fake, "/sendMessage")
        .iter()
        .filter(|t| t.contains("has ended"))
        .count();
    assert_eq!(ended, 1);
    for (_, _, body) in fake.calls.lock().expect("lock").iter() {
        assert!(
            !body.to_string().contains("-TESTCD"),
            "a code reached an alert"
        );
    }
}

#[tokio::test]
async fn without_settings_or_tokens_nothing_is_sent() {
    let (fake, base) = fake_apis().await;
    let store = memory_store().await;
    let _c = campaign_with_codes(&store, campaign("quiet", HOUR_MS), 1).await;
    let sender = AlertSender {
        telegram: Some(("123:t".into(), base)),
        discord: None,
    };
    let report = send_alerts(&store, &sender, Timestamp::now())
        .await
        .expect("alerts");
    assert_eq!(report.sent, 0);
    assert!(fake.calls.lock().expect("lock").is_empty());
}

/// What the fake Bot API was sent in `sendMessage`: (chat id, text).
fn telegram_messages(fake: &Fake) -> Vec<(i64, String)> {
    fake.calls
        .lock()
        .expect("lock")
        .iter()
        .filter(|(p, _, _)| p.ends_with("/sendMessage") || p.ends_with("/SendMessage"))
        .map(|(_, _, b)| {
            (
                b["chat_id"].as_i64().unwrap_or_default(),
                b["text"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_bound_influencer_is_told_once_when_their_codes_run_low_and_when_they_run_out() {
    let (fake, base) = fake_apis().await;
    let store = memory_store().await;
    let c = campaign_with_codes(&store, campaign("mine-alerts", HOUR_MS), 40).await;
    let bea = InfluencerId::parse("bea").expect("id");
    store
        .add_influencer(&c, bea.clone(), "Bea", Some(10))
        .await
        .expect("bea");
    // Bea's Telegram account took her invite; a Discord account of hers was linked by hand.
    let invite = store
        .create_invite(&c, &bea, Timestamp::now().plus_ms(HOUR_MS))
        .await
        .expect("invite");
    let tg = Follower::parse("telegram", "7777").expect("account");
    store
        .accept_invite(&invite, &tg, Timestamp::now())
        .await
        .expect("accept");
    store
        .link_account(
            &Follower::parse("discord", "8888").expect("account"),
            &c,
            &bea,
        )
        .await
        .expect("link");
    assert_eq!(
        store
            .influencer_accounts(&c, &bea)
            .await
            .expect("accounts")
            .len(),
        2
    );
    // No seller channel is set: only Bea's own alerts go out.
    let sender = AlertSender {
        telegram: Some(("123:telegram-token".into(), base.clone())),
        discord: Some(("discord-token".into(), base.clone())),
    };
    let run = || async {
        send_alerts(&store, &sender, Timestamp::now())
            .await
            .expect("alerts")
    };

    for u in 0..8 {
        claim(&store, &c, 9_000 + u, Some("bea")).await;
    }
    assert_eq!(run().await.sent, 0, "2 of 10 left: not low yet");
    claim(&store, &c, 9_100, Some("bea")).await;
    assert_eq!(run().await.sent, 1, "1 of 10 left: low");
    assert_eq!(run().await.sent, 0, "once per crossing");
    claim(&store, &c, 9_101, Some("bea")).await;
    assert_eq!(run().await.sent, 1, "none left: out");
    assert_eq!(run().await.sent, 0, "once per crossing");
    let sent = telegram_messages(&fake);
    assert_eq!(
        sent,
        [
            (
                7777,
                "Your codes for Campaign mine-alerts are running low: 1 of 10 left.".to_owned()
            ),
            (
                7777,
                "All 10 of your codes for Campaign mine-alerts have been claimed. New followers \
                 get none until the seller adds more."
                    .to_owned()
            ),
        ]
    );
    assert!(texts(&fake, "/channels/").is_empty(), "nothing to Discord");

    // A raised quota re-arms both; a failed send is tried again next run.
    store
        .set_influencer_quota(&c, &bea, 20)
        .await
        .expect("quota");
    assert_eq!(run().await.sent, 0, "10 of 20 left");
    for u in 0..8 {
        claim(&store, &c, 9_200 + u, Some("bea")).await;
    }
    fake.failing.store(true, Ordering::SeqCst);
    assert_eq!(
        run().await.failed,
        1,
        "2 of 20 left: low, but Telegram is down"
    );
    fake.failing.store(false, Ordering::SeqCst);
    assert_eq!(run().await.sent, 1, "sent on the next run");
    assert_eq!(telegram_messages(&fake).len(), 3);
    assert!(telegram_messages(&fake)[2].1.contains("2 of 20 left"));
}
