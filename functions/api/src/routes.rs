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
