//! The test harness: the embedded engine, the fake Bot API, a bot wired to both, a movable
//! clock, and real Telegram update shapes.

pub mod fake_api;
pub mod updates;

pub use fake_api::{Failure, FakeBotApi};

use lambda_http::{Body, Request, http};
use promo_core::{CampaignId, Follower, InfluencerId, LinkKey, Timestamp};
use promo_store::Store;
use promo_telegram::{TelegramConfig, TelegramService, Tuning};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// The webhook secret the tests configure.
pub const SECRET: &str = "test_webhook_secret-0123";
/// The bot's username.
pub const BOT: &str = "promo_test_bot";
/// The link secret.
pub const LINK_SECRET: &str = "0123456789abcdef-link-secret";
/// Where the dashboards are served (for `/links`).
pub const PUBLIC_URL: &str = "https://shop.example/prod";
/// A bot token.
pub const TOKEN: &str = "123456:TEST-token";

/// A bot on a fresh store, against a fresh fake Bot API.
pub struct Harness {
    pub store: Store,
    pub api: FakeBotApi,
    pub svc: TelegramService,
    pub key: LinkKey,
    /// Milliseconds added to the real time by the service's clock.
    pub clock: Arc<AtomicI64>,
}

impl Harness {
    /// A harness with the default tuning (but a short 429 budget and a fast notifier).
    pub async fn start() -> Self {
        Self::with_tuning(Tuning {
            notify_per_second: 200,
            ..Tuning::default()
        })
        .await
    }

    /// A harness with `tuning`.
    pub async fn with_tuning(tuning: Tuning) -> Self {
        let store = Store::embedded_memory().await.expect("embedded engine");
        let api = FakeBotApi::start().await;
        let url = api.url.clone();
        let config = TelegramConfig::from_vars(|name| {
            Some(
                match name {
                    "PROMO_TELEGRAM_TOKEN" => TOKEN,
                    "PROMO_TELEGRAM_SECRET" => SECRET,
                    "PROMO_TELEGRAM_BOT" => BOT,
                    "PROMO_TELEGRAM_API_URL" => url.as_str(),
                    "PROMO_LINK_SECRET" => LINK_SECRET,
                    "PROMO_PUBLIC_URL" => PUBLIC_URL,
                    _ => return None,
                }
                .to_owned(),
            )
        })
        .expect("config");
        let key = config.link_key.clone();
        let clock = Arc::new(AtomicI64::new(0));
        let offset = clock.clone();
        let svc = TelegramService::new(store.clone(), config)
            .with_tuning(tuning)
            .with_clock(Arc::new(move || {
                Timestamp::now().plus_ms(offset.load(Ordering::SeqCst))
            }));
        Self {
            store,
            api,
            svc,
            key,
            clock,
        }
    }

    /// Moves the bot's clock `ms` ahead.
    pub fn advance(&self, ms: i64) {
        self.clock.fetch_add(ms, Ordering::SeqCst);
    }

    /// A signed deep-link payload.
    pub fn payload(&self, campaign: &str, influencer: Option<&str>) -> String {
        let c = CampaignId::parse(campaign).expect("campaign id");
        let i = influencer.map(|i| InfluencerId::parse(i).expect("influencer id"));
        self.key
            .sign_for(promo_core::Surface::TelegramStart, &c, i.as_ref())
    }

    /// Posts `update` to the webhook with the right secret (recorded for the contract checks:
    /// it must be an update as Telegram sends it; a hostile body goes through `post_raw`).
    pub async fn post(&self, update: &Value) -> u16 {
        promo_testkit::contract::telegram_update(update);
        self.post_raw(update.to_string(), Some(SECRET)).await.0
    }

    /// Posts a raw body with `secret` (or no header).
    pub async fn post_raw(&self, body: impl Into<Body>, secret: Option<&str>) -> (u16, Value) {
        let resp = self.svc.handle(webhook_request(body, secret)).await;
        let status = resp.status().as_u16();
        let body = serde_json::from_slice(resp.body()).unwrap_or(Value::Null);
        (status, body)
    }

    /// How many codes of `campaign` were issued, counted from the store's records.
    pub async fn issued(&self, campaign: &str) -> u64 {
        let c = CampaignId::parse(campaign).expect("campaign id");
        u64::from(
            self.store
                .campaign_stats(&c, Timestamp::now())
                .await
                .expect("stats")
                .claims,
        )
    }

    /// Starts long polling in the background; the returned handle stops it.
    pub fn start_polling(&self) -> Poller {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let svc = self.svc.clone();
        let task = tokio::spawn(async move {
            svc.poll(async {
                let _ = stopped.await;
            })
            .await;
        });
        Poller { stop, task }
    }

    /// The code a Telegram user holds in a campaign, if any.
    pub async fn held_code(&self, campaign: &str, user: u64) -> Option<String> {
        let c = CampaignId::parse(campaign).expect("campaign id");
        let f = Follower::parse("telegram", &user.to_string()).expect("follower");
        self.store
            .follower_claim(&c, &f)
            .await
            .expect("store")
            .map(|item| item.code.expose().to_owned())
    }
}

/// A webhook request.
pub fn webhook_request(body: impl Into<Body>, secret: Option<&str>) -> Request {
    let mut b = http::Request::builder()
        .method("POST")
        .uri("/telegram/webhook")
        .header("content-type", "application/json");
    if let Some(s) = secret {
        b = b.header("x-telegram-bot-api-secret-token", s);
    }
    b.body(body.into()).expect("request")
}

/// Long polling running in the background.
pub struct Poller {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Poller {
    /// Stops polling and waits (bounded) for the loop to return.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(std::time::Duration::from_secs(5), self.task)
            .await
            .expect("poll stops on shutdown")
            .expect("the poll task does not panic");
    }
}

/// Waits until `done` holds, checking every 20 ms, for at most `limit`; returns whether it did.
pub async fn eventually(limit: std::time::Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while !done() {
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    true
}
