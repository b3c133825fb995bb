//! The follower-facing texts of the bot: English by default, replaced message by message by the
//! built-in catalogue for the interaction's `locale` ([`crate::builtin`]) and, over that, the
//! seller's translations in the campaign's Discord options (see
//! [`promo_core::language::layers`]). Discord markdown: a code is set in backticks.

use promo_core::language::{self, check_placeholders};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

macro_rules! messages {
    ($( $(#[$doc:meta])* $name:ident [$($ph:literal),*] = $en:expr; )*) => {
        /// A set of reply texts, each optional (unset ones fall back). Texts may use the
        /// `{placeholders}` listed on each field.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Messages {
            $(
                $(#[$doc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $name: Option<String>,
            )*
        }

        impl Messages {
            /// The names of every message, as a translations file spells them.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($name)),*];

            /// Sets message `name` to `text`, refusing unknown names and placeholders.
            pub fn set(&mut self, name: &str, text: String) -> Result<(), String> {
                match name {
                    $(stringify!($name) => {
                        check_placeholders(name, &text, &[$($ph),*])?;
                        self.$name = Some(text);
                        Ok(())
                    })*
                    _ => Err(format!("unknown message {name:?}; known: {}", Self::NAMES.join(", "))),
                }
            }

            /// Message `name` as set here, if it is.
            pub fn get(&self, name: &str) -> Option<&str> {
                match name {
                    $(stringify!($name) => self.$name.as_deref(),)*
                    _ => None,
                }
            }

            /// The English default of message `name`.
            pub fn english(name: &str) -> Option<&'static str> {
                match name {
                    $(stringify!($name) => Some($en),)*
                    _ => None,
                }
            }
        }

        impl Texts<'_> {
            $(
                $(#[$doc])*
                pub fn $name(&self) -> &str {
                    self.layers
                        .iter()
                        .find_map(|m| m.and_then(|m| m.$name.as_deref()))
                        .unwrap_or($en)
                }
            )*
        }
    };
}

messages! {
    /// A new code: `{code}` (shown in backticks), `{expires}` (a Discord timestamp).
    code ["product", "discount", "code", "expires"] =
        "Here is your code for {product} ({discount}):\n{code}\nHow to use it: at Amazon checkout, \
        open \"Gift Cards and Promotional Codes\", enter the code and tap Apply.\nRedeem it \
        before {expires}. It works once and is yours alone. Only you can see this message.";
    /// The code the follower already held: `{product}`, `{discount}`, `{code}`, `{expires}`.
    code_again ["product", "discount", "code", "expires"] =
        "You already claimed a code; here it is again, for {product} ({discount}):\n{code}\nHow \
        to use it: at Amazon checkout, open \"Gift Cards and Promotional Codes\", enter the code \
        and tap Apply.\nRedeem it before {expires}. Only you can see this message.";
    /// The link button under a code.
    button_amazon [] = "Open on Amazon";
    /// A campaign that does not exist.
    unknown_campaign [] = "This campaign does not exist.";
    /// An influencer who is not part of the campaign.
    unknown_influencer [] = "That influencer is not part of this campaign.";
    /// The campaign is not open on Discord.
    platform_closed [] = "This campaign's codes are not handed out on Discord.";
    /// The campaign has not started and has no start date.
    not_started [] = "This campaign has not started yet.";
    /// The campaign starts later: `{starts_at}`.
    not_started_at ["starts_at"] = "This campaign has not started yet. It opens {starts_at}.";
    /// The seller paused the campaign.
    paused [] = "This campaign is paused right now. Please try again later.";
    /// The campaign is over.
    ended [] = "This campaign has ended.";
    /// No code left.
    sold_out [] = "Sorry, all codes have been claimed.";
    /// The influencer's quota is used up.
    quota_reached [] = "Sorry, all codes reserved for this influencer have been claimed.";
    /// Today's codes are gone: `{next_release}`.
    drip_exhausted ["next_release"] = "Today's codes are gone. More codes are released \
        {next_release}.";
    /// The store stayed too busy; nothing was issued.
    busy [] = "We are very busy right now and could not hand out a code. Nothing was claimed; \
        please try again in a moment.";
    /// The account is too new: `{min_days}`.
    account_too_new ["min_days"] = "You can't claim this code: your Discord account must be at \
        least {min_days} days old.";
    /// The claimer lacks a role: `{role}` (a role mention).
    missing_role ["role"] = "You can't claim this code: you need the {role} role in this server.";
    /// The claim does not come from the campaign's server.
    wrong_guild [] = "You can't claim this code here: claim it in the campaign's Discord server.";
    /// A typed influencer name where creator codes are off.
    typed_influencer_refused [] = "Influencer names can't be typed for this campaign. Use the \
        claim button or link your influencer shared, or run /claim without an influencer for a \
        code that credits nobody. Nothing was claimed.";
    /// `/claim` with no campaign to claim from.
    no_campaign [] = "There is no campaign to claim from here yet.";
    /// A claim button whose payload does not verify.
    invalid_button [] = "This button is not valid.";
    /// A claim button pressed where it may no longer be used.
    stale_button [] = "This button can't be used here any more. Ask the seller for a new one.";
    /// `/stats` from an account that is no influencer.
    stats_refused [] = "You are not registered as an influencer. Ask the seller to link your \
        Discord account.";
    /// `/join` with the invite: `{influencer}`, `{campaign}`.
    invite_joined ["influencer", "campaign"] = "Welcome! This Discord account now speaks for \
        {influencer} in {campaign}. Use /stats any time for your numbers.";
    /// `/join` with an invite another account already took.
    invite_taken [] = "This invite has already been used by another account. Ask the seller \
        for a new one.";
    /// `/join` with an invite past its expiry.
    invite_expired [] = "This invite has expired. Ask the seller for a new one.";
    /// `/join` with an invite that is forged, mistyped, withdrawn, or for a creator no longer
    /// in the campaign.
    invite_invalid [] = "This invite is not valid. Ask the seller for a new one.";
    /// Something failed on our side.
    internal_error [] = "Something went wrong on our side. Please try again in a moment.";
    /// The same interaction delivered again after it took effect.
    already_handled [] = "This request was already handled. Use /claim again to see your code.";
    /// The same interaction being handled by another delivery right now.
    in_progress [] = "Your request is already being handled. Please wait a moment.";
}

/// The texts for one reply: message by message, the seller's translation for the locale,
/// then the built-in one, then English.
#[derive(Debug, Clone, Copy, Default)]
pub struct Texts<'a> {
    layers: [Option<&'a Messages>; 4],
}

static EMPTY: BTreeMap<String, Messages> = BTreeMap::new();

impl<'a> Texts<'a> {
    /// English texts.
    pub fn english() -> Self {
        Self::default()
    }

    /// The built-in texts for `locale` (before a campaign, so its translations, is known).
    pub fn built_in(locale: Option<&str>) -> Texts<'static> {
        Texts::for_locale(&EMPTY, locale)
    }

    /// The texts for `locale` (`pt-BR`: the seller's `pt-br`, the seller's `pt`, the built-in
    /// `pt-br`, the built-in `pt`), message by message, else English.
    pub fn for_locale(translations: &'a BTreeMap<String, Messages>, locale: Option<&str>) -> Self {
        Self {
            layers: language::layers(translations, crate::builtin::catalogues(), locale),
        }
    }
}

/// Fills `template`'s `{placeholders}` from `values` in one pass (a value is never expanded
/// again); unknown placeholders stay as they are.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        match after
            .split_once('}')
            .and_then(|(name, tail)| values.iter().find(|(n, _)| *n == name).map(|v| (v.1, tail)))
        {
            Some((value, tail)) => {
                out.push_str(value);
                rest = tail;
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Parses a translations file: `{"<locale>": {"<message>": "<text>", ...}, ...}`. Unknown
/// message names and unknown `{placeholders}` are refused, so a typo does not silently fall
/// back.
pub fn parse_translations(json: &str) -> Result<BTreeMap<String, Messages>, String> {
    let raw: BTreeMap<String, BTreeMap<String, String>> = serde_json::from_str(json)
        .map_err(|e| format!("translations must be {{locale: {{name: text}}}}: {e}"))?;
    let mut out = BTreeMap::new();
    for (lang, texts) in raw {
        let lang =
            language::normalise(&lang).ok_or_else(|| format!("{lang:?} is not a language code"))?;
        let mut messages = Messages::default();
        for (name, text) in texts {
            messages
                .set(&name, text)
                .map_err(|e| format!("{lang}: {e}"))?;
        }
        out.insert(lang, messages);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_filled_once() {
        assert_eq!(
            fill("{a} {b} {c}", &[("a", "{b}"), ("b", "x")]),
            "{b} x {c}"
        );
    }

    #[test]
    fn seller_translations_override_the_built_in_message_by_message() {
        let map =
            parse_translations(r#"{"de-AT": {"ended": "Aus."}, "de": {"paused": "P."}}"#).unwrap();
        let t = Texts::for_locale(&map, Some("de-AT"));
        assert_eq!(t.ended(), "Aus.");
        assert_eq!(t.paused(), "P.");
        assert_eq!(t.sold_out(), Texts::built_in(Some("de")).sold_out());
        assert_ne!(t.sold_out(), Texts::english().sold_out());
        assert_eq!(
            Texts::for_locale(&map, Some("en-GB")).ended(),
            Texts::english().ended()
        );
        assert!(parse_translations(r#"{"de": {"code": "{cod}"}}"#).is_err());
        assert!(parse_translations(r#"{"de": {"nope": "x"}}"#).is_err());
        assert!(parse_translations(r#"{"d e": {}}"#).is_err());
    }
}
