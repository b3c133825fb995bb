//! What the bot says: one [`Reply`] per outcome, from the texts of the follower's language
//! ([`Texts`]), and how it is sent (an interaction response, or the edit of a deferred one).

use crate::eligibility::Ineligible;
use crate::texts::{Texts, fill};
use promo_core::{ClaimRefusal, Claimed, Timestamp};
use serenity::builder::{
    CreateActionRow, CreateAllowedMentions, CreateButton, CreateInteractionResponse,
    CreateInteractionResponseMessage, EditInteractionResponse,
};
use serenity::model::application::ButtonStyle;

/// A message for the user who interacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Reply {
    /// The text (may hold a code: never log it).
    pub content: String,
    /// Only the user sees it (flag 64). Anything holding a code is ephemeral.
    pub ephemeral: bool,
    /// A claim button: its label and custom id.
    pub button: Option<(String, String)>,
    /// A link button: its label and URL (where the code works).
    pub link: Option<(String, String)>,
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply")
            .field("content", &format_args!("<{} chars>", self.content.len()))
            .field("ephemeral", &self.ephemeral)
            .finish_non_exhaustive()
    }
}

impl Reply {
    /// A private message.
    pub fn private(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            ephemeral: true,
            button: None,
            link: None,
        }
    }

    /// The same reply with a link button under it.
    pub fn with_link(mut self, label: &str, url: String) -> Self {
        self.link = Some((label.to_owned(), url));
        self
    }

    /// A public message with a button (`label`, `custom_id`).
    pub fn public_with_button(content: impl Into<String>, label: &str, custom_id: String) -> Self {
        Self {
            content: content.into(),
            ephemeral: false,
            button: Some((label.to_owned(), custom_id)),
            link: None,
        }
    }

    fn components(&self) -> Vec<CreateActionRow> {
        let claim = self.button.iter().map(|(label, id)| {
            CreateButton::new(id.clone())
                .label(label.clone())
                .style(ButtonStyle::Success)
        });
        let link = self
            .link
            .iter()
            .map(|(label, url)| CreateButton::new_link(url.clone()).label(label.clone()));
        let buttons: Vec<CreateButton> = claim.chain(link).collect();
        if buttons.is_empty() {
            Vec::new()
        } else {
            vec![CreateActionRow::Buttons(buttons)]
        }
    }

    /// The interaction response (type 4) carrying this reply. It mentions nobody, whatever
    /// its text holds (see [`no_mentions`]).
    pub fn response(&self) -> CreateInteractionResponse {
        let mut msg = CreateInteractionResponseMessage::new()
            .content(self.content.clone())
            .ephemeral(self.ephemeral)
            .allowed_mentions(no_mentions());
        if self.button.is_some() || self.link.is_some() {
            msg = msg.components(self.components());
        }
        CreateInteractionResponse::Message(msg)
    }

    /// The edit of a deferred response that delivers this reply; it mentions nobody.
    pub fn edit(&self) -> EditInteractionResponse {
        let mut edit = EditInteractionResponse::new()
            .content(self.content.clone())
            .allowed_mentions(no_mentions());
        if self.button.is_some() || self.link.is_some() {
            edit = edit.components(self.components());
        }
        edit
    }
}

/// A deferred response (type 5): "thinking…", private if `ephemeral`.
pub fn deferred(ephemeral: bool) -> CreateInteractionResponse {
    CreateInteractionResponse::Defer(
        CreateInteractionResponseMessage::new()
            .ephemeral(ephemeral)
            .allowed_mentions(no_mentions()),
    )
}

/// Mentions nothing: `{"parse": [], "users": [], "roles": []}`. Every message the bot posts
/// carries it, so no text (a seller's button message, a role named in a refusal, anything a
/// name or id could smuggle in) ever pings `@everyone`, a role or a user.
pub fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
}

/// `<t:…:f>`: Discord shows the time in the reader's own time zone.
fn when(t: Timestamp) -> String {
    format!("<t:{}:f>", t.millis().div_euclid(1000))
}

/// The follower's code on its own lines as a code block (Discord's clients copy a block with
/// one tap), with what it is for (`product`, `discount`), until when, and how to use it.
pub fn claimed(t: &Texts<'_>, c: &Claimed, product: &str, discount: &str) -> Reply {
    let template = if c.new { t.code() } else { t.code_again() };
    let code = format!("```\n{}\n```", c.code.expose());
    Reply::private(fill(
        template,
        &[
            ("product", product),
            ("discount", discount),
            ("code", &code),
            ("expires", &when(c.redeem_until)),
        ],
    ))
}

/// Why there is no code.
pub fn refused(t: &Texts<'_>, r: &ClaimRefusal) -> Reply {
    Reply::private(match r {
        ClaimRefusal::UnknownCampaign => t.unknown_campaign().to_owned(),
        ClaimRefusal::UnknownInfluencer => t.unknown_influencer().to_owned(),
        ClaimRefusal::PlatformClosed { .. } => t.platform_closed().to_owned(),
        ClaimRefusal::NotStarted {
            starts_at: Some(at),
        } => fill(t.not_started_at(), &[("starts_at", &when(*at))]),
        ClaimRefusal::NotStarted { starts_at: None } => t.not_started().to_owned(),
        ClaimRefusal::Paused => t.paused().to_owned(),
        ClaimRefusal::Ended => t.ended().to_owned(),
        ClaimRefusal::SoldOut => t.sold_out().to_owned(),
        ClaimRefusal::QuotaReached => t.quota_reached().to_owned(),
        ClaimRefusal::DripExhausted { next_release } => fill(
            t.drip_exhausted(),
            &[("next_release", &when(*next_release))],
        ),
        ClaimRefusal::Busy => t.busy().to_owned(),
    })
}

/// Why this claimer may not claim.
pub fn ineligible(t: &Texts<'_>, i: &Ineligible) -> Reply {
    Reply::private(match i {
        Ineligible::AccountTooNew { min_days } => {
            fill(t.account_too_new(), &[("min_days", &min_days.to_string())])
        }
        Ineligible::MissingRole { role } => {
            fill(t.missing_role(), &[("role", &format!("<@&{role}>"))])
        }
        Ineligible::WrongGuild => t.wrong_guild().to_owned(),
    })
}

/// `/claim influencer:<name>` where the campaign does not take typed names ("creator codes"
/// off): nothing was claimed, and the follower learns both ways to get a code.
pub fn typed_influencer_refused(t: &Texts<'_>) -> Reply {
    Reply::private(t.typed_influencer_refused())
}

/// A seller's command that could not finish within Discord's deadline: nothing was posted,
/// and running it again is safe.
pub fn seller_busy() -> Reply {
    Reply::private("That took too long, so nothing was posted. Please run the command again.")
}

/// Something failed on our side; nothing the user did.
pub fn internal_error(t: &Texts<'_>) -> Reply {
    Reply::private(t.internal_error())
}

/// The same interaction was delivered again after it took effect.
pub fn already_handled(t: &Texts<'_>) -> Reply {
    Reply::private(t.already_handled())
}

/// The same interaction is being handled by another delivery right now.
pub fn in_progress(t: &Texts<'_>) -> Reply {
    Reply::private(t.in_progress())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_has_its_own_private_text() {
        let t = Timestamp(1_800_000_000_000);
        let all = [
            ClaimRefusal::UnknownCampaign,
            ClaimRefusal::UnknownInfluencer,
            ClaimRefusal::NotStarted { starts_at: None },
            ClaimRefusal::NotStarted { starts_at: Some(t) },
            ClaimRefusal::Paused,
            ClaimRefusal::Ended,
            ClaimRefusal::SoldOut,
            ClaimRefusal::QuotaReached,
            ClaimRefusal::DripExhausted { next_release: t },
            ClaimRefusal::Busy,
        ];
        let texts: std::collections::HashSet<String> = all
            .iter()
            .map(|r| {
                let reply = refused(&Texts::english(), r);
                assert!(reply.ephemeral);
                reply.content
            })
            .collect();
        assert_eq!(texts.len(), all.len());
        assert!(
            refused(&Texts::english(), &ClaimRefusal::Busy)
                .content
                .contains("Nothing was claimed")
        );
    }

    #[test]
    fn a_code_is_only_ever_private_and_never_in_debug_output() {
        let c = Claimed {
            code: promo_core::PromoCode::parse("ABCD-123456-SECRET").unwrap(),
            influencer: promo_core::InfluencerId::direct(),
            claimed_at: Timestamp(0),
            redeem_until: Timestamp(1_000),
            new: true,
            shared: false,
        };
        let reply = claimed(&Texts::built_in(Some("ja")), &c, "B0TEST", "20% off");
        assert!(reply.ephemeral);
        // The code on its own lines, as a code block; what it is for, and until when.
        assert!(reply.content.contains("\n```\nABCD-123456-SECRET\n```\n"));
        assert!(reply.content.contains("B0TEST") && reply.content.contains("20% off"));
        assert!(reply.content.contains("<t:1:f>"));
        let json = serde_json::to_value(reply.response()).unwrap();
        assert_eq!(json["data"]["flags"], 64);
        assert!(!format!("{reply:?}").contains("SECRET"));
    }
}
