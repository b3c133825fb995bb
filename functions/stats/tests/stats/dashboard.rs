//! The dashboards against the embedded engine: a token reads its holder's numbers and nothing
//! else; forged, edited, expired, revoked and misplaced tokens are refused; the numbers equal
//! the store's records, also after concurrent claims across influencers.

use futures::future::join_all;
use lambda_http::{Body, Request};
use promo_api::ApiKey;
use promo_core::{CampaignId, Follower, InfluencerId, LinkKey, PageHolder, PageToken, Timestamp};
use promo_stats::StatsService;
use promo_store::Store;
use promo_store::claims::ClaimRequest;
use promo_testkit::fixtures::{HOUR_MS, KEY, campaign, campaign_with_codes, memory_store};
use serde_json::Value;

const SECRET: &[u8] = b"dashboard-test-link-secret-0001";

fn key() -> LinkKey {
    LinkKey::new(SECRET).expect("key")
}

fn inf(id: &str) -> InfluencerId {
    InfluencerId::parse(id).expect("influencer")
}

fn token(holder: PageHolder, valid_ms: i64) -> String {
    let now = Timestamp::now();
    key().sign_page(&PageToken {
        holder,
        issued_at: now.plus_ms(-1),
        expires_at: now.plus_ms(valid_ms),
    })
}

fn influencer_token(c: &CampaignId, i: &str) -> String {
    token(PageHolder::Influencer(c.clone(), inf(i)), HOUR_MS)
}

async fn get(
    svc: &StatsService,
    path: &str,
    api_key: Option<&str>,
) -> (u16, String, lambda_http::http::HeaderMap) {
    let mut req = Request::new(Body::Empty);
    *req.uri_mut() = path.parse().expect("uri");
    if let Some(k) = api_key {
        req.headers_mut()
            .insert("x-api-key", k.parse().expect("header"));
    }
    let res = svc.handle(req).await;
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = match res.body() {
        Body::Text(t) => t.clone(),
        Body::Binary(b) => String::from_utf8_lossy(b).into_owned(),
        Body::Empty => String::new(),
        _ => String::new(),
    };
    (status, body, headers)
}

async fn json(svc: &StatsService, path: &str) -> Value {
    let (status, body, _) = get(svc, path, None).await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).expect("JSON")
}

async fn claim(store: &Store, c: &CampaignId, user: u32, influencer: Option<&str>) {
    let request = ClaimRequest {
        campaign: c.clone(),
        follower: Follower::parse("telegram", &format!("{}", 7_000_000 + user)).expect("follower"),
        influencer: influencer.map(inf),
    };
    let out = store
        .claim(&request, Timestamp::now())
        .await
        .expect("store answers");
    assert!(out.is_ok(), "{out:?}");
}

async fn setup() -> (Store, CampaignId, StatsService) {
    let store = memory_store().await;
    let c = campaign_with_codes(&store, campaign("dash", HOUR_MS), 60).await;
    store
        .add_influencer(&c, inf("alice"), "Alice", Some(20))
        .await
        .expect("alice");
    store
        .add_influencer(&c, inf("bob"), "Bob", None)
        .await
        .expect("bob");
    let svc = StatsService::new(store.clone(), key(), ApiKey::new(KEY).expect("api key"));
    (store, c, svc)
}

#[tokio::test]
async fn an_influencers_token_reads_their_own_numbers_only() {
    let (store, c, svc) = setup().await;
    for u in 0..3 {
        claim(&store, &c, u, Some("alice")).await;
    }
    claim(&store, &c, 10, Some("bob")).await;
    claim(&store, &c, 11, None).await;

    let page = json(
        &svc,
        &format!("/i/{}/stats.json", influencer_token(&c, "alice")),
    )
    .await;
    assert_eq!(page["totals"]["influencer"], "alice");
    assert_eq!(
        page["totals"]["name"], "Alice",
        "the display name the seller gave"
    );
    assert_eq!(page["totals"]["claims"], 3);
    assert_eq!(page["totals"]["quota"], 20);
    assert_eq!(page["totals"]["remaining"], 17);
    assert_eq!(page["campaign"]["id"], "dash");
    let days = page["days"].as_array().expect("days");
    assert!(!days.is_empty());
    assert_eq!(
        days.iter()
            .map(|d| d["claims"].as_u64().unwrap_or(0))
            .sum::<u64>(),
        3
    );
    // A campaign in its first hours is charted per hour, every claim in its hour.
    assert_eq!(page["granularity"], "hour");
    let hours = page["hours"].as_array().expect("hours");
    assert!(
        !hours.is_empty() && hours.len() <= 72,
        "{} hours",
        hours.len()
    );
    assert_eq!(
        hours
            .iter()
            .map(|h| h["claims"].as_u64().unwrap_or(0))
            .sum::<u64>(),
        3
    );
    let text = page.to_string();
    assert!(
        !text.contains("bob") && !text.contains("direct"),
        "another influencer's data: {text}"
    );
    assert!(!text.contains("7000000"), "a follower id leaked: {text}");
    assert!(!text.contains("DASH-"), "a code leaked");

    let bob = json(
        &svc,
        &format!("/i/{}/stats.json", influencer_token(&c, "bob")),
    )
    .await;
    assert_eq!(bob["totals"]["claims"], 1);
    assert!(!bob.to_string().contains("alice"));
}

#[tokio::test]
async fn bad_tokens_are_refused_with_403_and_say_why() {
    let (store, c, svc) = setup().await;
    let alice = influencer_token(&c, "alice");
    let edited = alice.replacen(".alice.", ".bob.", 1);
    let foreign = LinkKey::new(b"some-other-deployment-secret")
        .expect("key")
        .sign_page(&PageToken {
            holder: PageHolder::Influencer(c.clone(), inf("alice")),
            issued_at: Timestamp::now(),
            expires_at: Timestamp::now().plus_ms(HOUR_MS),
        });
    let expired = token(PageHolder::Influencer(c.clone(), inf("alice")), -1);
    let seller = token(PageHolder::Seller, HOUR_MS);
    for (path, why) in [
        (format!("/i/{edited}"), "not valid"),
        (format!("/i/{edited}/stats.json"), "not valid"),
        (format!("/i/{foreign}/stats.json"), "not valid"),
        (format!("/i/{expired}/stats.json"), "expired"),
        (format!("/i/{seller}/stats.json"), "seller"),
        (format!("/seller/{alice}/stats.json"), "not the seller"),
        ("/i/not-a-token/stats.json".to_owned(), "malformed"),
    ] {
        let (status, body, _) = get(&svc, &path, None).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert!(body.contains(why), "{path}: {body}");
        assert!(!body.contains("DASH-"), "a code leaked");
    }

    // Revoking voids every link printed so far, and only that influencer's.
    let bob = influencer_token(&c, "bob");
    store
        .revoke_pages(
            &PageHolder::Influencer(c.clone(), inf("alice")),
            Timestamp::now(),
        )
        .await
        .expect("revoke");
    let (status, body, _) = get(&svc, &format!("/i/{alice}/stats.json"), None).await;
    assert_eq!(status, 403);
    assert!(body.contains("revoked"), "{body}");
    assert_eq!(
        get(&svc, &format!("/i/{bob}/stats.json"), None).await.0,
        200
    );
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let fresh = token(PageHolder::Influencer(c.clone(), inf("alice")), HOUR_MS);
    assert_eq!(
        get(&svc, &format!("/i/{fresh}/stats.json"), None).await.0,
        200
    );
}

#[tokio::test]
async fn pages_are_self_contained_private_html() {
    let (_store, c, svc) = setup().await;
    let (status, body, headers) =
        get(&svc, &format!("/i/{}", influencer_token(&c, "alice")), None).await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let csp = headers["content-security-policy"].to_str().expect("ascii");
    assert!(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"));
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["cache-control"], "no-store");
    // The SVG namespace is a name, not an address; anything else would be a load.
    let body = body.replace("'http://www.w3.org/2000/svg'", "");
    for external in ["http://", "https://", "//cdn", "<link", "src=", "@import"] {
        assert!(!body.contains(external), "the page loads {external}");
    }
    let (status, _, _) = get(
        &svc,
        &format!("/seller/{}", token(PageHolder::Seller, HOUR_MS)),
        None,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_overview_shows_every_influencer_and_needs_the_api_key_or_the_sellers_link() {
    let (store, c, svc) = setup().await;
    claim(&store, &c, 1, Some("alice")).await;
    claim(&store, &c, 2, Some("bob")).await;
    assert_eq!(get(&svc, "/v1/overview", None).await.0, 401);
    assert_eq!(
        get(&svc, "/v1/overview", Some("wrong-key-000000000"))
            .await
            .0,
        401
    );
    let (status, body, _) = get(&svc, "/v1/overview", Some(KEY)).await;
    assert_eq!(status, 200, "{body}");
    let via_link = json(
        &svc,
        &format!("/seller/{}/stats.json", token(PageHolder::Seller, HOUR_MS)),
    )
    .await;
    let o: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(o["campaigns"], via_link["campaigns"]);
    let campaign = &o["campaigns"][0];
    assert_eq!(campaign["claims"], 2);
    assert_eq!(campaign["available_now"], 58);
    let names: Vec<&str> = campaign["influencers"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["influencer"].as_str().expect("id"))
        .collect();
    assert_eq!(names, ["direct", "alice", "bob"]);
    let hours = campaign["hours"].as_array().expect("hours");
    assert_eq!(hours.len(), promo_stats::model::OVERVIEW_HOURS);
    assert_eq!(
        hours
            .iter()
            .map(|h| h[1].as_u64().unwrap_or(0))
            .sum::<u64>(),
        2
    );
    assert!(!body.contains("7000000"), "a follower id leaked");
}

#[tokio::test]
async fn under_concurrent_claims_every_influencers_totals_equal_the_records() {
    let (store, c, svc) = setup().await;
    let claims = (0..60u32).map(|u| {
        let (store, c) = (store.clone(), c.clone());
        let influencer = ["alice", "bob", "direct"][(u % 3) as usize];
        async move {
            let request = ClaimRequest {
                campaign: c,
                follower: Follower::parse("discord", &format!("{}", 900_000 + u))
                    .expect("follower"),
                influencer: (influencer != "direct").then(|| inf(influencer)),
            };
            store
                .claim(&request, Timestamp::now())
                .await
                .expect("store answers")
        }
    });
    let outcomes = join_all(claims).await;
    assert!(outcomes.iter().all(Result::is_ok), "every claim got a code");
    let records = store.records().await.expect("records");
    assert!(promo_store::admin::audit::check(&records).is_empty());
    for who in ["alice", "bob"] {
        let page = json(
            &svc,
            &format!("/i/{}/stats.json", influencer_token(&c, who)),
        )
        .await;
        let recorded = records
            .claims
            .iter()
            .filter(|cl| cl.influencer.as_str() == who)
            .count() as u64;
        assert_eq!(page["totals"]["claims"].as_u64(), Some(recorded), "{who}");
        let per_day: u64 = page["days"]
            .as_array()
            .expect("days")
            .iter()
            .map(|d| d["claims"].as_u64().unwrap_or(0))
            .sum();
        assert_eq!(per_day, recorded, "{who}'s days add up to the records");
    }
}
