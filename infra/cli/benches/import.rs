//! A Seller Central download of 100,000 codes imported as it comes: a real `promo codes import`
//! process on a SQLite data file, for the shared pool and for one influencer, from the `.zip`
//! and from Excel's UTF-16 tab-separated text. Prints the time and the process's peak memory
//! (`VmHWM`, read from `/proc` until it exits) for each.
//!
//! `cargo bench -p promo-cli --bench import -- [codes]` (default 100000).
#![allow(missing_docs, clippy::unwrap_used)]

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "../tests/cli/common/mod.rs"]
mod common;

use common::{PROMO, ok};

/// `n` distinct Amazon-shaped codes, each run of them distinct from every other run's.
fn codes(tag: char, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("{tag}{:03}-{:06}-{:06}", i % 1000, i, i * 7 % 1_000_000))
        .collect()
}

fn seller_central_zip(codes: &[String]) -> Vec<u8> {
    let mut text = String::from("Promotion Tracking ID: A2BENCH\r\nClaim Code\r\n");
    for c in codes {
        text.push_str(c);
        text.push_str("\r\n");
    }
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("claim-codes.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(text.as_bytes()).unwrap();
    w.finish().unwrap().into_inner()
}

fn excel_unicode_text(codes: &[String]) -> Vec<u8> {
    let mut text = String::from("Claim Code\tNote\r\n");
    for c in codes {
        text.push_str(c);
        text.push_str("\t\r\n");
    }
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

/// Runs `promo` to the end; returns its wall time and peak resident memory in KiB.
fn measured(data: &std::path::Path, args: &[&str]) -> (Duration, u64) {
    let started = Instant::now();
    let mut child = Command::new(PROMO)
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("PROMO_TABLE")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        // The high-water mark only grows: the last reading before exit is the peak, short by at
        // most what was added in the final 20 ms.
        if let Ok(status) = std::fs::read_to_string(&status_file)
            && let Some(kib) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "promo {args:?} failed");
            return (started.elapsed(), peak);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("promo.db");
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    ok(
        &data,
        &[
            "campaign",
            "create",
            "bench",
            "--name",
            "Bench",
            "--product",
            "B0BENCH001",
            "--discount",
            "20% off",
            "--days",
            "7",
            "--shards",
            "16",
        ],
    );
    ok(
        &data,
        &["influencer", "add", "bench", "alice", "--name", "Alice"],
    );
    let shared = seller_central_zip(&codes('S', n));
    std::fs::write(path("shared.zip"), &shared).unwrap();
    std::fs::write(path("alice.txt"), excel_unicode_text(&codes('A', n))).unwrap();

    println!("importing {n} codes (promo codes import, one process each, SQLite data file)");
    let (shared_zip, alice_txt) = (path("shared.zip"), path("alice.txt"));
    let runs: [(&str, Vec<&str>); 2] = [
        (
            "shared pool, Seller Central .zip",
            vec!["codes", "import", "bench", &shared_zip],
        ),
        (
            "influencer alice, UTF-16 TSV (Excel)",
            vec![
                "codes",
                "import",
                "bench",
                &alice_txt,
                "--influencer",
                "alice",
            ],
        ),
    ];
    let zip_kib = shared.len() / 1024;
    for (what, args) in &runs {
        let (took, peak_kib) = measured(&data, args);
        println!(
            "{what:<40} {:>7.1} s  {:>7.0} codes/s  peak RSS {:>5.1} MiB",
            took.as_secs_f64(),
            n as f64 / took.as_secs_f64(),
            peak_kib as f64 / 1024.0
        );
    }
    println!("(the .zip is {zip_kib} KiB)");
    let stats = common::stats(&data, "bench");
    assert_eq!(stats["pool_size"], 2 * n, "every code imported once");
}
