//! The seller's attribution commands on a data file: signed links, influencer accounts,
//! Amazon promotions, the orders report import (idempotent), and the claims export.

use crate::common::{self, PROMO, ok, promo, stats, stderr, stdout};
use promo_core::{CampaignId, Follower, InfluencerId, LinkKey, Surface, Timestamp};
use promo_store::Store;
use promo_store::claims::ClaimRequest;
use std::path::Path;
use std::process::Command;

const SECRET: &str = "a-link-secret-of-32-bytes-123456";

fn setup(data: &Path) {
    ok(
        data,
        &[
            "campaign",
            "create",
            "fall",
            "--name",
            "Fall",
            "--product",
            "B0001",
            "--discount",
            "15% off",
            "--days",
            "3",
        ],
    );
    ok(data, &["codes", "generate", "fall", "--count", "20"]);
    ok(
        data,
        &[
            "influencer",
            "add",
            "fall",
            "alice",
            "--name",
            "Alice",
            "--quota",
            "5",
        ],
    );
    ok(data, &["influencer", "add", "fall", "bob", "--name", "Bob"]);
}

async fn claim(data: &Path, user: &str, influencer: Option<&str>) {
    let store = Store::embedded_file(data)
        .await
        .expect("open the data file");
    let request = ClaimRequest {
        campaign: CampaignId::parse("fall").expect("id"),
        follower: Follower::parse("telegram", user).expect("follower"),
        influencer: influencer.map(|i| InfluencerId::parse(i).expect("id")),
    };
    let claimed = store
        .claim(&request, Timestamp::now())
        .await
        .expect("store");
    assert!(claimed.is_ok(), "{claimed:?}");
}

#[test]
fn links_are_signed_for_each_influencer_and_need_the_secret() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    setup(&data);
    let out = Command::new(PROMO)
        .args([
            "--data",
            data.to_str().expect("path"),
            "influencer",
            "link",
            "fall",
        ])
        .args(["--bot", "@shop_bot"])
        .env("PROMO_LINK_SECRET", SECRET)
        .env_remove("PROMO_TABLE")
        .output()
        .expect("promo runs");
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!text.contains(SECRET), "the secret was printed");
    let key = LinkKey::new(SECRET.as_bytes()).expect("key");
    let printed = |marker: &str| -> Vec<String> {
        text.split(marker)
            .skip(1)
            .map(|rest| rest.split_whitespace().next().expect("payload").to_owned())
            .collect()
    };
    let mut seen = Vec::new();
    let starts = printed("https://t.me/shop_bot?start=");
    let buttons = printed("discord:   claim:");
    assert_eq!(starts.len(), buttons.len(), "{text}");
    for (start, button) in starts.iter().zip(&buttons) {
        let target = key
            .verify_for(Surface::TelegramStart, start)
            .expect("every printed link verifies");
        assert_eq!(target.campaign.as_str(), "fall");
        let on_discord = key
            .verify_for(Surface::DiscordButton, button)
            .expect("every printed button verifies");
        assert_eq!(on_discord, target);
        // Each surface's payload is refused on the other.
        assert!(key.verify_for(Surface::DiscordButton, start).is_err());
        assert!(key.verify_for(Surface::TelegramStart, button).is_err());
        seen.push(target.influencer.map(|i| i.to_string()));
    }
    assert_eq!(seen, vec![None, Some("alice".into()), Some("bob".into())]);

    let refused = Command::new(PROMO)
        .args([
            "--data",
            data.to_str().expect("path"),
            "influencer",
            "link",
            "fall",
        ])
        .env_remove("PROMO_LINK_SECRET")
        .env_remove("PROMO_TABLE")
        .output()
        .expect("promo runs");
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("PROMO_LINK_SECRET"));
}

#[test]
fn accounts_are_linked_only_to_known_influencers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    setup(&data);
    let out = ok(
        &data,
        &[
            "influencer",
            "account",
            "fall",
            "alice",
            "--telegram-user",
            "4242",
        ],
    );
    assert!(
        out.contains("telegram user 4242 is influencer alice"),
        "{out}"
    );
    let refused = promo(
        &data,
        &[
            "influencer",
            "account",
            "fall",
            "nobody",
            "--telegram-user",
            "1",
        ],
    );
    assert!(!refused.status.success());
    let refused = promo(
        &data,
        &[
            "influencer",
            "account",
            "fall",
            "alice",
            "--telegram-user",
            "x y",
        ],
    );
    assert!(!refused.status.success(), "a malformed id is refused");
}

fn report(rows: &[(&str, &str, &str)]) -> String {
    let mut out = String::from(
        "amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\tsales-channel\tproduct-name\tsku\tasin\titem-status\tquantity\tcurrency\titem-price\tpromotion-ids\n",
    );
    for (order, status, promos) in rows {
        out.push_str(&format!(
            "{order}\t\t2026-11-20T10:00:00+00:00\t2026-11-20T10:00:00+00:00\t{status}\tAmazon\tAmazon.com\tWidget\tSKU\tB0001\tShipped\t1\tUSD\t9.99\t{promos}\n"
        ));
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_credit_the_promotions_influencer_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    setup(&data);
    claim(&data, "1", Some("alice")).await;
    claim(&data, "2", Some("alice")).await;
    claim(&data, "3", Some("bob")).await;
    ok(
        &data,
        &["influencer", "promotion", "fall", "alice", "PROMO-ALICE-1"],
    );
    ok(
        &data,
        &["influencer", "promotion", "fall", "bob", "PROMO-BOB-1"],
    );
    let taken = promo(
        &data,
        &["influencer", "promotion", "fall", "bob", "PROMO-ALICE-1"],
    );
    assert!(
        !taken.status.success(),
        "a promotion belongs to one influencer"
    );

    let file = dir.path().join("orders.txt");
    std::fs::write(
        &file,
        report(&[
            ("111-0000000-0000001", "Shipped", "PROMO-ALICE-1"),
            (
                "111-0000000-0000002",
                "Shipped",
                "Free Shipping, PROMO-ALICE-1",
            ),
            ("111-0000000-0000003", "Cancelled", "PROMO-ALICE-1"),
            ("111-0000000-0000004", "Shipped", "PROMO-BOB-1"),
            ("111-0000000-0000005", "Shipped", "SOMEONE-ELSE"),
        ]),
    )
    .expect("write report");
    let path = file.to_str().expect("path");
    let first = ok(&data, &["orders", "import", path]);
    assert!(
        first.contains("3 credited now, 0 credited before"),
        "{first}"
    );
    assert!(first.contains("SOMEONE-ELSE"), "{first}");
    let again = ok(&data, &["orders", "import", path]);
    assert!(
        again.contains("0 credited now, 3 credited before"),
        "{again}"
    );

    let s = stats(&data, "fall");
    let row = |id: &str| {
        s["influencers"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["influencer"] == id)
            .cloned()
            .expect("row")
    };
    assert_eq!(row("alice")["orders"], 2);
    assert_eq!(row("alice")["claims"], 2);
    assert_eq!(row("bob")["orders"], 1);
    assert_eq!(s["orders"], 3);

    // A bad row stops the import unless asked to skip it.
    let bad = dir.path().join("bad.txt");
    std::fs::write(
        &bad,
        report(&[("not an order id!", "Shipped", "PROMO-BOB-1")]),
    )
    .expect("write");
    let refused = promo(&data, &["orders", "import", bad.to_str().expect("path")]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("line 2"), "{}", stderr(&refused));
    let wrong = dir.path().join("codes.txt");
    std::fs::write(&wrong, "ABCD-123456-EFGHIJ\n").expect("write");
    assert!(
        !promo(&data, &["orders", "import", wrong.to_str().expect("path")])
            .status
            .success()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_export_lists_every_issued_code_with_its_follower_and_attribution() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    setup(&data);
    claim(&data, "11", None).await;
    claim(&data, "12", Some("alice")).await;
    claim(&data, "13", Some("bob")).await;
    let out_file = dir.path().join("claims.csv");
    ok(
        &data,
        &[
            "export",
            "claims",
            "fall",
            "--out",
            out_file.to_str().expect("path"),
        ],
    );
    let mut reader = csv::Reader::from_path(&out_file).expect("csv");
    let headers = reader.headers().expect("headers").clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "code",
            "platform",
            "user_id",
            "influencer",
            "claimed_at",
            "state",
            "redeemed_at"
        ]
    );
    let mut rows: Vec<(String, String)> = reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            assert!(
                common::has_amazon_code(&r[0]) || r[0].len() >= 10,
                "a code in column 1"
            );
            assert_eq!(&r[1], "telegram");
            assert_eq!(&r[5], "issued");
            assert!(
                r[4].ends_with('Z') && r[4].len() == 20,
                "claimed_at in RFC 3339"
            );
            (r[2].to_owned(), r[3].to_owned())
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        vec![
            ("11".into(), "direct".into()),
            ("12".into(), "alice".into()),
            ("13".into(), "bob".into()),
        ]
    );
}
