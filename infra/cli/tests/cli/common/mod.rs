//! Helpers shared by the CLI tests: running the built `promo` binary.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The built binary.
pub const PROMO: &str = env!("CARGO_BIN_EXE_promo");

/// Runs `promo --data <data> args...` with no AWS table configured.
pub fn promo(data: &Path, args: &[&str]) -> Output {
    Command::new(PROMO)
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("PROMO_TABLE")
        .env_remove("PROMO_API_KEY")
        .output()
        .expect("running promo")
}

/// stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs and asserts success, returning stdout.
pub fn ok(data: &Path, args: &[&str]) -> String {
    let out = promo(data, args);
    assert!(
        out.status.success(),
        "promo {args:?} failed:\n{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// True when `text` holds a token shaped like an Amazon claim code:
/// `[0-9A-Z]{4}-[0-9A-Z]{6}-[0-9A-Z]{6}`.
pub fn has_amazon_code(text: &str) -> bool {
    let b = text.as_bytes();
    let alnum = |c: u8| c.is_ascii_digit() || c.is_ascii_uppercase();
    let shape = [4usize, 6, 6];
    (0..b.len()).any(|start| {
        let mut i = start;
        for (g, len) in shape.iter().enumerate() {
            if g > 0 {
                if b.get(i) != Some(&b'-') {
                    return false;
                }
                i += 1;
            }
            if i + len > b.len() || !b[i..i + len].iter().all(|c| alnum(*c)) {
                return false;
            }
            i += len;
        }
        true
    })
}

/// The `stats --json` numbers of a campaign.
pub fn stats(data: &Path, campaign: &str) -> serde_json::Value {
    serde_json::from_str(&ok(data, &["stats", campaign, "--json"])).expect("stats JSON")
}

/// Runs `promo --data <data> args...` with `env` set (and no AWS table, no API key otherwise).
pub fn promo_env(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(PROMO);
    cmd.arg("--data").arg(data).args(args);
    clear_promo_env(&mut cmd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("running promo")
}

/// Removes every `PROMO_*` variable (and the AWS endpoint) the test process may have inherited,
/// so that a child sees only what its test sets.
pub fn clear_promo_env(cmd: &mut Command) {
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PROMO_") {
            cmd.env_remove(name);
        }
    }
    cmd.env_remove("AWS_ENDPOINT_URL_DYNAMODB");
}

/// A running `promo serve` on a loopback port, killed when dropped. Its stdout and stderr go
/// to files, so nothing blocks on a full pipe and a test can read the logs at any time.
pub struct Serve {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub base: String,
    /// The address it listens on.
    pub addr: std::net::SocketAddr,
    child: std::process::Child,
    stdout: std::path::PathBuf,
    stderr: std::path::PathBuf,
    _logs: tempfile::TempDir,
}

impl Serve {
    /// What serve printed on stdout so far (the banner).
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.stdout).unwrap_or_default()).into_owned()
    }

    /// What serve logged on stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.stderr).unwrap_or_default()).into_owned()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops serve (SIGKILL: the store's writes are durable once acknowledged) and waits for it.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.stop();
    }
}

/// How long serve may take to print its URL and then to answer `/healthz`.
const SERVE_START: std::time::Duration = std::time::Duration::from_secs(30);

/// Starts the real `promo serve --port 0 --data <data>` with `args` after them and exactly the
/// `env` given (plus the process's own non-`PROMO_` environment), reads the URL from its banner
/// and waits until `GET /healthz` answers 200. Panics with serve's stderr if it does not start.
pub async fn spawn_serve(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Serve {
    let logs = tempfile::tempdir().expect("temp dir for serve's output");
    let stdout = logs.path().join("stdout");
    let stderr = logs.path().join("stderr");
    let mut cmd = Command::new(PROMO);
    cmd.args(["serve", "--port", "0", "--data"])
        .arg(data)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&stdout).expect("stdout file"))
        .stderr(std::fs::File::create(&stderr).expect("stderr file"));
    clear_promo_env(&mut cmd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("starting promo serve");
    let mut serve = Serve {
        base: String::new(),
        addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        child,
        stdout,
        stderr,
        _logs: logs,
    };
    let started = std::time::Instant::now();
    let base = loop {
        let banner = serve.stdout();
        // A line is complete once its newline is there (Rust's stdout is line-buffered).
        if let Some(url) = banner
            .split_once('\n')
            .and_then(|(first, _)| first.split_whitespace().find(|w| w.starts_with("http://")))
        {
            break url.trim_end_matches('/').to_owned();
        }
        if let Ok(Some(status)) = serve.child.try_wait() {
            panic!(
                "promo serve exited ({status}) before printing its URL:\n{}",
                serve.stderr()
            );
        }
        assert!(
            started.elapsed() < SERVE_START,
            "promo serve printed no URL in {SERVE_START:?}:\n{}",
            serve.stderr()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    serve.addr = base
        .trim_start_matches("http://")
        .parse()
        .unwrap_or_else(|_| panic!("not an address in serve's URL: {base}"));
    serve.base = base;
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .expect("HTTP client");
    loop {
        let health = http.get(format!("{}/healthz", serve.base)).send().await;
        if health.is_ok_and(|r| r.status() == 200) {
            return serve;
        }
        if let Ok(Some(status)) = serve.child.try_wait() {
            panic!("promo serve exited ({status}):\n{}", serve.stderr());
        }
        assert!(
            started.elapsed() < SERVE_START,
            "/healthz never answered 200:\n{}",
            serve.stderr()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
