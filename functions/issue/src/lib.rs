//! The issue function: `POST /v1/campaigns/{campaign}/claims` hands a follower a code.
//!
//! The same [`IssueService::handle`] runs behind API Gateway (through `lambda_http`) and mounted
//! in the local server: it routes on the request path itself.

use lambda_http::http::{Method, StatusCode};
use promo_api::{
    ApiError, ApiKey, Request, Response, json_response, match_route, parse_json_body,
    require_method,
};
use promo_core::{CampaignId, Claimed, Follower, InfluencerId};
use promo_store::Store;
use promo_store::claim::ClaimRequest;
use serde::{Deserialize, Serialize};

/// The route this function serves; `{}` is the campaign id.
pub const CLAIMS_ROUTE: &str = "/v1/campaigns/{}/claims";

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
}

/// Answers claim requests.
pub struct IssueService {
    store: Store,
    api_key: ApiKey,
}

impl IssueService {
    /// A service on `store`, accepting requests that carry `api_key`.
    pub fn new(store: Store, api_key: ApiKey) -> Self {
        Self { store, api_key }
    }

    /// Handles one request. Never fails: every failure is a JSON error response
    /// (see [`ApiError`] for the statuses). Success is 201 for a new code and 200 for the code
    /// the follower already held, with `{"code", "influencer", "claimed_at", "redeem_until",
    /// "new"}`.
    pub async fn handle(&self, req: Request) -> Response {
        self.try_handle(&req)
            .await
            .unwrap_or_else(|e| e.to_response())
    }

    async fn try_handle(&self, req: &Request) -> Result<Response, ApiError> {
        self.api_key.check(req.headers())?;
        let params = match_route(req.uri().path(), CLAIMS_ROUTE).ok_or(ApiError::NotFound)?;
        require_method(req.method(), Method::POST)?;
        let campaign = CampaignId::parse(params[0])?;
        let body: ClaimBody = parse_json_body(req)?;
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
                Ok(success(&c))
            }
            Err(refusal) => {
                tracing::info!(campaign = %request.campaign, reason = refusal.reason(), "claim refused");
                Err(refusal.into())
            }
        }
    }
}

fn success(c: &Claimed) -> Response {
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
    };
    json_response(status, &body)
}
