//! The bot's built-in translations: one JSON file per language in `bots/discord/texts/`
//! (`{"<message>": "<text>", ...}`, every message of [`Messages`]), built into the binary and
//! read once. The languages are those of Amazon's marketplaces; English is the defaults in
//! [`crate::texts`]. A seller's translations override them message by message.

use crate::texts::Messages;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Each built-in language and its file. Portuguese is written for Brazil (Amazon.com.br).
pub const FILES: &[(&str, &str)] = &[
    ("de", include_str!("../texts/de.json")),
    ("es", include_str!("../texts/es.json")),
    ("fr", include_str!("../texts/fr.json")),
    ("hi", include_str!("../texts/hi.json")),
    ("it", include_str!("../texts/it.json")),
    ("ja", include_str!("../texts/ja.json")),
    ("pt", include_str!("../texts/pt.json")),
];

static CATALOGUES: LazyLock<BTreeMap<String, Messages>> = LazyLock::new(|| {
    FILES
        .iter()
        .filter_map(|(lang, json)| match parse(json) {
            Ok(m) => Some(((*lang).to_owned(), m)),
            Err(e) => {
                // The tests refuse such a file; were one shipped, its language is English.
                tracing::error!(lang, error = %e, "a built-in translation is invalid");
                None
            }
        })
        .collect()
});

/// The built-in translations by language (`de`, `ja`, ...).
pub fn catalogues() -> &'static BTreeMap<String, Messages> {
    &CATALOGUES
}

/// Reads one language's file, checking names and placeholders as a seller's translations are.
pub fn parse(json: &str) -> Result<Messages, String> {
    let raw: BTreeMap<String, String> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let mut messages = Messages::default();
    for (name, text) in raw {
        messages.set(&name, text)?;
    }
    Ok(messages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use promo_core::language::placeholders;

    #[test]
    fn every_catalogue_has_every_message_with_the_english_placeholders() {
        for (lang, json) in FILES {
            let m = parse(json).unwrap_or_else(|e| panic!("{lang}: {e}"));
            for name in Messages::NAMES {
                let text = m.get(name).unwrap_or_else(|| panic!("{lang}: no {name}"));
                let en = Messages::english(name).unwrap();
                let mut want = placeholders(en);
                let mut got = placeholders(text);
                want.sort_unstable();
                got.sort_unstable();
                assert_eq!(got, want, "{lang}: {name}");
                assert_ne!(text, en, "{lang}: {name} is not translated");
                // Discord: a button label (`button_*`) is at most 80 characters; a message 2000.
                if name.starts_with("button_") {
                    assert!(text.chars().count() <= 80, "{lang}: {name} is long");
                }
                assert!(text.chars().count() <= 1500, "{lang}: {name} is long");
                // A code or a mention set by the reply, never by the text: no markdown of its own.
                assert!(
                    !text.contains('`') && !text.contains("<@"),
                    "{lang}: {name}"
                );
            }
        }
        assert_eq!(catalogues().len(), FILES.len());
    }
}
