//! What every hostile case needs: a seeded data file with codes the test knows, the signed links
//! the seller's CLI prints, a collector that runs every case and reports every failure at once,
//! leak checks, the store's claims after the fact, and a raw TCP client for the server cases.

use crate::common::{self, Serve};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The campaign every suite claims from.
pub const CAMPAIGN: &str = "spring";
/// A second campaign, for links that name another campaign.
pub const OTHER_CAMPAIGN: &str = "autumn";
/// The Discord server the seller allowed for [`CAMPAIGN`]'s claim buttons.
pub const SELLER_GUILD: u64 = 400_000_000_000_000_777;
/// The seller's API key (long enough to start serve).
pub const API_KEY: &str = "hostile-suite-api-key-000000001";
/// The link secret: signs deep links, buttons and dashboard links.
pub const LINK_SECRET: &str = "hostile-suite-link-secret-00000001";

/// A data file seeded through the seller CLI, and everything secret in it.
pub struct World {
    /// Keeps the data file alive.
    pub _dir: tempfile::TempDir,
    /// The embedded store's file.
    pub data: PathBuf,
    /// Every code imported, in every campaign.
    pub codes: Vec<String>,
    /// The signed Telegram `start` payload `promo influencer link` printed, by label
    /// (`(direct)`, `alice`, `bobby`).
    pub payloads: BTreeMap<String, String>,
    /// The Discord button custom id it printed (`claim:...`), by label.
    pub buttons: BTreeMap<String, String>,
    /// Secrets that must never appear in a response or a log line, by name.
    pub secrets: Vec<(String, String)>,
}

/// Codes shaped like Amazon's, distinct per campaign (`n` from 1).
fn code(campaign: &str, n: usize) -> String {
    let tag = if campaign == CAMPAIGN { "HS" } else { "HA" };
    format!("{tag}{:02}-Q{n:05}-R{n:05}", n % 100)
}

impl World {
    /// `spring` with 24 codes, influencers `alice` (quota 8) and `bobby` (quota 8); `autumn`
    /// with 4 codes and no influencer. Both active for a day.
    pub fn seed() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("promo.db");
        let mut codes = Vec::new();
        for (campaign, count) in [(CAMPAIGN, 24), (OTHER_CAMPAIGN, 4)] {
            common::ok(
                &data,
                &[
                    "campaign",
                    "create",
                    campaign,
                    "--name",
                    campaign,
                    "--product",
                    "B0HOSTILE1",
                    "--discount",
                    "20% off",
                    "--days",
                    "1",
                ],
            );
            let file = dir.path().join(format!("{campaign}.txt"));
            let mine: Vec<String> = (1..=count).map(|n| code(campaign, n)).collect();
            std::fs::write(&file, format!("Claim Code\n{}\n", mine.join("\n"))).expect("codes");
            common::ok(
                &data,
                &["codes", "import", campaign, file.to_str().expect("path")],
            );
            codes.extend(mine);
        }
        common::ok(
            &data,
            &[
                "discord",
                "allow-guild",
                &SELLER_GUILD.to_string(),
                "--campaign",
                CAMPAIGN,
            ],
        );
        for who in ["alice", "bobby"] {
            common::ok(
                &data,
                &[
                    "influencer",
                    "add",
                    CAMPAIGN,
                    who,
                    "--name",
                    who,
                    "--quota",
                    "8",
                ],
            );
        }
        let mut world = Self {
            _dir: dir,
            data,
            codes,
            payloads: BTreeMap::new(),
            buttons: BTreeMap::new(),
            secrets: vec![
                ("API key".into(), API_KEY.into()),
                ("link secret".into(), LINK_SECRET.into()),
            ],
        };
        let printed = world.cli_ok(&["influencer", "link", CAMPAIGN, "--bot", "@hostile_bot"]);
        let mut label = String::new();
        for line in printed.lines() {
            if !line.starts_with(' ') {
                label = line.trim().to_owned();
            } else if let Some(rest) = line.trim().strip_prefix("telegram:") {
                let payload = rest
                    .split("start=")
                    .nth(1)
                    .and_then(|p| p.split_whitespace().next())
                    .expect("a start payload");
                world.payloads.insert(label.clone(), payload.to_owned());
            } else if let Some(rest) = line.trim().strip_prefix("discord:") {
                let custom_id = rest.split_whitespace().next().expect("a custom id");
                world.buttons.insert(label.clone(), custom_id.to_owned());
            }
        }
        assert!(
            ["(direct)", "alice", "bobby"]
                .iter()
                .all(|l| world.payloads.contains_key(*l) && world.buttons.contains_key(*l)),
            "links: {printed}"
        );
        world
    }

    /// Runs the CLI on this data file with the link secret set, and asserts success.
    pub fn cli_ok(&self, args: &[&str]) -> String {
        let out = common::promo_env(&self.data, args, &[("PROMO_LINK_SECRET", LINK_SECRET)]);
        assert!(
            out.status.success(),
            "promo {args:?} failed:\n{}",
            common::stderr(&out)
        );
        common::stdout(&out)
    }

    /// The signed Telegram payload printed for `label`.
    pub fn payload(&self, label: &str) -> &str {
        &self.payloads[label]
    }

    /// The Discord button custom id printed for `label`.
    pub fn button(&self, label: &str) -> &str {
        &self.buttons[label]
    }

    /// Adds a secret to look for in responses and logs.
    pub fn secret(&mut self, name: &str, value: &str) {
        self.secrets.push((name.into(), value.into()));
    }

    /// Every code and secret found in `text`, by name (codes are named `code <text>`).
    pub fn leaks(&self, text: &str) -> Vec<String> {
        let mut found: Vec<String> = self
            .secrets
            .iter()
            .filter(|(_, v)| text.contains(v.as_str()))
            .map(|(n, _)| n.clone())
            .collect();
        found.extend(
            self.codes
                .iter()
                .filter(|c| text.contains(c.as_str()))
                .map(|c| format!("code {c}")),
        );
        if found.is_empty() && common::has_amazon_code(text) {
            found.push("something shaped like a claim code".into());
        }
        found
    }

    /// The pool codes in `text`.
    pub fn codes_in(&self, text: &str) -> Vec<String> {
        self.codes
            .iter()
            .filter(|c| text.contains(c.as_str()))
            .cloned()
            .collect()
    }

    /// The campaign's claims, read with `promo export claims` (serve may be running).
    pub fn claims(&self, campaign: &str) -> Vec<ClaimRow> {
        let csv_text = self.cli_ok(&["export", "claims", campaign]);
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        reader
            .records()
            .map(|r| {
                let r = r.expect("a CSV row");
                ClaimRow {
                    code: r[0].to_owned(),
                    platform: r[1].to_owned(),
                    user: r[2].to_owned(),
                    influencer: r[3].to_owned(),
                }
            })
            .collect()
    }

    /// `promo stats <campaign> --json`.
    pub fn stats(&self, campaign: &str) -> Value {
        common::stats(&self.data, campaign)
    }
}

/// One row of `promo export claims`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRow {
    /// The code issued.
    pub code: String,
    /// `telegram`, `discord`, `web`.
    pub platform: String,
    /// The platform user id, as stored.
    pub user: String,
    /// The influencer credited, or `direct`.
    pub influencer: String,
}

/// The claims a suite made on purpose: `(platform, user, influencer)`.
pub type Expected = Vec<(&'static str, String, &'static str)>;

/// Runs every case of a suite and reports all failures at the end, so one broken promise does
/// not hide the next.
pub struct Cases {
    suite: &'static str,
    passed: Vec<String>,
    failed: Vec<String>,
}

impl Cases {
    /// A collector for `suite`.
    pub fn new(suite: &'static str) -> Self {
        Self {
            suite,
            passed: Vec::new(),
            failed: Vec::new(),
        }
    }

    /// Records one case: `problems` empty means it passed.
    pub fn record(&mut self, case: &str, problems: Vec<String>) {
        if problems.is_empty() {
            self.passed.push(case.to_owned());
        } else {
            self.failed
                .push(format!("{case}:\n      {}", problems.join("\n      ")));
        }
    }

    /// Prints what passed and panics with every failure.
    pub fn finish(self) {
        println!("[{}] {} cases passed:", self.suite, self.passed.len());
        for p in &self.passed {
            println!("  ok   {p}");
        }
        assert!(
            self.failed.is_empty(),
            "[{}] {} of {} hostile cases failed:\n  - {}",
            self.suite,
            self.failed.len(),
            self.failed.len() + self.passed.len(),
            self.failed.join("\n  - ")
        );
    }
}

/// A case's findings, gathered one check at a time.
#[derive(Default)]
pub struct Findings(pub Vec<String>);

impl Findings {
    /// Notes `problem` unless `ok`.
    pub fn expect(&mut self, ok: bool, problem: impl FnOnce() -> String) {
        if !ok {
            self.0.push(problem());
        }
    }

    /// Notes every leak of `world`'s codes or secrets in `text` (from `where_`).
    pub fn no_leak(&mut self, world: &World, where_: &str, text: &str) {
        let leaks = world.leaks(text);
        self.expect(leaks.is_empty(), || {
            format!("{where_} leaked: {}", leaks.join(", "))
        });
    }
}

/// An answer: status and body text, or why there was none (a dropped connection).
pub type Answer = Result<(u16, String), String>;

/// Sends `req` and reads the answer; a transport error (dropped connection, timeout) is `Err`.
pub async fn send(req: reqwest::RequestBuilder) -> Answer {
    match req.send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            let body = r
                .text()
                .await
                .map_err(|e| format!("reading the body: {e}"))?;
            Ok((status, body))
        }
        Err(e) => Err(format!("no answer ({e})")),
    }
}

/// An HTTP client that never waits long.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .expect("HTTP client")
}

/// Checks `answer` has one of `statuses`, leaks nothing, and is not an internal error.
pub fn answered(
    f: &mut Findings,
    world: &World,
    answer: &Answer,
    statuses: &[u16],
) -> Option<String> {
    checked(f, world, answer, statuses, false)
}

/// Like [`answered`], for the answer that legitimately hands the asker their own code: only
/// secrets count as leaks.
pub fn answered_own(
    f: &mut Findings,
    world: &World,
    answer: &Answer,
    statuses: &[u16],
) -> Option<String> {
    checked(f, world, answer, statuses, true)
}

fn checked(
    f: &mut Findings,
    world: &World,
    answer: &Answer,
    statuses: &[u16],
    own_code: bool,
) -> Option<String> {
    match answer {
        Ok((status, body)) => {
            f.expect(statuses.contains(status), || {
                format!(
                    "answered {status} (want {statuses:?}): {}",
                    truncate(body, 300)
                )
            });
            if own_code {
                let secrets: Vec<&String> = world
                    .secrets
                    .iter()
                    .filter(|(_, v)| body.contains(v.as_str()))
                    .map(|(n, _)| n)
                    .collect();
                f.expect(secrets.is_empty(), || {
                    format!("the response leaked: {secrets:?}")
                });
            } else {
                f.no_leak(world, "the response", body);
            }
            Some(body.clone())
        }
        Err(e) => {
            f.0.push(format!("want {statuses:?}, got {e}"));
            None
        }
    }
}

/// The status of an answer, for case names (`dropped` when there was none).
pub fn status(answer: &Answer) -> String {
    match answer {
        Ok((s, _)) => s.to_string(),
        Err(_) => "dropped".into(),
    }
}

/// At most `n` bytes of `s`, on a character boundary.
pub fn truncate(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_owned();
    }
    let mut end = n;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// Checks the store holds exactly the `expected` claims of `campaign`, and that no user named
/// in `hostile` (case name, user id) holds one: the final proof that nothing was issued or
/// credited by a hostile case.
pub fn claims_are_exactly(
    cases: &mut Cases,
    world: &World,
    campaign: &str,
    expected: &Expected,
    hostile: &[(String, String)],
) {
    let rows = world.claims(campaign);
    for (case, user) in hostile {
        let held: Vec<&ClaimRow> = rows.iter().filter(|r| &r.user == user).collect();
        cases.record(
            &format!("store: {case} issued nothing"),
            held.iter()
                .map(|r| {
                    format!(
                        "user {} holds a code ({} via {})",
                        r.user, r.platform, r.influencer
                    )
                })
                .collect(),
        );
    }
    let mut got: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| (r.platform.clone(), r.user.clone(), r.influencer.clone()))
        .collect();
    got.sort();
    let mut want: Vec<(String, String, String)> = expected
        .iter()
        .map(|(p, u, i)| ((*p).to_owned(), u.clone(), (*i).to_owned()))
        .collect();
    want.sort();
    let mut f = Findings::default();
    f.expect(got == want, || {
        format!("claims (platform, user, influencer) are {got:?}, want {want:?}")
    });
    let mut codes: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
    codes.sort_unstable();
    let before = codes.len();
    codes.dedup();
    f.expect(codes.len() == before, || "a code was issued twice".into());
    let stats = world.stats(campaign);
    f.expect(stats["claims"].as_u64() == Some(want.len() as u64), || {
        format!("stats says {} claims, want {}", stats["claims"], want.len())
    });
    if let Some(list) = stats["influencers"].as_array() {
        for entry in list {
            let name = entry["influencer"].as_str().unwrap_or_default();
            let credited = want.iter().filter(|(_, _, i)| i == name).count() as u64;
            f.expect(entry["claims"].as_u64().unwrap_or(0) == credited, || {
                format!(
                    "stats credits {name} with {} claims, want {credited}",
                    entry["claims"]
                )
            });
        }
    }
    cases.record(
        &format!("store: {campaign} holds exactly the intended claims"),
        f.0,
    );
}

/// Checks serve's stderr holds no code or secret and no panic.
pub fn logs_are_clean(cases: &mut Cases, world: &World, serve: &Serve) {
    let log = serve.stderr();
    println!("serve logged {} lines on stderr", log.lines().count());
    let mut f = Findings::default();
    f.no_leak(world, "serve's stderr", &log);
    f.no_leak(world, "serve's stdout", &serve.stdout());
    f.expect(!log.contains("panicked"), || {
        format!(
            "a handler panicked: {}",
            truncate(
                log.lines().find(|l| l.contains("panicked")).unwrap_or(""),
                300
            )
        )
    });
    cases.record("logs: no code, secret or panic in serve's output", f.0);
}

/// A raw TCP connection to serve, for what an HTTP client library will not do.
pub struct Raw {
    /// The stream.
    pub stream: TcpStream,
}

impl Raw {
    /// Connects to `serve`.
    pub async fn connect(serve: &Serve) -> Self {
        let stream = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(serve.addr))
            .await
            .expect("connect in time")
            .expect("connect");
        Self { stream }
    }

    /// Writes `bytes`.
    pub async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes).await
    }

    /// Sends `GET /healthz` on this connection, keeping it alive.
    pub async fn get_health(&mut self) -> std::io::Result<()> {
        self.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n")
            .await
    }

    /// Reads one response (headers and a `content-length` body) within `within`; `None` when
    /// none came in time or the connection closed first.
    pub async fn response(&mut self, within: Duration) -> Option<String> {
        let deadline = Instant::now() + within;
        let mut buf = Vec::new();
        loop {
            if let Some(end) = find(&buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if buf.len() >= end + 4 + len {
                    return Some(String::from_utf8_lossy(&buf[..end + 4 + len]).into_owned());
                }
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            let mut chunk = [0u8; 4096];
            match tokio::time::timeout(left, self.stream.read(&mut chunk)).await {
                Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return None,
                Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Waits up to `within` for the server to close the connection (EOF or reset), discarding
    /// anything it sends first; the time it took, or `None` if it stayed open.
    pub async fn closed_within(&mut self, within: Duration) -> Option<Duration> {
        let started = Instant::now();
        let deadline = started + within;
        let mut chunk = [0u8; 4096];
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, self.stream.read(&mut chunk)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
                Ok(Ok(_)) => {}
                Err(_) => return None,
            }
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
