//! Eligibility is a campaign policy across platforms: a campaign is open on the platforms the
//! seller listed, or (with no list) on the platforms that have rules, and every claim path
//! (this bot, the Discord bot, the claims API) is refused the same way elsewhere.

use crate::support::Harness;
use crate::support::updates::*;
use promo_core::{CampaignId, Platform};
use promo_discord::claim::{ClaimInput, Target};
use promo_discord::eligibility::Claimer;
use promo_telegram::options::{CampaignOptions, put_campaign_options};
use promo_telegram::texts::Texts;
use promo_testkit::fixtures::{HOUR_MS, KEY, campaign, campaign_with_codes, read, request};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// A Discord user created in 2016.
const DISCORD_USER: u64 = 175_928_847_299_117_063;

async fn gated_on_the_channel(h: &Harness) -> CampaignId {
    let id = campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 5).await;
    let options = CampaignOptions {
        required_channel: Some("@shop_news".into()),
        ..CampaignOptions::default()
    };
    put_campaign_options(&h.store, &id, &options).await.unwrap();
    id
}

/// A Discord `/claim campaign:<id>` from a direct message, through the Discord bot's path.
async fn discord_dm_claim(h: &Harness, interaction: u64, campaign: &str) -> String {
    let input = ClaimInput {
        interaction,
        claimer: Claimer {
            user: DISCORD_USER + interaction,
            guild: None,
            roles: Vec::new(),
        },
        target: Target::Command {
            influencer: None,
            campaign: Some(campaign.to_owned()),
        },
        locale: None,
    };
    promo_discord::claim::handle(&h.store, input).await.content
}

/// A claim through the claims API (the issue function's handler).
async fn api_claim(h: &Harness, campaign: &str, platform: &str, user: &str) -> (u16, Value) {
    let svc = promo_issue::IssueService::new(h.store.clone(), promo_api::ApiKey::new(KEY).unwrap());
    let body = json!({"platform": platform, "user_id": user}).to_string();
    read(
        svc.handle(request(
            "POST",
            &format!("/v1/campaigns/{campaign}/claims"),
            Some(KEY),
            body,
        ))
        .await,
    )
}

fn platforms(list: &[Platform]) -> Option<BTreeSet<Platform>> {
    Some(list.iter().copied().collect())
}

#[tokio::test]
async fn a_telegram_channel_rule_closes_discord_and_the_api_when_no_platforms_are_listed() {
    let h = Harness::start().await;
    gated_on_the_channel(&h).await;

    let reply = discord_dm_claim(&h, 1, "spring").await;
    assert_eq!(
        reply,
        "This campaign's codes are not handed out on Discord."
    );
    for platform in ["web", "discord"] {
        let (status, body) = api_claim(&h, "spring", platform, "12345").await;
        assert_eq!(status, 409, "{body}");
        assert_eq!(body["error"]["reason"], "platform_closed");
    }
    assert_eq!(h.issued("spring").await, 0, "nothing issued off Telegram");

    // On Telegram, the rule itself decides.
    let payload = h.payload("spring", None);
    assert_eq!(
        h.post(&private_text(1, 111, &format!("/start {payload}")))
            .await,
        200
    );
    assert_eq!(h.held_code("spring", 111).await, None, "not a member yet");
    h.api.set_member(111, "member");
    assert_eq!(
        h.post(&private_text(2, 111, &format!("/start {payload}")))
            .await,
        200
    );
    assert!(h.held_code("spring", 111).await.is_some());
    assert_eq!(h.issued("spring").await, 1);
}

#[tokio::test]
async fn listed_platforms_decide_and_a_follower_on_another_is_told_so() {
    let h = Harness::start().await;
    let id = gated_on_the_channel(&h).await;
    h.api.set_member(111, "member");
    h.api.set_member(222, "member");
    let payload = h.payload("spring", None);

    // The seller opens it on the web too, beside the Telegram rule.
    let policy = h
        .store
        .set_campaign_platforms(&id, platforms(&[Platform::Telegram, Platform::Web]))
        .await
        .unwrap();
    assert_eq!(policy.to_string(), "open on telegram, web (listed)");
    let (status, body) = api_claim(&h, "spring", "web", "shopper-1").await;
    assert_eq!(status, 201, "{body}");
    let reply = discord_dm_claim(&h, 2, "spring").await;
    assert_eq!(
        reply,
        "This campaign's codes are not handed out on Discord."
    );
    assert_eq!(
        h.post(&private_text(1, 111, &format!("/start {payload}")))
            .await,
        200
    );
    let code = h
        .held_code("spring", 111)
        .await
        .expect("listed and a member");
    assert_eq!(h.issued("spring").await, 2);

    // Then moves it off Telegram: a new follower is told, without a membership check.
    h.store
        .set_campaign_platforms(&id, platforms(&[Platform::Discord, Platform::Web]))
        .await
        .unwrap();
    h.api.clear();
    assert_eq!(
        h.post(&private_text(2, 222, &format!("/start {payload}")))
            .await,
        200
    );
    assert_eq!(
        h.api.texts(),
        vec![Texts::english().platform_closed().to_owned()]
    );
    assert!(h.api.calls_of("getChatMember").is_empty());
    assert_eq!(h.held_code("spring", 222).await, None);
    // A code already handed out stays its holder's.
    h.api.clear();
    assert_eq!(
        h.post(&private_text(3, 111, &format!("/start {payload}")))
            .await,
        200
    );
    assert!(h.api.texts()[0].contains(&code));
    // Discord is open now, with no Discord rule: anyone there may claim.
    let reply = discord_dm_claim(&h, 3, "spring").await;
    assert!(reply.contains('`'), "a code: {}", reply.len());
    assert_eq!(h.issued("spring").await, 3);

    // An empty list is refused (pause the campaign instead), and the list stays.
    assert!(
        h.store
            .set_campaign_platforms(&id, Some(BTreeSet::new()))
            .await
            .is_err()
    );
    assert_eq!(
        h.store.platform_policy(&id).await.unwrap().to_string(),
        "open on discord, web (listed)"
    );
}

#[tokio::test]
async fn a_discord_rule_closes_telegram_and_the_web_until_it_is_removed() {
    let h = Harness::start().await;
    let id = campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 5).await;
    let rule = promo_discord::options::CampaignOptions {
        min_account_age_days: Some(30),
        ..promo_discord::options::CampaignOptions::default()
    };
    promo_discord::options::put_campaign_options(&h.store, &id, &rule)
        .await
        .unwrap();
    let payload = h.payload("spring", None);
    for (update, text) in [
        (1, format!("/start {payload}")),
        (2, format!("/claim {payload}")),
    ] {
        assert_eq!(h.post(&private_text(update, 111, &text)).await, 200);
    }
    assert_eq!(
        h.api.texts(),
        vec![Texts::english().platform_closed().to_owned(); 2]
    );
    let (status, _) = api_claim(&h, "spring", "web", "shopper-1").await;
    assert_eq!(status, 409);
    assert_eq!(h.issued("spring").await, 0);

    // Translations are no rule: with the Discord rule gone, the campaign is open everywhere.
    promo_discord::options::put_campaign_options(
        &h.store,
        &id,
        &promo_discord::options::CampaignOptions::default(),
    )
    .await
    .unwrap();
    let translated = CampaignOptions {
        translations: promo_telegram::options::parse_translations(
            r#"{"de": {"ended": "Vorbei."}}"#,
        )
        .unwrap(),
        ..CampaignOptions::default()
    };
    put_campaign_options(&h.store, &id, &translated)
        .await
        .unwrap();
    assert_eq!(
        h.store.platform_policy(&id).await.unwrap().to_string(),
        "open on every platform (no list, no rules)"
    );
    assert_eq!(
        h.post(&private_text(3, 111, &format!("/start {payload}")))
            .await,
        200
    );
    assert!(h.held_code("spring", 111).await.is_some());
    let (status, _) = api_claim(&h, "spring", "web", "shopper-1").await;
    assert_eq!(status, 201);
}
