//! What the seller configures for the bot, kept as settings documents in the table:
//! the bot's default campaign (scope [`BOT_SCOPE`], name [`BOT_SETTINGS`]) and each campaign's
//! Telegram options (scope `campaign:<id>`, name [`CAMPAIGN_OPTIONS`]): a required channel and
//! translations of the replies.

use crate::texts::Messages;
use promo_core::CampaignId;
use promo_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The settings scope of the bot's own document.
pub const BOT_SCOPE: &str = "telegram";
/// The name of the bot's own document.
pub const BOT_SETTINGS: &str = "bot";
/// The name of a campaign's Telegram options document.
pub const CAMPAIGN_OPTIONS: &str = "telegram";

/// The settings scope of a campaign's documents (the store's: the platform policy reads the
/// Telegram options there, see [`promo_store::bots::settings::RULE_DOCUMENTS`]).
pub fn campaign_scope(campaign: &CampaignId) -> String {
    promo_store::bots::settings::campaign_scope(campaign)
}

/// The bot's own settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotSettings {
    /// The campaign `/start` without a payload and `/claim` hand out codes for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_campaign: Option<CampaignId>,
}

/// A campaign's Telegram options. `required_channel` is an eligibility rule: while it is set
/// and the campaign lists no platforms, the campaign is open on Telegram only (and on any other
/// platform with rules of its own); `translations` is not a rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignOptions {
    /// A channel the follower must be a member of (`@name` or a numeric chat id such as
    /// `-1001234567890`) before a code is given. The bot must be an administrator there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_channel: Option<String>,
    /// Replies by language code (`de`, `pt-br`, ...): each replaces the English texts it sets.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, Messages>,
}

/// Why an option the seller gave is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OptionError(pub String);

/// Checks a required channel: `@name` (5 to 32 characters of `A-Za-z0-9_`) or a negative
/// numeric chat id. Returns it normalised.
pub fn parse_channel(raw: &str) -> Result<String, OptionError> {
    let s = raw.trim();
    if let Some(name) = s.strip_prefix('@') {
        let ok = (5..=32).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        return if ok {
            Ok(s.to_owned())
        } else {
            Err(OptionError(format!("{s:?} is not a channel username")))
        };
    }
    match s.parse::<i64>() {
        Ok(id) if id < 0 => Ok(id.to_string()),
        _ => Err(OptionError(format!(
            "{s:?} is neither @channelname nor a channel id like -1001234567890"
        ))),
    }
}

/// Parses a translations file: `{"<language code>": {"<message>": "<text>", ...}, ...}`.
/// Unknown message names and unknown `{placeholders}` are refused, so a typo does not
/// silently fall back to English.
pub fn parse_translations(json: &str) -> Result<BTreeMap<String, Messages>, OptionError> {
    let raw: BTreeMap<String, BTreeMap<String, String>> =
        serde_json::from_str(json).map_err(|e| {
            OptionError(format!(
                "translations must be {{lang: {{name: text}}}}: {e}"
            ))
        })?;
    let mut out = BTreeMap::new();
    for (lang, texts) in raw {
        let lang = normalise_language(&lang)
            .ok_or_else(|| OptionError(format!("{lang:?} is not a language code")))?;
        let mut messages = Messages::default();
        for (name, text) in texts {
            messages
                .set(&name, text)
                .map_err(|e| OptionError(format!("{lang}: {e}")))?;
        }
        out.insert(lang, messages);
    }
    Ok(out)
}

/// A language code in lower case (`pt-BR` → `pt-br`), or `None` if it is not one.
pub fn normalise_language(raw: &str) -> Option<String> {
    promo_core::language::normalise(raw)
}

/// The bot's settings (defaults when none were stored).
pub async fn bot_settings(store: &Store) -> Result<BotSettings, StoreError> {
    Ok(store
        .get_setting(BOT_SCOPE, BOT_SETTINGS)
        .await?
        .unwrap_or_default())
}

/// Makes `campaign` the bot's default campaign.
pub async fn set_default_campaign(store: &Store, campaign: &CampaignId) -> Result<(), StoreError> {
    let mut settings = bot_settings(store).await?;
    settings.default_campaign = Some(campaign.clone());
    store.put_setting(BOT_SCOPE, BOT_SETTINGS, &settings).await
}

/// A campaign's Telegram options (defaults when none were stored).
pub async fn campaign_options(
    store: &Store,
    campaign: &CampaignId,
) -> Result<CampaignOptions, StoreError> {
    Ok(store
        .get_setting(&campaign_scope(campaign), CAMPAIGN_OPTIONS)
        .await?
        .unwrap_or_default())
}

/// Stores a campaign's Telegram options, replacing the previous ones.
pub async fn put_campaign_options(
    store: &Store,
    campaign: &CampaignId,
    options: &CampaignOptions,
) -> Result<(), StoreError> {
    store
        .put_setting(&campaign_scope(campaign), CAMPAIGN_OPTIONS, options)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_are_usernames_or_negative_ids() {
        assert_eq!(parse_channel(" @my_shop ").as_deref(), Ok("@my_shop"));
        assert_eq!(
            parse_channel("-1001234567890").as_deref(),
            Ok("-1001234567890")
        );
        assert!(parse_channel("@ab").is_err());
        assert!(parse_channel("my_shop").is_err());
        assert!(parse_channel("12345").is_err());
    }

    #[test]
    fn translations_refuse_typos() {
        let ok = parse_translations(r#"{"DE": {"sold_out": "Ausverkauft."}}"#).expect("valid");
        assert_eq!(ok["de"].sold_out.as_deref(), Some("Ausverkauft."));
        assert!(parse_translations(r#"{"de": {"sold_uot": "x"}}"#).is_err());
        assert!(parse_translations(r#"{"de": {"code": "{cod}"}}"#).is_err());
        assert!(parse_translations(r#"{"d e": {}}"#).is_err());
        assert!(parse_translations("[]").is_err());
    }

    #[test]
    fn the_required_channel_is_a_rule_of_the_platform_policy_and_translations_are_not() {
        use promo_core::Platform;
        use promo_store::bots::settings::{RULE_DOCUMENTS, holds_rule};
        assert!(
            RULE_DOCUMENTS
                .iter()
                .any(|(p, name, _)| *p == Platform::Telegram && *name == CAMPAIGN_OPTIONS),
            "the policy reads this document"
        );
        let doc = |o: &CampaignOptions| serde_json::to_value(o).expect("json");
        let gated = CampaignOptions {
            required_channel: Some("@shop_news".into()),
            ..CampaignOptions::default()
        };
        assert!(holds_rule(Platform::Telegram, &doc(&gated)));
        let translated = CampaignOptions {
            translations: parse_translations(r#"{"de": {"ended": "Vorbei."}}"#).expect("valid"),
            ..CampaignOptions::default()
        };
        assert!(!holds_rule(Platform::Telegram, &doc(&translated)));
        assert!(!holds_rule(
            Platform::Telegram,
            &doc(&CampaignOptions::default())
        ));
    }

    #[test]
    fn options_round_trip_as_json() {
        let options = CampaignOptions {
            required_channel: Some("@shop_news".into()),
            translations: parse_translations(r#"{"de": {"ended": "Vorbei."}}"#).expect("valid"),
        };
        let json = serde_json::to_string(&options).expect("json");
        let back: CampaignOptions = serde_json::from_str(&json).expect("back");
        assert_eq!(back, options);
        let empty: CampaignOptions = serde_json::from_str("{}").expect("empty");
        assert_eq!(empty, CampaignOptions::default());
    }
}
