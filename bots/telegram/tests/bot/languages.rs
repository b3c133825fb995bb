//! Replies in the follower's language, from Telegram's `language_code`, through the real
//! webhook: the built-in catalogues, the seller's translations over them, English otherwise.

use crate::support::Harness;
use crate::support::updates::*;
use promo_telegram::options::{CampaignOptions, parse_translations, put_campaign_options};
use promo_telegram::texts::Texts;
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes};

#[tokio::test]
async fn german_japanese_and_brazilian_followers_get_their_language() {
    let h = Harness::start().await;
    campaign_with_codes(&h.store, campaign("lingo", HOUR_MS), 8).await;
    let start = format!("/start {}", h.payload("lingo", None));
    let cases = [
        (
            1,
            "de",
            "Dein Code für B00TEST123:",
            "Code kopieren",
            "Bei Amazon öffnen",
        ),
        (
            2,
            "ja",
            "B00TEST123のコードです:",
            "コードをコピー",
            "Amazonで開く",
        ),
        (
            3,
            "pt-br",
            "Seu código para B00TEST123:",
            "Copiar código",
            "Abrir na Amazon",
        ),
        (
            4,
            "hi",
            "B00TEST123 के लिए आपका कोड:",
            "कोड कॉपी करें",
            "Amazon पर खोलें",
        ),
        (
            5,
            "en",
            "Your code for B00TEST123:",
            "Copy code",
            "Open on Amazon",
        ),
    ];
    for (n, lang, head, copy, open) in cases {
        h.api.clear();
        assert_eq!(
            h.post(&private_text_lang(n, n.into(), &start, Some(lang)))
                .await,
            200
        );
        let code = h.held_code("lingo", n.into()).await.expect("a code");
        let sent = h.api.calls_of("sendMessage");
        let text = sent[0].params["text"].as_str().expect("text");
        assert!(text.starts_with(head), "{lang}: {text}");
        assert!(
            text.contains(&format!("<code>{code}</code>")),
            "{lang}: {text}"
        );
        let keyboard = &sent[0].params["reply_markup"]["inline_keyboard"];
        assert_eq!(keyboard[0][0]["text"], copy, "{lang}");
        assert_eq!(keyboard[1][0]["text"], open, "{lang}");
    }
    // German checkout wording, as Amazon.de spells it.
    h.api.clear();
    assert_eq!(
        h.post(&private_text_lang(9, 1, &start, Some("de-AT")))
            .await,
        200
    );
    let text = h.api.texts().concat();
    assert!(
        text.contains("Geschenkgutscheine und Aktionscodes"),
        "{text}"
    );
    assert!(
        text.contains(Texts::built_in(Some("de")).repeat_note()),
        "{text}"
    );
}

#[tokio::test]
async fn the_sellers_translation_beats_the_built_in_one_message_by_message() {
    let h = Harness::start().await;
    let id = campaign_with_codes(&h.store, campaign("mine", HOUR_MS), 4).await;
    let options = CampaignOptions {
        translations: parse_translations(
            r#"{"de": {"code": "Hier ist er: {code}"}, "pt-BR": {"button_copy": "Copiar"}}"#,
        )
        .expect("valid"),
        ..CampaignOptions::default()
    };
    put_campaign_options(&h.store, &id, &options)
        .await
        .expect("options");
    let start = format!("/start {}", h.payload("mine", None));

    assert_eq!(
        h.post(&private_text_lang(1, 1, &start, Some("de"))).await,
        200
    );
    let code = h.held_code("mine", 1).await.expect("a code");
    let sent = h.api.calls_of("sendMessage");
    assert_eq!(
        sent[0].params["text"],
        format!("Hier ist er: <code>{code}</code>")
    );
    // Not overridden: the built-in German.
    assert_eq!(
        sent[0].params["reply_markup"]["inline_keyboard"][0][0]["text"],
        "Code kopieren"
    );

    h.api.clear();
    assert_eq!(
        h.post(&private_text_lang(2, 2, &start, Some("pt-BR")))
            .await,
        200
    );
    let sent = h.api.calls_of("sendMessage");
    assert!(
        sent[0].params["text"]
            .as_str()
            .expect("text")
            .starts_with("Seu código")
    );
    assert_eq!(
        sent[0].params["reply_markup"]["inline_keyboard"][0][0]["text"],
        "Copiar"
    );
}

mod any_language_code {
    use super::*;
    use proptest::prelude::*;

    const BUILT_IN: &[&str] = &["de", "es", "fr", "hi", "it", "ja", "pt"];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Whatever `language_code` says, the reply comes (no panic, 200) and is English unless
        /// the code names a built-in language.
        #[test]
        fn any_language_code_gets_an_answer_and_falls_back_to_english(
            lang in "\\PC{0,24}|[a-zA-Z_-]{2,8}",
        ) {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let h = Harness::start().await;
                let status = h.post(&private_text_lang(1, 1, "/start not-a-link", Some(&lang))).await;
                prop_assert_eq!(status, 200);
                let text = h.api.texts().concat();
                let base = promo_core::language::normalise(&lang)
                    .map(|t| promo_core::language::base(&t).to_owned());
                let english = Texts::english();
                if base.as_deref().is_some_and(|b| BUILT_IN.contains(&b)) {
                    let built_in = Texts::built_in(Some(&lang));
                    prop_assert_eq!(text.as_str(), built_in.bad_link());
                    prop_assert_ne!(text.as_str(), english.bad_link());
                } else {
                    prop_assert_eq!(text.as_str(), english.bad_link());
                }
                Ok(())
            })?;
        }
    }
}

#[tokio::test]
async fn a_group_code_is_sent_as_shared_in_the_followers_language() {
    let h = Harness::start().await;
    let id = campaign_with_codes(&h.store, campaign("grouped", HOUR_MS), 0).await;
    h.store
        .create_group_code(
            &id,
            &promo_core::PromoCode::parse("GROUP-SOCIAL").expect("code"),
            5,
            None,
            promo_core::Timestamp::now(),
            &|_| {},
        )
        .await
        .expect("group code");
    let start = format!("/start {}", h.payload("grouped", None));
    for (n, lang, shared) in [
        (1, "en", "This code is shared by this promotion's followers"),
        (2, "de", "Diesen Aktionscode teilen sich die Follower"),
    ] {
        h.api.clear();
        assert_eq!(
            h.post(&private_text_lang(n, n.into(), &start, Some(lang)))
                .await,
            200
        );
        let sent = h.api.calls_of("sendMessage");
        let text = sent[0].params["text"].as_str().expect("text");
        assert!(text.contains("<code>GROUP-SOCIAL</code>"), "{lang}: {text}");
        assert!(text.contains(shared), "{lang}: {text}");
        assert!(!text.contains("yours alone"), "{lang}: {text}");
    }
}
