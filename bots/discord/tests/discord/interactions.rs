//! The interactions endpoint on the embedded engine, driven with interactions signed by a key
//! pair made here, exactly as Discord signs them.

use crate::common::interactions::{
    From, button, command, command_with_id, next_id, ping, user, user_aged,
};
use crate::common::{
    LINK_SECRET, answered, assert_mentions_nobody, code_in, private_text, service, signed,
    table_snapshot,
};
use promo_core::{
    CampaignId, CampaignStatus, Caps, Follower, InfluencerId, LinkKey, Surface, Timestamp,
};
use promo_discord::options::{
    self, AllowedGuild, BotSettings, CampaignOptions, GuildMapping, creator_codes,
};
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

/// Every claim of a campaign, per influencer (direct too), from the records.
async fn all_issued(store: &Store, c: &str) -> u32 {
    store
        .campaign_claims(&cid(c), None)
        .await
        .expect("claims")
        .len() as u32
}

async fn take_creator_codes(store: &Store, c: &CampaignId, on: bool) {
    let mut rules = options::campaign_options(store, c).await.expect("options");
    rules.creator_codes = on;
    options::put_campaign_options(store, c, &rules)
        .await
        .expect("options");
}

async fn allow(store: &Store, guild: u64, campaigns: &[&CampaignId]) {
    options::put_allowed_guild(
        store,
        guild,
        &AllowedGuild {
            all_campaigns: false,
            campaigns: campaigns.iter().map(|c| (*c).clone()).collect(),
        },
    )
    .await
    .expect("allow");
}

fn seller_in(guild: u64, n: u64) -> From {
    let mut f = From::guild(user(n), guild);
    f.permissions = Some("32".into()); // MANAGE_GUILD
    f
}

/// The custom id of the button in a public `/claim-button` answer, or `None` (and then the
/// answer is a private refusal).
fn posted_button(h: promo_discord::Handled) -> Result<String, String> {
    let (status, body) = answered(h);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["type"], 4, "{body}");
    assert_mentions_nobody(&body["data"]);
    match body["data"]["components"][0]["components"][0]["custom_id"].as_str() {
        Some(id) => {
            assert_eq!(
                body["data"]["flags"].as_u64().unwrap_or(0) & 64,
                0,
                "public: {body}"
            );
            Ok(id.to_owned())
        }
        None => {
            assert_eq!(body["data"]["flags"], 64, "a refusal is private: {body}");
            Err(body["data"]["content"].as_str().unwrap_or("").to_owned())
        }
    }
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
        svc.handle(signed(&command("claim", &[], &From::dm(user(1)))))
            .await,
    );
    assert!(code_in(&text).is_some(), "{text}");
    assert_eq!(issued_to(&store, "summer", "direct").await, 1);
}

#[tokio::test]
async fn a_typed_influencer_credits_nobody_unless_the_campaign_takes_creator_codes() {
    let store = memory_store().await;
    let c = campaign_with_codes(&store, campaign("typed", HOUR_MS), 10).await;
    store
        .add_influencer(&c, iid("alice"), "Alice", Some(3))
        .await
        .expect("influencer");
    let svc = service(&store);
    // (`user` encodes the time it is called at: each follower's id is taken once.)
    let followers: Vec<u64> = (0..5).map(user).collect();
    let typed = |n: usize| {
        signed(&command(
            "claim",
            &[("campaign", "typed"), ("influencer", "alice")],
            &From::dm(followers[n]),
        ))
    };

    // Off (the default): a clear answer, and nothing is issued to anyone.
    let text = private_text(svc.handle(typed(1)).await);
    assert!(text.contains("can't be typed"), "{text}");
    assert!(text.contains("Nothing was claimed"), "{text}");
    assert!(code_in(&text).is_none(), "{text}");
    assert_eq!(all_issued(&store, "typed").await, 0);
    assert!(
        creator_codes::typed_claims(&store, &c)
            .await
            .expect("typed")
            .is_empty()
    );
    // Typing a name that is no influencer gets the same answer: nothing to learn from it.
    let text = private_text(
        svc.handle(signed(&command(
            "claim",
            &[("campaign", "typed"), ("influencer", "nobody")],
            &From::dm(followers[1]),
        )))
        .await,
    );
    assert!(text.contains("can't be typed"), "{text}");
    assert_eq!(all_issued(&store, "typed").await, 0);

    // A follower who already holds a code sees it, and its credit does not change.
    let direct = private_text(
        svc.handle(signed(&command(
            "claim",
            &[("campaign", "typed")],
            &From::dm(followers[2]),
        )))
        .await,
    );
    let held = code_in(&direct).expect("a direct code");
    let again = private_text(svc.handle(typed(2)).await);
    assert_eq!(code_in(&again), Some(held), "{again}");
    assert_eq!(issued_to(&store, "typed", "alice").await, 0);
    assert_eq!(issued_to(&store, "typed", "direct").await, 1);

    // On: the typed influencer is credited, and the claim is reported as typed.
    take_creator_codes(&store, &c, true).await;
    let text = private_text(svc.handle(typed(3)).await);
    assert!(code_in(&text).is_some(), "{text}");
    assert_eq!(issued_to(&store, "typed", "alice").await, 1);
    let reported = creator_codes::typed_claims(&store, &c)
        .await
        .expect("typed");
    assert_eq!(reported.len(), 1, "{reported:?}");
    assert_eq!(reported[0].influencer, iid("alice"));
    assert_eq!(
        reported[0].follower.user_id.as_str(),
        followers[3].to_string()
    );
    // The follower whose code was already held is not reported as typed.
    let again = private_text(svc.handle(typed(2)).await);
    assert!(code_in(&again).is_some(), "{again}");
    assert_eq!(
        creator_codes::typed_claims(&store, &c)
            .await
            .expect("typed")
            .len(),
        1
    );

    // Turned off again: typed names stop crediting at once (after the settings cache).
    take_creator_codes(&store, &c, false).await;
    let text = private_text(svc.handle(typed(4)).await);
    assert!(text.contains("can't be typed"), "{text}");
    assert_eq!(issued_to(&store, "typed", "alice").await, 1);
    assert_eq!(all_issued(&store, "typed").await, 2);
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
    allow(&store, guild, &[&c]).await;

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

    let posted = svc
        .handle(signed(&command(
            "claim-button",
            &[("campaign", "promo"), ("influencer", "bob")],
            &seller_in(guild, 10),
        )))
        .await;
    let (_, body) = answered(posted);
    assert!(code_in(body["data"]["content"].as_str().unwrap_or("")).is_none());
    let custom_id = body["data"]["components"][0]["components"][0]["custom_id"]
        .as_str()
        .expect("a button")
        .to_owned();
    assert_eq!(
        body["data"]["flags"].as_u64().unwrap_or(0) & 64,
        0,
        "public"
    );
    assert_mentions_nobody(&body["data"]);
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
    assert_eq!(all_issued(&store, "promo").await, 1);
}

#[tokio::test]
async fn claim_buttons_are_minted_only_where_the_seller_allowed() {
    let store = memory_store().await;
    let c = campaign_with_codes(&store, campaign("spring", HOUR_MS), 5).await;
    let other = campaign_with_codes(&store, campaign("autumn", HOUR_MS), 5).await;
    for i in ["dana", "erin"] {
        store
            .add_influencer(&c, iid(i), i, None)
            .await
            .expect("influencer");
    }
    let (stranger, allowed, mapped) = (1001, 1002, 1003);
    allow(&store, allowed, &[&other]).await;
    options::put_guild_mapping(
        &store,
        mapped,
        &GuildMapping {
            campaign: c.clone(),
            influencer: iid("dana"),
        },
    )
    .await
    .expect("mapping");
    let svc = service(&store);
    let before = table_snapshot(&store).await;
    let ask = |from: &From, opts: &[(&str, &str)]| signed(&command("claim-button", opts, from));

    // A server the seller never allowed: refused, whatever the campaign, even for an admin.
    let mut admin = From::guild(user(1), stranger);
    admin.permissions = Some("8".into()); // ADMINISTRATOR
    for campaign in ["spring", "no-such-campaign", "Not An Id!"] {
        let why = posted_button(svc.handle(ask(&admin, &[("campaign", campaign)])).await)
            .expect_err("refused");
        assert!(why.contains("can't be posted in this server"), "{why}");
        assert!(why.contains("Nothing was posted"), "{why}");
    }
    // Allowed, but for another campaign only.
    let why = posted_button(
        svc.handle(ask(&seller_in(allowed, 2), &[("campaign", "spring")]))
            .await,
    )
    .expect_err("refused");
    assert!(why.contains("can't be posted in this server"), "{why}");
    // Allowed, but the member lacks Manage Server there (the command's default permission
    // is not the check: a server can hand the command to anyone).
    let mut helper = From::guild(user(3), allowed);
    helper.permissions = Some("2048".into()); // SEND_MESSAGES
    let text = private_text(svc.handle(ask(&helper, &[("campaign", "autumn")])).await);
    assert!(text.contains("Manage Server"), "{text}");
    // In a direct message there is no server and no member permission.
    let text = private_text(
        svc.handle(ask(&From::dm(user(4)), &[("campaign", "autumn")]))
            .await,
    );
    assert!(text.contains("Manage Server"), "{text}");
    // A mapped server: its own influencer only.
    let why = posted_button(
        svc.handle(ask(
            &seller_in(mapped, 5),
            &[("campaign", "spring"), ("influencer", "erin")],
        ))
        .await,
    )
    .expect_err("refused");
    assert!(why.contains("its own influencer only"), "{why}");
    let why = posted_button(
        svc.handle(ask(&seller_in(mapped, 5), &[("campaign", "autumn")]))
            .await,
    )
    .expect_err("refused");
    assert!(why.contains("can't be posted in this server"), "{why}");
    assert_eq!(table_snapshot(&store).await, before, "nothing written");

    // What the seller allowed is minted: the allowed campaign, and the mapped server's own
    // influencer (named or not).
    let key = LinkKey::new(LINK_SECRET).expect("key");
    let id = posted_button(
        svc.handle(ask(&seller_in(allowed, 2), &[("campaign", "autumn")]))
            .await,
    )
    .expect("posted");
    let target = key
        .verify_for(
            Surface::DiscordButton,
            id.strip_prefix("claim:").expect("prefix"),
        )
        .expect("signed");
    assert_eq!((target.campaign, target.influencer), (other.clone(), None));
    let id = posted_button(
        svc.handle(ask(&seller_in(mapped, 5), &[("campaign", "spring")]))
            .await,
    )
    .expect("posted");
    let target = key
        .verify_for(
            Surface::DiscordButton,
            id.strip_prefix("claim:").expect("prefix"),
        )
        .expect("signed");
    assert_eq!(target.influencer, Some(iid("dana")));
    assert_eq!(all_issued(&store, "spring").await, 0);
    assert_eq!(all_issued(&store, "autumn").await, 0);
}

#[tokio::test]
async fn a_button_works_only_in_a_server_that_may_carry_it() {
    let store = memory_store().await;
    let c = campaign_with_codes(&store, campaign("carry", HOUR_MS), 5).await;
    store
        .add_influencer(&c, iid("bob"), "Bob", None)
        .await
        .expect("influencer");
    let guild = 2001;
    allow(&store, guild, &[&c]).await;
    let svc = service(&store);
    let custom_id = posted_button(
        svc.handle(signed(&command(
            "claim-button",
            &[("campaign", "carry"), ("influencer", "bob")],
            &seller_in(guild, 1),
        )))
        .await,
    )
    .expect("posted");

    // Pressed in another server, or in a direct message: refused, nothing issued.
    for from in [From::guild(user(2), 2002), From::dm(user(2))] {
        let text = private_text(svc.handle(signed(&button(&custom_id, &from))).await);
        assert!(text.contains("can't be used here"), "{text}");
    }
    assert_eq!(all_issued(&store, "carry").await, 0);

    // Taking the server's permission back voids the buttons posted there.
    options::remove_allowed_guild(&store, guild)
        .await
        .expect("remove");
    let text = private_text(
        svc.handle(signed(&button(&custom_id, &From::guild(user(3), guild))))
            .await,
    );
    assert!(text.contains("can't be used here"), "{text}");
    assert_eq!(all_issued(&store, "carry").await, 0);
    allow(&store, guild, &[&c]).await;
    let text = private_text(
        svc.handle(signed(&button(&custom_id, &From::guild(user(3), guild))))
            .await,
    );
    assert!(code_in(&text).is_some(), "{text}");
    assert_eq!(issued_to(&store, "carry", "bob").await, 1);
}

#[tokio::test]
async fn a_telegram_deep_link_payload_is_no_claim_button() {
    let store = memory_store().await;
    let c = campaign_with_codes(&store, campaign("cross", HOUR_MS), 5).await;
    store
        .add_influencer(&c, iid("bob"), "Bob", None)
        .await
        .expect("influencer");
    let guild = 3001;
    allow(&store, guild, &[&c]).await;
    let svc = service(&store);
    let key = LinkKey::new(LINK_SECRET).expect("key");
    let start = key.sign_for(Surface::TelegramStart, &c, Some(&iid("bob")));
    let text = private_text(
        svc.handle(signed(&button(
            &format!("claim:{start}"),
            &From::guild(user(1), guild),
        )))
        .await,
    );
    assert!(text.contains("not valid"), "{text}");
    assert_eq!(all_issued(&store, "cross").await, 0);
    // The same campaign and influencer, signed for a button, claims.
    let real = key.sign_for(Surface::DiscordButton, &c, Some(&iid("bob")));
    let text = private_text(
        svc.handle(signed(&button(
            &format!("claim:{real}"),
            &From::guild(user(1), guild),
        )))
        .await,
    );
    assert!(code_in(&text).is_some(), "{text}");
}

#[tokio::test]
async fn any_unicode_in_a_button_gets_a_clear_refusal_and_claims_nothing() {
    let store = memory_store().await;
    campaign_with_codes(&store, campaign("odd", HOUR_MS), 5).await;
    let svc = service(&store);
    let before = table_snapshot(&store).await;
    for junk in [
        "claim:BA\u{e9}abcdefghijk",
        "claim:BA\u{e9}abcdefghijklmn",
        "claim:\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}",
        "claim:\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}",
        "claim:\u{202e}EAodd\u{200b}abcdefghijkl",
        "claim:",
        "claim:EAoddAAAAAAAAAAAA",
    ] {
        let text = private_text(
            svc.handle(signed(&button(junk, &From::guild(user(1), 1))))
                .await,
        );
        assert!(text.contains("not valid"), "{junk:?}: {text}");
    }
    // Refused before anything was read or written.
    assert_eq!(table_snapshot(&store).await, before);
    assert_eq!(all_issued(&store, "odd").await, 0);
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
    take_creator_codes(&store, &open, true).await;
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
    take_creator_codes(&store, &q, true).await;
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
            creator_codes: false,
            translations: Default::default(),
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
    take_creator_codes(&store, &c, true).await;
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

#[tokio::test]
async fn a_code_comes_with_a_link_button_to_the_product() {
    let store = memory_store().await;
    campaign_with_codes(&store, campaign("spring", HOUR_MS), 5).await;
    let svc = service(&store);
    let (status, body) = answered(
        svc.handle(signed(&command(
            "claim",
            &[("campaign", "spring")],
            &From::dm(user(7)),
        )))
        .await,
    );
    assert_eq!(status, 200, "{body}");
    assert_mentions_nobody(&body["data"]);
    let button = &body["data"]["components"][0]["components"][0];
    // Style 5 is a link button: it opens the URL and sends no interaction back.
    assert_eq!(button["style"], 5, "{body}");
    assert_eq!(button["label"], "Open on Amazon");
    assert_eq!(button["url"], "https://www.amazon.com/dp/B00TEST123");
    assert!(button.get("custom_id").is_none(), "{button}");
}
