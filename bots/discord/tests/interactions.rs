//! The interactions endpoint on the embedded engine, driven with interactions signed by a key
//! pair made here, exactly as Discord signs them.

mod common;

use common::interactions::{
    From, button, command, command_with_id, next_id, ping, user, user_aged,
};
use common::{answered, code_in, private_text, service, signed};
use promo_core::{CampaignId, CampaignStatus, Caps, Follower, InfluencerId, Timestamp};
use promo_discord::options::{self, BotSettings, CampaignOptions, GuildMapping};
use promo_store::Store;
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes, memory_store};

fn cid(s: &str) -> CampaignId {
    CampaignId::parse(s).expect("campaign id")
}

fn iid(s: &str) -> InfluencerId {
    InfluencerId::parse(s).expect("influencer id")
}

async fn issued_to(store: &Store, c: &str, inf: &str) -> u32 {
    let stats = store
        .campaign_stats(&cid(c), Timestamp::now())
        .await
        .expect("stats");
    stats
        .influencers
        .iter()
        .find(|r| r.influencer.as_str() == inf)
        .map_or(0, |r| r.claims)
}

#[tokio::test]
async fn a_ping_gets_a_pong() {
    let store = memory_store().await;
    let (status, body) = answered(service(&store).handle(signed(&ping())).await);
    assert_eq!(status, 200);
    assert_eq!(body, serde_json::json!({"type": 1}));
}

#[tokio::test]
async fn claim_gives_a_private_code_and_asking_again_gives_the_same_one() {
    let store = memory_store().await;
    campaign_with_codes(&store, campaign("spring", HOUR_MS), 5).await;
    let svc = service(&store);
    let me = From::dm(user(1));
    let first = private_text(
        svc.handle(signed(&command("claim", &[("campaign", "spring")], &me)))
            .await,
    );
    let code = code_in(&first).expect("a code");
    assert!(code.starts_with("SPRING-"), "{first}");
    assert!(first.starts_with("Here is your code"), "{first}");
    let again = private_text(
        svc.handle(signed(&command("claim", &[("campaign", "spring")], &me)))
            .await,
    );
    assert_eq!(code_in(&again).as_deref(), Some(code.as_str()), "{again}");
    assert!(again.contains("already claimed"), "{again}");
    assert_eq!(issued_to(&store, "spring", "direct").await, 1);

    let other = private_text(
        svc.handle(signed(&command(
            "claim",
            &[("campaign", "spring")],
            &From::dm(user(2)),
        )))
        .await,
    );
    assert_ne!(code_in(&other), Some(code));
}

#[tokio::test]
async fn claim_names_an_influencer_or_falls_back_to_the_default_campaign() {
    let store = memory_store().await;
    let c = campaign_with_codes(&store, campaign("summer", HOUR_MS), 5).await;
    store
        .add_influencer(&c, iid("alice"), "Alice", None)
        .await
        .expect("influencer");
    let svc = service(&store);

    let none = private_text(
        svc.handle(signed(&command("claim", &[], &From::dm(user(1)))))
            .await,
    );
    assert!(none.contains("no campaign"), "{none}");

    options::put_bot_settings(
        &store,
        &BotSettings {
            default_campaign: Some(c.clone()),
        },
    )
    .await
    .expect("settings");
    let text = private_text(
        svc.handle(signed(&command(
            "claim",
            &[("influencer", "alice")],
            &From::dm(user(1)),
        )))
        .await,
    );
    assert!(code_in(&text).is_some(), "{text}");
    assert_eq!(issued_to(&store, "summer", "alice").await, 1);
}

#[tokio::test]
async fn a_seller_posts_a_button_and_a_click_claims_for_that_influencer() {
    let store = memory_store().await;
    let c = campaign_with_codes(&store, campaign("promo", HOUR_MS), 5).await;
    store
        .add_influencer(&c, iid("bob"), "Bob", None)
        .await
        .expect("influencer");
    let svc = service(&store);
    let guild = 555;

    // A member without Manage Server is turned away.
    let plain = From::guild(user(9), guild);
    let refused = private_text(
        svc.handle(signed(&command(
            "claim-button",
            &[("campaign", "promo"), ("influencer", "bob")],
            &plain,
        )))
        .await,
    );
    assert!(refused.contains("Manage Server"), "{refused}");

    let mut seller = From::guild(user(10), guild);
    seller.permissions = Some("32".into()); // MANAGE_GUILD
    let (status, posted) = answered(
        svc.handle(signed(&command(
            "claim-button",
            &[("campaign", "promo"), ("influencer", "bob")],
            &seller,
        )))
        .await,
    );
    assert_eq!(status, 200);
    assert_eq!(posted["type"], 4);
    assert_eq!(
        posted["data"]["flags"].as_u64().unwrap_or(0) & 64,
        0,
        "public: {posted}"
    );
    assert!(code_in(posted["data"]["content"].as_str().unwrap_or("")).is_none());
    let custom_id = posted["data"]["components"][0]["components"][0]["custom_id"]
        .as_str()
        .expect("a button")
        .to_owned();
    assert!(
        custom_id.starts_with("claim:") && custom_id.len() <= 100,
        "{custom_id}"
    );

    let follower = From::guild(user(11), guild);
    let text = private_text(svc.handle(signed(&button(&custom_id, &follower))).await);
    let code = code_in(&text).expect("a code");
    let again = private_text(svc.handle(signed(&button(&custom_id, &follower))).await);
    assert_eq!(code_in(&again), Some(code));
    assert_eq!(issued_to(&store, "promo", "bob").await, 1);

    // A button edited to credit someone else is refused, and nothing is issued.
    let forged = custom_id.replacen("bob", "eve", 1);
    let text = private_text(
        svc.handle(signed(&button(&forged, &From::guild(user(12), guild))))
            .await,
    );
    assert!(text.contains("not valid"), "{text}");
    assert_eq!(issued_to(&store, "promo", "direct").await, 0);
}

#[tokio::test]
async fn every_refusal_gets_a_clear_private_reply() {
    let store = memory_store().await;
    let now = Timestamp::now();
    let svc = service(&store);
    let ask = |c: &str, inf: Option<&str>, u: u64| {
        let mut opts = vec![("campaign", c.to_owned())];
        if let Some(i) = inf {
            opts.push(("influencer", i.to_owned()));
        }
        let opts: Vec<(&str, &str)> = opts.iter().map(|(k, v)| (*k, v.as_str())).collect();
        signed(&command("claim", &opts, &From::dm(user(u))))
    };

    let text = private_text(svc.handle(ask("nothing-here", None, 1)).await);
    assert!(text.contains("does not exist"), "{text}");

    let open = campaign_with_codes(&store, campaign("open", HOUR_MS), 3).await;
    let text = private_text(svc.handle(ask("open", Some("nobody"), 1)).await);
    assert!(text.contains("not part of this campaign"), "{text}");

    let mut draft = campaign("draft", HOUR_MS);
    draft.activate = false;
    campaign_with_codes(&store, draft, 1).await;
    let text = private_text(svc.handle(ask("draft", None, 1)).await);
    assert!(text.contains("not started"), "{text}");

    let mut later = campaign("later", HOUR_MS);
    later.starts_at = now.plus_ms(HOUR_MS / 2);
    campaign_with_codes(&store, later, 1).await;
    let text = private_text(svc.handle(ask("later", None, 1)).await);
    assert!(
        text.contains("not started") && text.contains("<t:"),
        "{text}"
    );

    let paused = campaign_with_codes(&store, campaign("paused", HOUR_MS), 1).await;
    store
        .set_campaign_status(&paused, CampaignStatus::Paused, now)
        .await
        .expect("pause");
    let text = private_text(svc.handle(ask("paused", None, 1)).await);
    assert!(text.contains("paused"), "{text}");

    let ended = campaign_with_codes(&store, campaign("ended", HOUR_MS), 1).await;
    store
        .set_campaign_status(&ended, CampaignStatus::Ended, now)
        .await
        .expect("end");
    let text = private_text(svc.handle(ask("ended", None, 1)).await);
    assert!(text.contains("ended"), "{text}");

    let _ = open;
    campaign_with_codes(&store, campaign("tiny", HOUR_MS), 1).await;
    assert!(code_in(&private_text(svc.handle(ask("tiny", None, 1)).await)).is_some());
    let text = private_text(svc.handle(ask("tiny", None, 2)).await);
    assert!(text.contains("all codes have been claimed"), "{text}");

    let q = campaign_with_codes(&store, campaign("quota", HOUR_MS), 5).await;
    store
        .add_influencer(&q, iid("carol"), "Carol", Some(1))
        .await
        .expect("influencer");
    assert!(
        code_in(&private_text(
            svc.handle(ask("quota", Some("carol"), 1)).await
        ))
        .is_some()
    );
    let text = private_text(svc.handle(ask("quota", Some("carol"), 2)).await);
    assert!(text.contains("reserved for this influencer"), "{text}");

    let mut drip = campaign("drip", HOUR_MS * 72);
    drip.caps = Caps {
        total: None,
        daily_drip: Some(1),
    };
    campaign_with_codes(&store, drip, 5).await;
    assert!(code_in(&private_text(svc.handle(ask("drip", None, 1)).await)).is_some());
    let text = private_text(svc.handle(ask("drip", None, 2)).await);
    assert!(text.contains("Today's codes are gone"), "{text}");
}

#[tokio::test]
async fn ineligible_claimers_are_told_why_and_get_nothing() {
    let store = memory_store().await;
    let c = campaign_with_codes(&store, campaign("gated", HOUR_MS), 5).await;
    let guild = 777;
    let role = 4242;
    options::put_campaign_options(
        &store,
        &c,
        &CampaignOptions {
            min_account_age_days: Some(30),
            require_role: Some(role),
            require_guild: Some(guild),
        },
    )
    .await
    .expect("options");
    let svc = service(&store);
    let ask = |from: &From| signed(&command("claim", &[("campaign", "gated")], from));

    let mut young = From::guild(user_aged(2, 1), guild);
    young.roles = vec![role];
    let text = private_text(svc.handle(ask(&young)).await);
    assert!(text.contains("at least 30 days old"), "{text}");

    let mut elsewhere = From::guild(user(2), 778);
    elsewhere.roles = vec![role];
    let text = private_text(svc.handle(ask(&elsewhere)).await);
    assert!(text.contains("campaign's Discord server"), "{text}");
    let text = private_text(svc.handle(ask(&From::dm(user(2)))).await);
    assert!(text.contains("campaign's Discord server"), "{text}");

    let no_role = From::guild(user(3), guild);
    let text = private_text(svc.handle(ask(&no_role)).await);
    assert!(text.contains(&format!("<@&{role}>")), "{text}");
    assert_eq!(issued_to(&store, "gated", "direct").await, 0);

    let member = user(4);
    let mut fine = From::guild(member, guild);
    fine.roles = vec![1, role];
    let text = private_text(svc.handle(ask(&fine)).await);
    let code = code_in(&text).expect("an eligible member gets a code");

    // Losing the role later does not take the code away: asking again shows the same one.
    let lost_role = From::guild(member, guild);
    let again = private_text(svc.handle(ask(&lost_role)).await);
    assert_eq!(code_in(&again), Some(code), "{again}");
    assert_eq!(issued_to(&store, "gated", "direct").await, 1);
}

#[tokio::test]
async fn a_guild_mapped_to_an_influencer_attributes_claims_there() {
    let store = memory_store().await;
    let c = campaign_with_codes(&store, campaign("mapped", HOUR_MS), 5).await;
    store
        .add_influencer(&c, iid("dana"), "Dana", None)
        .await
        .expect("influencer");
    store
        .add_influencer(&c, iid("erin"), "Erin", None)
        .await
        .expect("influencer");
    options::put_guild_mapping(
        &store,
        31337,
        &GuildMapping {
            campaign: c.clone(),
            influencer: iid("dana"),
        },
    )
    .await
    .expect("mapping");
    let svc = service(&store);
    // No campaign named, and an option naming someone else: the server's influencer wins.
    let text = private_text(
        svc.handle(signed(&command(
            "claim",
            &[("influencer", "erin")],
            &From::guild(user(1), 31337),
        )))
        .await,
    );
    assert!(code_in(&text).is_some(), "{text}");
    assert_eq!(issued_to(&store, "mapped", "dana").await, 1);
    assert_eq!(issued_to(&store, "mapped", "erin").await, 0);
}

#[tokio::test]
async fn stats_show_the_callers_own_numbers_only() {
    let store = memory_store().await;
    let c = campaign_with_codes(&store, campaign("numbers", HOUR_MS), 10).await;
    store
        .add_influencer(&c, iid("fay"), "Fay", Some(3))
        .await
        .expect("influencer");
    store
        .add_influencer(&c, iid("gus"), "Gus", None)
        .await
        .expect("influencer");
    let svc = service(&store);
    for (u, inf) in [(1, "fay"), (2, "gus"), (3, "gus")] {
        let text = private_text(
            svc.handle(signed(&command(
                "claim",
                &[("campaign", "numbers"), ("influencer", inf)],
                &From::dm(user(u)),
            )))
            .await,
        );
        assert!(code_in(&text).is_some(), "{text}");
    }
    let fay = user(100);
    let account = Follower::parse("discord", &fay.to_string()).expect("follower");
    store
        .link_account(&account, &c, &iid("fay"))
        .await
        .expect("link");

    let text = private_text(
        svc.handle(signed(&command("stats", &[], &From::dm(fay))))
            .await,
    );
    assert!(text.contains("`fay`: 1 claimed"), "{text}");
    assert!(text.contains("(quota 3)"), "{text}");
    assert!(!text.contains("gus") && !text.contains("direct"), "{text}");
    assert!(
        code_in(&text).is_some_and(|s| s == "fay"),
        "no code in stats: {text}"
    );

    let stranger = private_text(
        svc.handle(signed(&command("stats", &[], &From::dm(user(101)))))
            .await,
    );
    assert!(
        stranger.contains("not registered as an influencer"),
        "{stranger}"
    );
}

#[tokio::test]
async fn one_interaction_delivered_three_times_claims_once() {
    let store = memory_store().await;
    campaign_with_codes(&store, campaign("once", HOUR_MS), 10).await;
    let svc = service(&store);

    // Sequentially.
    let id = next_id();
    let body = command_with_id(id, "claim", &[("campaign", "once")], &From::dm(user(1)));
    let first = private_text(svc.handle(signed(&body)).await);
    assert!(code_in(&first).is_some(), "{first}");
    for _ in 0..2 {
        let text = private_text(svc.handle(signed(&body)).await);
        assert!(text.contains("already handled"), "{text}");
    }
    assert_eq!(issued_to(&store, "once", "direct").await, 1);

    // Concurrently: one wins, the others are told it is handled.
    let id = next_id();
    let body = command_with_id(id, "claim", &[("campaign", "once")], &From::dm(user(2)));
    let runs = (0..3).map(|_| {
        let svc = svc.clone();
        let req = signed(&body);
        tokio::spawn(async move { private_text(svc.handle(req).await) })
    });
    let mut codes = 0;
    for r in runs {
        let text = r.await.expect("task");
        if code_in(&text).is_some() {
            codes += 1;
        } else {
            assert!(text.contains("already"), "{text}");
        }
    }
    assert_eq!(codes, 1);
    assert_eq!(issued_to(&store, "once", "direct").await, 2);
}

#[tokio::test]
async fn unknown_commands_and_buttons_get_a_private_reply() {
    let store = memory_store().await;
    let svc = service(&store);
    let text = private_text(
        svc.handle(signed(&command("dance", &[], &From::dm(user(1)))))
            .await,
    );
    assert!(text.contains("not supported"), "{text}");
    let text = private_text(
        svc.handle(signed(&button("other:1", &From::dm(user(1)))))
            .await,
    );
    assert!(text.contains("not supported"), "{text}");
}
