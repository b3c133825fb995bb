//! The Lambda handlers, driven in-process: the demo sends them real `lambda_http` requests, the
//! same as API Gateway would.

use anyhow::Context;
use lambda_http::Body;
use lambda_http::http::{Method, Request};
use promo_api::{API_KEY_HEADER, ApiKey};
use promo_core::{CampaignId, InfluencerId, Timestamp};
use promo_issue::IssueService;
use promo_redeem::RedeemService;
use promo_store::Store;
use serde_json::{Value, json};

/// Codes the expire sweep retires per store call.
pub const SWEEP_BUDGET: u32 = 500;

/// The issue and redeem handlers on one store.
pub struct Services {
    /// `POST /v1/campaigns/{campaign}/claims`.
    pub issue: IssueService,
    /// `POST /v1/redemptions`.
    pub redeem: RedeemService,
}

impl Services {
    /// Both handlers on `store`, accepting `api_key`.
    pub fn new(store: Store, api_key: &str) -> anyhow::Result<Self> {
        let key = ApiKey::new(api_key).context("the API key")?;
        Ok(Self {
            issue: IssueService::new(store.clone(), key.clone()),
            redeem: RedeemService::new(store, key),
        })
    }

    /// One claim through the issue handler: the status, and the code or the refusal's reason.
    pub async fn claim(
        &self,
        campaign: &CampaignId,
        platform: &str,
        user_id: &str,
        influencer: Option<&InfluencerId>,
        key: &str,
    ) -> (u16, Result<String, String>) {
        let mut body = json!({ "platform": platform, "user_id": user_id });
        if let Some(i) = influencer {
            body["influencer"] = json!(i.as_str());
        }
        let req = request(&format!("/v1/campaigns/{campaign}/claims"), &body, key);
        let res = self.issue.handle(req).await;
        answer(res, "code")
    }

    /// One redemption through the redeem handler; true when it succeeded.
    pub async fn redeem(&self, code: &str, order: &str, key: &str) -> bool {
        let req = request(
            "/v1/redemptions",
            &json!({ "code": code, "order_ref": order }),
            key,
        );
        let res = self.redeem.handle(req).await;
        res.status().is_success()
    }
}

fn request(path: &str, body: &Value, key: &str) -> lambda_http::Request {
    let mut req = Request::new(Body::Text(body.to_string()));
    *req.method_mut() = Method::POST;
    *req.uri_mut() = path.parse().unwrap_or_default();
    if let Ok(v) = key.parse() {
        req.headers_mut().insert(API_KEY_HEADER, v);
    }
    if let Ok(v) = "application/json".parse() {
        req.headers_mut()
            .insert(lambda_http::http::header::CONTENT_TYPE, v);
    }
    req
}

/// The status, and either the success body's `field` or the error's `reason`.
fn answer(res: lambda_http::Response<Body>, field: &str) -> (u16, Result<String, String>) {
    let status = res.status().as_u16();
    let json: Value = serde_json::from_slice(res.body()).unwrap_or(Value::Null);
    if res.status().is_success() {
        match json.get(field).and_then(Value::as_str) {
            Some(v) => (status, Ok(v.to_owned())),
            None => (status, Err(format!("no {field} in the answer"))),
        }
    } else {
        let reason = json
            .pointer("/error/reason")
            .and_then(Value::as_str)
            .unwrap_or("unreadable_error");
        (status, Err(reason.to_owned()))
    }
}

/// Runs the expire sweep (it carries on until done or stuck on stale index entries, which the
/// next run picks up); returns the codes retired.
pub async fn sweep_all(store: &Store, now: Timestamp) -> anyhow::Result<u32> {
    let report = promo_expire::run_sweep(store, now, SWEEP_BUDGET)
        .await
        .context("the expire sweep")?;
    Ok(report.codes_retired)
}
