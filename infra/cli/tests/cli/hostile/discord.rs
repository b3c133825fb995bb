//! `POST /discord/interactions` under attack: button `custom_id`s with multi-byte characters,
//! bad and stale signatures, a typed `influencer` option, the wrong method, an oversized body.
//! Every case: the safe status, no code in the answer or in a follow-up to the fake Discord API,
//! nothing claimed or credited, nothing leaked.

use super::fakes::Fake;
use super::support::{
    API_KEY, Answer, CAMPAIGN, Cases, Expected, Findings, LINK_SECRET, World, answered,
    answered_own, claims_are_exactly, http, logs_are_clean, send,
};
use crate::common::Serve;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const APP_ID: u64 = 900_000_000_000_000_777;
/// Discord's epoch in Unix milliseconds.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[0x5a; 32])
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_millis() as u64
}

/// A snowflake for an account created three years ago (`n` keeps them apart).
fn user_id(n: u64) -> u64 {
    let created = now_ms() - 3 * 365 * 86_400_000;
    ((created - DISCORD_EPOCH_MS) << 22) | (n & 0x3f_ffff)
}

static NEXT: AtomicU64 = AtomicU64::new(1);

fn interaction_id() -> u64 {
    ((now_ms() - DISCORD_EPOCH_MS) << 22) | NEXT.fetch_add(1, Ordering::Relaxed)
}

/// An interaction from `user` in a DM, shaped as Discord sends it.
fn envelope(kind: u8, user: u64, data: Value) -> Value {
    let id = interaction_id();
    json!({
        "id": id.to_string(),
        "application_id": APP_ID.to_string(),
        "type": kind,
        "token": format!("interaction-token-{id}"),
        "version": 1,
        "data": data,
        "channel_id": "600000000000000001",
        "user": {"id": user.to_string(), "username": format!("user{user}"), "discriminator": "0",
                 "global_name": null, "avatar": null},
        "context": 1,
        "locale": "en-US",
        "app_permissions": "0",
        "entitlements": [],
        "authorizing_integration_owners": {},
        "attachment_size_limit": 10_485_760,
    })
}

/// A press of a claim button, in the server the seller allowed (where the bot posted it).
fn button(custom_id: &str, user: u64) -> Value {
    let mut v = envelope(
        3,
        user,
        json!({"custom_id": custom_id, "component_type": 2}),
    );
    v["message"] = json!({
        "id": "800000000000000001", "channel_id": "600000000000000001",
        "author": {"id": APP_ID.to_string(), "username": "promo", "discriminator": "0",
                   "global_name": null, "avatar": null},
        "content": "Get your code", "timestamp": "2025-01-01T00:00:00.000000+00:00",
        "edited_timestamp": null, "tts": false, "mention_everyone": false, "mentions": [],
        "mention_roles": [], "attachments": [], "embeds": [], "pinned": false, "type": 0,
        "components": [], "flags": 0
    });
    in_guild(v, super::support::SELLER_GUILD, "0")
}

/// An interaction from `user` in server `guild`, with the member's `permissions` bit set.
fn in_guild(mut v: Value, guild: u64, permissions: &str) -> Value {
    let user = v["user"].take();
    v.as_object_mut().expect("object").remove("user");
    v["guild_id"] = json!(guild.to_string());
    v["guild_locale"] = json!("en-US");
    v["context"] = json!(0);
    v["member"] = json!({
        "user": user, "roles": [], "joined_at": "2020-01-01T00:00:00.000000+00:00",
        "deaf": false, "mute": false, "flags": 0, "pending": false, "permissions": permissions,
    });
    v
}

fn command(name: &str, options: &[(&str, &str)], user: u64) -> Value {
    let options: Vec<Value> = options
        .iter()
        .map(|(n, v)| json!({"name": n, "type": 3, "value": v}))
        .collect();
    envelope(
        2,
        user,
        json!({"id": "700000000000000001", "name": name, "type": 1, "options": options}),
    )
}

/// Discord's headers: hex Ed25519 signature over timestamp + body.
fn signed_at(key: &SigningKey, timestamp: u64, body: &[u8]) -> (String, String) {
    let ts = timestamp.to_string();
    let sig = key.sign(&[ts.as_bytes(), body].concat());
    (hex::encode(sig.to_bytes()), ts)
}

fn now_secs() -> u64 {
    now_ms() / 1000
}

struct Endpoint<'a> {
    base: String,
    http: reqwest::Client,
    world: &'a World,
    fake: &'a Fake,
}

impl Endpoint<'_> {
    async fn post(&self, body: Vec<u8>, headers: Option<(String, String)>) -> Answer {
        let mut req = self
            .http
            .post(format!("{}/discord/interactions", self.base))
            .header("content-type", "application/json");
        if let Some((sig, ts)) = headers {
            req = req
                .header("X-Signature-Ed25519", sig)
                .header("X-Signature-Timestamp", ts);
        }
        send(req.body(body)).await
    }

    async fn signed(&self, v: &Value) -> Answer {
        let body = v.to_string().into_bytes();
        let headers = signed_at(&key(), now_secs(), &body);
        self.post(body, Some(headers)).await
    }

    /// No code reached Discord since `mark` (a deferred reply's follow-up).
    fn followed_up_no_code(&self, f: &mut Findings, mark: usize) {
        for call in self.fake.since(mark) {
            let codes = self.world.codes_in(&call.params.to_string());
            f.expect(codes.is_empty(), || {
                format!("a follow-up ({}) carried a code", call.method)
            });
        }
    }

    /// Waits (bounded) for deferred follow-ups to land, so none is missed.
    async fn settle(&self) {
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn start(world: &mut World, fake: &Fake) -> Serve {
    world.secret("Discord bot token", "hostile-discord-bot-token");
    crate::common::spawn_serve(
        &world.data,
        &[],
        &[
            ("PROMO_API_KEY", API_KEY),
            ("PROMO_LINK_SECRET", LINK_SECRET),
            (
                "PROMO_DISCORD_PUBLIC_KEY",
                &hex::encode(key().verifying_key().to_bytes()),
            ),
            ("PROMO_DISCORD_APP_ID", &APP_ID.to_string()),
            ("PROMO_DISCORD_API_URL", &fake.url),
            ("PROMO_DISCORD_TOKEN", "hostile-discord-bot-token"),
        ],
    )
    .await
}

/// The content of an ephemeral type-4 answer, if it is one.
fn ephemeral_content(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    (v["type"] == 4 && v["data"]["flags"].as_u64().is_some_and(|f| f & 64 != 0))
        .then(|| v["data"]["content"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn discord_endpoint_refuses_hostile_interactions_and_issues_nothing() {
    let mut world = World::seed();
    let fake = Fake::discord().await;
    let serve = start(&mut world, &fake).await;
    let ep = Endpoint {
        base: serve.base.clone(),
        http: http(),
        world: &world,
        fake: &fake,
    };
    // The signed part of alice's button, as the CLI printed it.
    let alice = world
        .button("alice")
        .strip_prefix("claim:")
        .expect("a claim button")
        .to_owned();
    let mut cases = Cases::new("discord");
    let mut expected: Expected = Vec::new();
    let mut hostile: Vec<(String, String)> = Vec::new();

    {
        let mut f = Findings::default();
        let a = ep
            .signed(&json!({"id": interaction_id().to_string(),
                            "application_id": APP_ID.to_string(), "type": 1,
                            "token": "ping-token", "version": 1}))
            .await;
        if let Some(body) = answered(&mut f, &world, &a, &[200]) {
            f.expect(
                serde_json::from_str::<Value>(&body).ok() == Some(json!({"type": 1})),
                || format!("a ping answered {body}"),
            );
        }
        cases.record("control: a signed PING answers {\"type\":1}", f.0);
    }
    {
        let mut f = Findings::default();
        let user = user_id(1);
        let mark = fake.mark();
        let a = ep.signed(&button(world.button("alice"), user)).await;
        let body = answered_own(&mut f, &world, &a, &[200]);
        ep.settle().await;
        // Deferred past the time budget (a loaded machine): wait, bounded, for the follow-up.
        let deferred = body
            .as_deref()
            .and_then(|b| serde_json::from_str::<Value>(b).ok())
            .is_some_and(|v| v["type"] == 5);
        for _ in 0..50 {
            if !deferred || !fake.since(mark).is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The code is the follower's own: in the ephemeral answer or its follow-up.
        let in_answer = body
            .as_deref()
            .and_then(ephemeral_content)
            .map_or(0, |c| world.codes_in(&c).len());
        let followed = fake
            .since(mark)
            .iter()
            .map(|c| world.codes_in(&c.params.to_string()).len())
            .sum::<usize>();
        f.expect(in_answer + followed == 1, || {
            format!("want one code, privately; got {in_answer} in the answer, {followed} in follow-ups: {body:?}")
        });
        expected.push(("discord", user.to_string(), "alice"));
        cases.record(
            "control: a signed alice button hands one ephemeral code",
            f.0,
        );
    }

    // Buttons whose custom id carries multi-byte characters after the prefix.
    let ids: Vec<(&str, String)> = vec![
        ("claim:BAéabcdefghijk", "claim:BAéabcdefghijk".to_owned()),
        (
            "claim:<emoji>",
            "claim:🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀".to_owned(),
        ),
        ("claim:<60 × é>", format!("claim:{}", "é".repeat(60))),
        (
            "claim:<RTL marks>",
            "claim:\u{200F}\u{202E}BAabcdefghijk".to_owned(),
        ),
        ("claim:<NUL>", "claim:BA\u{0}abcdefghijkl".to_owned()),
        ("claim:<alice link>é", format!("claim:{alice}é")),
        ("claim:<é + alice link>", format!("claim:é{}", &alice[2..])),
        ("claimé (no colon)", format!("claimé{alice}")),
    ];
    for (i, (what, custom_id)) in ids.iter().enumerate() {
        let user = user_id(100 + i as u64);
        let mut f = Findings::default();
        let mark = fake.mark();
        let a = ep.signed(&button(custom_id, user)).await;
        answered(&mut f, &world, &a, &[200, 400]);
        ep.settle().await;
        ep.followed_up_no_code(&mut f, mark);
        cases.record(&format!("button {what}: a clean refusal, no code"), f.0);
        hostile.push((format!("button {what}"), user.to_string()));
    }

    // Signatures that do not hold: 401, and the claim inside is not made.
    {
        let user = user_id(200);
        let body = button(world.button("alice"), user).to_string().into_bytes();
        let other = SigningKey::from_bytes(&[0x11; 32]);
        let (good_sig, good_ts) = signed_at(&key(), now_secs(), &body);
        let mut flipped = good_sig.clone().into_bytes();
        flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).expect("hex");
        let mut tampered = body.clone();
        let last = tampered.len() - 2;
        tampered[last] = b' ';
        // (what, the body, the signature and timestamp headers)
        type Try<'a> = (&'a str, Vec<u8>, Option<(String, String)>);
        let tries: Vec<Try> = vec![
            ("no signature headers", body.clone(), None),
            (
                "signed by another key",
                body.clone(),
                Some(signed_at(&other, now_secs(), &body)),
            ),
            (
                "one hex digit flipped",
                body.clone(),
                Some((flipped, good_ts.clone())),
            ),
            (
                "body changed after signing",
                tampered,
                Some((good_sig.clone(), good_ts.clone())),
            ),
            (
                "timestamp changed after signing",
                body.clone(),
                Some((good_sig.clone(), (now_secs() + 1).to_string())),
            ),
            (
                "signature not hex",
                body.clone(),
                Some(("zz".repeat(64), good_ts.clone())),
            ),
            (
                "signature of multi-byte chars",
                body.clone(),
                Some(("é".repeat(64), good_ts.clone())),
            ),
            (
                "empty signature",
                body.clone(),
                Some((String::new(), good_ts.clone())),
            ),
        ];
        for (what, body, headers) in tries {
            let mut f = Findings::default();
            let mark = fake.mark();
            let a = ep.post(body, headers).await;
            answered(&mut f, &world, &a, &[401]);
            ep.settle().await;
            f.expect(fake.since(mark).is_empty(), || {
                "the bot called Discord".into()
            });
            cases.record(&format!("bad signature ({what}): 401"), f.0);
        }
        hostile.push(("a button with a bad signature".into(), user.to_string()));
    }

    {
        let mut f = Findings::default();
        let a = send(ep.http.get(format!("{}/discord/interactions", serve.base))).await;
        answered(&mut f, &world, &a, &[405]);
        cases.record("GET /discord/interactions: 405", f.0);
    }
    {
        let mut f = Findings::default();
        let mut big = button(world.button("alice"), user_id(300));
        big["padding"] = json!("x".repeat(1024 * 1024));
        let mut body = big.to_string().into_bytes();
        body.truncate(1024 * 1024 + 1);
        let headers = signed_at(&key(), now_secs(), &body);
        let a = ep.post(body, Some(headers)).await;
        answered(&mut f, &world, &a, &[413]);
        cases.record("a signed 1 MiB + 1 body: 413", f.0);
        hostile.push(("a 1 MiB + 1 body".into(), user_id(300).to_string()));
    }

    claims_are_exactly(&mut cases, &world, CAMPAIGN, &expected, &hostile);
    logs_are_clean(&mut cases, &world, &serve);
    cases.finish();
}

/// Issue 12 (item 4): a captured request replayed later is refused before any work. Fails on
/// main while `X-Signature-Timestamp` is not checked for age.
#[tokio::test(flavor = "multi_thread")]
async fn discord_refuses_signed_requests_with_a_stale_or_future_timestamp() {
    let mut world = World::seed();
    let fake = Fake::discord().await;
    let serve = start(&mut world, &fake).await;
    let ep = Endpoint {
        base: serve.base.clone(),
        http: http(),
        world: &world,
        fake: &fake,
    };
    let mut cases = Cases::new("discord replay");
    let mut hostile = Vec::new();
    for (i, (what, at)) in [
        ("10 minutes old", now_secs() - 600),
        ("10 minutes ahead", now_secs() + 600),
        ("a day old", now_secs() - 86_400),
    ]
    .into_iter()
    .enumerate()
    {
        let user = user_id(400 + i as u64);
        let body = button(world.button("alice"), user).to_string().into_bytes();
        let headers = signed_at(&key(), at, &body);
        let mut f = Findings::default();
        let mark = fake.mark();
        let a = ep.post(body, Some(headers)).await;
        if let Ok((200, _)) = a {
            f.0.push(format!(
                "REPLAY ACCEPTED: a correctly signed request {what} was answered 200 \
                 (X-Signature-Timestamp is not checked for age; issue 12 item 4)"
            ));
        } else {
            answered(&mut f, &world, &a, &[401]);
        }
        ep.settle().await;
        ep.followed_up_no_code(&mut f, mark);
        cases.record(&format!("signed button, timestamp {what}: 401"), f.0);
        hostile.push((format!("timestamp {what}"), user.to_string()));
    }
    claims_are_exactly(&mut cases, &world, CAMPAIGN, &Vec::new(), &hostile);
    logs_are_clean(&mut cases, &world, &serve);
    cases.finish();
}

/// Issue 12 (item 3): attribution comes only from what the seller signed or configured. Fails on
/// main while the `influencer` option of `/claim` is free text that credits whoever it names,
/// `/claim-button` mints buttons in any server, and a deep link works as a button.
#[tokio::test(flavor = "multi_thread")]
async fn discord_attribution_comes_only_from_what_the_seller_signed() {
    let mut world = World::seed();
    let fake = Fake::discord().await;
    let serve = start(&mut world, &fake).await;
    let ep = Endpoint {
        base: serve.base.clone(),
        http: http(),
        world: &world,
        fake: &fake,
    };
    let mut cases = Cases::new("discord attribution");
    let user = user_id(500);
    let mut f = Findings::default();
    let a = ep
        .signed(&command(
            "claim",
            &[("influencer", "alice"), ("campaign", CAMPAIGN)],
            user,
        ))
        .await;
    answered_own(&mut f, &world, &a, &[200]);
    ep.settle().await;
    let rows = world.claims(CAMPAIGN);
    let credited: Vec<String> = rows
        .iter()
        .filter(|r| r.user == user.to_string())
        .map(|r| r.influencer.clone())
        .collect();
    f.expect(!credited.iter().any(|i| i == "alice"), || {
        format!(
            "ATTRIBUTION STEERED: `/claim influencer:alice` typed by a follower credited alice \
             (claims of the follower: {credited:?}; issue 12 item 3)"
        )
    });
    let stats = world.stats(CAMPAIGN);
    let alice_claims = stats["influencers"]
        .as_array()
        .and_then(|l| l.iter().find(|e| e["influencer"] == "alice"))
        .and_then(|e| e["claims"].as_u64())
        .unwrap_or(0);
    f.expect(alice_claims == 0, || {
        format!("stats credit alice with {alice_claims} claims, want 0")
    });
    cases.record(
        "/claim influencer:alice typed by a follower: alice not credited",
        f.0,
    );

    // Issue 12 (item 3): a button can be minted only in a server the seller allowed. No server
    // was ever allowed here, so a Manage-Server member of some server the bot is in gets none.
    {
        let mut f = Findings::default();
        let mark = fake.mark();
        let a = ep
            .signed(&in_guild(
                command(
                    "claim-button",
                    &[("campaign", CAMPAIGN), ("influencer", "bobby")],
                    user_id(501),
                ),
                400_000_000_000_000_001,
                "32",
            ))
            .await;
        answered(&mut f, &world, &a, &[200]);
        ep.settle().await;
        let body = a.as_ref().map(|(_, b)| b.clone()).unwrap_or_default();
        let followed: String = fake
            .since(mark)
            .iter()
            .map(|c| c.params.to_string())
            .collect();
        f.expect(
            !body.contains("\"claim:") && !followed.contains("\"claim:"),
            || {
                "BUTTON MINTED: `/claim-button influencer:bobby` in a server the seller never \
                 allowed answered with a signed claim button (issue 12 item 3)"
                    .into()
            },
        );
        cases.record(
            "/claim-button in a server never allowed (Manage Server member): no button",
            f.0,
        );
    }

    // Issue 12 (item 3): deep links and button payloads are domain-separated, so a Telegram
    // `start` payload does not work as a Discord button.
    {
        let mut f = Findings::default();
        let follower = user_id(502);
        let mark = fake.mark();
        let custom_id = format!("claim:{}", world.payload("bobby"));
        let a = ep.signed(&button(&custom_id, follower)).await;
        answered_own(&mut f, &world, &a, &[200, 400]);
        ep.settle().await;
        let body = a.as_ref().map(|(_, b)| b.clone()).unwrap_or_default();
        let codes = world.codes_in(&body).len()
            + fake
                .since(mark)
                .iter()
                .map(|c| world.codes_in(&c.params.to_string()).len())
                .sum::<usize>();
        f.expect(codes == 0, || {
            "CROSS-PLATFORM PAYLOAD: bobby's Telegram deep-link payload worked as a Discord \
             claim button and issued a code (issue 12 item 3: domain separation)"
                .into()
        });
        let credited = world
            .claims(CAMPAIGN)
            .iter()
            .any(|r| r.user == follower.to_string());
        f.expect(!credited, || {
            "the follower holds a code claimed through the Telegram payload".into()
        });
        cases.record(
            "a Telegram deep-link payload as a Discord button: refused",
            f.0,
        );
    }
    logs_are_clean(&mut cases, &world, &serve);
    cases.finish();
}
