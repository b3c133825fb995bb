//! Codes, the API key and order references never reach a log line, at any level, through the
//! handlers and the store, including on refusals and errors.

use crate::common;
use promo_api::ApiKey;
use promo_core::{Caps, Timestamp};
use promo_issue::IssueService;
use promo_redeem::RedeemService;
use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Mutex, Once};
use tracing_subscriber::filter::{FilterExt, dynamic_filter_fn};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{Layer, registry};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

thread_local! {
    static CAPTURING: RefCell<Option<Captured>> = const { RefCell::new(None) };
}

/// The buffer of the capture running on the thread that logs.
struct ThisThread;

impl<'a> MakeWriter<'a> for ThisThread {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        CAPTURING
            .try_with(|c| c.borrow().clone())
            .ok()
            .flatten()
            .unwrap_or_default()
    }
}

/// Captures what the current thread logs into `buffer` until dropped.
struct Capture;

impl Capture {
    fn start(buffer: &Captured) -> Self {
        // Other tests share this process, so the subscriber is global and a line goes to the
        // thread that logged it. A thread's own subscriber (`set_default`) would miss lines:
        // tracing caches a call site's interest from the first thread to reach it, and on
        // another test's thread that answer is "never".
        static INSTALLED: Once = Once::new();
        INSTALLED.call_once(|| {
            let capturing = dynamic_filter_fn(|_, _| {
                CAPTURING
                    .try_with(|c| c.borrow().is_some())
                    .unwrap_or(false)
            });
            let layer = tracing_subscriber::fmt::layer()
                .json()
                .with_writer(ThisThread)
                // The product's own filter, asked for everything: what `RUST_LOG=trace` gives a
                // seller.
                .with_filter(promo_api::log_filter(Some("trace")).and(capturing));
            tracing::subscriber::set_global_default(registry().with(layer))
                .expect("no other global subscriber in this test binary");
            // A call site that another thread reached while this was being set may have kept
            // the answer of no subscriber.
            tracing::callsite::rebuild_interest_cache();
        });
        CAPTURING.with(|c| *c.borrow_mut() = Some(buffer.clone()));
        Self
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        CAPTURING.with(|c| c.borrow_mut().take());
    }
}

fn post(path: &str, key: &str, body: &str) -> lambda_http::Request {
    promo_testkit::fixtures::request("POST", path, Some(key), body.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_code_key_or_order_reference_appears_in_the_logs() {
    let captured = Captured::default();
    let _capture = Capture::start(&captured);

    const KEY: &str = "sk-live-very-secret-api-key-0123456789";
    let store = common::store().await;
    let id = common::campaign_with_codes(&store, "logs", 3_600_000, Caps::default(), 3).await;
    let issue = IssueService::new(store.clone(), ApiKey::new(KEY).expect("key"));
    let redeem = RedeemService::new(store.clone(), ApiKey::new(KEY).expect("key"));
    let claims = format!("/v1/campaigns/{id}/claims");
    let mut codes = Vec::new();
    for user in 1..=5 {
        let body = format!(r#"{{"platform":"telegram","user_id":"{user}"}}"#);
        let resp = issue.handle(post(&claims, KEY, &body)).await;
        let json: serde_json::Value =
            serde_json::from_slice(resp.body().as_ref()).expect("json body");
        if let Some(code) = json["code"].as_str() {
            codes.push(code.to_owned());
        }
        // A repeat, a wrong key and a malformed body too.
        issue.handle(post(&claims, KEY, &body)).await;
        issue
            .handle(post(&claims, "sk-live-wrong-key-guess", &body))
            .await;
        issue.handle(post(&claims, KEY, "{not json")).await;
    }
    assert_eq!(codes.len(), 3);
    for (i, code) in codes.iter().enumerate() {
        let body = format!(r#"{{"code":"{code}","order_ref":"ORDER-SECRET-{i}"}}"#);
        redeem.handle(post("/v1/redemptions", KEY, &body)).await;
        redeem.handle(post("/v1/redemptions", KEY, &body)).await;
        let other = format!(r#"{{"code":"{code}","order_ref":"ORDER-OTHER-{i}"}}"#);
        redeem.handle(post("/v1/redemptions", KEY, &other)).await;
    }
    store
        .expire_sweep(Timestamp::now(), 100)
        .await
        .expect("sweep");

    let logs =
        String::from_utf8(captured.0.lock().expect("log buffer").clone()).expect("utf-8 logs");
    assert!(
        !logs.is_empty(),
        "the test must capture some log output to mean anything"
    );
    for secret in codes.iter().map(String::as_str).chain([
        KEY,
        "sk-live-wrong-key-guess",
        "ORDER-SECRET",
        "ORDER-OTHER",
    ]) {
        if let Some(at) = logs.find(secret) {
            let line_start = logs[..at].rfind('\n').map_or(0, |i| i + 1);
            panic!(
                "a secret reached the logs: {}",
                &logs[line_start..(line_start + 400).min(logs.len())].replace(secret, "<SECRET>")
            );
        }
    }
    for code in common::codes("LOGS", 3) {
        assert!(
            !logs.contains(code.expose()),
            "a pool code reached the logs"
        );
    }
}
