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
//! [`StatsService::router`] is the handler, on Lambda and in `promo serve` alike.

pub mod model;
pub mod page;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use lambda_http::http::{HeaderMap, HeaderValue, StatusCode, header};
use model::{InfluencerPage, InfluencerView, SellerPage};
use promo_api::{ApiError, ApiKey, Buffered, Param, Request, Response, json_response, routes};
use promo_core::{CampaignId, InfluencerId, LinkKey, PageHolder, Timestamp};
use promo_store::Store;

/// Answers the dashboard routes. Cheap to clone.
#[derive(Clone)]
pub struct StatsService {
    store: Store,
    links: LinkKey,
    api_key: ApiKey,
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

    /// The function's routes (the table above). Errors are JSON; every answer is kept out of
    /// caches, Referer headers and search indexes.
    pub fn router(&self) -> Router {
        let r = Router::new();
        let r = routes::INFLUENCER_PAGE.mount(r, influencer_page);
        let r = routes::INFLUENCER_JSON.mount(r, influencer_json);
        let r = routes::SELLER_PAGE.mount(r, seller_page);
        let r = routes::SELLER_JSON.mount(r, seller_json);
        let r = routes::OVERVIEW.mount(r, overview);
        r.layer(axum::middleware::map_response(private))
            .with_state(self.clone())
    }

    /// Runs [`Self::router`] on one request (tests and in-process drivers).
    pub async fn handle(&self, req: Request) -> Buffered {
        promo_api::call(self.router(), req).await
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
        let until = now.min(c.ends_at).max(c.starts_at);
        let hourly = model::hourly(c.starts_at, until);
        let mut totals = InfluencerView::from(row);
        if let Some(inf) = ctx.influencers.get(influencer) {
            totals.name = inf.name.clone();
        }
        Ok(InfluencerPage {
            campaign: c.into(),
            totals,
            days: model::days(&activity, c.starts_at, until),
            granularity: if hourly { "hour" } else { "day" },
            hours: if hourly {
                model::hour_buckets(&activity, c.starts_at, until)
            } else {
                Vec::new()
            },
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
            let mut row = model::overview(&stats, c, &claimed, now);
            for view in &mut row.influencers {
                if let Some(inf) = InfluencerId::parse(&view.influencer)
                    .ok()
                    .and_then(|id| ctx.influencers.get(&id))
                {
                    view.name = inf.name.clone();
                }
            }
            campaigns.push(row);
        }
        Ok(SellerPage {
            campaigns,
            generated_at: now.millis(),
        })
    }
}

async fn influencer_page(State(svc): State<StatsService>, Param(t): Param) -> Response {
    let now = Timestamp::now();
    answer(
        svc.influencer_of(&t, now)
            .await
            .map(|_| html(page::influencer_page())),
    )
}

async fn seller_page(State(svc): State<StatsService>, Param(t): Param) -> Response {
    let now = Timestamp::now();
    answer(
        svc.seller_of(&t, now)
            .await
            .map(|()| html(page::seller_page())),
    )
}

async fn influencer_json(State(svc): State<StatsService>, Param(t): Param) -> Response {
    let now = Timestamp::now();
    answer(match svc.influencer_of(&t, now).await {
        Ok((c, i)) => svc.influencer_json(&c, &i, now).await.map(|p| json(&p)),
        Err(e) => Err(e),
    })
}

async fn seller_json(State(svc): State<StatsService>, Param(t): Param) -> Response {
    let now = Timestamp::now();
    answer(match svc.seller_of(&t, now).await {
        Ok(()) => svc.seller_json(now).await.map(|p| json(&p)),
        Err(e) => Err(e),
    })
}

async fn overview(State(svc): State<StatsService>, headers: HeaderMap) -> Response {
    let now = Timestamp::now();
    answer(match svc.api_key.check(&headers) {
        Ok(()) => svc.seller_json(now).await.map(|p| json(&p)),
        Err(e) => Err(e),
    })
}

fn answer(result: Result<Response, ApiError>) -> Response {
    result.unwrap_or_else(|e| e.to_response())
}

fn html(text: String) -> Response {
    let mut r = Response::new(Body::from(text));
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
async fn private(mut r: Response) -> Response {
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
