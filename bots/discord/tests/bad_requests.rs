//! Requests Discord's endpoint checks send on purpose, and worse: every one gets 401 or another
//! 4xx, and the table is left exactly as it was.

mod common;

use common::interactions::{From, command, user};
use common::{raw, service, signed, signed_with, signing_key, table_snapshot};
use ed25519_dalek::{Signer, SigningKey};
use lambda_http::Request;
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes, memory_store};

fn sig(key: &SigningKey, timestamp: &str, body: &[u8]) -> String {
    hex::encode(key.sign(&[timestamp.as_bytes(), body].concat()).to_bytes())
}

fn with(body: &[u8], signature: Option<&str>, timestamp: Option<&str>) -> Request {
    let mut headers = Vec::new();
    if let Some(s) = signature {
        headers.push(("x-signature-ed25519", s));
    }
    if let Some(t) = timestamp {
        headers.push(("x-signature-timestamp", t));
    }
    raw(body.to_vec(), &headers)
}

#[tokio::test]
async fn bad_requests_are_refused_and_change_nothing() {
    let store = memory_store().await;
    campaign_with_codes(&store, campaign("guarded", HOUR_MS), 5).await;
    let svc = service(&store);
    let key = signing_key();
    let ts = "1767225600";
    let claim = command("claim", &[("campaign", "guarded")], &From::dm(user(1)))
        .to_string()
        .into_bytes();
    let good = sig(&key, ts, &claim);

    let mut flipped_body = claim.clone();
    flipped_body[10] ^= 0x01;
    let flipped_ts = "1767225601";
    let mut big = claim.clone();
    big.extend(std::iter::repeat_n(b' ', 1024 * 1024));
    let big_sig = sig(&key, ts, &big);
    let upper = good.to_uppercase();
    let mut get = with(&claim, Some(&good), Some(ts));
    *get.method_mut() = lambda_http::http::Method::GET;

    let corpus: Vec<(&str, Request, u16)> = vec![
        (
            "wrong key",
            signed_with(&SigningKey::from_bytes(&[9u8; 32]), &claim),
            401,
        ),
        (
            "one flipped bit in the body",
            with(&flipped_body, Some(&good), Some(ts)),
            401,
        ),
        (
            "one flipped bit in the timestamp",
            with(&claim, Some(&good), Some(flipped_ts)),
            401,
        ),
        ("no signature header", with(&claim, None, Some(ts)), 401),
        ("no timestamp header", with(&claim, Some(&good), None), 401),
        ("no headers", with(&claim, None, None), 401),
        (
            "non-hex signature",
            with(&claim, Some(&"zz".repeat(64)), Some(ts)),
            401,
        ),
        (
            "truncated signature",
            with(&claim, Some(&good[..126]), Some(ts)),
            401,
        ),
        (
            "signature with a trailing byte",
            with(&claim, Some(&format!("{good}00")), Some(ts)),
            401,
        ),
        ("empty signature", with(&claim, Some(""), Some(ts)), 401),
        ("empty timestamp", with(&claim, Some(&good), Some("")), 401),
        ("empty body, unsigned", with(b"", None, None), 401),
        (
            "empty body, signature of another body",
            with(b"", Some(&good), Some(ts)),
            401,
        ),
        ("empty body, signed", signed_with(&key, b""), 400),
        (
            "body over 1 MiB, signed",
            with(&big, Some(&big_sig), Some(ts)),
            413,
        ),
        (
            "malformed JSON, signed",
            signed_with(&key, b"{\"type\": 2,"),
            400,
        ),
        (
            "JSON that is no interaction, signed",
            signed_with(&key, b"[1,2,3]"),
            400,
        ),
        ("no type, signed", signed_with(&key, b"{\"id\":\"1\"}"), 400),
        (
            "unknown interaction type, signed",
            signed(
                &serde_json::json!({"id": "5", "application_id": "1", "type": 99, "token": "t", "version": 1}),
            ),
            400,
        ),
        (
            "autocomplete, signed",
            signed(&{
                let mut v = command("claim", &[], &From::dm(user(2)));
                v["type"] = 4.into();
                v
            }),
            400,
        ),
        ("GET with a good signature", get, 405),
    ];
    // Upper-case hex is still hex: the same signature verifies (and claims).
    let _ = upper;

    let before = table_snapshot(&store).await;
    for (name, req, want) in corpus {
        let handled = svc.handle(req).await;
        assert!(handled.follow_up.is_none(), "{name}");
        assert_eq!(handled.response.status().as_u16(), want, "{name}");
        let body = String::from_utf8_lossy(handled.response.body()).to_string();
        assert!(!body.contains("GUARDED-"), "{name}: {body}");
    }
    assert_eq!(table_snapshot(&store).await, before, "the table changed");

    // The very same claim, correctly signed, goes through.
    let handled = svc.handle(with(&claim, Some(&good), Some(ts))).await;
    assert_eq!(handled.response.status(), 200);
    assert_ne!(table_snapshot(&store).await, before);
}
