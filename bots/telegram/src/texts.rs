//! The bot's replies: English by default, replaced message by message by the built-in
//! catalogue for the user's language ([`crate::builtin`]) and, over that, the seller's
//! translations (see [`promo_core::language::layers`]). Replies are sent as Telegram HTML: every text and
//! value is escaped, and the code alone is set in `<code>` so a tap copies it.

use chrono::DateTime;
use promo_core::Timestamp;
use promo_core::language::{self, check_placeholders};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

macro_rules! messages {
    ($( $(#[$doc:meta])* $name:ident [$($ph:literal),*] = $en:expr; )*) => {
        /// A set of reply texts, each optional (unset ones fall back to English). Texts may use
        /// the `{placeholders}` listed on each field.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The code reply: `{product}`, `{discount}`, `{code}`, `{expires}`.
    code ["product", "discount", "code", "expires"] =
        "Your code for {product}:\n\n{code}\n\nDiscount: {discount}\n\nHow to use it: at Amazon \
         checkout, open \"Gift Cards and Promotional Codes\" (\"Add a gift card or promotion \
         code\"), enter the code and tap Apply.\n\nValid until {expires}. It works once and is \
         yours alone: please don't share it.";
    /// The code reply for a group code (one code that the campaign's followers share, each
    /// using it once): `{product}`, `{discount}`, `{code}`, `{expires}`.
    code_shared ["product", "discount", "code", "expires"] =
        "Your code for {product}:\n\n{code}\n\nDiscount: {discount}\n\nHow to use it: at Amazon \
         checkout, open \"Gift Cards and Promotional Codes\" (\"Add a gift card or promotion \
         code\"), enter the code and tap Apply.\n\nValid until {expires}. This code is shared by \
         this promotion's followers while uses last; you can use it once.";
    /// Added below the code when the follower already held it.
    repeat_note [] = "(This is the code you already claimed: one code per person.)";
    /// The campaign has not started and has no start date.
    not_started [] = "This promotion hasn't started yet. Please check back soon.";
    /// The campaign starts later: `{starts_at}`.
    not_started_at ["starts_at"] = "This promotion starts on {starts_at}. Please come back then.";
    /// The seller paused the campaign.
    paused [] = "This promotion is paused right now. Please check back later.";
    /// The campaign is over.
    ended [] = "Sorry, this promotion has ended.";
    /// No code left.
    sold_out [] = "Sorry, all codes have been claimed. Tap \"Notify me\" and we'll message you \
        if more codes become available.";
    /// The influencer's quota is used up.
    quota_reached [] = "Sorry, all codes reserved for this creator's followers have been claimed.";
    /// Today's codes are gone: `{next_release}`.
    drip_exhausted ["next_release"] = "Today's codes are all gone. New codes are released on \
        {next_release}. Tap \"Notify me\" and we'll message you when they're available.";
    /// The store stayed too busy; nothing was issued.
    busy [] = "Lots of people are claiming right now. Please tap the button to try again.";
    /// A link that is tampered, malformed or signed with another key.
    bad_link [] = "Sorry, this link doesn't work. Please open the link from the creator's post \
        again, or ask them for a fresh one.";
    /// The campaign is not open on Telegram (the seller opened it on other platforms only).
    platform_closed [] = "Sorry, this promotion isn't available on Telegram.";
    /// A link to a campaign that does not exist (any more).
    unknown_campaign [] = "Sorry, this promotion doesn't exist any more.";
    /// `/start` or `/claim` without a link when the seller set no default campaign.
    no_default [] = "Hi! To get a promo code, open the link from the creator's post.";
    /// Anything else in a private chat.
    help [] = "To get your promo code, open the link from the creator's post or send /claim. \
        Creators: /stats shows your numbers.";
    /// A command in a group: codes are given in private only.
    group_pointer [] = "I hand out codes in a private chat only. Tap the button to get yours.";
    /// The follower is not a member of the required channel: `{channel}`.
    not_member ["channel"] = "This promotion is for members of {channel}. Join the channel, then \
        tap \"Get my code\".";
    /// The membership check failed on Telegram's side.
    membership_unknown [] = "We couldn't check your channel membership right now. Please try \
        again in a few minutes.";
    /// The follower joined the waitlist.
    notify_joined [] = "Got it! We'll message you once when codes are available again.";
    /// Codes are available again for a waiting follower: `{product}`.
    notify_ready ["product"] = "Good news: codes for {product} are available again. Tap the \
        button to get yours.";
    /// `/stats` from an account that is no influencer.
    stats_refused [] = "Sorry, /stats is only for creators registered with a promotion.";
    /// One influencer's numbers: `{campaign}`, `{influencer}`, `{claims}`, `{redemptions}`,
    /// `{orders}` (Amazon orders credited), `{conversion}`, `{remaining}`.
    stats ["campaign", "influencer", "claims", "redemptions", "orders", "conversion", "remaining"] =
        "{campaign} ({influencer})\nClaims: {claims}\nRedemptions: {redemptions}\nAmazon orders: \
         {orders}\nConversion: {conversion}\nRemaining: {remaining}";
    /// Added under `stats` once Amazon orders with amounts are credited.
    stats_sales ["units", "sales"] = "Sales: {sales} ({units} units)";
    /// `/links` from an account that is no influencer.
    links_refused [] = "Sorry, /links is only for creators registered with a promotion.";
    /// One influencer's links: `{campaign}`, `{influencer}`, `{deep_link}` (for Telegram
    /// followers), `{button}` (the Discord claim button's payload).
    links ["campaign", "influencer", "deep_link", "button"] =
        "{campaign} ({influencer})\nYour link for followers: {deep_link}\nDiscord button: {button}";
    /// Added under `links` when the dashboards' address is known: `{dashboard}`, `{days}`.
    links_dashboard ["dashboard", "days"] = "Your dashboard (works {days} days): {dashboard}";
    /// An influencer opened their invite: `{influencer}`, `{campaign}`.
    invite_joined ["influencer", "campaign"] =
        "Welcome! This Telegram account now speaks for {influencer} in {campaign}. Send /stats \
         any time for your claims, redemptions and codes left.";
    /// An invite another account already took.
    invite_taken [] =
        "This invite has already been used by another Telegram account. Ask the seller for a \
         new one.";
    /// An invite past its expiry.
    invite_expired [] = "This invite has expired. Ask the seller for a new one.";
    /// An invite that is forged, mistyped, withdrawn, or for a creator no longer in the
    /// campaign.
    invite_invalid [] = "This invite link is not valid. Ask the seller for a new one.";
    /// The button under a code that copies it.
    button_copy [] = "Copy code";
    /// The button under a code that opens the product on Amazon.
    button_amazon [] = "Open on Amazon";
    /// The button under a group pointer.
    button_private [] = "Get my code privately";
    /// The waitlist button.
    button_notify [] = "Notify me";
    /// The claim button.
    button_claim [] = "Get my code";
    /// The button to the required channel.
    button_join [] = "Join the channel";
}

/// The texts for one reply: message by message, the seller's translation for the user's
/// language, then the built-in one, then English.
#[derive(Debug, Clone, Copy, Default)]
pub struct Texts<'a> {
    layers: [Option<&'a Messages>; 4],
}

impl<'a> Texts<'a> {
    /// English texts.
    pub fn english() -> Self {
        Self::default()
    }

    /// The built-in texts for `language`, without seller translations (where no campaign,
    /// so no seller translation, is known).
    pub fn built_in(language: Option<&str>) -> Texts<'static> {
        Texts::for_language(&EMPTY, language)
    }

    /// The texts for `language` (`pt-BR`: the seller's `pt-br`, the seller's `pt`, the
    /// built-in `pt-br`, the built-in `pt`), message by message, else English.
    pub fn for_language(
        translations: &'a BTreeMap<String, Messages>,
        language: Option<&str>,
    ) -> Self {
        Self {
            layers: language::layers(translations, crate::builtin::catalogues(), language),
        }
    }
}

static EMPTY: BTreeMap<String, Messages> = BTreeMap::new();

/// A value put into a template.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    /// Plain text, escaped.
    Text(&'a str),
    /// A promo code: escaped and set in `<code>`.
    Code(&'a str),
}

/// Fills `template`'s `{placeholders}` from `values` and escapes everything for Telegram HTML.
/// Unknown placeholders stay as they are.
pub fn render(template: &str, values: &[(&str, Value<'_>)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(&escape(before));
        let value = after.split_once('}').and_then(|(name, tail)| {
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, tail))
        });
        match value {
            Some((Value::Text(t), tail)) => {
                out.push_str(&escape(t));
                rest = tail;
            }
            Some((Value::Code(c), tail)) => {
                out.push_str("<code>");
                out.push_str(&escape(c));
                out.push_str("</code>");
                rest = tail;
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(&escape(rest));
    out
}

/// Escapes text for Telegram HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A time as the replies show it: `2025-06-01 12:00 UTC`.
pub fn format_time(at: Timestamp) -> String {
    DateTime::from_timestamp_millis(at.millis())
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "-".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_the_code_is_set_apart() {
        let out = render(
            "Code for {product}: {code} <b>{missing}</b>",
            &[
                ("product", Value::Text("Mugs & <Cups>")),
                ("code", Value::Code("ABCD-EFGHIJ-KLMNOP")),
            ],
        );
        assert_eq!(
            out,
            "Code for Mugs &amp; &lt;Cups&gt;: <code>ABCD-EFGHIJ-KLMNOP</code> \
             &lt;b&gt;{missing}&lt;/b&gt;"
        );
    }

    #[test]
    fn a_value_that_looks_like_a_placeholder_is_not_expanded_again() {
        let out = render(
            "{product} {code}",
            &[
                ("product", Value::Text("{code}")),
                ("code", Value::Code("X")),
            ],
        );
        assert_eq!(out, "{code} <code>X</code>");
    }

    #[test]
    fn translations_fall_back_by_language_then_to_english() {
        let mut de = Messages::default();
        de.set("ended", "Vorbei.".into()).expect("valid");
        let map = BTreeMap::from([("de".to_owned(), de)]);
        assert_eq!(Texts::for_language(&map, Some("de-AT")).ended(), "Vorbei.");
        assert_eq!(Texts::for_language(&map, Some("DE")).ended(), "Vorbei.");
        assert_eq!(
            Texts::for_language(&map, Some("de")).paused(),
            Texts::built_in(Some("de")).paused()
        );
        assert_ne!(
            Texts::built_in(Some("de")).paused(),
            Texts::english().paused()
        );
        assert_eq!(
            Texts::for_language(&map, Some("en-GB")).ended(),
            Texts::english().ended()
        );
        assert_eq!(
            Texts::for_language(&map, None).ended(),
            Texts::english().ended()
        );
    }

    #[test]
    fn times_are_shown_in_utc() {
        assert_eq!(format_time(Timestamp(0)), "1970-01-01 00:00 UTC");
    }
}
