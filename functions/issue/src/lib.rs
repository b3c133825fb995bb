//! The issue function: `POST /v1/campaigns/{campaign}/claims` hands a follower a code.
//!
//! [`IssueService::router`] is the handler: the Lambda runs it with `lambda_http::run`, and
//! `promo serve` merges it with the others.

use axum::Router;
use axum::extract::State;
use lambda_http::http::{HeaderMap, StatusCode};
use promo_api::{
    ApiError, ApiKey, Buffered, Param, RawBody, Request, Response, json_response, parse_json_body,
    routes,
};
use promo_core::{CampaignId, Claimed, Follower, InfluencerId};
use promo_store::Store;
use promo_store::claims::ClaimRequest;
use serde::{Deserialize, Serialize};

/// The claim body: `{"platform": "telegram|discord|web", "user_id": "...", "influencer": "..."}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimBody {
    platform: String,
    user_id: UserId,
    #[serde(default)]
    influencer: Option<String>,
}

// Telegram and Discord ids are numbers; accept them unquoted too.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum UserId {
    Text(String),
    Number(u64),
}

/// The success body. The code goes to the caller only, never to a log.
#[derive(Debug, Serialize)]
struct ClaimResponse<'a> {
    code: &'a str,
    influencer: &'a str,
    claimed_at: i64,
    redeem_until: i64,
    new: bool,
    /// True for a group code: the same code is shared by its other holders (each took one use).
    shared: bool,
    /// Where to use it: the influencer's own product link, else the campaign's product page.
    product_url: Option<String>,
}

/// Answers claim requests. Cheap to clone.
#[derive(Clone)]
pub struct IssueService {
    store: Store,
    api_key: ApiKey,
}

impl IssueService {
    /// A service on `store`, accepting requests that carry `api_key`.
    pub fn new(store: Store, api_key: ApiKey) -> Self {
        Self { store, api_key }
    }

    /// The function's routes ([`routes::CLAIMS`]). Every failure is a JSON error response (see
    /// [`ApiError`] for the statuses). Success is 201 for a new code and 200 for the code the
    /// follower already held, with `{"code", "influencer", "claimed_at", "redeem_until", "new", "shared", "product_url"}`.
    pub fn router(&self) -> Router {
        routes::CLAIMS
            .mount(Router::new(), claim)
            .with_state(self.clone())
    }

    /// Runs [`Self::router`] on one request (tests and in-process drivers).
    pub async fn handle(&self, req: Request) -> Buffered {
        promo_api::call(self.router(), req).await
    }

    async fn claim(
        &self,
        campaign: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Response, ApiError> {
        self.api_key.check(headers)?;
        let campaign = CampaignId::parse(campaign)?;
        let body: ClaimBody = parse_json_body(headers, body)?;
        let user_id = match &body.user_id {
            UserId::Text(s) => s.clone(),
            UserId::Number(n) => n.to_string(),
        };
        let follower = Follower::parse(&body.platform, &user_id)?;
        let influencer = body
            .influencer
            .as_deref()
            .map(InfluencerId::parse)
            .transpose()?;
        let request = ClaimRequest {
            campaign,
            follower,
            influencer,
        };
        let claimed = self
            .store
            .claim(&request, promo_core::Timestamp::now())
            .await
            .map_err(|e| ApiError::store("claim", &e))?;
        match claimed {
            Ok(c) => {
                tracing::info!(campaign = %request.campaign, influencer = %c.influencer, new = c.new, "claimed");
                // The code is the answer; a link that cannot be read now is left out.
                let product_url = self
                    .store
                    .product_url(&request.campaign, &c.influencer)
                    .await
                    .unwrap_or_else(|e| {
                        tracing::warn!(error = %e, "product link unavailable");
                        None
                    });
                Ok(success(&c, product_url))
            }
            Err(refusal) => {
                tracing::info!(campaign = %request.campaign, reason = refusal.reason(), "claim refused");
                Err(refusal.into())
            }
        }
    }
}

async fn claim(
    State(svc): State<IssueService>,
    Param(campaign): Param,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Response {
    svc.claim(&campaign, &headers, &body)
        .await
        .unwrap_or_else(|e| e.to_response())
}

fn success(c: &Claimed, product_url: Option<String>) -> Response {
    let status = if c.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let body = ClaimResponse {
        code: c.code.expose(),
        influencer: c.influencer.as_str(),
        claimed_at: c.claimed_at.millis(),
        redeem_until: c.redeem_until.millis(),
        new: c.new,
        shared: c.shared,
        product_url,
    };
    json_response(status, &body)
}
