//! `/links`: an influencer's own links, for the Telegram accounts bound to them (an invite, or
//! the seller's `promo influencer account`): the deep link their followers open, the Discord
//! claim button's payload, and a fresh dashboard link when the dashboards' address is known.

use crate::action::Asker;
use crate::link::deep_link;
use crate::send::ProcessError;
use crate::service::TelegramService;
use crate::texts::{Texts, Value, render};
use promo_api::routes::page_url;
use promo_core::{PageHolder, Surface};

/// How long a dashboard link from `/links` works; asking again gives a fresh one.
pub const DASHBOARD_DAYS: u32 = 30;

impl TelegramService {
    /// Sends `asker` the links of every influencer role their account holds; anyone without a
    /// role gets a polite refusal.
    pub(crate) async fn links(&self, asker: &Asker) -> Result<(), ProcessError> {
        let general = self.general_options().await?;
        let texts = Texts::for_language(&general.translations, asker.language());
        let Some(account) = asker.follower() else {
            tracing::warn!("a Telegram user id the store refuses; no links");
            return Ok(());
        };
        let roles = self.store().account_roles(&account).await?;
        if roles.is_empty() {
            return self
                .reply(asker, render(texts.links_refused(), &[]), None)
                .await;
        }
        let config = self.config();
        let now = self.now();
        let mut blocks = Vec::new();
        for (campaign, influencer) in &roles {
            let deep_link = deep_link(
                &config.bot_username,
                &config.link_key,
                campaign,
                Some(influencer),
            );
            let button = format!(
                "claim:{}",
                config
                    .link_key
                    .sign_for(Surface::DiscordButton, campaign, Some(influencer))
            );
            let mut block = render(
                texts.links(),
                &[
                    ("campaign", Value::Text(campaign.as_str())),
                    ("influencer", Value::Text(influencer.as_str())),
                    ("deep_link", Value::Text(&deep_link)),
                    ("button", Value::Text(&button)),
                ],
            );
            if let Some(base) = &config.public_url {
                let dashboard = page_url(
                    &config.link_key,
                    PageHolder::Influencer(campaign.clone(), influencer.clone()),
                    base.as_str(),
                    now,
                    DASHBOARD_DAYS,
                );
                block.push('\n');
                block.push_str(&render(
                    texts.links_dashboard(),
                    &[
                        ("dashboard", Value::Text(&dashboard)),
                        ("days", Value::Text(&DASHBOARD_DAYS.to_string())),
                    ],
                ));
            }
            blocks.push(block);
        }
        self.reply(asker, blocks.join("\n\n"), None).await
    }
}
