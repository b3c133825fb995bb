//! Replies outside a claim: help in private, and a pointer to a private chat for commands sent
//! in groups (a code is never posted in a group).

use crate::action::Asker;
use crate::link::deep_link_payload_ok;
use crate::send::ProcessError;
use crate::service::TelegramService;
use crate::texts::{Texts, render};
use teloxide::types::{ChatId, InlineKeyboardButton, InlineKeyboardMarkup, MessageId};

impl TelegramService {
    /// Explains how to get a code.
    pub(crate) async fn help(&self, asker: &Asker) -> Result<(), ProcessError> {
        let general = self.general_options().await?;
        let texts = Texts::for_language(&general.translations, asker.language());
        self.reply(asker, render(texts.help(), &[]), None).await
    }

    /// Answers a command in a group with a button to the bot's private chat, carrying the
    /// command's deep-link payload along when it has one of the right shape.
    pub(crate) async fn point_to_private(
        &self,
        chat: ChatId,
        message: MessageId,
        language: Option<&str>,
        payload: Option<&str>,
    ) -> Result<(), ProcessError> {
        let general = self.general_options().await?;
        let texts = Texts::for_language(&general.translations, language);
        let mut url = format!("https://t.me/{}", self.config().bot_username);
        if let Some(p) = payload.filter(|p| deep_link_payload_ok(p)) {
            url.push_str("?start=");
            url.push_str(p);
        }
        let Ok(url) = reqwest::Url::parse(&url) else {
            return Ok(());
        };
        let buttons =
            InlineKeyboardMarkup::new([[InlineKeyboardButton::url(texts.button_private(), url)]]);
        self.send(
            chat,
            render(texts.group_pointer(), &[]),
            Some(buttons),
            Some(message),
        )
        .await?;
        Ok(())
    }
}
