//! Shared set-up: a fresh embedded store, a campaign with codes, requests.

#![allow(dead_code)]

use lambda_http::{Body, Request, Response, http};
use promo_core::{CampaignId, Caps, NewCampaign, PromoCode, Timestamp};
use promo_store::Store;
use serde_json::Value;

/// The API key the tests use.
pub const KEY: &str = "test-key-0123456789";

/// An active campaign open from a minute ago until `ends_in_ms` from now.
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
    }
}

/// `n` distinct codes with a prefix.
pub fn codes(prefix: &str, n: usize) -> Vec<PromoCode> {
    (0..n)
        .map(|i| PromoCode::parse(&format!("{prefix}-{i:04}-TEST")).expect("valid code"))
        .collect()
}

/// Creates a campaign ending in an hour with `n` codes.
pub async fn campaign_with_codes(store: &Store, id: &str, n: usize) -> CampaignId {
    let c = store
        .create_campaign(campaign(id, 3_600_000), Timestamp::now())
        .await
        .expect("campaign created");
    store
        .import_codes(&c.id, "test", &codes("PC", n), &|_| {})
        .await
        .expect("codes imported");
    c.id
}

/// A request with the test key (unless `key` says otherwise) and a JSON content type.
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

/// A response's status and JSON body.
pub fn read(resp: Response<Body>) -> (u16, Value) {
    let status = resp.status().as_u16();
    let body = serde_json::from_slice(resp.body()).expect("JSON body");
    (status, body)
}
