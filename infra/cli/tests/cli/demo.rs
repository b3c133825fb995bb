//! `promo demo` end to end: the binary runs a whole campaign and checks its invariants.

use crate::common::{self, PROMO, has_amazon_code};
use std::process::Command;

#[test]
fn demo_holds_every_invariant_and_prints_no_code() {
    let out = Command::new(PROMO)
        .args([
            "demo",
            "--followers",
            "1500",
            "--codes",
            "400",
            "--seed",
            "42",
        ])
        .env_remove("PROMO_TABLE")
        .output()
        .expect("running promo demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("invariants: all hold"), "{stdout}");
    for column in [
        "influencer",
        "quota",
        "claims",
        "redemptions",
        "conversion %",
        "remaining",
    ] {
        assert!(stdout.contains(column), "no {column} column:\n{stdout}");
    }
    for who in ["direct", "alice", "bob", "carol"] {
        assert!(stdout.contains(who), "no row for {who}:\n{stdout}");
    }
    assert!(
        stdout.contains("claims/s") && stdout.contains("p99"),
        "{stdout}"
    );
    assert!(
        !has_amazon_code(&stdout) && !has_amazon_code(&stderr),
        "the demo printed a code:\n{stdout}\n{stderr}"
    );
}

#[test]
fn the_code_shape_check_recognises_a_code() {
    assert!(common::has_amazon_code("got 7GM3-ABCDE2-FGHJK3 here"));
    assert!(!common::has_amazon_code(
        "7GM3-ABCDE2-FGHJK 7gm3-abcde2-fghjk3"
    ));
}
