//! `promo serve` mounts every route of the route table (which the template test holds the SAM
//! template to), with the same handlers: with the bots and dashboards configured, no route is a
//! 404, and each refuses an unauthenticated request the way its Lambda does.

use crate::common;

const KEY: &str = "serve-routes-api-key-0001";

#[tokio::test(flavor = "multi_thread")]
async fn every_template_route_is_served_by_the_one_machine_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    let serve = common::spawn_serve(
        &data,
        &[],
        &[
            ("PROMO_API_KEY", KEY),
            ("PROMO_LINK_SECRET", "serve-routes-link-secret-0001"),
            ("PROMO_TELEGRAM_TOKEN", "123456:serve-routes-token"),
            ("PROMO_TELEGRAM_BOT", "serve_routes_bot"),
            ("PROMO_TELEGRAM_SECRET", "serve-routes-webhook-secret"),
            // Nothing listens there: the bot never reaches Telegram from a test.
            ("PROMO_TELEGRAM_API_URL", "http://127.0.0.1:9"),
            // RFC 8032's first test key: a valid Ed25519 public key.
            (
                "PROMO_DISCORD_PUBLIC_KEY",
                "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            ),
            ("PROMO_DISCORD_APP_ID", "1234567890"),
            ("PROMO_DISCORD_API_URL", "http://127.0.0.1:9"),
        ],
    )
    .await;
    let base = serve.base.clone();
    // /healthz answered, so the whole banner is out: every app says it is on.
    let banner = serve.stdout();
    assert!(
        banner.contains("(Telegram)") && banner.contains("(Discord)"),
        "{banner}"
    );
    assert!(banner.contains("dashboards"), "{banner}");
    assert!(
        !banner.contains(KEY) && !banner.contains("serve-routes-token"),
        "a secret was printed"
    );

    let http = reqwest::Client::new();
    for route in promo_api::routes::ROUTES {
        let (method, path) = (route.method, route.path);
        let path = path
            .replace("{campaign}", "spring")
            .replace("{token}", "v1.spring.alice.1.2.AAAA");
        let req = match method {
            "GET" => http.get(format!("{base}{path}")),
            "POST" => http.post(format!("{base}{path}")).body("{}"),
            other => panic!("unexpected method {other}"),
        };
        let status = req.send().await.expect("answer").status().as_u16();
        // No credentials: the API and bots say 401, the dashboards 403 for a bad link.
        assert!(
            status == 401 || status == 403,
            "{method} {path}: {status} (404 would mean serve does not mount it)"
        );
    }
    let status = http
        .get(format!("{base}/no/such/route"))
        .send()
        .await
        .expect("answer")
        .status();
    assert_eq!(status, 404);
}
