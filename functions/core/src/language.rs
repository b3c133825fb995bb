//! Language tags as the chat platforms send them (Telegram's `language_code`, Discord's
//! `locale`: `de`, `pt-BR`, `en-GB`, ...), and the rules every bot's texts share: which
//! translation answers a tag, and which `{placeholders}` a text uses.
//!
//! A reply text is looked up message by message through [`layers`]: the seller's translation
//! for the exact tag, the seller's for its base language, the built-in catalogue for the tag,
//! the built-in for the base, and finally the English default.

use std::collections::BTreeMap;

/// A language tag in lower case with `-` (`pt_BR` → `pt-br`), or `None` if it is not one:
/// 2 to 16 characters of `a-z` and `-`, not starting with `-`.
pub fn normalise(raw: &str) -> Option<String> {
    let s = raw.trim().to_ascii_lowercase().replace('_', "-");
    let ok = (2..=16).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        && !s.starts_with('-');
    ok.then_some(s)
}

/// The base language of a normalised tag: `pt-br` → `pt`, `de` → `de`.
pub fn base(tag: &str) -> &str {
    tag.split('-').next().unwrap_or(tag)
}

/// The translations that answer `language`, most specific first: `seller[tag]`,
/// `seller[base]`, `builtin[tag]`, `builtin[base]` (each present only if found, none twice).
/// A text is taken from the first layer that sets it, else the English default. Any string,
/// or none, is accepted: what is not a language tag gets no layer (English).
pub fn layers<'a, M>(
    seller: &'a BTreeMap<String, M>,
    builtin: &'a BTreeMap<String, M>,
    language: Option<&str>,
) -> [Option<&'a M>; 4] {
    let Some(tag) = language.and_then(normalise) else {
        return [None; 4];
    };
    let base = base(&tag);
    let distinct_base = (base != tag).then_some(base);
    [
        seller.get(&tag),
        distinct_base.and_then(|b| seller.get(b)),
        builtin.get(&tag),
        distinct_base.and_then(|b| builtin.get(b)),
    ]
}

/// The `{placeholders}` `text` uses, in order (a `{` without a closing `}` is text).
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some((_, after)) = rest.split_once('{') {
        let Some((name, tail)) = after.split_once('}') else {
            break;
        };
        out.push(name);
        rest = tail;
    }
    out
}

/// Checks a text for message `name`: not blank, and only the `allowed` placeholders.
pub fn check_placeholders(name: &str, text: &str, allowed: &[&str]) -> Result<(), String> {
    if let Some(ph) = placeholders(text)
        .into_iter()
        .find(|p| !allowed.contains(p))
    {
        let may = if allowed.is_empty() {
            "no placeholders".to_owned()
        } else {
            allowed
                .iter()
                .map(|a| format!("{{{a}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(format!("message {name:?} uses {{{ph}}}; it may use {may}"));
    }
    if text.trim().is_empty() {
        return Err(format!("message {name:?} is empty"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn map(langs: &[&str]) -> BTreeMap<String, String> {
        langs
            .iter()
            .map(|l| ((*l).to_owned(), format!("{l}!")))
            .collect()
    }

    #[test]
    fn the_seller_comes_first_then_the_built_in_exact_before_base() {
        let seller = map(&["de-at", "pt"]);
        let builtin = map(&["de", "pt", "pt-br"]);
        let got = |l: &str| layers(&seller, &builtin, Some(l)).map(|m| m.map(String::as_str));
        assert_eq!(got("de-AT"), [Some("de-at!"), None, None, Some("de!")]);
        assert_eq!(
            got("pt_BR"),
            [None, Some("pt!"), Some("pt-br!"), Some("pt!")]
        );
        assert_eq!(got("pt"), [Some("pt!"), None, Some("pt!"), None]);
        assert_eq!(got("en-US"), [None; 4]);
        assert_eq!(layers(&seller, &builtin, None), [None; 4]);
    }

    #[test]
    fn placeholders_are_read_and_checked() {
        assert_eq!(placeholders("{a} and {b} {c"), ["a", "b"]);
        assert!(check_placeholders("x", "{a}", &["a"]).is_ok());
        assert!(check_placeholders("x", "{b}", &["a"]).is_err());
        assert!(check_placeholders("x", "  ", &[]).is_err());
    }

    proptest! {
        #[test]
        fn any_string_is_a_tag_or_nothing(raw in any::<String>()) {
            let builtin = map(&["de"]);
            let seller = BTreeMap::new();
            let l = layers(&seller, &builtin, Some(&raw));
            match normalise(&raw) {
                Some(tag) => prop_assert_eq!(l[3].is_some() || l[2].is_some(), base(&tag) == "de"),
                None => prop_assert_eq!(l, [None; 4]),
            }
        }
    }
}
