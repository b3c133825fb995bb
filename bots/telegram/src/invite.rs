//! `/start inv_...`: an influencer opens the invite the seller made for them, and this Telegram
//! account then speaks for them (`/stats`). The payload is checked against the link key before
//! the store is read; the store decides, once, which account takes it.

use crate::action::Asker;
use crate::send::ProcessError;
use crate::service::TelegramService;
use crate::texts::{Texts, Value, render};
use promo_store::bots::{InviteOutcome, InviteRefusal};

impl TelegramService {
    /// Binds `asker`'s account to the influencer `invite` names, or says why not.
    pub(crate) async fn join(&self, asker: &Asker, invite: &str) -> Result<(), ProcessError> {
        let general = self.general_options().await?;
        let texts = Texts::for_language(&general.translations, asker.language());
        let Some(account) = asker.follower() else {
            tracing::warn!("a Telegram user id the store refuses; no invite taken");
            return Ok(());
        };
        let Ok(id) = self.config().link_key.verify_invite(invite) else {
            return self
                .reply(asker, render(texts.invite_invalid(), &[]), None)
                .await;
        };
        let text = match self
            .store()
            .accept_invite(&id, &account, self.now())
            .await?
        {
            InviteOutcome::Joined {
                campaign,
                influencer,
            } => {
                tracing::info!(%campaign, %influencer, "an influencer took their invite");
                render(
                    texts.invite_joined(),
                    &[
                        ("influencer", Value::Text(influencer.as_str())),
                        ("campaign", Value::Text(campaign.as_str())),
                    ],
                )
            }
            InviteOutcome::Refused(InviteRefusal::Taken) => render(texts.invite_taken(), &[]),
            InviteOutcome::Refused(InviteRefusal::Expired) => render(texts.invite_expired(), &[]),
            InviteOutcome::Refused(InviteRefusal::Unknown | InviteRefusal::InfluencerGone) => {
                render(texts.invite_invalid(), &[])
            }
        };
        self.reply(asker, text, None).await
    }
}
