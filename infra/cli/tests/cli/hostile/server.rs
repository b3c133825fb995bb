//! `promo serve` itself under attack: slow and stalled clients, idle keep-alive connections, more
//! connections than the cap, a short API key, and `/healthz` after all of it.

use super::support::{API_KEY, Cases, Findings, Raw, http};
use crate::common::{self, spawn_serve};
use std::time::{Duration, Instant};

fn env() -> Vec<(&'static str, &'static str)> {
    vec![("PROMO_API_KEY", API_KEY)]
}

async fn healthy(base: &str) -> Result<(), String> {
    let r = http()
        .get(format!("{base}/healthz"))
        .send()
        .await
        .map_err(|e| format!("/healthz: no answer ({e})"))?;
    if r.status() == 200 {
        Ok(())
    } else {
        Err(format!("/healthz answered {}", r.status()))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_cuts_off_stalled_and_idle_connections() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    let serve = spawn_serve(
        &data,
        &["--header-timeout", "1", "--idle-timeout", "2"],
        &env(),
    )
    .await;
    let mut cases = Cases::new("server timeouts");

    // Each client runs at once; the cases wait side by side, not one after another.
    let half_line = async {
        let mut f = Findings::default();
        let mut c = Raw::connect(&serve).await;
        c.write(b"GET /heal").await.expect("write");
        let closed = c.closed_within(Duration::from_secs(6)).await;
        println!("half a request line: closed after {closed:?}");
        match closed {
            Some(t) => f.expect(t <= Duration::from_millis(3500), || {
                format!("closed after {t:?}, want about the 1 s header timeout")
            }),
            None => {
                f.0.push("still open 6 s after half a request line (header timeout 1 s)".into())
            }
        }
        f.0
    };
    let slow_headers = async {
        // A header line every 300 ms: each byte keeps the connection busy, the headers never end.
        let mut f = Findings::default();
        let mut c = Raw::connect(&serve).await;
        c.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .expect("write");
        let started = Instant::now();
        let mut closed = None;
        for i in 0..20 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if c.write(format!("X-Slow-{i}: y\r\n").as_bytes())
                .await
                .is_err()
            {
                closed = Some(started.elapsed());
                break;
            }
            if let Some(t) = c.closed_within(Duration::from_millis(1)).await {
                closed = Some(started.elapsed().max(t));
                break;
            }
        }
        println!("a trickle of header lines: closed after {closed:?}");
        match closed {
            Some(t) => f.expect(t <= Duration::from_millis(3500), || {
                format!("a trickle of headers kept the connection {t:?}")
            }),
            None => {
                f.0.push("a trickle of header lines kept the connection open for 6 s".into())
            }
        }
        f.0
    };
    let idle = async {
        let mut f = Findings::default();
        let mut c = Raw::connect(&serve).await;
        c.get_health().await.expect("write");
        let first = c.response(Duration::from_secs(5)).await;
        f.expect(
            first
                .as_deref()
                .is_some_and(|r| r.starts_with("HTTP/1.1 200")),
            || format!("the keep-alive request answered {first:?}"),
        );
        let closed = c.closed_within(Duration::from_secs(8)).await;
        println!("an idle keep-alive connection: closed after {closed:?}");
        match closed {
            // Idle timeout 2 s: closed gracefully then, for good after twice that.
            Some(t) => f.expect(t <= Duration::from_millis(5500), || {
                format!("the idle connection closed after {t:?}, want at most about 2 × 2 s")
            }),
            None => {
                f.0.push("an idle keep-alive connection was still open after 8 s".into())
            }
        }
        f.0
    };
    let connect_only = async {
        // Connects and sends nothing at all.
        let mut f = Findings::default();
        let mut c = Raw::connect(&serve).await;
        let closed = c.closed_within(Duration::from_secs(8)).await;
        println!("a connection that sends nothing: closed after {closed:?}");
        match closed {
            Some(t) => f.expect(t <= Duration::from_millis(5500), || {
                format!("a silent connection closed after {t:?}")
            }),
            None => {
                f.0.push("a connection that never sent a byte was open after 8 s".into())
            }
        }
        f.0
    };
    let stalled_body = async {
        // Headers complete (so the header timeout is over), then the body stops after 10 of the
        // 100 bytes announced: only the idle timeout can end this one.
        let mut f = Findings::default();
        let mut c = Raw::connect(&serve).await;
        let head = format!(
            "POST /v1/campaigns/spring/claims HTTP/1.1\r\nHost: x\r\nx-api-key: {API_KEY}\r\n\
             content-type: application/json\r\ncontent-length: 100\r\n\r\n{{\"platform\""
        );
        c.write(head.as_bytes()).await.expect("write");
        let closed = c.closed_within(Duration::from_secs(9)).await;
        println!("a body stalled after 10 of 100 bytes: closed after {closed:?}");
        match closed {
            Some(t) => f.expect(t <= Duration::from_secs(6), || {
                format!("a stalled body kept the connection {t:?}, want about 2 × 2 s")
            }),
            None => {
                f.0.push("a stalled request body kept the connection open 9 s".into())
            }
        }
        f.0
    };
    let (a, b, c, d, e) = tokio::join!(half_line, slow_headers, idle, connect_only, stalled_body);
    cases.record(
        "half a request line then a stall: closed after --header-timeout 1",
        a,
    );
    cases.record(
        "headers trickled one line per 300 ms: closed by the header timeout",
        b,
    );
    // On main hyper's header-read timer also runs while a keep-alive connection waits for its
    // next request, so this one closes after the 1 s header timeout, before the idle timeout:
    // either way it must not stay open.
    cases.record(
        "an idle keep-alive connection: closed (by --idle-timeout 2 at the latest)",
        c,
    );
    cases.record("a connection that sends nothing: closed", d);
    cases.record(
        "a request body that stalls: closed after the idle timeout",
        e,
    );
    let mut f = Findings::default();
    if let Err(e) = healthy(&serve.base).await {
        f.0.push(e);
    }
    cases.record("/healthz 200 afterwards", f.0);
    cases.finish();
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_holds_a_third_connection_over_a_cap_of_two() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    let serve = spawn_serve(&data, &["--max-connections", "2"], &env()).await;
    let mut cases = Cases::new("server connection cap");
    let mut f = Findings::default();

    // spawn_serve's health check has closed its connection; wait until serve has let go of it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut a = Raw::connect(&serve).await;
    let mut b = Raw::connect(&serve).await;
    for (name, c) in [("first", &mut a), ("second", &mut b)] {
        c.get_health().await.expect("write");
        let r = c.response(Duration::from_secs(5)).await;
        f.expect(
            r.as_deref().is_some_and(|r| r.starts_with("HTTP/1.1 200")),
            || format!("the {name} connection was not served: {r:?}"),
        );
    }
    let mut third = Raw::connect(&serve).await;
    third.get_health().await.expect("write");
    let early = third.response(Duration::from_millis(1500)).await;
    f.expect(early.is_none(), || {
        format!("a third connection was served while two were open: {early:?}")
    });
    drop(a);
    let freed = Instant::now();
    let late = third.response(Duration::from_secs(5)).await;
    println!(
        "third connection: nothing for 1.5 s while two were open, answered {:?} after one closed",
        freed.elapsed()
    );
    f.expect(
        late.as_deref()
            .is_some_and(|r| r.starts_with("HTTP/1.1 200")),
        || format!("the third connection was not served once one closed: {late:?}"),
    );
    cases.record("--max-connections 2: a third waits until one closes", f.0);

    drop(b);
    drop(third);
    let mut f = Findings::default();
    let started = Instant::now();
    let mut last = Err(String::new());
    while started.elapsed() < Duration::from_secs(5) {
        last = healthy(&serve.base).await;
        if last.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if let Err(e) = last {
        f.0.push(e);
    }
    // Several requests in a row on fresh connections: the permits came back.
    for _ in 0..5 {
        if let Err(e) = healthy(&serve.base).await {
            f.0.push(e);
        }
    }
    cases.record("/healthz 200 after the connections closed", f.0);
    cases.finish();
}

/// Runs `promo serve` expecting it to exit by itself within 20 s.
fn run_to_exit(data: &std::path::Path, key: &str) -> (Option<i32>, String, String) {
    let logs = tempfile::tempdir().expect("temp dir");
    let (out, err) = (logs.path().join("out"), logs.path().join("err"));
    let mut cmd = std::process::Command::new(common::PROMO);
    cmd.args(["serve", "--port", "0", "--data"])
        .arg(data)
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&out).expect("file"))
        .stderr(std::fs::File::create(&err).expect("file"));
    common::clear_promo_env(&mut cmd);
    cmd.env("PROMO_API_KEY", key);
    let mut child = cmd.spawn().expect("spawn promo serve");
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break Some(s);
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let read = |p: &std::path::Path| {
        String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned()
    };
    (
        status.map(|s| s.code().unwrap_or(-1)),
        read(&out),
        read(&err),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_refuses_an_api_key_shorter_than_16_characters() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    let mut cases = Cases::new("server API key");
    for key in ["fifteen-chars-k", "               x", "ключ-ключ-ключ"] {
        let mut f = Findings::default();
        let (code, out, err) = run_to_exit(&data, key);
        match code {
            None => f.0.push("still running after 20 s".into()),
            Some(0) => f.0.push("exited 0".into()),
            Some(_) => {}
        }
        let text = err.to_lowercase();
        f.expect(text.contains("16") && text.contains("api"), || {
            format!("no clear message (want the minimum, 16, and the variable): {err:?}")
        });
        f.expect(!out.contains("listening"), || format!("it listened: {out}"));
        let secret = key.trim();
        let shown = secret.len() >= 4 && (err.contains(secret) || out.contains(secret));
        f.expect(!shown, || "the key was printed".into());
        cases.record(
            &format!(
                "a {}-char key {key:?}: refused, exit ≠ 0, clear message",
                key.chars().count()
            ),
            f.0,
        );
    }
    let mut f = Findings::default();
    let serve = spawn_serve(&data, &[], &[("PROMO_API_KEY", "sixteen-chars-ky")]).await;
    if let Err(e) = healthy(&serve.base).await {
        f.0.push(e);
    }
    cases.record("a 16-char key: serve starts, /healthz 200", f.0);
    cases.finish();
}
