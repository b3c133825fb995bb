//! Where a follower uses the code: the campaign's Amazon marketplace, its product page there, and
//! an influencer's own product link (the Amazon Attribution tag link the seller copied), which
//! must be https on an Amazon host: a chat button never leads anywhere else.

use crate::error::ParseError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Amazon's marketplaces by domain.
const DOMAINS: &[&str] = &[
    "amazon.com",
    "amazon.ca",
    "amazon.com.mx",
    "amazon.com.br",
    "amazon.co.uk",
    "amazon.de",
    "amazon.fr",
    "amazon.it",
    "amazon.es",
    "amazon.nl",
    "amazon.se",
    "amazon.pl",
    "amazon.com.be",
    "amazon.com.tr",
    "amazon.ie",
    "amazon.ae",
    "amazon.sa",
    "amazon.eg",
    "amazon.in",
    "amazon.co.jp",
    "amazon.sg",
    "amazon.com.au",
];

/// Amazon's own short-link hosts, which the Attribution console and the app hand out.
const SHORT_HOSTS: &[&str] = &["amzn.to", "amzn.eu", "a.co"];

/// The longest product link taken (Attribution links are a few hundred characters).
pub const MAX_PRODUCT_URL: usize = 2048;

/// An Amazon marketplace, by its domain (`amazon.de`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Marketplace(&'static str);

impl Default for Marketplace {
    fn default() -> Self {
        Self("amazon.com")
    }
}

impl Marketplace {
    /// Parses `amazon.de`, `www.amazon.de`, `de` or `co.uk` (any case) into a known marketplace.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let t = text.trim().to_ascii_lowercase();
        let t = t.strip_prefix("www.").unwrap_or(&t);
        let domain = if t.starts_with("amazon.") {
            t.to_owned()
        } else {
            format!("amazon.{t}")
        };
        DOMAINS
            .iter()
            .find(|d| **d == domain)
            .map(|d| Self(d))
            .ok_or_else(|| {
                ParseError::new(
                    "marketplace",
                    "must be an Amazon marketplace such as amazon.com, amazon.co.uk or amazon.de",
                )
            })
    }

    /// The domain, e.g. `amazon.de`.
    pub fn domain(self) -> &'static str {
        self.0
    }

    /// The product page of `asin` here, when `asin` is one (ten letters and digits).
    pub fn product_url(self, asin: &str) -> Option<String> {
        let asin = asin.trim();
        (asin.len() == 10 && asin.bytes().all(|b| b.is_ascii_alphanumeric()))
            .then(|| format!("https://www.{}/dp/{}", self.0, asin.to_ascii_uppercase()))
    }
}

impl fmt::Display for Marketplace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for Marketplace {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Marketplace {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A product link on an Amazon host: `https://`, no user name, password or port, printable
/// ASCII only, at most [`MAX_PRODUCT_URL`] long.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProductUrl(String);

impl ProductUrl {
    /// Checks a link the seller pasted. The reason never echoes it.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let t = text.trim();
        let refuse = |why: &str| Err(ParseError::new("product URL", why));
        if t.len() > MAX_PRODUCT_URL {
            return refuse("is longer than 2048 characters");
        }
        if !t.bytes().all(|b| b.is_ascii_graphic()) {
            return refuse("may hold only printable ASCII (no spaces)");
        }
        let Some(rest) = t
            .get(..8)
            .filter(|s| s.eq_ignore_ascii_case("https://"))
            .and(t.get(8..))
        else {
            return refuse("must start with https://");
        };
        let authority = rest
            .split(['/', '?', '#'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if authority.contains(['@', ':']) {
            return refuse("may not carry a user name, password or port");
        }
        let host = authority.strip_suffix('.').unwrap_or(&authority);
        let bare = host.strip_prefix("www.").unwrap_or(host);
        if !(DOMAINS.contains(&bare) || SHORT_HOSTS.contains(&host)) {
            return refuse("must be on an Amazon host (www.amazon.<marketplace>, amzn.to)");
        }
        Ok(Self(t.to_owned()))
    }

    /// The link.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ProductUrl {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}

impl From<ProductUrl> for String {
    fn from(u: ProductUrl) -> Self {
        u.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn marketplaces_by_domain_or_suffix_and_their_product_pages() {
        for (text, domain) in [
            ("amazon.com", "amazon.com"),
            ("www.Amazon.DE", "amazon.de"),
            ("co.uk", "amazon.co.uk"),
            ("com.mx", "amazon.com.mx"),
            (" co.jp ", "amazon.co.jp"),
        ] {
            assert_eq!(Marketplace::parse(text).unwrap().domain(), domain, "{text}");
        }
        for bad in [
            "",
            "amazon",
            "ebay.com",
            "amazon.evil.com",
            "amazon.de.evil.com",
            "com/x",
        ] {
            assert!(Marketplace::parse(bad).is_err(), "{bad:?}");
        }
        let de = Marketplace::parse("de").unwrap();
        assert_eq!(
            de.product_url("b0example1").as_deref(),
            Some("https://www.amazon.de/dp/B0EXAMPLE1")
        );
        assert_eq!(de.product_url("Blue widget"), None, "not an ASIN: no link");
        assert_eq!(Marketplace::default().domain(), "amazon.com");
    }

    #[test]
    fn a_product_link_is_https_on_an_amazon_host_and_nothing_else() {
        for ok in [
            "https://www.amazon.com/dp/B0EXAMPLE1?maas=maas_adg_123&ref_=aa_maas&tag=maas",
            "HTTPS://amazon.co.uk/dp/B0EXAMPLE1",
            "https://amzn.to/3abcDEF",
            "https://www.amazon.de./dp/B0EXAMPLE1",
        ] {
            assert!(ProductUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://www.amazon.com/dp/B0EXAMPLE1",
            "https://www.amazon.com.evil.example/dp/x",
            "https://evil.example/?www.amazon.com",
            "https://www.amazon.com@evil.example/",
            "https://www.amazon.com:8443/dp/x",
            "https://www.amazon.com/dp/x y",
            "javascript:alert(1)",
            "https://",
            "https://www.amаzon.com/",
        ] {
            assert!(ProductUrl::parse(bad).is_err(), "{bad}");
        }
        assert!(ProductUrl::parse(&format!("https://amzn.to/{}", "a".repeat(2100))).is_err());
    }

    proptest! {
        #[test]
        fn any_text_is_refused_or_gives_an_amazon_link(text in any::<String>()) {
            if let Ok(url) = ProductUrl::parse(&text) {
                let host = url.as_str()[8..].split(['/', '?', '#']).next().unwrap().to_ascii_lowercase();
                let host = host.trim_end_matches('.');
                let bare = host.strip_prefix("www.").unwrap_or(host);
                prop_assert!(DOMAINS.contains(&bare) || SHORT_HOSTS.contains(&host));
            }
            let _ = Marketplace::parse(&text);
        }
    }
}
