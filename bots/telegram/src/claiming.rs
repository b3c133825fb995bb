//! A follower asks for a code: the link is verified, the campaign's eligibility rule checked,
//! the claim made in the store, and the code (or a clear refusal) sent to their private chat.

use crate::action::{Asker, CLAIM_BUTTON, NOTIFY_BUTTON, Target};
use crate::options::{self, CampaignOptions};
use crate::send::{ProcessError, Refused, Sent};
use crate::service::TelegramService;
use crate::texts::{Texts, Value, format_time, render};
use promo_core::{ClaimRefusal, Claimed, LinkTarget, ParseError, Platform};
use promo_store::claims::ClaimRequest;
use teloxide::prelude::Requester;
use teloxide::types::{
    ChatId, CopyTextButton, InlineKeyboardButton, InlineKeyboardButtonKind, InlineKeyboardMarkup,
    Recipient, UserId,
};

/// Whether the follower may claim under the campaign's channel rule.
enum Membership {
    Member,
    NotMember,
    Unknown,
}

impl TelegramService {
    /// Hands `asker` their code for `target`, or says why not.
    pub(crate) async fn claim(&self, asker: &Asker, target: &Target) -> Result<(), ProcessError> {
        let link = match target {
            Target::Link(payload) => match self.verify_payload(payload) {
                Ok(link) => link,
                Err(why) => {
                    tracing::info!(reason = %why, "refused a deep link");
                    let general = self.general_options().await?;
                    let texts = Texts::for_language(&general.translations, asker.language());
                    self.reply(asker, render(texts.bad_link(), &[]), None)
                        .await?;
                    return Ok(());
                }
            },
            Target::Default => match options::bot_settings(self.store()).await?.default_campaign {
                Some(campaign) => LinkTarget {
                    campaign,
                    influencer: None,
                },
                None => {
                    let texts = Texts::built_in(asker.language());
                    self.reply(asker, render(texts.no_default(), &[]), None)
                        .await?;
                    return Ok(());
                }
            },
        };
        self.claim_link(asker, &link).await
    }

    async fn claim_link(&self, asker: &Asker, link: &LinkTarget) -> Result<(), ProcessError> {
        let opts = options::campaign_options(self.store(), &link.campaign).await?;
        let texts = Texts::for_language(&opts.translations, asker.language());
        let Some(follower) = asker.follower() else {
            tracing::warn!("a Telegram user id the store refuses; nothing claimed");
            return Ok(());
        };
        if let Some(channel) = &opts.required_channel {
            // Someone who already holds a code gets it back whatever their membership now.
            let holds = self
                .store()
                .follower_claim(&link.campaign, &follower)
                .await?
                .is_some();
            // The claim below checks the platform policy too; asking first spares a follower
            // of a campaign closed on Telegram a pointless "join the channel".
            if !holds
                && !self
                    .store()
                    .platform_policy(&link.campaign)
                    .await?
                    .allows(Platform::Telegram)
            {
                let refusal = ClaimRefusal::PlatformClosed {
                    platform: Platform::Telegram,
                };
                return self.send_refusal(asker, link, &refusal, &texts).await;
            }
            if !holds {
                match self.membership(channel, asker.user_id).await? {
                    Membership::Member => {}
                    Membership::NotMember => {
                        return self.not_member(asker, link, &opts, &texts).await;
                    }
                    Membership::Unknown => {
                        let text = render(texts.membership_unknown(), &[]);
                        return self.reply(asker, text, None).await;
                    }
                }
            }
        }
        let request = ClaimRequest {
            campaign: link.campaign.clone(),
            follower,
            influencer: link.influencer.clone(),
        };
        match self.store().claim(&request, self.now()).await? {
            Ok(claimed) => self.send_code(asker, link, &claimed, &texts).await,
            Err(refusal) => {
                tracing::info!(campaign = %link.campaign, reason = refusal.reason(), "claim refused");
                self.send_refusal(asker, link, &refusal, &texts).await
            }
        }
    }

    async fn send_code(
        &self,
        asker: &Asker,
        link: &LinkTarget,
        claimed: &Claimed,
        texts: &Texts<'_>,
    ) -> Result<(), ProcessError> {
        let ctx = self.store().campaign_context(&link.campaign).await?;
        let (product, discount) = ctx
            .as_ref()
            .map(|c| (c.campaign.product.as_str(), c.campaign.discount.as_str()))
            .unwrap_or(("-", "-"));
        let expires = format_time(claimed.redeem_until);
        let template = if claimed.shared {
            texts.code_shared()
        } else {
            texts.code()
        };
        let mut text = render(
            template,
            &[
                ("product", Value::Text(product)),
                ("discount", Value::Text(discount)),
                ("code", Value::Code(claimed.code.expose())),
                ("expires", Value::Text(&expires)),
            ],
        );
        if !claimed.new {
            text.push_str("\n\n");
            text.push_str(&render(texts.repeat_note(), &[]));
        }
        // Under the code: copy it in one tap, and go where it works.
        let mut rows = vec![vec![InlineKeyboardButton::new(
            texts.button_copy(),
            InlineKeyboardButtonKind::CopyText(CopyTextButton {
                text: claimed.code.expose().to_owned(),
            }),
        )]];
        let product_url = ctx
            .as_ref()
            .and_then(|c| c.product_url(&claimed.influencer));
        if let Some(url) = product_url.and_then(|u| reqwest::Url::parse(&u).ok()) {
            rows.push(vec![InlineKeyboardButton::url(texts.button_amazon(), url)]);
        }
        let buttons = Some(InlineKeyboardMarkup::new(rows));
        let sent = self.send(asker.chat(), text, buttons, None).await?;
        tracing::info!(
            campaign = %link.campaign,
            influencer = %claimed.influencer,
            new = claimed.new,
            delivered = sent == Sent::Delivered,
            "code sent"
        );
        Ok(())
    }

    async fn send_refusal(
        &self,
        asker: &Asker,
        link: &LinkTarget,
        refusal: &ClaimRefusal,
        texts: &Texts<'_>,
    ) -> Result<(), ProcessError> {
        let payload = || {
            self.config().link_key.sign_for(
                promo_core::Surface::TelegramStart,
                &link.campaign,
                link.influencer.as_ref(),
            )
        };
        let notify = || {
            InlineKeyboardMarkup::new([[InlineKeyboardButton::callback(
                texts.button_notify(),
                format!("{NOTIFY_BUTTON}{}", payload()),
            )]])
        };
        let (text, buttons) = match refusal {
            ClaimRefusal::UnknownCampaign => (render(texts.unknown_campaign(), &[]), None),
            ClaimRefusal::UnknownInfluencer => (render(texts.bad_link(), &[]), None),
            ClaimRefusal::PlatformClosed { .. } => (render(texts.platform_closed(), &[]), None),
            ClaimRefusal::NotStarted {
                starts_at: Some(at),
            } if *at > self.now() => (
                render(
                    texts.not_started_at(),
                    &[("starts_at", Value::Text(&format_time(*at)))],
                ),
                None,
            ),
            ClaimRefusal::NotStarted { .. } => (render(texts.not_started(), &[]), None),
            ClaimRefusal::Paused => (render(texts.paused(), &[]), None),
            ClaimRefusal::Ended => (render(texts.ended(), &[]), None),
            ClaimRefusal::SoldOut => (render(texts.sold_out(), &[]), Some(notify())),
            ClaimRefusal::QuotaReached => (render(texts.quota_reached(), &[]), None),
            ClaimRefusal::DripExhausted { next_release } => (
                render(
                    texts.drip_exhausted(),
                    &[("next_release", Value::Text(&format_time(*next_release)))],
                ),
                Some(notify()),
            ),
            ClaimRefusal::Busy => (
                render(texts.busy(), &[]),
                Some(self.claim_button(texts, &payload())),
            ),
        };
        self.reply(asker, text, buttons).await
    }

    async fn not_member(
        &self,
        asker: &Asker,
        link: &LinkTarget,
        opts: &CampaignOptions,
        texts: &Texts<'_>,
    ) -> Result<(), ProcessError> {
        let channel = opts.required_channel.as_deref().unwrap_or_default();
        let payload = self.config().link_key.sign_for(
            promo_core::Surface::TelegramStart,
            &link.campaign,
            link.influencer.as_ref(),
        );
        let mut rows = Vec::new();
        if let Some(name) = channel.strip_prefix('@')
            && let Ok(url) = reqwest::Url::parse(&format!("https://t.me/{name}"))
        {
            rows.push(vec![InlineKeyboardButton::url(texts.button_join(), url)]);
        }
        rows.push(vec![InlineKeyboardButton::callback(
            texts.button_claim(),
            format!("{CLAIM_BUTTON}{payload}"),
        )]);
        let text = render(texts.not_member(), &[("channel", Value::Text(channel))]);
        self.reply(asker, text, Some(InlineKeyboardMarkup::new(rows)))
            .await
    }

    async fn membership(&self, channel: &str, user: u64) -> Result<Membership, ProcessError> {
        let chat: Recipient = match channel.parse::<i64>() {
            Ok(id) => Recipient::Id(ChatId(id)),
            Err(_) => Recipient::ChannelUsername(channel.to_owned()),
        };
        let member = self
            .call("getChatMember", || {
                self.bot().get_chat_member(chat.clone(), UserId(user))
            })
            .await?;
        Ok(match member {
            Ok(m) if m.kind.is_present() => Membership::Member,
            Ok(_) => Membership::NotMember,
            // The bot is not an administrator there, or the channel is gone: the seller's
            // setting is broken, and the follower is told to try later rather than let through.
            Err(Refused::Unreachable | Refused::Other) => {
                tracing::error!(
                    "cannot check channel membership; make the bot an administrator of the \
                     required channel"
                );
                Membership::Unknown
            }
        })
    }

    /// Verifies a deep-link or button payload. Only the shape Telegram allows for `start`
    /// (1 to 64 characters of `A-Za-z0-9_-`) reaches the signature check: anything else,
    /// whatever its characters or length, is a bad link without being looked at further.
    pub(crate) fn verify_payload(&self, payload: &str) -> Result<LinkTarget, ParseError> {
        if !crate::link::deep_link_payload_ok(payload) {
            return Err(ParseError::new("link", "is malformed"));
        }
        self.config()
            .link_key
            .verify_for(promo_core::Surface::TelegramStart, payload)
    }

    /// A keyboard with the claim button for `payload`.
    pub(crate) fn claim_button(&self, texts: &Texts<'_>, payload: &str) -> InlineKeyboardMarkup {
        InlineKeyboardMarkup::new([[InlineKeyboardButton::callback(
            texts.button_claim(),
            format!("{CLAIM_BUTTON}{payload}"),
        )]])
    }

    /// Sends `html` to the asker's private chat. An unreachable asker is not an error.
    pub(crate) async fn reply(
        &self,
        asker: &Asker,
        html: String,
        buttons: Option<InlineKeyboardMarkup>,
    ) -> Result<(), ProcessError> {
        self.send(asker.chat(), html, buttons, None).await?;
        Ok(())
    }

    /// The options of the default campaign (for replies outside any campaign), or none.
    pub(crate) async fn general_options(&self) -> Result<CampaignOptions, ProcessError> {
        match options::bot_settings(self.store()).await?.default_campaign {
            Some(c) => Ok(options::campaign_options(self.store(), &c).await?),
            None => Ok(CampaignOptions::default()),
        }
    }
}

impl Asker {
    /// Their language code, if sent.
    pub fn language(&self) -> Option<&str> {
        self.language.as_deref()
    }
}
