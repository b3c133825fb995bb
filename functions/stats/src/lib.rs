//! The stats function: each influencer's dashboard behind a signed, expiring, revocable link,
//! and the seller's overview.
//!
//! | route | who | answers |
//! |---|---|---|
//! | `GET /i/{token}` | an influencer's page token | the dashboard (HTML, charts) |
//! | `GET /i/{token}/stats.json` | the same token | the dashboard's numbers |
//! | `GET /seller/{token}` | the seller's page token | the overview (HTML) |
//! | `GET /seller/{token}/stats.json` | the same token | the overview's numbers |
//! | `GET /v1/overview` | `x-api-key` | the overview's numbers |
//!
//! The same [`StatsService::handle`] runs on Lambda and in `promo serve`.

pub mod model;
pub mod page;

use lambda_http::Body;
use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use model::{InfluencerPage, InfluencerView, SellerPage};
use promo_api::{ApiError, ApiKey, Request, Response, json_response, match_route, require_method};
use promo_core::{CampaignId, InfluencerId, LinkKey, PageHolder, Timestamp};
use promo_store::Store;

/// The influencer dashboard; `{}` is the page token.
pub const INFLUENCER_PAGE_ROUTE: &str = "/i/{}";
/// The influencer dashboard's JSON.
pub const INFLUENCER_JSON_ROUTE: &str = "/i/{}/stats.json";
/// The seller overview.
pub const SELLER_PAGE_ROUTE: &str = "/seller/{}";
/// The seller overview's JSON.
pub const SELLER_JSON_ROUTE: &str = "/seller/{}/stats.json";
/// The seller overview's JSON for API clients (`x-api-key`).
pub const OVERVIEW_ROUTE: &str = "/v1/overview";

/// Answers the dashboard routes.
pub struct StatsService {
    store: Store,
    links: LinkKey,
    api_key: ApiKey,
}

enum Route<'a> {
    InfluencerPage(&'a str),
    InfluencerJson(&'a str),
    SellerPage(&'a str),
    SellerJson(&'a str),
    Overview,
}

fn route(path: &str) -> Option<Route<'_>> {
    if let Some(p) = match_route(path, INFLUENCER_JSON_ROUTE) {
        return Some(Route::InfluencerJson(p[0]));
    }
    if let Some(p) = match_route(path, SELLER_JSON_ROUTE) {
        return Some(Route::SellerJson(p[0]));
    }
    if let Some(p) = match_route(path, INFLUENCER_PAGE_ROUTE) {
        return Some(Route::InfluencerPage(p[0]));
    }
    if let Some(p) = match_route(path, SELLER_PAGE_ROUTE) {
        return Some(Route::SellerPage(p[0]));
    }
    match_route(path, OVERVIEW_ROUTE).map(|_| Route::Overview)
}

impl StatsService {
    /// A service on `store`, verifying page tokens with `links` and API calls with `api_key`.
    pub fn new(store: Store, links: LinkKey, api_key: ApiKey) -> Self {
        Self {
            store,
            links,
            api_key,
        }
    }

    /// Handles one request; never fails (errors are JSON, or a short HTML page for pages).
    pub async fn handle(&self, req: Request) -> Response {
        let Some(route) = route(req.uri().path()) else {
            return ApiError::NotFound.to_response();
        };
        if let Err(e) = require_method(req.method(), Method::GET) {
            return e.to_response();
        }
        let now = Timestamp::now();
        let result = match route {
            Route::InfluencerPage(t) => self
                .influencer_of(t, now)
                .await
                .map(|_| html(page::influencer_page())),
            Route::SellerPage(t) => self
                .seller_of(t, now)
                .await
                .map(|()| html(page::seller_page())),
            Route::InfluencerJson(t) => match self.influencer_of(t, now).await {
                Ok((c, i)) => self.influencer_json(&c, &i, now).await.map(|p| json(&p)),
                Err(e) => Err(e),
            },
            Route::SellerJson(t) => match self.seller_of(t, now).await {
                Ok(()) => self.seller_json(now).await.map(|p| json(&p)),
                Err(e) => Err(e),
            },
            Route::Overview => match self.api_key.check(req.headers()) {
                Ok(()) => self.seller_json(now).await.map(|p| json(&p)),
                Err(e) => Err(e),
            },
        };
        result.map_or_else(|e| private(e.to_response()), private)
    }

    async fn verified(&self, token: &str, now: Timestamp) -> Result<PageHolder, ApiError> {
        let token = self
            .links
            .verify_page(token, now)
            .map_err(|e| ApiError::Forbidden(e.to_string()))?;
        self.store
            .check_not_revoked(&token)
            .await
            .map_err(|e| ApiError::store("page token", &e))?
            .map_err(|e| ApiError::Forbidden(e.to_string()))?;
        Ok(token.holder)
    }

    async fn influencer_of(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<(CampaignId, InfluencerId), ApiError> {
        match self.verified(token, now).await? {
            PageHolder::Influencer(c, i) => Ok((c, i)),
            PageHolder::Seller => Err(ApiError::Forbidden(
                "this is the seller's link; open /seller/<link>".into(),
            )),
        }
    }

    async fn seller_of(&self, token: &str, now: Timestamp) -> Result<(), ApiError> {
        match self.verified(token, now).await? {
            PageHolder::Seller => Ok(()),
            PageHolder::Influencer(..) => {
                Err(ApiError::Forbidden("this link is not the seller's".into()))
            }
        }
    }

    /// The numbers of one influencer's dashboard.
    pub async fn influencer_json(
        &self,
        campaign: &CampaignId,
        influencer: &InfluencerId,
        now: Timestamp,
    ) -> Result<InfluencerPage, ApiError> {
        let store_err = |e| ApiError::store("dashboard", &e);
        let ctx = self
            .store
            .campaign_context(campaign)
            .await
            .map_err(store_err)?
            .ok_or(ApiError::Claim(promo_core::ClaimRefusal::UnknownCampaign))?;
        let stats = self
            .store
            .campaign_stats(campaign, now)
            .await
            .map_err(store_err)?;
        let row = stats
            .influencers
            .iter()
            .find(|r| &r.influencer == influencer)
            .ok_or(ApiError::Claim(promo_core::ClaimRefusal::UnknownInfluencer))?;
        let activity = self
            .store
            .activity(campaign, influencer, ctx.campaign.shards)
            .await
            .map_err(store_err)?;
        let c = &ctx.campaign;
        Ok(InfluencerPage {
            campaign: c.into(),
            totals: InfluencerView::from(row),
            days: model::days(&activity, c.starts_at, now.min(c.ends_at).max(c.starts_at)),
            generated_at: now.millis(),
        })
    }

    /// The numbers of the seller's overview.
    pub async fn seller_json(&self, now: Timestamp) -> Result<SellerPage, ApiError> {
        let store_err = |e| ApiError::store("overview", &e);
        let mut campaigns = Vec::new();
        for ctx in self.store.list_contexts().await.map_err(store_err)? {
            let c = &ctx.campaign;
            let stats = self
                .store
                .campaign_stats(&c.id, now)
                .await
                .map_err(store_err)?;
            // One read of the campaign's claim partitions for the hourly chart.
            let claimed: Vec<Timestamp> = self
                .store
                .campaign_claims(&c.id, None)
                .await
                .map_err(store_err)?
                .iter()
                .map(|claim| claim.claimed_at)
                .collect();
            campaigns.push(model::overview(&stats, c, &claimed, now));
        }
        Ok(SellerPage {
            campaigns,
            generated_at: now.millis(),
        })
    }
}

fn html(text: String) -> Response {
    let mut r = lambda_http::Response::new(Body::Text(text));
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(page::CSP),
    );
    r
}

fn json<T: serde::Serialize>(body: &T) -> Response {
    json_response(StatusCode::OK, body)
}

// The token is in the URL: keep it out of caches and out of any Referer.
fn private(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    r
}
