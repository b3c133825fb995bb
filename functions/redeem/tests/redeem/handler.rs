//! The redemption handler against the embedded engine, called directly.

use promo_api::ApiKey;
use promo_core::CampaignId;
use promo_redeem::RedeemService;
use promo_store::Store;
use promo_testkit::fixtures::{
    HOUR_MS, KEY, campaign, campaign_with_codes, claim_one, codes, read, request,
};
use serde_json::{Value, json};

const PATH: &str = "/v1/redemptions";

async fn setup() -> (Store, RedeemService, CampaignId) {
    let store = Store::embedded_memory().await.expect("embedded engine");
    let id = campaign_with_codes(&store, campaign("spring", HOUR_MS), 5).await;
    let svc = RedeemService::new(store.clone(), ApiKey::new(KEY).expect("key"));
    (store, svc, id)
}

/// Claims a code for web user `user` and returns it.
async fn claim(store: &Store, campaign: &CampaignId, user: &str) -> String {
    claim_one(store, campaign, user).await.expose().to_owned()
}

async fn redeem(svc: &RedeemService, code: &str, order: &str) -> (u16, Value) {
    let body = json!({"code": code, "order_ref": order}).to_string();
    read(svc.handle(request("POST", PATH, Some(KEY), body)).await)
}

#[tokio::test]
async fn a_code_is_redeemed_once_and_replays_for_the_same_order() {
    let (store, svc, id) = setup().await;
    let code = claim(&store, &id, "u1").await;

    let (status, first) = redeem(&svc, &code.to_ascii_lowercase(), "order-1").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["replayed"], false);
    assert_eq!(first["influencer"], "direct");

    let (status, replay) = redeem(&svc, &code, "order-1").await;
    assert_eq!(status, 200, "{replay}");
    assert_eq!(replay["replayed"], true);
    assert_eq!(replay["redeemed_at"], first["redeemed_at"]);

    let (status, other) = redeem(&svc, &code, "order-2").await;
    assert_eq!(
        (status, other["error"]["reason"].as_str()),
        (409, Some("already_redeemed")),
        "{other}"
    );
    assert_eq!(other["error"]["redeemed_at"], first["redeemed_at"]);
}

#[tokio::test]
async fn unknown_and_unissued_codes_are_refused() {
    let (_store, svc, _) = setup().await;
    let (status, err) = redeem(&svc, "NO-SUCH-CODE", "order-1").await;
    assert_eq!(
        (status, err["error"]["reason"].as_str()),
        (404, Some("unknown_code")),
        "{err}"
    );

    let unissued = codes("SPRING", 1)[0].expose().to_owned();
    let (status, err) = redeem(&svc, &unissued, "order-1").await;
    assert_eq!(
        (status, err["error"]["reason"].as_str()),
        (409, Some("not_issued")),
        "{err}"
    );
}

#[tokio::test]
async fn an_expired_code_answers_410() {
    let store = Store::embedded_memory().await.expect("embedded engine");
    let id = campaign_with_codes(&store, campaign("short", 1_000), 2).await;
    let code = claim(&store, &id, "u1").await;
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let svc = RedeemService::new(store, ApiKey::new(KEY).expect("key"));
    let (status, err) = redeem(&svc, &code, "order-1").await;
    assert_eq!(
        (status, err["error"]["reason"].as_str()),
        (410, Some("expired")),
        "{err}"
    );
    assert!(err["error"]["expired_at"].is_i64());
}

#[tokio::test]
async fn two_orders_racing_for_one_code_yield_one_redemption() {
    let (store, svc, id) = setup().await;
    let code = claim(&store, &id, "u1").await;
    let (a, b) = tokio::join!(
        redeem(&svc, &code, "order-a"),
        redeem(&svc, &code, "order-b")
    );
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
}

#[tokio::test]
async fn requests_are_checked_before_the_store_is_touched() {
    let (store, svc, id) = setup().await;
    let code = claim(&store, &id, "u1").await;
    let body = json!({"code": code, "order_ref": "order-1"}).to_string();
    for key in [None, Some("wrong-key")] {
        let (status, err) = read(svc.handle(request("POST", PATH, key, body.clone())).await);
        assert_eq!(
            (status, err["error"]["reason"].as_str()),
            (401, Some("unauthorized"))
        );
    }
    let (status, _) = read(svc.handle(request("GET", PATH, Some(KEY), "")).await);
    assert_eq!(status, 405);
    let (status, _) = read(
        svc.handle(request("POST", "/v1/redemption", Some(KEY), body.clone()))
            .await,
    );
    assert_eq!(status, 404);

    let cases = [
        ("{", 400, "invalid_json"),
        (
            r#"{"code":"ABCD-1234","order_ref":"o","x":1}"#,
            400,
            "bad_request",
        ),
        (r#"{"code":"AB","order_ref":"o"}"#, 400, "invalid_field"),
        (
            r#"{"code":"ABCD-1234","order_ref":""}"#,
            400,
            "invalid_field",
        ),
    ];
    for (raw, want, reason) in cases {
        let (status, err) = read(svc.handle(request("POST", PATH, Some(KEY), raw)).await);
        assert_eq!(
            (status, err["error"]["reason"].as_str()),
            (want, Some(reason)),
            "{raw}"
        );
    }
    let big = json!({"code": code, "order_ref": "o".repeat(70 * 1024)}).to_string();
    assert_eq!(
        read(svc.handle(request("POST", PATH, Some(KEY), big)).await).0,
        413
    );

    // None of that redeemed the code.
    let (status, ok) = read(svc.handle(request("POST", PATH, Some(KEY), body)).await);
    assert_eq!((status, ok["replayed"].as_bool()), (200, Some(false)));
}
