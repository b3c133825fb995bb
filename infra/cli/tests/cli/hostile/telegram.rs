//! `POST /telegram/webhook` under attack: hostile deep-link payloads (and their redelivery),
//! forged links, group chats, impossible user ids, bodies that are not updates, oversized bodies,
//! missing or wrong secret tokens. Every case: the safe status, no code sent to anyone (the fake
//! Bot API's records), nothing claimed or credited (the store's claims afterwards), nothing leaked.

use super::fakes::{Call, Fake};
use super::support::{
    API_KEY, Answer, CAMPAIGN, Cases, Expected, Findings, LINK_SECRET, World, answered,
    claims_are_exactly, http, logs_are_clean, send,
};
use serde_json::{Value, json};

const TOKEN: &str = "123456:hostile-telegram-bot-token";
const SECRET: &str = "hostile-telegram-webhook-secret-01";
const HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

fn user(id: Value) -> Value {
    json!({"id": id, "is_bot": false, "first_name": "Ann", "language_code": "en"})
}

fn entities(text: &str) -> Value {
    if text.starts_with('/') {
        // Telegram counts UTF-16 code units; the command itself is ASCII.
        let len = text.split_whitespace().next().map_or(0, str::len);
        json!([{"offset": 0, "length": len, "type": "bot_command"}])
    } else {
        json!([])
    }
}

/// A private message from `from` in chat `chat` (the same id in a real private chat).
fn private(update_id: u64, from: Value, chat: Value, text: &str) -> Value {
    json!({
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": user(from),
            "chat": {"id": chat, "first_name": "Ann", "type": "private"},
            "date": 1_700_000_000,
            "text": text,
            "entities": entities(text),
        }
    })
}

fn private_text(update_id: u64, user_id: u64, text: &str) -> Value {
    private(update_id, json!(user_id), json!(user_id), text)
}

fn group_text(update_id: u64, user_id: u64, chat: i64, text: &str) -> Value {
    json!({
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": user(json!(user_id)),
            "chat": {"id": chat, "title": "Fans of Alice", "type": "supergroup"},
            "date": 1_700_000_000,
            "text": text,
            "entities": entities(text),
        }
    })
}

struct Bot<'a> {
    base: String,
    http: reqwest::Client,
    fake: &'a Fake,
    world: &'a World,
}

impl Bot<'_> {
    async fn post(&self, body: Vec<u8>, secret: Option<&str>) -> Answer {
        let mut req = self
            .http
            .post(format!("{}/telegram/webhook", self.base))
            .header("content-type", "application/json")
            .body(body);
        if let Some(s) = secret {
            req = req.header(HEADER, s);
        }
        send(req).await
    }

    async fn update(&self, update: &Value) -> Answer {
        self.post(update.to_string().into_bytes(), Some(SECRET))
            .await
    }

    /// No call since `mark` carried a code.
    fn sent_no_code(&self, f: &mut Findings, mark: usize) {
        for call in self.fake.since(mark) {
            let codes = self.world.codes_in(&call.params.to_string());
            f.expect(codes.is_empty(), || {
                format!(
                    "the bot sent {} to chat {} with a code",
                    call.method,
                    call.chat()
                )
            });
        }
    }

    /// The codes sent since `mark`, with the chat each went to.
    fn codes_sent(&self, mark: usize) -> Vec<(String, String)> {
        self.fake
            .since(mark)
            .iter()
            .flat_map(|c: &Call| {
                self.world
                    .codes_in(&c.params.to_string())
                    .into_iter()
                    .map(|code| (c.chat(), code))
            })
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn telegram_webhook_refuses_hostile_updates_and_issues_nothing() {
    let mut world = World::seed();
    world.secret("Telegram bot token", TOKEN);
    world.secret("Telegram webhook secret", SECRET);
    let fake = Fake::telegram().await;
    let serve = crate::common::spawn_serve(
        &world.data,
        &[],
        &[
            ("PROMO_API_KEY", API_KEY),
            ("PROMO_LINK_SECRET", LINK_SECRET),
            ("PROMO_TELEGRAM_TOKEN", TOKEN),
            ("PROMO_TELEGRAM_BOT", "hostile_bot"),
            ("PROMO_TELEGRAM_SECRET", SECRET),
            ("PROMO_TELEGRAM_API_URL", &fake.url),
        ],
    )
    .await;
    let bot = Bot {
        base: serve.base.clone(),
        http: http(),
        fake: &fake,
        world: &world,
    };
    let alice = world.payload("alice").to_owned();
    let mut cases = Cases::new("telegram");
    let mut expected: Expected = Vec::new();
    let mut hostile: Vec<(String, String)> = Vec::new();
    let mut next_update = 500_000u64;
    let mut next = || {
        next_update += 1;
        next_update
    };

    // A control first: a signed link hands out a code, privately, to the asker only.
    {
        let mut f = Findings::default();
        let mark = fake.mark();
        let user = 7_000_001u64;
        let a = bot
            .update(&private_text(next(), user, &format!("/start {alice}")))
            .await;
        answered(&mut f, &world, &a, &[200]);
        let sent = bot.codes_sent(mark);
        f.expect(sent.len() == 1 && sent[0].0 == user.to_string(), || {
            format!("want one code sent to {user}, got {sent:?}")
        });
        expected.push(("telegram", user.to_string(), "alice"));
        cases.record(
            "control: /start <signed alice link> sends one code to the asker",
            f.0,
        );
    }

    // Payloads Telegram never sends (its `start` is at most 64 of A-Za-z0-9_-), each followed by
    // the same update redelivered at once and then a good claim by the same follower.
    let payloads: Vec<(&str, String)> = vec![
        ("multi-byte char", "BAéabcdefghijk".to_owned()),
        ("emoji", "🦀🦀🦀🦀🦀🦀🦀🦀".to_owned()),
        ("emoji inside a link shape", format!("BA🦀{}", &alice[3..])),
        ("65 chars", "A".repeat(65)),
        ("300 multi-byte chars", "é".repeat(300)),
        (
            "RTL marks",
            "\u{200F}\u{202E}BAabcdefghijk\u{202C}".to_owned(),
        ),
        ("NUL byte", "BA\u{0}abcdefghijkl".to_owned()),
        ("signed link + combining mark", format!("{alice}\u{301}")),
    ];
    for (i, (what, payload)) in payloads.iter().enumerate() {
        let user = 7_010_000 + i as u64;
        let mut f = Findings::default();
        let mark = fake.mark();
        let update = private_text(next(), user, &format!("/start {payload}"));
        let first = bot.update(&update).await;
        answered(&mut f, &world, &first, &[200]);
        let again = bot.update(&update).await;
        if let Ok((503, _)) = again {
            f.0.push("the redelivery was answered 503: the update is wedged in flight".into());
        } else {
            answered(&mut f, &world, &again, &[200]);
        }
        bot.sent_no_code(&mut f, mark);
        cases.record(
            &format!("/start <{what}>: 200, redelivery 200, no code"),
            f.0,
        );
        hostile.push((format!("/start <{what}>"), user.to_string()));

        // The same follower then claims normally: the bot is not wedged for them.
        if i == 0 {
            let mut f = Findings::default();
            let mark = fake.mark();
            let good_user = user + 1_000;
            let a = bot
                .update(&private_text(next(), good_user, &format!("/start {alice}")))
                .await;
            answered(&mut f, &world, &a, &[200]);
            let sent = bot.codes_sent(mark);
            f.expect(
                sent.len() == 1 && sent[0].0 == good_user.to_string(),
                || format!("want one code sent to {good_user}, got {sent:?}"),
            );
            expected.push(("telegram", good_user.to_string(), "alice"));
            cases.record(
                &format!("after /start <{what}>: a normal claim still works"),
                f.0,
            );
        }
    }

    // A signed link with its influencer part changed keeps nobody's credit.
    {
        let forged = [
            ("alice -> bobby", alice.replace("alice", "bobby")),
            (
                "direct link + influencer appended",
                format!("GF{}bobby{}", CAMPAIGN, &world.payload("(direct)")[8..]),
            ),
            ("alice, signature cut", alice[..alice.len() - 1].to_owned()),
            (
                "alice, signature changed",
                format!(
                    "{}{}",
                    &alice[..alice.len() - 1],
                    if alice.ends_with('A') { 'B' } else { 'A' }
                ),
            ),
        ];
        for (i, (what, payload)) in forged.iter().enumerate() {
            let user = 7_100_000 + i as u64;
            let mut f = Findings::default();
            let mark = fake.mark();
            let a = bot
                .update(&private_text(next(), user, &format!("/start {payload}")))
                .await;
            answered(&mut f, &world, &a, &[200]);
            bot.sent_no_code(&mut f, mark);
            cases.record(&format!("forged link ({what}): 200, no code"), f.0);
            hostile.push((format!("forged link ({what})"), user.to_string()));
        }
    }

    // A group: the bot points to a private chat and never posts a code there.
    for (i, text) in [
        format!("/claim {alice}"),
        format!("/start {alice}"),
        format!("/claim@hostile_bot {alice}"),
        "/claim".to_owned(),
    ]
    .iter()
    .enumerate()
    {
        let user = 7_200_000 + i as u64;
        let group = -1_001_234_567_890i64;
        let mut f = Findings::default();
        let mark = fake.mark();
        let a = bot.update(&group_text(next(), user, group, text)).await;
        answered(&mut f, &world, &a, &[200]);
        bot.sent_no_code(&mut f, mark);
        let to_group = fake
            .since(mark)
            .iter()
            .filter(|c| c.chat() == group.to_string())
            .count();
        println!("group {text:?}: {to_group} message(s) to the group, none with a code");
        cases.record(&format!("group chat {text:?}: no code in the group"), f.0);
        hostile.push((format!("group chat {text:?}"), user.to_string()));
    }

    // User ids no Telegram account has: no code to a wrong chat, no claim for a bogus id.
    {
        let cases_ids: Vec<(&str, Value, Value, String)> = vec![
            (
                "u64::MAX user in chat 7300001",
                json!(u64::MAX),
                json!(7_300_001u64),
                u64::MAX.to_string(),
            ),
            (
                "2^63+5 user (negative as i64) in chat 7300002",
                json!(9_223_372_036_854_775_813u64),
                json!(7_300_002u64),
                "9223372036854775813".to_owned(),
            ),
            (
                "30-digit user id",
                serde_json::from_str("123456789012345678901234567890").expect("number"),
                json!(7_300_003u64),
                "123456789012345678901234567890".to_owned(),
            ),
            (
                "negative user id",
                json!(-7_300_004i64),
                json!(7_300_004u64),
                "-7300004".to_owned(),
            ),
        ];
        for (what, from, chat, as_text) in cases_ids {
            let mut f = Findings::default();
            let mark = fake.mark();
            let chat_text = chat.to_string();
            let a = bot
                .update(&private(next(), from, chat, &format!("/start {alice}")))
                .await;
            answered(&mut f, &world, &a, &[200, 400]);
            for (to, _) in bot.codes_sent(mark) {
                f.expect(false, || {
                    format!("a code was sent to chat {to} (the update's chat is {chat_text})")
                });
            }
            cases.record(&format!("user id {what}: 200/400, no code anywhere"), f.0);
            hostile.push((format!("user id {what}"), as_text));
        }
    }

    // Bodies that are not updates.
    {
        let bodies: Vec<(&str, Vec<u8>, &[u16])> = vec![
            ("not JSON", b"update_id=1&message=hi".to_vec(), &[400]),
            ("invalid UTF-8", vec![0xff, 0xfe, b'{', 0x80], &[400]),
            ("empty", Vec::new(), &[400]),
            (
                "JSON of another shape",
                br#"{"hello":"world"}"#.to_vec(),
                &[400],
            ),
            ("a JSON array", b"[1,2,3]".to_vec(), &[400]),
            (
                "update_id as text",
                br#"{"update_id":"x","message":{}}"#.to_vec(),
                &[400],
            ),
            ("1 MiB + 1", vec![b' '; 1024 * 1024 + 1], &[413]),
        ];
        for (what, body, statuses) in bodies {
            let mut f = Findings::default();
            let mark = fake.mark();
            let a = bot.post(body, Some(SECRET)).await;
            answered(&mut f, &world, &a, statuses);
            f.expect(fake.since(mark).is_empty(), || {
                "the bot called the Bot API".into()
            });
            cases.record(&format!("body {what}: {statuses:?}"), f.0);
        }
    }

    // No secret, a wrong one: 401 before anything is read (a bad body is still 401, a good
    // claim is not made).
    {
        let user = 7_400_001u64;
        let claim = private_text(next(), user, &format!("/start {alice}"))
            .to_string()
            .into_bytes();
        let upper = SECRET.to_ascii_uppercase();
        let prefix = &SECRET[..SECRET.len() - 1];
        let longer = format!("{SECRET}x");
        let tries: Vec<(&str, Option<&str>, Vec<u8>)> = vec![
            ("no secret header, good claim", None, claim.clone()),
            (
                "wrong secret, good claim",
                Some("wrong-secret"),
                claim.clone(),
            ),
            ("secret in upper case", Some(upper.as_str()), claim.clone()),
            ("secret without its last char", Some(prefix), claim.clone()),
            (
                "secret with a char appended",
                Some(longer.as_str()),
                claim.clone(),
            ),
            ("empty secret header", Some(""), claim.clone()),
            ("no secret header, not JSON", None, b"not json".to_vec()),
        ];
        for (what, secret, body) in tries {
            let mut f = Findings::default();
            let mark = fake.mark();
            let a = bot.post(body, secret).await;
            answered(&mut f, &world, &a, &[401]);
            f.expect(fake.since(mark).is_empty(), || {
                "the bot called the Bot API".into()
            });
            cases.record(&format!("{what}: 401"), f.0);
        }
        hostile.push(("a claim without the secret".into(), user.to_string()));
    }

    // Redelivering a good claim gives the same code, not a second one; and the bot still works.
    {
        let mut f = Findings::default();
        let user = 7_500_001u64;
        let update = private_text(next(), user, &format!("/start {alice}"));
        let mark = fake.mark();
        let first = bot.update(&update).await;
        answered(&mut f, &world, &first, &[200]);
        let again = bot.update(&update).await;
        answered(&mut f, &world, &again, &[200]);
        let sent = bot.codes_sent(mark);
        f.expect(
            !sent.is_empty() && sent.iter().all(|(to, _)| to == &user.to_string()),
            || format!("want the code sent to {user} only, got {sent:?}"),
        );
        let distinct: std::collections::BTreeSet<&String> = sent.iter().map(|(_, c)| c).collect();
        f.expect(distinct.len() == 1, || {
            format!("a redelivery issued a second code: {distinct:?}")
        });
        expected.push(("telegram", user.to_string(), "alice"));
        cases.record("a redelivered claim: 200, the same single code", f.0);
    }

    // Every code the bot sent went to the one follower who claimed it.
    {
        let mut f = Findings::default();
        let mut owner: std::collections::BTreeMap<String, String> = Default::default();
        for call in fake.calls() {
            for code in world.codes_in(&call.params.to_string()) {
                let to = call.chat();
                if let Some(before) = owner.insert(code.clone(), to.clone()) {
                    f.expect(before == to, || {
                        format!("code {code} was sent to {before} and to {to}")
                    });
                }
            }
        }
        cases.record("every code sent went to one chat", f.0);
    }

    claims_are_exactly(&mut cases, &world, CAMPAIGN, &expected, &hostile);
    logs_are_clean(&mut cases, &world, &serve);
    cases.finish();
}
