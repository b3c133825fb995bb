//! The dashboards in headless Chromium (Debian's `chromium`): the page loads, fetches its JSON,
//! draws its charts, and shows the store's numbers: per hour for a campaign in its first days
//! (a launch), per day for one with 30 days of data, the influencer's display name as text
//! whatever it holds. A screenshot of each page is kept in `target/test-artifacts/`. `.ci/run` installs Chromium and sets `PROMO_REQUIRE_CHROMIUM=1`,
//! so there a missing browser fails the test; elsewhere it is skipped with a note.

use axum::Router;
use axum::body::Body as AxumBody;
use axum::extract::State;
use axum::http::Request as AxumRequest;
use axum::response::Response as AxumResponse;
use axum::routing::any;
use lambda_http::Body;
use promo_api::ApiKey;
use promo_core::{Follower, InfluencerId, LinkKey, PageHolder, PageToken, Timestamp};
use promo_stats::StatsService;
use promo_store::claims::ClaimRequest;
use promo_testkit::fixtures::{HOUR_MS, KEY, campaign, campaign_with_codes, memory_store};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const SECRET: &[u8] = b"browser-test-link-secret-00001";

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| {
            std::env::var_os("PATH")
                .map(|p| {
                    std::env::split_paths(&p)
                        .map(|d| d.join(name))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .find(|p| p.is_file())
}

async fn forward(State(svc): State<Arc<StatsService>>, req: AxumRequest<AxumBody>) -> AxumResponse {
    let mut lreq = lambda_http::Request::new(Body::Empty);
    *lreq.uri_mut() = req.uri().clone();
    *lreq.method_mut() = req.method().clone();
    *lreq.headers_mut() = req.headers().clone();
    let res = svc.handle(lreq).await;
    let (parts, body) = res.into_parts();
    let bytes = match body {
        Body::Text(t) => t.into_bytes(),
        Body::Binary(b) => b,
        _ => Vec::new(),
    };
    AxumResponse::from_parts(parts, AxumBody::from(bytes))
}

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    std::fs::create_dir_all(&dir).expect("artifact dir");
    dir
}

/// Runs headless Chromium on `url`: the DOM after scripts ran, and a screenshot at `shot`.
fn browse(browser: &Path, url: &str, shot: &Path) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let base = |cmd: &mut Command| {
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()));
    };
    let mut dump = Command::new(browser);
    base(&mut dump);
    let out = dump
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut snap = Command::new(browser);
    base(&mut snap);
    let shot_out = snap
        .arg("--window-size=1100,1100")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        shot_out.status.success(),
        "{}",
        String::from_utf8_lossy(&shot_out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Chromium, or `None` after saying the test is skipped (refused where
/// `PROMO_REQUIRE_CHROMIUM` is set, as in `.ci/run`).
fn chromium_or_skip() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert!(
            std::env::var("PROMO_REQUIRE_CHROMIUM").is_err(),
            "PROMO_REQUIRE_CHROMIUM is set but no chromium is on PATH"
        );
        eprintln!("skipped: no chromium on PATH (apt-get install chromium)");
    }
    found
}

/// The dashboards on `store`, signed with `key`, served on a loopback port.
async fn serve(store: &promo_store::Store, key: &LinkKey) -> std::net::SocketAddr {
    let svc = Arc::new(StatsService::new(
        store.clone(),
        key.clone(),
        ApiKey::new(KEY).expect("key"),
    ));
    let app = Router::new().fallback(any(forward)).with_state(svc);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The text of the element with `id` (`<b id="x" data-value="..">text</b>`).
fn tile(dom: &str, id: &str) -> String {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let rest = &dom[at..];
    let open = rest.find('>').expect("tag end") + 1;
    let close = rest[open..].find('<').expect("text end");
    rest[open..open + close].to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboards_draw_their_charts_with_the_stores_numbers() {
    let Some(browser) = chromium_or_skip() else {
        return;
    };
    let store = memory_store().await;
    let c = campaign_with_codes(&store, campaign("browse", HOUR_MS), 40).await;
    let alice = InfluencerId::parse("alice").expect("id");
    store
        .add_influencer(&c, alice.clone(), "Alice", Some(10))
        .await
        .expect("alice");
    for (u, who) in [
        (1, Some(&alice)),
        (2, Some(&alice)),
        (3, Some(&alice)),
        (4, None),
    ] {
        let request = ClaimRequest {
            campaign: c.clone(),
            follower: Follower::parse("telegram", &format!("{}", 5_550_000 + u)).expect("follower"),
            influencer: who.cloned(),
        };
        assert!(
            store
                .claim(&request, Timestamp::now())
                .await
                .expect("store")
                .is_ok()
        );
    }
    let key = LinkKey::new(SECRET).expect("key");
    let addr = serve(&store, &key).await;

    let now = Timestamp::now();
    let sign = |holder| {
        key.sign_page(&PageToken {
            holder,
            issued_at: now,
            expires_at: now.plus_ms(HOUR_MS),
        })
    };
    let stats = store.campaign_stats(&c, now).await.expect("stats");
    let start = stats_start(&store, &c).await;
    let activity = store.activity(&c, &alice, 4).await.expect("activity");
    let hours_before = promo_stats::model::hour_buckets(&activity, start, now).len();
    let row = stats
        .influencers
        .iter()
        .find(|r| r.influencer == alice)
        .expect("row");

    // The influencer's page.
    let url = format!(
        "http://{addr}/i/{}",
        sign(PageHolder::Influencer(c.clone(), alice.clone()))
    );
    let browser_path = browser.clone();
    let shot = artifacts().join("influencer-dashboard.png");
    let shot_path = shot.clone();
    let dom = tokio::task::spawn_blocking(move || browse(&browser_path, &url, &shot_path))
        .await
        .expect("browser task");
    assert!(
        dom.contains("data-ready=\"1\""),
        "the page did not finish loading:\n{dom}"
    );
    assert_eq!(tile(&dom, "claims"), row.claims.to_string());
    assert_eq!(tile(&dom, "redemptions"), row.redemptions.to_string());
    assert_eq!(tile(&dom, "remaining"), row.remaining.to_string());
    assert_eq!(tile(&dom, "conversion"), "0.0%");
    // A campaign a minute old: two bar charts (claims, redemptions) of one bar per hour since
    // its start, and the conversion line.
    assert!(
        dom.contains("data-granularity=\"hour\""),
        "not hourly:\n{dom}"
    );
    assert!(dom.contains(">claims per hour</h2>"), "{dom}");
    let hours_after = promo_stats::model::hour_buckets(&activity, start, Timestamp::now()).len();
    let bars = count(&dom, "class=\"bar ");
    assert!(
        bars == 2 * hours_before || bars == 2 * hours_after,
        "{bars} bars for {hours_before} or {hours_after} hours:\n{dom}"
    );
    assert_eq!(count(&dom, "<polyline"), 1);
    assert!(
        dom.contains("data-value=\"3\""),
        "the claims bar for this hour"
    );
    assert!(dom.contains(" · Alice</p>"), "the display name: {dom}");
    assert!(!dom.contains("5550001"), "a follower id reached the page");
    assert!(
        std::fs::metadata(&shot)
            .map(|m| m.len() > 1_000)
            .unwrap_or(false),
        "screenshot kept"
    );

    // A display name is text, whatever it holds.
    let carol = InfluencerId::parse("carol").expect("id");
    let hostile = "<img src=x onerror=alert(1)> Carol & \"Co\"";
    store
        .add_influencer(&c, carol.clone(), hostile, None)
        .await
        .expect("carol");
    let url = format!(
        "http://{addr}/i/{}",
        sign(PageHolder::Influencer(c.clone(), carol.clone()))
    );
    let browser_path = browser.clone();
    let shot_path = artifacts().join("influencer-dashboard-name.png");
    let dom = tokio::task::spawn_blocking(move || browse(&browser_path, &url, &shot_path))
        .await
        .expect("browser task");
    assert!(dom.contains("data-ready=\"1\""), "{dom}");
    assert!(
        dom.contains("&lt;img src=x onerror=alert(1)&gt; Carol &amp; \"Co\""),
        "the name as text:\n{dom}"
    );
    assert!(!dom.contains("<img"), "the name became markup:\n{dom}");

    // The seller's overview.
    let url = format!("http://{addr}/seller/{}", sign(PageHolder::Seller));
    let shot = artifacts().join("seller-overview.png");
    let shot_path = shot.clone();
    let dom = tokio::task::spawn_blocking(move || browse(&browser, &url, &shot_path))
        .await
        .expect("browser task");
    assert!(
        dom.contains("data-ready=\"1\""),
        "the overview did not finish loading:\n{dom}"
    );
    assert_eq!(tile(&dom, "claims-browse"), stats.claims.to_string());
    assert_eq!(tile(&dom, "stock-browse"), stats.available_now.to_string());
    assert!(
        dom.contains("data-influencer=\"alice\"") && dom.contains("data-influencer=\"direct\"")
    );
    assert_eq!(
        count(&dom, "class=\"bar "),
        promo_stats::model::OVERVIEW_HOURS
    );
    assert!(
        std::fs::metadata(&shot)
            .map(|m| m.len() > 1_000)
            .unwrap_or(false),
        "screenshot kept"
    );
}

/// A campaign that started 30 days ago, with claims on most days: charted per day.
#[tokio::test(flavor = "multi_thread")]
async fn a_month_of_data_is_charted_per_day() {
    use promo_core::time::DAY_MS;
    let Some(browser) = chromium_or_skip() else {
        return;
    };
    let store = memory_store().await;
    let now = Timestamp::now();
    let mut month = campaign("month", HOUR_MS);
    month.starts_at = now.plus_ms(-30 * DAY_MS);
    let c = campaign_with_codes(&store, month, 80).await;
    let dana = InfluencerId::parse("dana").expect("id");
    store
        .add_influencer(&c, dana.clone(), "Dana", None)
        .await
        .expect("dana");
    // Day d (0 = 30 days ago) gets d % 3 claims: 0, 1, 2, 0, 1, 2, ...
    let mut follower = 0;
    let mut claims = 0;
    for day in 0..30i64 {
        for k in 0..(day % 3) {
            follower += 1;
            let request = ClaimRequest {
                campaign: c.clone(),
                follower: Follower::parse("telegram", &format!("{}", 6_600_000 + follower))
                    .expect("follower"),
                influencer: Some(dana.clone()),
            };
            let at = now.plus_ms(-(30 - day) * DAY_MS + k * HOUR_MS + HOUR_MS);
            assert!(
                store.claim(&request, at).await.expect("store").is_ok(),
                "day {day}"
            );
            claims += 1;
        }
    }
    let key = LinkKey::new(SECRET).expect("key");
    let addr = serve(&store, &key).await;
    let token = key.sign_page(&PageToken {
        holder: PageHolder::Influencer(c.clone(), dana.clone()),
        issued_at: now,
        expires_at: now.plus_ms(HOUR_MS),
    });
    let url = format!("http://{addr}/i/{token}");
    let shot = artifacts().join("influencer-dashboard-30-days.png");
    let shot_path = shot.clone();
    let dom = tokio::task::spawn_blocking(move || browse(&browser, &url, &shot_path))
        .await
        .expect("browser task");
    assert!(dom.contains("data-ready=\"1\""), "{dom}");
    assert!(
        dom.contains("data-granularity=\"day\""),
        "not daily:\n{dom}"
    );
    assert!(dom.contains(">claims per day</h2>"), "{dom}");
    assert_eq!(tile(&dom, "claims"), claims.to_string());
    let days = promo_stats::model::days(
        &store.activity(&c, &dana, 4).await.expect("activity"),
        stats_start(&store, &c).await,
        Timestamp::now(),
    );
    assert!(days.len() >= 30, "{} days", days.len());
    assert_eq!(
        count(&dom, "class=\"bar "),
        2 * days.len(),
        "bars drawn:\n{dom}"
    );
    assert_eq!(
        days.iter().map(|d| d.claims).sum::<u32>(),
        claims,
        "every claim on its day"
    );
    assert!(dom.contains("data-value=\"2\""), "a two-claim day");
    assert!(
        std::fs::metadata(&shot)
            .map(|m| m.len() > 1_000)
            .unwrap_or(false),
        "screenshot kept"
    );
}

async fn stats_start(store: &promo_store::Store, c: &promo_core::CampaignId) -> Timestamp {
    store
        .get_campaign(c)
        .await
        .expect("store")
        .expect("campaign")
        .starts_at
}
