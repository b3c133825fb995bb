//! `promo influencer invite`: a single-use invite for one influencer (a Telegram deep link and a
//! Discord `/join`), signed with the link secret the bots verify; the account that opens it
//! speaks for the influencer. Refused for an unknown influencer, without the secret or the
//! bot's username, and outside 1 to 90 days.

use crate::common::{ok, promo_env, stderr, stdout};
use promo_core::{CampaignId, Follower, InfluencerId, LinkKey, Timestamp};
use promo_store::Store;
use promo_store::bots::InviteOutcome;

const SECRET: &str = "invite-test-link-secret-0123456789";

fn setup(data: &std::path::Path) {
    ok(
        data,
        &[
            "campaign",
            "create",
            "fall",
            "--name",
            "Fall",
            "--product",
            "B0001",
            "--discount",
            "15% off",
            "--days",
            "3",
        ],
    );
    ok(
        data,
        &["influencer", "add", "fall", "alice", "--name", "Alice"],
    );
}

fn invite(data: &std::path::Path, extra: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut args = vec!["influencer", "invite", "fall"];
    args.extend_from_slice(extra);
    promo_env(data, &args, env)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_binds_the_first_account_that_opens_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    setup(&data);
    let env = [
        ("PROMO_LINK_SECRET", SECRET),
        ("PROMO_TELEGRAM_BOT", "@shop_bot"),
    ];
    let out = {
        let data = data.clone();
        tokio::task::spawn_blocking(move || invite(&data, &["alice", "--days", "3"], &env))
            .await
            .expect("promo ran")
    };
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(!text.contains(SECRET));
    let link = text
        .split_whitespace()
        .find_map(|w| w.strip_prefix("https://t.me/shop_bot?start="))
        .unwrap_or_else(|| panic!("no deep link in {text}"));
    assert!(
        text.contains(&format!("discord:  /join invite:{link}")),
        "the same invite for Discord: {text}"
    );
    let key = LinkKey::new(SECRET.as_bytes()).expect("key");
    let id = key
        .verify_invite(link)
        .expect("the bots' key verifies the invite");

    let store = Store::embedded_file(&data).await.expect("open");
    let account = Follower::parse("telegram", "4242").expect("account");
    let (fall, alice) = (
        CampaignId::parse("fall").expect("id"),
        InfluencerId::parse("alice").expect("id"),
    );
    let outcome = store
        .accept_invite(&id, &account, Timestamp::now())
        .await
        .expect("accept");
    assert_eq!(
        outcome,
        InviteOutcome::Joined {
            campaign: fall.clone(),
            influencer: alice.clone()
        }
    );
    // Valid for the days asked, not longer.
    let late = Timestamp::now().plus_ms(3 * promo_core::time::DAY_MS + 60_000);
    let other = store
        .create_invite(&fall, &alice, Timestamp::now())
        .await
        .expect("invite");
    assert!(matches!(
        store
            .accept_invite(&other, &account, late)
            .await
            .expect("accept"),
        InviteOutcome::Refused(_)
    ));
}

#[test]
fn an_invite_is_refused_without_what_it_needs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    setup(&data);
    let both = [
        ("PROMO_LINK_SECRET", SECRET),
        ("PROMO_TELEGRAM_BOT", "shop_bot"),
    ];
    // (arguments, environment, what the refusal names)
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 5] = [
        (&["nobody"], &both, "nobody"),
        (
            &["alice"],
            &[("PROMO_TELEGRAM_BOT", "shop_bot")],
            "PROMO_LINK_SECRET",
        ),
        (
            &["alice"],
            &[("PROMO_LINK_SECRET", SECRET)],
            "PROMO_TELEGRAM_BOT",
        ),
        (&["alice", "--days", "0"], &both, "--days"),
        (&["alice", "--days", "91"], &both, "--days"),
    ];
    for (args, env, reason) in cases {
        let out = invite(&data, args, env);
        assert!(!out.status.success(), "{args:?} accepted");
        assert!(stderr(&out).contains(reason), "{args:?}: {}", stderr(&out));
        assert!(!stdout(&out).contains("start=inv_"), "{args:?}");
    }
}
