//! `/join invite:inv_...`: an influencer binds this Discord account to them with the invite the
//! seller made (`promo influencer invite`), so `/stats` shows them their numbers. The invite is
//! checked against the link key before the store is read; the store decides, once, which
//! account takes it (an invite works for one Telegram or Discord account).

use crate::replies::{self, Reply};
use crate::texts::{Texts, fill};
use promo_core::{Follower, LinkKey, Timestamp};
use promo_store::Store;
use promo_store::bots::{InviteOutcome, InviteRefusal};

/// Takes `invite` for Discord user `user`, or says why not. Never fails: a store failure is a
/// "try again" reply, and nothing was bound.
pub async fn handle(
    store: &Store,
    key: &LinkKey,
    user: u64,
    invite: &str,
    locale: Option<&str>,
) -> Reply {
    let texts = Texts::built_in(locale);
    let Ok(id) = key.verify_invite(invite.trim()) else {
        return Reply::private(texts.invite_invalid());
    };
    let Ok(account) = Follower::parse("discord", &user.to_string()) else {
        return Reply::private(texts.invite_invalid());
    };
    match store.accept_invite(&id, &account, Timestamp::now()).await {
        Ok(InviteOutcome::Joined {
            campaign,
            influencer,
        }) => {
            tracing::info!(%campaign, %influencer, "an influencer took their invite");
            Reply::private(fill(
                texts.invite_joined(),
                &[
                    ("influencer", influencer.as_str()),
                    ("campaign", campaign.as_str()),
                ],
            ))
        }
        Ok(InviteOutcome::Refused(InviteRefusal::Taken)) => Reply::private(texts.invite_taken()),
        Ok(InviteOutcome::Refused(InviteRefusal::Expired)) => {
            Reply::private(texts.invite_expired())
        }
        Ok(InviteOutcome::Refused(InviteRefusal::Unknown | InviteRefusal::InfluencerGone)) => {
            Reply::private(texts.invite_invalid())
        }
        Err(e) => {
            tracing::error!(error = %e, "discord invite failed");
            replies::internal_error(&texts)
        }
    }
}
