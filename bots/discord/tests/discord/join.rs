//! `/join invite:...`: the influencer who runs it with their invite is bound to it (in a DM or
//! a server) and `/stats` shows them their numbers; the same invite from another account, and
//! expired, forged, unknown and hostile invites, are refused privately and bind nobody.

use crate::common::interactions::{From, command, user};
use crate::common::{LINK_SECRET, private_text, service, signed};
use promo_core::{Follower, InfluencerId, InviteId, LinkKey, Timestamp};
use promo_discord::texts::Texts;
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes, memory_store};

fn key() -> LinkKey {
    LinkKey::new(LINK_SECRET).expect("key")
}

fn discord(user: u64) -> Follower {
    Follower::parse("discord", &user.to_string()).expect("account")
}

#[tokio::test]
async fn the_influencer_who_joins_gets_stats_and_nobody_else_does() {
    let store = memory_store().await;
    let c = campaign_with_codes(&store, campaign("joined", HOUR_MS), 5).await;
    let fay = InfluencerId::parse("fay").expect("id");
    store
        .add_influencer(&c, fay.clone(), "Fay", Some(3))
        .await
        .expect("fay");
    let invite = store
        .create_invite(&c, &fay, Timestamp::now().plus_ms(HOUR_MS))
        .await
        .expect("invite");
    let payload = key().sign_invite(&invite);
    let svc = service(&store);
    let (me, other) = (user(301), user(302));

    for from in [From::dm(me), From::guild(me, 77)] {
        let text = private_text(
            svc.handle(signed(&command("join", &[("invite", &payload)], &from)))
                .await,
        );
        assert!(text.contains("now speaks for fay in joined"), "{text}");
    }
    assert_eq!(
        store.account_roles(&discord(me)).await.expect("roles"),
        [(c.clone(), fay.clone())]
    );
    let text = private_text(
        svc.handle(signed(&command("stats", &[], &From::dm(me))))
            .await,
    );
    assert!(text.contains("`fay`: 0 claimed"), "{text}");

    let text = private_text(
        svc.handle(signed(&command(
            "join",
            &[("invite", &payload)],
            &From::dm(other),
        )))
        .await,
    );
    assert_eq!(text, Texts::english().invite_taken());
    assert!(
        store
            .account_roles(&discord(other))
            .await
            .expect("roles")
            .is_empty()
    );
}

#[tokio::test]
async fn bad_invites_are_refused_privately_and_bind_nobody() {
    let store = memory_store().await;
    let c = campaign_with_codes(&store, campaign("refusing", HOUR_MS), 5).await;
    let fay = InfluencerId::parse("fay").expect("id");
    store
        .add_influencer(&c, fay.clone(), "Fay", None)
        .await
        .expect("fay");
    let expired = store
        .create_invite(&c, &fay, Timestamp::now().plus_ms(1))
        .await
        .expect("invite");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let english = Texts::english();
    let other_key = LinkKey::new(b"another-link-secret-0123456").expect("key");
    let cases = [
        (key().sign_invite(&expired), english.invite_expired()),
        (
            key().sign_invite(&InviteId::generate()),
            english.invite_invalid(),
        ),
        (other_key.sign_invite(&expired), english.invite_invalid()),
        ("inv_".to_owned(), english.invite_invalid()),
        ("\u{202e}inv_\u{0}".repeat(5), english.invite_invalid()),
        ("x".repeat(64), english.invite_invalid()),
    ];
    let svc = service(&store);
    for (payload, answer) in &cases {
        let text = private_text(
            svc.handle(signed(&command(
                "join",
                &[("invite", payload)],
                &From::dm(user(401)),
            )))
            .await,
        );
        assert_eq!(&text, answer, "{payload:?}");
    }
    assert!(
        store
            .account_roles(&discord(user(401)))
            .await
            .expect("roles")
            .is_empty()
    );
}
