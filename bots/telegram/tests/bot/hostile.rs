//! Input nobody wrote a test for: any Unicode in commands, deep-link payloads and button data,
//! any bytes as a webhook body, ids in shapes Telegram never sends. Nothing panics, nothing is
//! issued without a signed link, and every update gets a clear answer.

use crate::support::updates::*;
use crate::support::{Harness, SECRET};
use promo_telegram::action::{Action, Button, Target};
use promo_telegram::link::deep_link_payload_ok;
use promo_telegram::options::{normalise_language, parse_channel, parse_translations};
use promo_telegram::texts::{Texts, Value as Placeholder, escape, render};
use promo_telegram::{BotToken, WebhookSecret, webhook_url};
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU32, Ordering};
use teloxide::types::{Update, UpdateKind};

fn update(v: &Value) -> Update {
    serde_json::from_value(v.clone()).expect("an update")
}

/// Text the way a hostile user types it: any Unicode, often after a command.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,80}",
        "\\PC{0,80}".prop_map(|s| format!("/start {s}")),
        "\\PC{0,80}".prop_map(|s| format!("/claim {s}")),
        "\\PC{0,80}".prop_map(|s| format!("/start@promo_test_bot {s}")),
        "[A-Za-z0-9_é\u{0301}\u{1F600}-]{0,70}".prop_map(|s| format!("/start {s}")),
    ]
}

proptest! {
    #[test]
    fn a_private_command_names_its_first_word_as_the_payload_and_never_panics(
        text in hostile_text(),
        lang in proptest::option::of("\\PC{0,20}"),
    ) {
        let update = update(&private_text_lang(1, 111, &text, lang.as_deref()));
        let action = Action::of(&update, "promo_test_bot");
        match action {
            // A message teloxide cannot read (an empty text, which Telegram never sends) is
            // ignored, not guessed at.
            Action::Ignore(_) if matches!(update.kind, UpdateKind::Error(_)) => {}
            Action::Claim { asker, target } => {
                prop_assert_eq!(asker.user_id, 111);
                prop_assert_eq!(asker.follower().map(|f| f.user_id.as_str().to_owned()), Some("111".to_owned()));
                if let Target::Link(payload) = target {
                    prop_assert!(!payload.is_empty());
                    prop_assert!(text.split_whitespace().nth(1) == Some(payload.as_str()));
                }
            }
            Action::Stats { .. } | Action::Help { .. } => {}
            other => prop_assert!(false, "a private message became {:?}", other),
        }
    }

    #[test]
    fn a_group_message_never_becomes_a_claim(text in hostile_text()) {
        let action = Action::of(&update(&group_text(1, 111, -100, &text)), "promo_test_bot");
        prop_assert!(
            matches!(action, Action::PointToPrivate { .. } | Action::Ignore(_)),
            "{:?}", action
        );
    }

    #[test]
    fn button_data_is_split_on_its_prefix_only(data in prop_oneof![
        any::<String>(),
        "\\PC{0,64}".prop_map(|s| format!("c:{s}")),
        "\\PC{0,64}".prop_map(|s| format!("w:{s}")),
    ]) {
        let update = update(&callback(1, 111, &data));
        let action = Action::of(&update, "promo_test_bot");
        if matches!(update.kind, UpdateKind::Error(_)) {
            prop_assert!(action.is_ignored());
            return Ok(());
        }
        let Action::Pressed { button, .. } = action else {
            return Err(TestCaseError::fail(format!("a tap is a press: {action:?}")));
        };
        match button {
            Button::Claim(p) => prop_assert_eq!(format!("c:{p}"), data),
            Button::Notify(p) => prop_assert_eq!(format!("w:{p}"), data),
            Button::Unknown => prop_assert!(!data.starts_with("c:") && !data.starts_with("w:")),
        }
    }

    #[test]
    fn only_telegrams_start_alphabet_passes_as_a_payload(s in any::<String>()) {
        let ok = deep_link_payload_ok(&s);
        let shape = (1..=64).contains(&s.len())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        prop_assert_eq!(ok, shape);
    }

    #[test]
    fn rendering_escapes_every_value_and_any_template(
        template in any::<String>(),
        value in any::<String>(),
        code in any::<String>(),
    ) {
        let out = render(&template, &[("product", Placeholder::Text(&value)), ("code", Placeholder::Code(&code))]);
        let bare = out.replace("<code>", "").replace("</code>", "");
        prop_assert!(!bare.contains('<') && !bare.contains('>'), "{}", out);
        prop_assert_eq!(render(&template, &[]), escape(&template));
    }

    #[test]
    fn the_sellers_options_refuse_what_they_cannot_use_without_panicking(
        raw in any::<String>(),
        json in "\\PC{0,200}",
    ) {
        if let Ok(channel) = parse_channel(&raw) {
            prop_assert!(channel.starts_with('@') || channel.starts_with('-'));
            prop_assert!(channel.is_ascii());
        }
        if let Some(lang) = normalise_language(&raw) {
            prop_assert!(lang.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
        }
        let _ = parse_translations(&json);
        let _ = parse_translations(&format!(r#"{{"de": {{"ended": {}}}}}"#, json!(raw)));
        let _ = BotToken::new(&raw);
        if let Ok(secret) = WebhookSecret::new(&raw) {
            prop_assert!(secret.expose_secret().is_ascii());
        }
        let _ = promo_telegram::config::bot_username(&raw);
        let _ = webhook_url(&raw);
    }
}

/// Runs `cases` generated inputs through a real bot (webhook, embedded engine, fake Bot API).
fn against_the_bot<S: Strategy>(
    cases: u32,
    strategy: S,
    check: impl Fn(&Harness, u32, S::Value) -> futures::future::BoxFuture<'_, Result<(), TestCaseError>>,
) where
    S::Value: std::fmt::Debug,
{
    let rt = tokio::runtime::Runtime::new().unwrap();
    let h = rt.block_on(async {
        let h = Harness::start().await;
        campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 5).await;
        h
    });
    let next = AtomicU32::new(1);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |input| {
            let id = next.fetch_add(1, Ordering::SeqCst);
            rt.block_on(check(&h, id, input))
        })
        .unwrap();
    rt.block_on(async {
        assert_eq!(
            h.issued("spring").await,
            0,
            "nothing issued without a signed link"
        );
    });
}

#[test]
fn any_private_text_is_answered_once_and_issues_nothing() {
    against_the_bot(48, hostile_text(), |h, id, text| {
        Box::pin(async move {
            let before = h.api.calls_of("sendMessage").len();
            let status = h.post(&private_text(id, 111, &text)).await;
            prop_assert_eq!(status, 200, "{:?}", text);
            prop_assert_eq!(
                h.api.calls_of("sendMessage").len(),
                before + 1,
                "{:?}",
                text
            );
            Ok(())
        })
    });
}

#[test]
fn any_button_data_is_answered_and_issues_nothing() {
    let data = prop_oneof![
        any::<String>(),
        "\\PC{0,64}".prop_map(|s| format!("c:{s}")),
        "\\PC{0,64}".prop_map(|s| format!("w:{s}")),
    ];
    against_the_bot(48, data, |h, id, data| {
        Box::pin(async move {
            let status = h.post(&callback(id, 111, &data)).await;
            prop_assert_eq!(status, 200, "{:?}", data);
            let answered = h
                .api
                .calls_of("answerCallbackQuery")
                .iter()
                .any(|c| c.params["callback_query_id"] == format!("cbq-{id}"));
            prop_assert!(answered, "the tap is answered: {:?}", data);
            Ok(())
        })
    });
}

#[test]
fn any_bytes_as_a_webhook_body_get_a_clean_answer() {
    let body = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256),
        any::<String>().prop_map(String::into_bytes),
        "\\PC{0,40}".prop_map(|s| json!({"update_id": 5, "message": s})
            .to_string()
            .into_bytes()),
    ];
    against_the_bot(64, body, |h, _, body| {
        Box::pin(async move {
            let (status, _) = h.post_raw(body, Some(SECRET)).await;
            prop_assert!(status == 200 || status == 400, "{}", status);
            Ok(())
        })
    });
}

#[tokio::test]
async fn a_multibyte_character_in_a_deep_link_is_a_bad_link_not_a_crash() {
    let h = Harness::start().await;
    campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 3).await;
    for (id, text) in [
        (1, "/start BAéabcdefghijk".to_owned()),
        (2, format!("/start {}é", h.payload("spring", None))),
        (3, "/claim \u{1F600}\u{1F600}\u{1F600}\u{1F600}".to_owned()),
    ] {
        assert_eq!(h.post(&private_text(id, 111, &text)).await, 200, "{text}");
    }
    assert_eq!(h.post(&callback(4, 111, "c:BAéabcdefghijk")).await, 200);
    assert_eq!(h.post(&callback(5, 111, "w:BAéabcdefghijk")).await, 200);
    assert_eq!(
        h.api.texts(),
        vec![Texts::english().bad_link().to_owned(); 4],
        "three commands and the claim button"
    );
    let notify = h.api.calls_of("answerCallbackQuery");
    assert_eq!(
        notify.last().unwrap().params["text"],
        Texts::english().bad_link()
    );
    assert_eq!(h.issued("spring").await, 0);
}

#[tokio::test]
async fn a_user_id_telegram_would_never_send_is_not_an_update_and_one_id_is_one_follower() {
    let h = Harness::start().await;
    campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 3).await;
    let start = format!("/start {}", h.payload("spring", None));
    // teloxide reads a message whose sender id is no JSON integer as an update it does not
    // know: acknowledged (a 4xx would only make Telegram redeliver it) and ignored.
    for (id, bad) in [
        json!("042"),
        json!(42.0),
        json!(-42),
        json!("42"),
        json!(1e30),
    ]
    .into_iter()
    .enumerate()
    {
        let mut u = private_text(100 + id as u32, 42, &start);
        u["message"]["from"]["id"] = bad.clone();
        let (status, _) = h.post_raw(u.to_string(), Some(SECRET)).await;
        assert!(status == 200 || status == 400, "from.id {bad}: {status}");
        let mut c = callback(
            200 + id as u32,
            42,
            &format!("c:{}", h.payload("spring", None)),
        );
        c["callback_query"]["from"]["id"] = bad.clone();
        let (status, _) = h.post_raw(c.to_string(), Some(SECRET)).await;
        assert!(status == 200 || status == 400, "from.id {bad}: {status}");
    }
    assert!(h.api.calls().is_empty(), "{:?}", h.api.calls());
    assert_eq!(h.issued("spring").await, 0);
    // The one shape Telegram sends, as a number: one follower however often they ask.
    assert_eq!(h.post(&private_text(2, 42, &start)).await, 200);
    assert_eq!(
        h.post(&callback(
            3,
            42,
            &format!("c:{}", h.payload("spring", None))
        ))
        .await,
        200
    );
    assert_eq!(h.issued("spring").await, 1);
    let texts = h.api.texts();
    let code = h.held_code("spring", 42).await.unwrap();
    assert!(texts.iter().all(|t| t.contains(&code)), "{texts:?}");
}
