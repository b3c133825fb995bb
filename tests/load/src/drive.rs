//! Sends each follower's requests through the real handlers, as the platforms would: the API
//! with its key (a client retries a 5xx), Discord interactions signed with the application's
//! key (a deferred reply is finished by its follow-up), Telegram updates with the webhook secret
//! (a non-2xx answer is redelivered, as Telegram does).

use crate::plan::{Channel, FollowerPlan};
use crate::platforms::discord_code;
use crate::world::{API_KEY, CAMPAIGN, DISCORD_APP_ID, DISCORD_GUILD, TELEGRAM_SECRET, World};
use ed25519_dalek::Signer;
use futures::StreamExt;
use lambda_http::{Body, Request, http};
use promo_core::{CampaignId, InfluencerId, Surface};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What one request got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A code, in the response itself (API, Discord).
    Code(String),
    /// Handled (a Telegram 200); the code, if any, went to the chat.
    Answered,
    /// Deferred (Discord): the follow-up finished it; the code, if any, went to the edit.
    Deferred,
    /// A refusal, with its reason.
    Refused(String),
    /// Recognised as a delivery already handled or in flight: nothing done again.
    Duplicate,
    /// An error status (or a Discord "went wrong" reply, as 500).
    Failed(u16),
}

/// One request and its answer.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The follower's index in the plan.
    pub follower: usize,
    /// Through which handler.
    pub channel: Channel,
    /// Time in the handler (the response, not a follow-up).
    pub latency: Duration,
    /// What came back.
    pub outcome: Outcome,
    /// The Discord interaction token, to find a follow-up's edit.
    pub token: Option<String>,
}

/// Everything a run sent.
#[derive(Debug, Default)]
pub struct Driven {
    /// Every request's observation.
    pub observations: Vec<Observation>,
    /// Followers not started because the time limit had passed.
    pub skipped: usize,
    /// Wall time of the whole drive.
    pub elapsed: Duration,
}

/// Runs every follower of `plan`, `concurrency` at a time; no follower starts after `deadline`.
pub async fn drive(
    world: &World,
    plan: &[FollowerPlan],
    concurrency: usize,
    deadline: Instant,
) -> Driven {
    let started = Instant::now();
    let results: Vec<Option<Vec<Observation>>> = futures::stream::iter(plan)
        .map(|f| async move {
            if Instant::now() >= deadline {
                return None;
            }
            Some(follower(world, f).await)
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let skipped = results.iter().filter(|r| r.is_none()).count();
    Driven {
        observations: results.into_iter().flatten().flatten().collect(),
        skipped,
        elapsed: started.elapsed(),
    }
}

/// One follower asks, again and again as planned; a request planned twice is delivered twice
/// at once.
async fn follower(world: &World, f: &FollowerPlan) -> Vec<Observation> {
    let mut out = Vec::new();
    for twice in &f.asks {
        let delivery = Delivery::new(world, f);
        if *twice {
            let (a, b) = tokio::join!(delivery.send(world, f), delivery.send(world, f));
            out.extend(a);
            out.extend(b);
        } else {
            out.extend(delivery.send(world, f).await);
        }
    }
    out
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// One platform delivery: the same bytes however many times it is delivered.
enum Delivery {
    Api(Vec<u8>),
    Discord { body: Vec<u8>, token: String },
    Telegram(Vec<u8>),
}

impl Delivery {
    fn new(world: &World, f: &FollowerPlan) -> Self {
        let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        match f.channel {
            Channel::Api => {
                let mut body = json!({"platform": "web", "user_id": f.user.to_string()});
                if let Some(i) = f.influencer {
                    body["influencer"] = json!(i);
                }
                Delivery::Api(body.to_string().into_bytes())
            }
            Channel::Discord => {
                let id = interaction_id(n);
                let token = format!("load-{id}");
                let user = json!({"id": f.user.to_string(), "username": format!("user{}", f.index),
                                  "discriminator": "0", "global_name": null, "avatar": null,
                                  "public_flags": 0, "flags": 0, "primary_guild": null});
                let mut body = json!({
                    "id": id.to_string(),
                    "application_id": DISCORD_APP_ID.to_string(),
                    "token": token,
                    "version": 1,
                    "channel_id": "600000000000000001",
                    "locale": "en-US",
                    "app_permissions": "0",
                    "entitlements": [],
                    "authorizing_integration_owners": {},
                    "attachment_size_limit": 10_485_760,
                });
                match f.influencer.and_then(|i| InfluencerId::parse(i).ok()) {
                    // Attribution on Discord comes from a signed button, pressed in a server
                    // the seller allowed (a typed influencer name credits nobody).
                    Some(influencer) => {
                        let campaign = CampaignId::parse(CAMPAIGN).expect("campaign id");
                        let payload = world.link_key.sign_for(
                            Surface::DiscordButton,
                            &campaign,
                            Some(&influencer),
                        );
                        body["type"] = json!(3);
                        body["data"] =
                            json!({"custom_id": format!("claim:{payload}"), "component_type": 2});
                        body["guild_id"] = json!(DISCORD_GUILD.to_string());
                        body["context"] = json!(0);
                        body["member"] = json!({
                            "user": user, "roles": [], "joined_at": "2020-01-01T00:00:00.000000+00:00",
                            "deaf": false, "mute": false, "flags": 0, "pending": false, "permissions": "0",
                            "avatar": null, "banner": null, "nick": null, "premium_since": null,
                            "communication_disabled_until": null,
                        });
                        body["message"] = json!({
                            "id": "800000000000000001", "channel_id": "600000000000000001",
                            "author": {"id": DISCORD_APP_ID.to_string(), "username": "promo",
                                       "discriminator": "0", "global_name": null, "avatar": null,
                                       "public_flags": 0, "flags": 0, "primary_guild": null,
                                       "bot": true},
                            "content": "Get your code", "timestamp": "2025-01-01T00:00:00.000000+00:00",
                            "edited_timestamp": null, "tts": false, "mention_everyone": false,
                            "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
                            "pinned": false, "type": 0, "components": [], "flags": 0
                        });
                    }
                    None => {
                        body["type"] = json!(2);
                        body["data"] = json!({"id": "700000000000000001", "name": "claim", "type": 1,
                                              "options": [{"name": "campaign", "type": 3, "value": CAMPAIGN}]});
                        body["user"] = user;
                        body["context"] = json!(1);
                    }
                }
                promo_testkit::contract::discord_interaction(&body);
                Delivery::Discord {
                    body: body.to_string().into_bytes(),
                    token,
                }
            }
            Channel::Telegram => {
                let campaign = CampaignId::parse(CAMPAIGN).ok();
                let influencer = f.influencer.and_then(|i| InfluencerId::parse(i).ok());
                let payload = campaign
                    .map(|c| {
                        world.link_key.sign_for(
                            promo_core::Surface::TelegramStart,
                            &c,
                            influencer.as_ref(),
                        )
                    })
                    .unwrap_or_default();
                let text = format!("/start {payload}");
                let user = json!({"id": f.user, "is_bot": false, "first_name": "Ann",
                                  "username": format!("user{}", f.index), "language_code": "en"});
                let body = json!({
                    "update_id": n,
                    "message": {
                        "message_id": n,
                        "from": user,
                        "chat": {"id": f.user, "first_name": "Ann", "type": "private"},
                        "date": 1_700_000_000,
                        "text": text,
                        "entities": [{"offset": 0, "length": 6, "type": "bot_command"}],
                    }
                });
                promo_testkit::contract::telegram_update(&body);
                Delivery::Telegram(body.to_string().into_bytes())
            }
        }
    }

    async fn send(&self, world: &World, f: &FollowerPlan) -> Vec<Observation> {
        match self {
            Delivery::Api(body) => api(world, f, body).await,
            Delivery::Discord { body, token } => vec![discord(world, f, body, token).await],
            Delivery::Telegram(body) => telegram(world, f, body).await,
        }
    }
}

/// A Discord snowflake made now.
fn interaction_id(n: u64) -> u64 {
    let now = promo_core::Timestamp::now().millis();
    (((now - 1_420_070_400_000) as u64) << 22) | (n & 0x3f_ffff)
}

fn observe(f: &FollowerPlan, latency: Duration, outcome: Outcome) -> Observation {
    Observation {
        follower: f.index,
        channel: f.channel,
        latency,
        outcome,
        token: None,
    }
}

/// How often a caller retries a 5xx, and Telegram redelivers a non-2xx.
const RETRIES: usize = 4;

async fn api(world: &World, f: &FollowerPlan, body: &[u8]) -> Vec<Observation> {
    let mut out = Vec::new();
    for attempt in 0..=RETRIES {
        let req = request(
            &format!("/v1/campaigns/{CAMPAIGN}/claims"),
            &[("x-api-key", API_KEY)],
            body.to_vec(),
        );
        let t = Instant::now();
        let resp = world.api.handle(req).await;
        let latency = t.elapsed();
        let status = resp.status().as_u16();
        let json: Value = serde_json::from_slice(resp.body()).unwrap_or(Value::Null);
        let outcome = match status {
            200 | 201 => match json["code"].as_str() {
                Some(code) => Outcome::Code(code.to_owned()),
                None => Outcome::Failed(status),
            },
            s if s >= 500 => Outcome::Failed(s),
            _ => Outcome::Refused(
                json["error"]["reason"]
                    .as_str()
                    .unwrap_or("unknown")
                    .to_owned(),
            ),
        };
        let retry = matches!(outcome, Outcome::Failed(_));
        out.push(observe(f, latency, outcome));
        if !retry || attempt == RETRIES {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
    }
    out
}

async fn discord(world: &World, f: &FollowerPlan, body: &[u8], token: &str) -> Observation {
    let timestamp = (promo_core::Timestamp::now().millis() / 1000).to_string();
    let signature = hex::encode(
        world
            .signing
            .sign(&[timestamp.as_bytes(), body].concat())
            .to_bytes(),
    );
    let req = request(
        "/discord/interactions",
        &[
            ("x-signature-ed25519", signature.as_str()),
            ("x-signature-timestamp", timestamp.as_str()),
        ],
        body.to_vec(),
    );
    let t = Instant::now();
    let handled = world.discord.handle(req).await;
    let latency = t.elapsed();
    let status = handled.response.status().as_u16();
    let json: Value = serde_json::from_slice(handled.response.body()).unwrap_or(Value::Null);
    let outcome = if status != 200 {
        Outcome::Failed(status)
    } else if json["type"] == 5 {
        Outcome::Deferred
    } else {
        let text = json["data"]["content"].as_str().unwrap_or_default();
        match discord_code(text) {
            Some(code) => Outcome::Code(code),
            None if text.contains("already handled") || text.contains("already being handled") => {
                Outcome::Duplicate
            }
            None if text.contains("went wrong") => Outcome::Failed(500),
            None => Outcome::Refused(text.chars().take(40).collect()),
        }
    };
    // What the endpoint's server does after sending the deferred response.
    if let Some(follow_up) = handled.follow_up {
        follow_up.await;
    }
    Observation {
        token: Some(token.to_owned()),
        ..observe(f, latency, outcome)
    }
}

async fn telegram(world: &World, f: &FollowerPlan, body: &[u8]) -> Vec<Observation> {
    let mut out = Vec::new();
    for attempt in 0..=RETRIES {
        let req = request(
            "/telegram/webhook",
            &[("x-telegram-bot-api-secret-token", TELEGRAM_SECRET)],
            body.to_vec(),
        );
        let t = Instant::now();
        let resp = world.telegram.handle(req).await;
        let latency = t.elapsed();
        let status = resp.status().as_u16();
        let outcome = match status {
            200 => Outcome::Answered,
            s => Outcome::Failed(s),
        };
        out.push(observe(f, latency, outcome));
        if status == 200 || attempt == RETRIES {
            break;
        }
        // Telegram redelivers later; past the lease, a redelivery takes over a dead attempt.
        tokio::time::sleep(Duration::from_millis(750 << attempt)).await;
    }
    out
}

fn request(path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Request {
    let mut b = http::Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", "application/json");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Body::Binary(body))
        .unwrap_or_else(|_| Request::new(Body::Empty))
}
