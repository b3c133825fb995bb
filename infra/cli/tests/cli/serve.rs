//! `promo serve`: the Lambda handlers behind a local HTTP server on a data file.

use crate::common::{self, ok};
use serde_json::{Value, json};

const KEY: &str = "test-key-0123456789";

#[test]
fn serve_refuses_to_start_without_an_api_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = common::promo(&dir.path().join("d.db"), &["serve", "--port", "0"]);
    assert!(!out.status.success());
    assert!(
        common::stderr(&out).contains("set PROMO_API_KEY or pass --api-key"),
        "{}",
        common::stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_mounts_the_claim_handler() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    ok(
        &data,
        &[
            "campaign",
            "create",
            "launch",
            "--name",
            "Launch",
            "--product",
            "B0001",
            "--discount",
            "10%",
            "--days",
            "1",
        ],
    );
    ok(&data, &["codes", "generate", "launch", "--count", "5"]);

    let serve = common::spawn_serve(&data, &[], &[("PROMO_API_KEY", KEY)]).await;
    assert!(
        !serve.stdout().contains(KEY),
        "the key was printed: {}",
        serve.stdout()
    );
    let base = serve.base.clone();

    let http = reqwest::Client::new();
    let claims = format!("{base}/v1/campaigns/launch/claims");
    let body = json!({ "platform": "telegram", "user_id": "123456789" });
    let first = http
        .post(&claims)
        .header("x-api-key", KEY)
        .json(&body)
        .send()
        .await
        .expect("claim");
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("JSON");
    let code = first["code"].as_str().expect("a code").to_owned();
    assert_eq!(first["new"], true);

    let again = http
        .post(&claims)
        .header("x-api-key", KEY)
        .json(&body)
        .send()
        .await
        .expect("claim");
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.expect("JSON");
    assert_eq!(again["code"], code.as_str());
    assert_eq!(again["new"], false);

    let no_key = http.post(&claims).json(&body).send().await.expect("claim");
    assert_eq!(no_key.status(), 401);
    let wrong_key = http
        .post(&claims)
        .header("x-api-key", "nope")
        .json(&body)
        .send()
        .await
        .expect("claim");
    assert_eq!(wrong_key.status(), 401);

    let huge = vec![b' '; 1024 * 1024 + 1];
    let too_big = http
        .post(&claims)
        .header("x-api-key", KEY)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("oversized claim");
    assert_eq!(too_big.status(), 413);

    let redeemed = http
        .post(format!("{base}/v1/redemptions"))
        .header("x-api-key", KEY)
        .json(&json!({ "code": code, "order_ref": "113-0000001-0000001" }))
        .send()
        .await
        .expect("redeem");
    assert_eq!(redeemed.status(), 200);
}
