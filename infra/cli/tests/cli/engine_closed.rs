//! The one-machine store is closed: a running `promo serve` listens on its own port and on no
//! other (the embedded engine is reached inside the process, not over a socket), that port does
//! not answer the DynamoDB API, and the data file, its write-ahead log and its shared-memory
//! index are readable by their owner only.

#![cfg(target_os = "linux")]

use crate::common::{ok, spawn_serve};
use serde_json::json;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const KEY: &str = "engine-closed-test-key-0123456789";

/// The socket inodes a process holds open (`/proc/<pid>/fd/* -> socket:[inode]`).
fn socket_inodes(pid: u32) -> BTreeSet<u64> {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).expect("reading the process's fds");
    fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_str()?.to_owned();
            target
                .strip_prefix("socket:[")?
                .strip_suffix(']')?
                .parse()
                .ok()
        })
        .collect()
}

/// An address from `/proc/net/tcp{,6}`: 32-bit words in host order, then the port in hex.
fn parse_address(hex: &str) -> Option<SocketAddr> {
    let (ip, port) = hex.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let words: Option<Vec<[u8; 4]>> = (0..ip.len() / 8)
        .map(|i| {
            u32::from_str_radix(&ip[i * 8..i * 8 + 8], 16)
                .ok()
                .map(u32::to_ne_bytes)
        })
        .collect();
    let bytes: Vec<u8> = words?.concat();
    let ip = match bytes.len() {
        4 => IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(bytes).ok()?)),
        16 => IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// Every TCP socket of `pid` in the LISTEN state (`0A`), IPv4 and IPv6.
fn listening_tcp(pid: u32) -> Vec<SocketAddr> {
    let inodes = socket_inodes(pid);
    let mut found = Vec::new();
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}"))
            .unwrap_or_else(|e| panic!("reading /proc/{pid}/net/{table}: {e}"));
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state), Some(inode)) = (f.get(1), f.get(3), f.get(9)) else {
                continue;
            };
            if *state == "0A" && inode.parse().is_ok_and(|i: u64| inodes.contains(&i)) {
                found.push(parse_address(local).expect("a /proc/net address"));
            }
        }
    }
    found
}

/// The Unix-domain sockets of `pid` that accept connections (flag `__SO_ACCEPTCON`).
fn listening_unix(pid: u32) -> Vec<String> {
    let inodes = socket_inodes(pid);
    let text = std::fs::read_to_string(format!("/proc/{pid}/net/unix")).expect("/proc/net/unix");
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let flags = u32::from_str_radix(f.get(3)?, 16).ok()?;
            let inode: u64 = f.get(6)?.parse().ok()?;
            (flags & 0x0001_0000 != 0 && inodes.contains(&inode)).then(|| line.to_owned())
        })
        .collect()
}

/// Where to connect to reach a listener bound to `addr` (a wildcard is reached on loopback).
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => (Ipv4Addr::LOCALHOST, addr.port()).into(),
        IpAddr::V6(ip) if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, addr.port()).into(),
        _ => addr,
    }
}

/// True when the port at `addr` answers `ListTables` as DynamoDB does, with or without the
/// API key, signed as the SDK signs.
async fn answers_dynamodb(http: &reqwest::Client, addr: SocketAddr) -> bool {
    for key in [None, Some(KEY)] {
        let mut request = http
            .post(format!("http://{addr}/"))
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", "DynamoDB_20120810.ListTables")
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, \
                 SignedHeaders=host;x-amz-date;x-amz-target, Signature=00",
            )
            .header("x-amz-date", "20260101T000000Z")
            .body("{}");
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        let Ok(reply) = request.send().await else {
            continue;
        };
        let status = reply.status();
        let body = reply.text().await.unwrap_or_default();
        if status.is_success() && body.contains("TableNames") {
            return true;
        }
    }
    false
}

/// True when a web page could be let in: a CORS preflight for a DynamoDB call at `addr` that
/// grants any origin.
async fn grants_any_origin(http: &reqwest::Client, addr: SocketAddr) -> bool {
    let Ok(reply) = http
        .request(reqwest::Method::OPTIONS, format!("http://{addr}/"))
        .header("origin", "https://attacker.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-amz-target,authorization",
        )
        .send()
        .await
    else {
        return false;
    };
    reply
        .headers()
        .get("access-control-allow-origin")
        .is_some_and(|v| v == "*" || v == "https://attacker.example")
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn beside(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_probe_finds_an_open_engine_and_reads_it() {
    // The control: an engine opened on loopback (the test-only way) is found among this
    // process's listening sockets and answers the DynamoDB probe, so the checks below are not
    // vacuous.
    let engine = promo_store::table::engine::EmbeddedEngine::memory()
        .await
        .expect("engine");
    let endpoint = engine.serve_loopback().expect("loopback").to_owned();
    let port: u16 = endpoint
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port");
    let listening = listening_tcp(std::process::id());
    let open = listening
        .iter()
        .copied()
        .find(|a| a.port() == port)
        .unwrap_or_else(|| panic!("the engine's port {port} among {listening:?}"));
    let http = reqwest::Client::new();
    assert!(answers_dynamodb(&http, reachable(open)).await);
    assert!(!grants_any_origin(&http, reachable(open)).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_listens_on_its_own_port_only_and_keeps_its_data_private() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A directory that does not exist yet: the engine creates it, private.
    let data = dir.path().join("state").join("promo.db");
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

    // Started, and healthy (the helper waits for `/healthz`), so the store has been used.
    let mut serve = spawn_serve(&data, &[], &[("PROMO_API_KEY", KEY)]).await;
    let (base, pid, serve_port) = (serve.base.clone(), serve.pid(), serve.addr.port());

    // Use the store through every path a request takes: a claim (a transaction) and a repeat
    // (a read of the claim), so that nothing opens later unseen.
    let http = reqwest::Client::new();
    let claims = format!("{base}/v1/campaigns/launch/claims");
    let body = json!({ "platform": "telegram", "user_id": "123456789" });
    for expected in [201, 200] {
        let reply = http
            .post(&claims)
            .header("x-api-key", KEY)
            .json(&body)
            .send()
            .await
            .expect("claim");
        assert_eq!(reply.status(), expected);
    }

    // Every listening socket of the process: the serve port, and nothing else.
    let listening = listening_tcp(pid);
    let ports: BTreeSet<u16> = listening.iter().map(SocketAddr::port).collect();
    assert!(
        ports.contains(&serve_port),
        "the scan finds the serve port {serve_port}: {listening:?}"
    );
    assert_eq!(
        ports,
        BTreeSet::from([serve_port]),
        "promo serve listens on a port besides its own: {listening:?}"
    );
    let unix = listening_unix(pid);
    assert!(unix.is_empty(), "listening Unix sockets: {unix:?}");

    // None of them (the serve port included) answers a DynamoDB call or lets a page in.
    for addr in &listening {
        let addr = reachable(*addr);
        assert!(
            !answers_dynamodb(&http, addr).await,
            "{addr} answers DynamoDB's ListTables"
        );
        assert!(
            !grants_any_origin(&http, addr).await,
            "{addr} grants a DynamoDB preflight to any origin"
        );
    }

    // The data is the owner's alone: the file, its write-ahead log and shared-memory index
    // (both exist while the engine has the database open), and the directory made for them.
    assert_eq!(mode(&data), 0o600, "{}", data.display());
    for suffix in ["-wal", "-shm"] {
        let file = beside(&data, suffix);
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    assert_eq!(mode(&dir.path().join("state")), 0o700, "the data directory");

    serve.stop();
}
