//! The claim handler against the embedded engine, called directly.

use promo_api::ApiKey;
use promo_core::{CampaignId, Follower};
use promo_issue::IssueService;
use promo_store::Store;
use promo_testkit::fixtures::{
    HOUR_MS, KEY, campaign, campaign_with_codes, read, request, under_stage,
};
use serde_json::{Value, json};

async fn setup(codes: usize) -> (Store, IssueService, CampaignId) {
    let store = Store::embedded_memory().await.expect("embedded engine");
    let id = campaign_with_codes(&store, campaign("spring", HOUR_MS), codes).await;
    let svc = IssueService::new(store.clone(), ApiKey::new(KEY).expect("key"));
    (store, svc, id)
}

async fn claim(
    svc: &IssueService,
    path: &str,
    key: Option<&str>,
    body: impl ToString,
) -> (u16, Value) {
    read(
        svc.handle(request("POST", path, key, body.to_string()))
            .await,
    )
}

const PATH: &str = "/v1/campaigns/spring/claims";

fn body(user: &str) -> Value {
    json!({"platform": "telegram", "user_id": user})
}

#[tokio::test]
async fn a_follower_gets_a_code_then_the_same_code_again() {
    let (_store, svc, _) = setup(5).await;
    let (status, first) = claim(&svc, PATH, Some(KEY), body("111")).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["new"], true);
    assert_eq!(first["influencer"], "direct");
    assert!(
        first["code"]
            .as_str()
            .is_some_and(|c| c.starts_with("SPRING-"))
    );
    assert!(first["redeem_until"].as_i64() > first["claimed_at"].as_i64());

    let (status, again) = claim(&svc, PATH, Some(KEY), body("111")).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["new"], false);
    assert_eq!(again["code"], first["code"]);

    // Numeric ids as JSON numbers, and an API Gateway stage prefix, work too.
    let staged = request(
        "POST",
        "/prod/v1/campaigns/spring/claims",
        Some(KEY),
        json!({"platform": "telegram", "user_id": 111}).to_string(),
    );
    let (status, numeric) = read(svc.handle(under_stage(staged, "prod")).await);
    assert_eq!(status, 200, "{numeric}");
    assert_eq!(numeric["code"], first["code"]);
}

#[tokio::test]
async fn a_missing_or_wrong_key_is_refused_and_writes_nothing() {
    let (store, svc, id) = setup(5).await;
    for key in [None, Some("wrong-key")] {
        let (status, resp) = claim(&svc, PATH, key, body("222")).await;
        assert_eq!(status, 401);
        assert_eq!(resp["error"]["reason"], "unauthorized");
    }
    let follower = Follower::parse("telegram", "222").expect("follower");
    assert!(
        store
            .follower_claim(&id, &follower)
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn bad_bodies_are_refused_with_400() {
    let (_store, svc, _) = setup(5).await;
    let cases = [
        ("{not json", "invalid_json"),
        (
            r#"{"platform":"telegram","user_id":"1","extra":true}"#,
            "bad_request",
        ),
        (r#"{"platform":"telegram"}"#, "bad_request"),
        (r#"{"platform":"icq","user_id":"1"}"#, "invalid_field"),
        (
            r#"{"platform":"telegram","user_id":"abc"}"#,
            "invalid_field",
        ),
        (r#"{"platform":"web","user_id":"a b"}"#, "invalid_field"),
        (
            r#"{"platform":"web","user_id":"u1","influencer":"Bad Id"}"#,
            "invalid_field",
        ),
    ];
    for (raw, reason) in cases {
        let (status, resp) = claim(&svc, PATH, Some(KEY), raw).await;
        assert_eq!(
            (status, resp["error"]["reason"].as_str()),
            (400, Some(reason)),
            "{raw}: {resp}"
        );
    }
    let (_, resp) = claim(&svc, PATH, Some(KEY), r#"{"platform":"icq","user_id":"1"}"#).await;
    assert_eq!(resp["error"]["field"], "platform");
}

#[tokio::test]
async fn oversized_bodies_get_413_and_other_media_types_415() {
    let (_store, svc, _) = setup(5).await;
    let big = json!({"platform": "web", "user_id": "x".repeat(70 * 1024)});
    assert_eq!(claim(&svc, PATH, Some(KEY), big).await.0, 413);

    let req = lambda_http::http::Request::builder()
        .method("POST")
        .uri(PATH)
        .header("x-api-key", KEY)
        .header("content-type", "text/plain")
        .body(lambda_http::Body::from(body("1").to_string()))
        .expect("request");
    assert_eq!(read(svc.handle(req).await).0, 415);
}

#[tokio::test]
async fn routes_methods_and_campaigns_are_checked() {
    let (_store, svc, _) = setup(5).await;
    let resp = svc.handle(request("GET", PATH, Some(KEY), "")).await;
    assert_eq!(resp.headers()["allow"], "POST");
    let (status, err) = read(resp);
    assert_eq!(
        (status, err["error"]["reason"].as_str()),
        (405, Some("method_not_allowed"))
    );

    let (status, err) = claim(&svc, "/v1/campaigns/spring/claim", Some(KEY), body("1")).await;
    assert_eq!(
        (status, err["error"]["reason"].as_str()),
        (404, Some("not_found"))
    );

    let (status, err) = claim(&svc, "/v1/campaigns/autumn/claims", Some(KEY), body("1")).await;
    assert_eq!(
        (status, err["error"]["reason"].as_str()),
        (404, Some("unknown_campaign"))
    );

    let (status, err) = claim(&svc, "/v1/campaigns/Bad%20Id/claims", Some(KEY), body("1")).await;
    assert_eq!(
        (status, err["error"]["reason"].as_str()),
        (400, Some("invalid_field"))
    );

    let unknown_influencer = json!({"platform": "web", "user_id": "u1", "influencer": "nobody"});
    let (status, err) = claim(&svc, PATH, Some(KEY), unknown_influencer).await;
    assert_eq!(
        (status, err["error"]["reason"].as_str()),
        (404, Some("unknown_influencer"))
    );
}

#[tokio::test]
async fn a_sold_out_campaign_answers_409() {
    let (_store, svc, _) = setup(1).await;
    assert_eq!(claim(&svc, PATH, Some(KEY), body("1")).await.0, 201);
    let (status, err) = claim(&svc, PATH, Some(KEY), body("2")).await;
    assert_eq!(
        (status, err["error"]["reason"].as_str()),
        (409, Some("sold_out")),
        "{err}"
    );
    assert_eq!(err["error"]["message"], "all codes have been claimed");
}

mod hostile_bodies {
    //! Any bytes as a claim body, any Unicode in its fields: a clean 4xx (or a claim for a
    //! well-formed one), never a 500, never a panic, and nothing issued by a refusal.
    use super::*;
    use proptest::prelude::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    }

    fn assert_clean(status: u16, resp: &Value) -> Result<(), TestCaseError> {
        prop_assert!(
            matches!(status, 200 | 201 | 400 | 404 | 409 | 415),
            "status {status}: {resp}"
        );
        if status >= 400 {
            prop_assert!(resp["error"]["reason"].is_string(), "{resp}");
            prop_assert!(resp.get("code").is_none(), "{resp}");
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn any_bytes_as_a_body_are_refused_cleanly(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let rt = runtime();
            rt.block_on(async {
                let (store, svc, id) = setup(2).await;
                let req = request("POST", PATH, Some(KEY), body);
                let (status, resp) = read(svc.handle(req).await);
                assert_clean(status, &resp)?;
                if status >= 400 {
                    prop_assert!(store.campaign_claims(&id, None).await.expect("claims").is_empty());
                }
                Ok(())
            })?;
        }

        #[test]
        fn any_unicode_in_the_fields_is_refused_cleanly(
            platform in "\\PC{0,12}|telegram|discord|web",
            user in "\\PC{0,40}|[0-9]{1,22}",
            influencer in proptest::option::of("\\PC{0,30}"),
        ) {
            let rt = runtime();
            rt.block_on(async {
                let (store, svc, id) = setup(2).await;
                let mut body = json!({"platform": platform, "user_id": user});
                if let Some(i) = &influencer {
                    body["influencer"] = json!(i);
                }
                let (status, resp) = claim(&svc, PATH, Some(KEY), body).await;
                assert_clean(status, &resp)?;
                let claims = store.campaign_claims(&id, None).await.expect("claims").len();
                prop_assert_eq!(claims, usize::from(status == 201), "{}", resp);
                Ok(())
            })?;
        }
    }
}

#[tokio::test]
async fn the_answer_says_where_the_code_works_the_influencers_link_first() {
    let (store, svc, id) = setup(5).await;
    let alice = promo_core::InfluencerId::parse("alice").expect("id");
    store
        .add_influencer(&id, alice.clone(), "Alice", None)
        .await
        .expect("alice");
    let tagged = "https://www.amazon.com/dp/B00TEST123?maas=maas_adg_1&ref_=aa_maas&tag=maas";
    store
        .set_influencer_product_url(
            &id,
            &alice,
            Some(&promo_core::ProductUrl::parse(tagged).expect("url")),
        )
        .await
        .expect("link");
    // A direct follower: the campaign's product page on its marketplace (amazon.com).
    let (_, direct) = claim(&svc, PATH, Some(KEY), body("1")).await;
    assert_eq!(
        direct["product_url"],
        "https://www.amazon.com/dp/B00TEST123"
    );
    // Alice's follower: her Attribution link, on the repeat too.
    let via = json!({"platform": "telegram", "user_id": "2", "influencer": "alice"});
    let (status, first) = claim(&svc, PATH, Some(KEY), via.clone()).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["product_url"], tagged);
    let (_, again) = claim(&svc, PATH, Some(KEY), via).await;
    assert_eq!(again["product_url"], tagged);
    // Cleared: the campaign's page again.
    store
        .set_influencer_product_url(&id, &alice, None)
        .await
        .expect("clear");
    let (_, cleared) = claim(
        &svc,
        PATH,
        Some(KEY),
        json!({"platform": "telegram", "user_id": "3", "influencer": "alice"}),
    )
    .await;
    assert_eq!(
        cleared["product_url"],
        "https://www.amazon.com/dp/B00TEST123"
    );
}
