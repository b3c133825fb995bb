//! Crash safety of the one-machine mode: `promo serve` killed with SIGKILL in the middle of a
//! burst of claims, restarted on the same data file, loses no acknowledged claim and keeps every
//! invariant.

use crate::common::{PROMO, ok};
use futures::StreamExt;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const KEY: &str = "crash-test-key-0123456789";
const FOLLOWERS: u32 = 400;
/// Acknowledged claims to wait for before killing the server.
const KILL_AFTER: usize = 60;

/// Starts `promo serve` on `data` and returns it with its base URL once `/healthz` answers.
async fn serve(data: &Path) -> (Child, String) {
    let mut child = Command::new(PROMO)
        .args(["serve", "--port", "0", "--data"])
        .arg(data)
        .env("PROMO_API_KEY", KEY)
        .env_remove("PROMO_TABLE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("starting promo serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("serve printed its URL in time")
        .expect("reading stdout")
        .expect("a first line");
    let base = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .to_owned();
    // Keep reading stdout so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if http
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return (child, base);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("/healthz never answered 200");
}

/// One claim; the code when the server acknowledged it (200 or 201).
async fn claim(http: &reqwest::Client, base: &str, user: u32) -> Option<String> {
    let resp = http
        .post(format!("{base}/v1/campaigns/crash/claims"))
        .header("x-api-key", KEY)
        .json(&json!({ "platform": "telegram", "user_id": user.to_string() }))
        .send()
        .await
        .ok()?;
    if !matches!(resp.status().as_u16(), 200 | 201) {
        return None;
    }
    let body: Value = resp.json().await.ok()?;
    body["code"].as_str().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_mid_load_loses_no_acknowledged_claim() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    ok(
        &data,
        &[
            "campaign",
            "create",
            "crash",
            "--name",
            "Crash",
            "--product",
            "B0001",
            "--discount",
            "10%",
            "--days",
            "1",
        ],
    );
    ok(&data, &["codes", "generate", "crash", "--count", "300"]);

    let (mut child, base) = serve(&data).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let acked: Arc<Mutex<HashMap<u32, String>>> = Arc::default();
    let load = {
        let (http, base, acked) = (http.clone(), base.clone(), acked.clone());
        tokio::spawn(async move {
            futures::stream::iter(0..FOLLOWERS)
                .for_each_concurrent(16, |user| {
                    let (http, base, acked) = (http.clone(), base.clone(), acked.clone());
                    async move {
                        if let Some(code) = claim(&http, &base, user).await {
                            acked.lock().expect("lock").insert(user, code);
                        }
                    }
                })
                .await;
        })
    };
    // SIGKILL once enough claims are acknowledged, with more in flight.
    let mut waited = 0;
    while acked.lock().expect("lock").len() < KILL_AFTER && waited < 600 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        waited += 1;
    }
    child.start_kill().expect("SIGKILL promo serve");
    let status = child.wait().await.expect("the server exits");
    assert!(!status.success(), "killed, not exited: {status:?}");
    load.await.expect("the load stops once the server is gone");
    let before_restart = acked.lock().expect("lock").clone();
    assert!(
        before_restart.len() >= KILL_AFTER,
        "only {} claims were acknowledged before the kill",
        before_restart.len()
    );
    assert!(
        before_restart.len() < FOLLOWERS as usize,
        "the kill came after the whole load: nothing was in flight"
    );

    // Restarted on the same file: every acknowledged follower gets their code back.
    let (mut child, base) = serve(&data).await;
    for (user, code) in &before_restart {
        let again = claim(&http, &base, *user).await;
        assert_eq!(
            again.as_deref(),
            Some(code.as_str()),
            "follower {user} lost the code they were given"
        );
    }
    // And the rest can still claim.
    let mut after: HashMap<u32, String> = HashMap::new();
    for user in FOLLOWERS..FOLLOWERS + 20 {
        if let Some(code) = claim(&http, &base, user).await {
            after.insert(user, code);
        }
    }
    assert_eq!(after.len(), 20, "claims work after the restart");
    child.start_kill().expect("stop promo serve");
    let _ = child.wait().await;

    let store = promo_store::Store::embedded_file(&data)
        .await
        .expect("the data file opens");
    let records = store.records().await.expect("scan");
    let violations = promo_store::admin::audit::check(&records);
    assert!(violations.is_empty(), "{violations:#?}");
    let held: HashMap<String, String> = records
        .claims
        .iter()
        .map(|c| (c.follower.to_string(), c.code.expose().to_owned()))
        .collect();
    for (user, code) in before_restart.iter().chain(after.iter()) {
        assert_eq!(
            held.get(&format!("telegram:{user}")),
            Some(code),
            "follower {user}'s acknowledged code is not in the table"
        );
    }
    let mut codes: Vec<&String> = held.values().collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), held.len(), "a code went to two followers");
}
