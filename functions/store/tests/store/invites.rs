//! Influencer invites: the account that takes one speaks for the influencer, once; the same
//! account opening it again is told the same and nothing is written; another account, an
//! expired invite, an unknown one and one for a removed influencer are refused and change
//! nothing; under concurrency exactly one account takes an invite.

use crate::common::{HOUR_MS, influencer, open_campaign, store};
use promo_core::{Follower, InviteId, Timestamp};
use promo_store::bots::{InviteOutcome, InviteRefusal};
use std::sync::Arc;
use tokio::sync::Barrier;

fn telegram(user: u32) -> Follower {
    Follower::parse("telegram", &user.to_string()).expect("account")
}

#[tokio::test]
async fn the_first_account_joins_and_every_other_is_refused() {
    let store = store().await;
    let (campaign, _) = open_campaign(&store, "invite-once", 1).await;
    let alice = influencer("alice");
    store
        .add_influencer(&campaign, alice.clone(), "Alice", None)
        .await
        .expect("alice");
    let now = Timestamp::now();
    let id = store
        .create_invite(&campaign, &alice, now.plus_ms(HOUR_MS))
        .await
        .expect("invite");
    let joined = InviteOutcome::Joined {
        campaign: campaign.clone(),
        influencer: alice.clone(),
    };
    assert_eq!(
        store
            .accept_invite(&id, &telegram(7), now)
            .await
            .expect("accept"),
        joined
    );
    assert_eq!(
        store.account_roles(&telegram(7)).await.expect("roles"),
        [(campaign.clone(), alice.clone())]
    );
    // Again (a redelivery, a second tap), even after the expiry: the same answer.
    for at in [now, now.plus_ms(2 * HOUR_MS)] {
        assert_eq!(
            store
                .accept_invite(&id, &telegram(7), at)
                .await
                .expect("again"),
            joined
        );
    }
    // A seller's unlink stands: reopening the invite does not bind the account again.
    store
        .unlink_account(&telegram(7), &campaign, &alice)
        .await
        .expect("unlink");
    store
        .accept_invite(&id, &telegram(7), now)
        .await
        .expect("again");
    assert!(
        store
            .account_roles(&telegram(7))
            .await
            .expect("roles")
            .is_empty()
    );
    // Someone else with the same link.
    assert_eq!(
        store
            .accept_invite(&id, &telegram(8), now)
            .await
            .expect("other"),
        InviteOutcome::Refused(InviteRefusal::Taken)
    );
    assert!(
        store
            .account_roles(&telegram(8))
            .await
            .expect("roles")
            .is_empty()
    );
}

#[tokio::test]
async fn expired_unknown_and_orphaned_invites_are_refused_and_bind_nobody() {
    let store = store().await;
    let (campaign, _) = open_campaign(&store, "invite-refusals", 1).await;
    let (alice, bob) = (influencer("alice"), influencer("bob"));
    for id in [&alice, &bob] {
        store
            .add_influencer(&campaign, id.clone(), id.as_str(), None)
            .await
            .expect("influencer");
    }
    let now = Timestamp::now();
    let soon = store
        .create_invite(&campaign, &alice, now.plus_ms(1_000))
        .await
        .expect("invite");
    assert_eq!(
        store
            .accept_invite(&soon, &telegram(1), now.plus_ms(1_000))
            .await
            .expect("accept"),
        InviteOutcome::Refused(InviteRefusal::Expired)
    );
    assert_eq!(
        store
            .accept_invite(&InviteId::generate(), &telegram(1), now)
            .await
            .expect("accept"),
        InviteOutcome::Refused(InviteRefusal::Unknown)
    );
    let for_bob = store
        .create_invite(&campaign, &bob, now.plus_ms(HOUR_MS))
        .await
        .expect("invite");
    store
        .remove_influencer(&campaign, &bob, false)
        .await
        .expect("remove bob");
    assert_eq!(
        store
            .accept_invite(&for_bob, &telegram(1), now)
            .await
            .expect("accept"),
        InviteOutcome::Refused(InviteRefusal::InfluencerGone)
    );
    assert!(
        store
            .account_roles(&telegram(1))
            .await
            .expect("roles")
            .is_empty()
    );
    // An invite is only made for an influencer of the campaign.
    assert!(
        store
            .create_invite(&campaign, &influencer("nobody"), now.plus_ms(HOUR_MS))
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_accounts_racing_for_one_invite_have_exactly_one_winner() {
    let store = store().await;
    let (campaign, _) = open_campaign(&store, "invite-race", 1).await;
    let alice = influencer("alice");
    store
        .add_influencer(&campaign, alice.clone(), "Alice", None)
        .await
        .expect("alice");
    let now = Timestamp::now();
    for round in 0..10u32 {
        let id = store
            .create_invite(&campaign, &alice, now.plus_ms(HOUR_MS))
            .await
            .expect("invite");
        let accounts: Vec<Follower> = (0..12).map(|i| telegram(1000 * (round + 1) + i)).collect();
        let barrier = Arc::new(Barrier::new(accounts.len()));
        let tasks: Vec<_> = accounts
            .iter()
            .map(|account| {
                let (store, id, account, barrier) =
                    (store.clone(), id.clone(), account.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    // A conflict is retryable (the bot's update is redelivered); retry as it would.
                    loop {
                        match store.accept_invite(&id, &account, now).await {
                            Ok(outcome) => return outcome,
                            Err(e) if e.is_retryable() => continue,
                            Err(e) => panic!("accept: {e}"),
                        }
                    }
                })
            })
            .collect();
        let mut winners = Vec::new();
        for (account, task) in accounts.iter().zip(tasks) {
            match task.await.expect("task") {
                InviteOutcome::Joined { .. } => winners.push(account.clone()),
                InviteOutcome::Refused(InviteRefusal::Taken) => {}
                other => panic!("round {round}: {other:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: {winners:?}");
        for account in &accounts {
            let roles = store.account_roles(account).await.expect("roles");
            assert_eq!(
                roles.len(),
                usize::from(account == &winners[0]),
                "round {round}"
            );
        }
    }
}
