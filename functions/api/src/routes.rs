//! The one list of HTTP routes: which function serves which method and path, and how large a
//! body each may carry. The handler crates mount their routes from here, `promo serve` merges
//! those routers, and the tests check `infra/template.yaml` against [`ROUTES`], so adding a
//! route is one entry here, one handler, one template event.

/// How large a body a route reads, by kind of route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyClass {
    /// The seller's JSON API: small bodies.
    Api,
    /// A platform's webhook (a Telegram update, a Discord interaction).
    Webhook,
    /// A page or its numbers: GET, no body.
    Page,
}

impl BodyClass {
    /// The largest body accepted, in bytes; a larger one is answered 413 unread.
    pub const fn limit(self) -> usize {
        match self {
            Self::Api => 64 * 1024,
            Self::Webhook => 1024 * 1024,
            // Enough for a stray empty JSON object; a page request has no business sending more.
            Self::Page => 1024,
        }
    }
}

/// The function (Lambda, and crate) that serves a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `functions/issue`.
    Issue,
    /// `functions/redeem`.
    Redeem,
    /// `functions/stats`.
    Stats,
    /// `bots/telegram`.
    Telegram,
    /// `bots/discord`.
    Discord,
}

impl Function {
    /// The function's resource name in `infra/template.yaml`.
    pub const fn template_resource(self) -> &'static str {
        match self {
            Self::Issue => "IssueFunction",
            Self::Redeem => "RedeemFunction",
            Self::Stats => "StatsFunction",
            Self::Telegram => "TelegramFunction",
            Self::Discord => "DiscordFunction",
        }
    }
}

/// One route: method, path (axum and API Gateway share the `{param}` syntax) and body class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// Who serves it.
    pub function: Function,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path, e.g. `/v1/campaigns/{campaign}/claims`.
    pub path: &'static str,
    /// How large a body it reads.
    pub body: BodyClass,
}

/// The signed page URL for `holder`, valid from `now` for `days` days (at least one), under
/// `base`: the influencer's dashboard ([`INFLUENCER_PAGE`]) or the seller's overview
/// ([`SELLER_PAGE`]).
pub fn page_url(
    key: &promo_core::LinkKey,
    holder: promo_core::PageHolder,
    base: &str,
    now: promo_core::Timestamp,
    days: u32,
) -> String {
    let route = match holder {
        promo_core::PageHolder::Seller => SELLER_PAGE,
        promo_core::PageHolder::Influencer(..) => INFLUENCER_PAGE,
    };
    let token = key.sign_page(&promo_core::PageToken {
        holder,
        issued_at: now,
        expires_at: now.plus_ms(i64::from(days.max(1)) * promo_core::time::DAY_MS),
    });
    format!(
        "{}{}",
        base.trim_end_matches('/'),
        route.path.replace("{token}", &token)
    )
}

impl Route {
    /// The public URL of this route under `base` (the stack's API URL, or the https tunnel in
    /// front of `promo serve`), for a platform to call: https with a host, no credentials,
    /// query or fragment; the path is appended unless `base` already ends with it. Parsed
    /// before anything is appended: `https://` trimmed and joined to the path would read the
    /// path's first segment as the host.
    pub fn public_url(&self, base: &str) -> Result<url::Url, String> {
        let mut url = url::Url::parse(base.trim()).map_err(|e| format!("not a URL: {e}"))?;
        if url.scheme() != "https" {
            return Err("must be an https URL".into());
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("the URL has no host".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("the URL must not carry credentials".into());
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err("the URL must not have a query or a fragment".into());
        }
        let path = url.path().trim_end_matches('/');
        if !path.ends_with(self.path) {
            let full = format!("{path}{}", self.path);
            url.set_path(&full);
        }
        Ok(url)
    }
}

/// `POST /v1/campaigns/{campaign}/claims`: a follower's claim (API key).
pub const CLAIMS: Route = Route {
    function: Function::Issue,
    method: "POST",
    path: "/v1/campaigns/{campaign}/claims",
    body: BodyClass::Api,
};
/// `POST /v1/redemptions`: a shop's redemption (API key).
pub const REDEMPTIONS: Route = Route {
    function: Function::Redeem,
    method: "POST",
    path: "/v1/redemptions",
    body: BodyClass::Api,
};
/// `GET /v1/overview`: the seller overview's numbers (API key).
pub const OVERVIEW: Route = Route {
    function: Function::Stats,
    method: "GET",
    path: "/v1/overview",
    body: BodyClass::Page,
};
/// `GET /i/{token}`: an influencer's dashboard.
pub const INFLUENCER_PAGE: Route = Route {
    function: Function::Stats,
    method: "GET",
    path: "/i/{token}",
    body: BodyClass::Page,
};
/// `GET /i/{token}/stats.json`: the dashboard's numbers.
pub const INFLUENCER_JSON: Route = Route {
    function: Function::Stats,
    method: "GET",
    path: "/i/{token}/stats.json",
    body: BodyClass::Page,
};
/// `GET /seller/{token}`: the seller's overview page.
pub const SELLER_PAGE: Route = Route {
    function: Function::Stats,
    method: "GET",
    path: "/seller/{token}",
    body: BodyClass::Page,
};
/// `GET /seller/{token}/stats.json`: the overview page's numbers.
pub const SELLER_JSON: Route = Route {
    function: Function::Stats,
    method: "GET",
    path: "/seller/{token}/stats.json",
    body: BodyClass::Page,
};
/// `POST /telegram/webhook`: Telegram's updates (secret-token header).
pub const TELEGRAM_WEBHOOK: Route = Route {
    function: Function::Telegram,
    method: "POST",
    path: "/telegram/webhook",
    body: BodyClass::Webhook,
};
/// `POST /discord/interactions`: Discord's interactions (Ed25519 signature).
pub const DISCORD_INTERACTIONS: Route = Route {
    function: Function::Discord,
    method: "POST",
    path: "/discord/interactions",
    body: BodyClass::Webhook,
};
/// `GET /healthz`: the one-machine server's health check (not deployed: API Gateway has its own).
pub const HEALTH: &str = "/healthz";

/// Every route the HTTP API deploys.
pub const ROUTES: [Route; 9] = [
    CLAIMS,
    REDEMPTIONS,
    OVERVIEW,
    INFLUENCER_PAGE,
    INFLUENCER_JSON,
    SELLER_PAGE,
    SELLER_JSON,
    TELEGRAM_WEBHOOK,
    DISCORD_INTERACTIONS,
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_public_url_ends_with_the_route_once() {
        let want = "https://abc.execute-api.us-east-1.amazonaws.com/discord/interactions";
        for base in [
            "https://abc.execute-api.us-east-1.amazonaws.com",
            "https://abc.execute-api.us-east-1.amazonaws.com/",
            want,
        ] {
            let got = DISCORD_INTERACTIONS.public_url(base).map(String::from);
            assert_eq!(got.as_deref(), Ok(want));
        }
        assert_eq!(
            TELEGRAM_WEBHOOK
                .public_url("https://tunnel.example.com/prod/")
                .map(String::from)
                .as_deref(),
            Ok("https://tunnel.example.com/prod/telegram/webhook")
        );
        for bad in [
            "http://example.com",
            "not a url",
            "https://user:pw@example.com",
            "https://example.com/?next=1",
            "https://example.com/#x",
            "",
            "https://",
            "https:",
        ] {
            assert!(
                TELEGRAM_WEBHOOK.public_url(bad).is_err(),
                "{bad:?} accepted"
            );
        }
    }

    proptest! {
        #[test]
        fn any_base_is_accepted_only_as_a_clean_https_url(base in any::<String>()) {
            if let Ok(url) = DISCORD_INTERACTIONS.public_url(&base) {
                prop_assert_eq!(url.scheme(), "https");
                prop_assert!(url.path().ends_with(DISCORD_INTERACTIONS.path));
                prop_assert!(url.query().is_none() && url.fragment().is_none());
                prop_assert!(url.username().is_empty() && url.password().is_none());
            }
        }
    }
}
