//! `/start inv_...`: the influencer who opens their invite is bound to it and `/stats` shows
//! them their numbers at once; a second account with the same link, an expired, a forged and
//! an unknown invite are refused with a clear answer and bind nobody; a redelivered update
//! answers the same without binding twice. `/links` gives a bound influencer their own signed
//! links and a fresh dashboard link, and nobody else anything.

use crate::support::Harness;
use crate::support::updates::*;
use promo_core::{Follower, InfluencerId, InviteId, Timestamp};
use promo_telegram::texts::Texts;
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes};

async fn setup(h: &Harness) -> (promo_core::CampaignId, InfluencerId) {
    let id = campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 5).await;
    let alice = InfluencerId::parse("alice").expect("id");
    h.store
        .add_influencer(&id, alice.clone(), "Alice", Some(3))
        .await
        .expect("alice");
    (id, alice)
}

fn telegram(user: u64) -> Follower {
    Follower::parse("telegram", &user.to_string()).expect("account")
}

#[tokio::test]
async fn the_influencer_who_opens_the_invite_gets_stats_and_nobody_else_does() {
    let h = Harness::start().await;
    let (campaign, alice) = setup(&h).await;
    let invite = h
        .store
        .create_invite(&campaign, &alice, Timestamp::now().plus_ms(HOUR_MS))
        .await
        .expect("invite");
    let link = h.key.sign_invite(&invite);
    let joined = "Welcome! This Telegram account now speaks for alice in spring. Send /stats any \
                  time for your claims, redemptions and codes left.";

    assert_eq!(
        h.post(&private_text(1, 7001, &format!("/start {link}")))
            .await,
        200
    );
    assert_eq!(h.api.texts(), [joined]);
    assert_eq!(
        h.store.account_roles(&telegram(7001)).await.expect("roles"),
        [(campaign.clone(), alice.clone())]
    );
    // The same update again (a redelivery) is handled once; a second tap answers the same.
    h.api.clear();
    assert_eq!(
        h.post(&private_text(1, 7001, &format!("/start {link}")))
            .await,
        200
    );
    assert!(h.api.texts().is_empty(), "{:?}", h.api.texts());
    assert_eq!(
        h.post(&private_text(2, 7001, &format!("/start {link}")))
            .await,
        200
    );
    assert_eq!(h.api.texts(), [joined]);
    // Their numbers, at once; no code was claimed by opening the invite.
    h.api.clear();
    assert_eq!(h.post(&private_text(3, 7001, "/stats")).await, 200);
    assert_eq!(h.api.texts().len(), 1);
    assert!(
        h.api.texts()[0].starts_with("spring (alice)\nClaims: 0"),
        "{:?}",
        h.api.texts()
    );
    assert_eq!(h.issued("spring").await, 0);

    // Someone the link was forwarded to.
    h.api.clear();
    assert_eq!(
        h.post(&private_text(4, 7002, &format!("/start {link}")))
            .await,
        200
    );
    assert_eq!(h.api.texts(), [Texts::english().invite_taken()]);
    assert!(
        h.store
            .account_roles(&telegram(7002))
            .await
            .expect("roles")
            .is_empty()
    );
    h.api.clear();
    assert_eq!(h.post(&private_text(5, 7002, "/stats")).await, 200);
    assert_eq!(h.api.texts(), [Texts::english().stats_refused()]);
}

#[tokio::test]
async fn expired_forged_and_unknown_invites_are_refused_and_bind_nobody() {
    let h = Harness::start().await;
    let (campaign, alice) = setup(&h).await;
    let soon = h
        .store
        .create_invite(&campaign, &alice, Timestamp::now().plus_ms(60_000))
        .await
        .expect("invite");
    h.advance(120_000);
    let mut forged = h.key.sign_invite(&soon).into_bytes();
    let last = forged.len() - 1;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).expect("ascii");
    let english = Texts::english();
    let cases = [
        (h.key.sign_invite(&soon), english.invite_expired()),
        (forged, english.invite_invalid()),
        (
            h.key.sign_invite(&InviteId::generate()),
            english.invite_invalid(),
        ),
        ("inv_".to_owned(), english.invite_invalid()),
        ("inv_\u{1F600}".to_owned(), english.invite_invalid()),
    ];
    for (n, (payload, answer)) in cases.iter().enumerate() {
        h.api.clear();
        let update = private_text(n as u32 + 1, 7100, &format!("/start {payload}"));
        assert_eq!(h.post(&update).await, 200, "{payload:?}");
        assert_eq!(h.api.texts(), [*answer], "{payload:?}");
    }
    assert!(
        h.store
            .account_roles(&telegram(7100))
            .await
            .expect("roles")
            .is_empty()
    );
    assert_eq!(h.issued("spring").await, 0);
}

#[tokio::test]
async fn links_give_a_bound_influencer_their_own_signed_links_only() {
    use promo_core::{PageHolder, Surface};
    let h = Harness::start().await;
    let (campaign, alice) = setup(&h).await;
    h.store
        .add_influencer(
            &campaign,
            InfluencerId::parse("bob").expect("id"),
            "Bob",
            None,
        )
        .await
        .expect("bob");
    let invite = h
        .store
        .create_invite(&campaign, &alice, Timestamp::now().plus_ms(HOUR_MS))
        .await
        .expect("invite");
    let link = h.key.sign_invite(&invite);
    assert_eq!(
        h.post(&private_text(1, 7300, &format!("/start {link}")))
            .await,
        200
    );
    h.api.clear();
    assert_eq!(h.post(&private_text(2, 7300, "/links")).await, 200);
    let texts = h.api.texts();
    assert_eq!(texts.len(), 1, "{texts:?}");
    let text = &texts[0];
    assert!(text.starts_with("spring (alice)\n"), "{text}");
    assert!(!text.contains("bob"), "{text}");
    let word = |prefix: &str| {
        text.split_whitespace()
            .find_map(|w| w.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in {text}"))
            .to_owned()
    };
    let start = word(&format!("https://t.me/{}?start=", crate::support::BOT));
    let target = h
        .key
        .verify_for(Surface::TelegramStart, &start)
        .expect("deep link");
    assert_eq!(
        (target.campaign, target.influencer),
        (campaign.clone(), Some(alice.clone()))
    );
    let button = word("claim:");
    let target = h
        .key
        .verify_for(Surface::DiscordButton, &button)
        .expect("button");
    assert_eq!(target.influencer, Some(alice.clone()));
    let page = word(&format!("{}/i/", crate::support::PUBLIC_URL));
    let token = h
        .key
        .verify_page(&page, Timestamp::now())
        .expect("dashboard token");
    assert_eq!(token.holder, PageHolder::Influencer(campaign, alice));

    // Anyone else.
    h.api.clear();
    assert_eq!(h.post(&private_text(3, 7301, "/links")).await, 200);
    assert_eq!(h.api.texts(), [Texts::english().links_refused()]);
}
