//! Requests Discord's endpoint checks send on purpose, and worse: every one gets 401 or another
//! 4xx, and the table is left exactly as it was.

use crate::common::interactions::{From, command, ping, user};
use crate::common::{
    config, raw, service, signed, signed_at, signed_with, signing_key, table_snapshot, unix_now,
};
use ed25519_dalek::{Signer, SigningKey};
use lambda_http::Request;
use promo_discord::signature::{self, MAX_AGE_SECS, MAX_SKEW_SECS, Rejected};
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes, memory_store};
use std::time::Duration;

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
    let now = unix_now();
    let ts = &now.to_string();
    let claim = command("claim", &[("campaign", "guarded")], &From::dm(user(1)))
        .to_string()
        .into_bytes();
    let good = sig(&key, ts, &claim);

    let mut flipped_body = claim.clone();
    flipped_body[10] ^= 0x01;
    let flipped_ts = &(now + 1).to_string();
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

/// The claim of one follower, signed with `timestamp` as Discord would sign it.
fn claim_at(timestamp: &str, n: u64) -> Request {
    let body = command("claim", &[("campaign", "replayed")], &From::dm(user(n))).to_string();
    signed_at(&signing_key(), timestamp, body.as_bytes())
}

#[tokio::test]
async fn requests_signed_too_long_ago_or_too_far_ahead_are_refused_and_claim_nothing() {
    let store = memory_store().await;
    campaign_with_codes(&store, campaign("replayed", HOUR_MS), 5).await;
    let svc = service(&store);
    let now = unix_now();
    let age = MAX_AGE_SECS as i64;
    let skew = MAX_SKEW_SECS as i64;
    // Each correctly signed; the clock may tick while the test runs, so these keep 5 s off the
    // edges (the exact edges are the next test's, on a fixed clock).
    let refused: Vec<(&str, String)> = vec![
        ("just over five minutes old", (now - age - 5).to_string()),
        ("a day old", (now - 86_400).to_string()),
        ("the Unix epoch", "0".to_owned()),
        ("over a minute ahead", (now + skew + 5).to_string()),
        ("a year ahead", (now + 365 * 86_400).to_string()),
        ("negative", format!("-{now}")),
        ("with a plus sign", format!("+{now}")),
        ("with a leading space", format!(" {now}")),
        ("milliseconds", (now * 1000).to_string()),
        ("a fraction", format!("{now}.5")),
        ("an exponent", "1.7e9".to_owned()),
        ("hexadecimal", format!("0x{now:x}")),
        ("not a number", "yesterday".to_owned()),
        ("too many digits", "9".repeat(40)),
    ];
    let before = table_snapshot(&store).await;
    for (n, (name, ts)) in refused.iter().enumerate() {
        let handled = svc.handle(claim_at(ts, n as u64 + 1)).await;
        assert!(handled.follow_up.is_none(), "{name}");
        assert_eq!(handled.response.status().as_u16(), 401, "{name}");
        let body = String::from_utf8_lossy(handled.response.body()).to_string();
        assert!(!body.contains("REPLAYED-"), "{name}: {body}");
        // A ping too: nothing at all is answered outside the window.
        let ping = ping().to_string();
        let handled = svc
            .handle(signed_at(&signing_key(), ts, ping.as_bytes()))
            .await;
        assert_eq!(handled.response.status().as_u16(), 401, "{name} (ping)");
    }
    assert_eq!(table_snapshot(&store).await, before, "the table changed");

    // Within the window, on both sides of now, the same claims go through.
    for (n, ts) in [now - age + 5, now, now + skew - 5].iter().enumerate() {
        let handled = svc.handle(claim_at(&ts.to_string(), 100 + n as u64)).await;
        assert_eq!(handled.response.status(), 200, "signed at {ts}");
        let body = String::from_utf8_lossy(handled.response.body()).to_string();
        assert!(body.contains("REPLAYED-"), "signed at {ts}: {body}");
    }
}

#[test]
fn the_window_edges_are_five_minutes_back_and_one_minute_ahead() {
    let verifier = config(None, Duration::from_secs(1)).verifier;
    let now: u64 = 1_800_000_000;
    let at = |sent: u64| {
        let body = ping().to_string();
        let req = signed_at(&signing_key(), &sent.to_string(), body.as_bytes());
        signature::verify_at(&verifier, req.headers(), req.body(), now)
    };
    assert!(at(now).is_ok());
    assert!(at(now - MAX_AGE_SECS).is_ok(), "exactly five minutes old");
    assert_eq!(at(now - MAX_AGE_SECS - 1), Err(Rejected::BadSignature));
    assert!(at(now + MAX_SKEW_SECS).is_ok(), "exactly a minute ahead");
    assert_eq!(at(now + MAX_SKEW_SECS + 1), Err(Rejected::BadSignature));
    // Outside the window and badly signed: the same single answer.
    let body = ping().to_string();
    let forged = signed_at(
        &SigningKey::from_bytes(&[9u8; 32]),
        &(now - 3600).to_string(),
        body.as_bytes(),
    );
    assert_eq!(
        signature::verify_at(&verifier, forged.headers(), forged.body(), now),
        Err(Rejected::BadSignature)
    );
}

mod hostile_bodies {
    //! Correctly signed, so they pass the first gate: any bytes, and interactions carrying any
    //! Unicode where Discord puts text (custom ids, option values), get a clean answer (200 with
    //! a refusal, or a 4xx), never a 500 or a panic, and issue nothing.
    use super::*;
    use proptest::prelude::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_signed_bytes_get_a_clean_answer(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            runtime().block_on(async {
                let store = memory_store().await;
                campaign_with_codes(&store, campaign("guarded", HOUR_MS), 2).await;
                let before = table_snapshot(&store).await;
                let handled = service(&store).handle(signed_with(&signing_key(), &body)).await;
                let status = handled.response.status().as_u16();
                prop_assert!(matches!(status, 200 | 400), "status {status}");
                prop_assert!(handled.follow_up.is_none());
                prop_assert_eq!(table_snapshot(&store).await, before);
                Ok(())
            })?;
        }

        #[test]
        fn any_unicode_in_a_button_or_an_option_gets_a_clean_refusal(text in "\\PC{0,120}") {
            runtime().block_on(async {
                let store = memory_store().await;
                campaign_with_codes(&store, campaign("guarded", HOUR_MS), 2).await;
                let svc = service(&store);
                let mut button = command("claim", &[], &From::dm(user(7)));
                button["type"] = 3.into();
                button["data"] = serde_json::json!({"custom_id": format!("claim:{text}"), "component_type": 2});
                let typed = command("claim", &[("campaign", text.as_str()), ("influencer", text.as_str())], &From::dm(user(8)));
                for interaction in [button, typed] {
                    let handled = svc.handle(signed(&interaction)).await;
                    let status = handled.response.status().as_u16();
                    prop_assert!(matches!(status, 200 | 400), "status {status}");
                }
                let codes_issued = store.campaign_claims(&promo_core::CampaignId::parse("guarded").expect("id"), None).await.expect("claims").len();
                prop_assert_eq!(codes_issued, 0);
                Ok(())
            })?;
        }
    }
}
