//! Test fixtures: campaigns, codes and claims on a store, and API requests for the handlers.

use lambda_http::{Body, Request, Response, http};
use promo_core::{CampaignId, Caps, Follower, NewCampaign, PromoCode, Timestamp};
use promo_store::Store;
use promo_store::claims::ClaimRequest;
use serde_json::Value;

/// The API key the tests use.
pub const KEY: &str = "test-key-0123456789";

/// An hour, for campaigns that should not end during a test.
pub const HOUR_MS: i64 = 3_600_000;

/// A fresh in-memory store on the embedded engine.
pub async fn memory_store() -> Store {
    Store::embedded_memory()
        .await
        .expect("embedded engine starts")
}

/// An active campaign open from a minute ago until `ends_in_ms` from now, on 4 shards, no caps.
pub fn campaign(id: &str, ends_in_ms: i64) -> NewCampaign {
    let now = Timestamp::now();
    NewCampaign {
        id: CampaignId::parse(id).expect("valid id"),
        name: format!("Campaign {id}"),
        product: "B00TEST123".into(),
        discount: "20% off".into(),
        starts_at: now.plus_ms(-60_000),
        ends_at: now.plus_ms(ends_in_ms),
        redeem_until: None,
        caps: Caps::default(),
        shards: 4,
        activate: true,
        marketplace: promo_core::Marketplace::default(),
    }
}

/// `n` distinct Amazon-shaped codes, `<PREFIX>-000000-TESTCD` on.
pub fn codes(prefix: &str, n: usize) -> Vec<PromoCode> {
    (0..n)
        .map(|i| PromoCode::parse(&format!("{prefix}-{i:06}-TESTCD")).expect("valid code"))
        .collect()
}

/// The code prefix [`campaign_with_codes`] uses for a campaign: its id in upper case, letters
/// and digits only.
pub fn code_prefix(id: &CampaignId) -> String {
    id.as_str()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase()
}

/// Creates `new` and imports `n` codes into it, named after the campaign ([`code_prefix`]).
pub async fn campaign_with_codes(store: &Store, new: NewCampaign, n: usize) -> CampaignId {
    let c = store
        .create_campaign(new, Timestamp::now())
        .await
        .expect("campaign created");
    store
        .import_codes(&c.id, "test", &codes(&code_prefix(&c.id), n), &|_| {})
        .await
        .expect("codes imported");
    c.id
}

/// Claims a code for web user `user` directly on the store.
pub async fn claim_one(store: &Store, campaign: &CampaignId, user: &str) -> PromoCode {
    let request = ClaimRequest {
        campaign: campaign.clone(),
        follower: Follower::parse("web", user).expect("follower"),
        influencer: None,
    };
    store
        .claim(&request, Timestamp::now())
        .await
        .expect("store")
        .expect("a code")
        .code
}

/// A handler request with a JSON content type, and the API key when `key` is given.
pub fn request(method: &str, path: &str, key: Option<&str>, body: impl Into<Body>) -> Request {
    let mut b = http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    if let Some(key) = key {
        b = b.header("x-api-key", key);
    }
    b.body(body.into()).expect("request")
}

/// `req` as API Gateway hands it over under a named `stage`: the path keeps the stage in front
/// (`/prod/...`), and the request context names it.
pub fn under_stage(mut req: Request, stage: &str) -> Request {
    let mut context =
        lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext::default();
    context.stage = Some(stage.to_owned());
    req.extensions_mut()
        .insert(lambda_http::request::RequestContext::ApiGatewayV2(context));
    req
}

/// A handler response's status and JSON body.
pub fn read(resp: Response<Body>) -> (u16, Value) {
    let status = resp.status().as_u16();
    let body = serde_json::from_slice(resp.body()).expect("JSON body");
    (status, body)
}
