//! One Amazon promotion per influencer, as a seller runs it: each influencer's own code file
//! (the Seller Central .zip as it comes, Excel's UTF-16 tab-separated text) imported with
//! `--influencer`, shared codes beside them, the numbers per influencer, their Amazon orders and
//! the payouts export.

use crate::common::{ok, promo, stats, stderr};
use std::io::Write;

/// Seller Central's download: a .zip holding one text file (title lines, then one code a line).
fn seller_central_zip(codes: &[&str]) -> Vec<u8> {
    let mut text = String::from("Promotion Tracking ID: A2ALICE0001\r\nClaim Code\r\n");
    for c in codes {
        text.push_str(c);
        text.push_str("\r\n");
    }
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file(
        "__MACOSX/._claim-codes.txt",
        zip::write::SimpleFileOptions::default(),
    )
    .expect("entry");
    w.write_all(b"metadata").expect("write");
    w.start_file("claim-codes.txt", zip::write::SimpleFileOptions::default())
        .expect("entry");
    w.write_all(text.as_bytes()).expect("write");
    w.finish().expect("zip").into_inner()
}

/// Excel's "Unicode Text": UTF-16 LE with its mark, tab-separated, capitals in the header.
fn excel_unicode_text(codes: &[&str]) -> Vec<u8> {
    let mut text = String::from("CLAIMCODE\tNOTE\r\n");
    for c in codes {
        text.push_str(&format!("{c}\tx\r\n"));
    }
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

#[test]
fn each_influencers_own_codes_are_imported_for_them_and_shown_per_influencer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    let path = |name: &str| dir.path().join(name).to_str().expect("path").to_owned();
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
            "20% off",
            "--days",
            "7",
        ],
    );
    for id in ["alice", "bob"] {
        ok(&data, &["influencer", "add", "launch", id, "--name", id]);
    }
    std::fs::write(
        path("alice.zip"),
        seller_central_zip(&[
            "A1CE-AAAAA1-BBBBB1",
            "A1CE-AAAAA2-BBBBB2",
            "A1CE-AAAAA3-BBBBB3",
        ]),
    )
    .expect("write");
    std::fs::write(
        path("bob.txt"),
        excel_unicode_text(&["B0B0-AAAAA1-BBBBB1", "B0B0-AAAAA2-BBBBB2"]),
    )
    .expect("write");
    std::fs::write(
        path("shared.txt"),
        "SH4R-AAAAA1-BBBBB1\nSH4R-AAAAA2-BBBBB2\n",
    )
    .expect("write");

    let alice = ok(
        &data,
        &[
            "codes",
            "import",
            "launch",
            &path("alice.zip"),
            "--influencer",
            "alice",
        ],
    );
    assert!(alice.contains("imported: 3"), "{alice}");
    assert!(alice.contains("influencer alice: 3"), "{alice}");
    assert!(alice.contains("ignored: 2 header line(s)"), "{alice}");
    let bob = ok(
        &data,
        &[
            "codes",
            "import",
            "launch",
            &path("bob.txt"),
            "--influencer",
            "bob",
        ],
    );
    assert!(bob.contains("influencer bob: 2"), "{bob}");
    let shared = ok(&data, &["codes", "import", "launch", &path("shared.txt")]);
    assert!(shared.contains("open: 2"), "{shared}");
    // Re-running alice's download resumes: nothing twice, nothing elsewhere.
    let again = ok(
        &data,
        &[
            "codes",
            "import",
            "launch",
            &path("alice.zip"),
            "--influencer",
            "alice",
        ],
    );
    assert!(again.contains("imported: 0"), "{again}");
    assert!(
        again.contains("resumed (already imported from this file): 3"),
        "{again}"
    );

    let list = ok(&data, &["influencer", "list", "launch"]);
    assert_eq!(list.matches("their own only").count(), 2, "{list}");
    ok(&data, &["influencer", "fallback", "launch", "bob", "on"]);
    let list = ok(&data, &["influencer", "list", "launch"]);
    assert!(list.contains("their own, then the pool"), "{list}");

    let numbers = stats(&data, "launch");
    let row = |id: &str| {
        numbers["influencers"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["influencer"] == id)
            .cloned()
            .expect("row")
    };
    assert_eq!(row("alice")["own_codes"], true);
    assert_eq!(row("alice")["remaining"], 3);
    // bob: his 2, then the shared 2 (fallback on).
    assert_eq!(row("bob")["remaining"], 4);
    assert_eq!(row("direct")["remaining"], 2);

    // An influencer who is not there: refused, nothing written.
    let ghost = promo(
        &data,
        &[
            "codes",
            "import",
            "launch",
            &path("shared.txt"),
            "--influencer",
            "ghost",
        ],
    );
    assert!(!ghost.status.success());
    assert!(
        stderr(&ghost).contains("no influencer ghost in campaign launch"),
        "{}",
        stderr(&ghost)
    );
    // A zip with two files: a clear refusal.
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for name in ["a.txt", "b.txt"] {
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("entry");
        w.write_all(b"ABCD-1234\n").expect("write");
    }
    std::fs::write(path("two.zip"), w.finish().expect("zip").into_inner()).expect("write");
    let two = promo(&data, &["codes", "import", "launch", &path("two.zip")]);
    assert!(!two.status.success());
    assert!(
        stderr(&two).contains("the .zip holds 2 files"),
        "{}",
        stderr(&two)
    );
    assert_eq!(stats(&data, "launch")["pool_size"], 7);

    // Bob leaves: his own promotion's unissued codes are kept out of the shared pool.
    let removed = ok(&data, &["influencer", "remove", "launch", "bob"]);
    assert!(
        removed.contains("removed bob from launch")
            && removed.contains("2 unissued codes kept out (reserve)"),
        "{removed}"
    );
    assert_eq!(
        stats(&data, "launch")["available_now"],
        5,
        "alice's 3 and the shared 2"
    );
}

/// An All Orders report row as Seller Central writes it (tab-separated, its column names).
fn order_row(order: &str, status: &str, asin: &str, qty: u32, price: &str, promos: &str) -> String {
    format!(
        "{order}\t\t2026-11-20T10:00:00+00:00\t2026-11-20T10:00:00+00:00\t{status}\tAmazon\tAmazon.com\tWidget\tSKU\t{asin}\tShipped\t{qty}\tUSD\t{price}\t-2.00\t{promos}\n"
    )
}

#[test]
fn orders_credit_revenue_per_influencer_and_the_payouts_export_pays_from_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    let path = |name: &str| dir.path().join(name).to_str().expect("path").to_owned();
    ok(
        &data,
        &[
            "campaign",
            "create",
            "launch",
            "--name",
            "Launch",
            "--product",
            "B0TESTASIN",
            "--discount",
            "20% off",
            "--days",
            "7",
        ],
    );
    for (id, name, promotion) in [("alice", "=Alice", "PROMO-A"), ("bob", "Bob", "PROMO-B")] {
        ok(&data, &["influencer", "add", "launch", id, "--name", name]);
        ok(&data, &["influencer", "promotion", "launch", id, promotion]);
    }
    let mut report = String::from(
        "amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\tsales-channel\tproduct-name\tsku\tasin\titem-status\tquantity\tcurrency\titem-price\titem-promotion-discount\tpromotion-ids\n",
    );
    report.push_str(&order_row(
        "111-0000000-0000001",
        "Shipped",
        "B0TESTASIN",
        2,
        "39.98",
        "PROMO-A",
    ));
    report.push_str(&order_row(
        "111-0000000-0000002",
        "Shipped",
        "B0TESTASIN",
        1,
        "19.99",
        "PROMO-A",
    ));
    report.push_str(&order_row(
        "111-0000000-0000003",
        "Cancelled",
        "B0TESTASIN",
        1,
        "19.99",
        "PROMO-A",
    ));
    report.push_str(&order_row(
        "111-0000000-0000004",
        "Shipped",
        "B0TESTASIN",
        1,
        "19.99",
        "PROMO-B",
    ));
    report.push_str(&order_row(
        "111-0000000-0000005",
        "Shipped",
        "B0OTHERXYZ",
        1,
        "5.00",
        "PROMO-B",
    ));
    std::fs::write(path("orders.txt"), &report).expect("write");

    let first = ok(&data, &["orders", "import", &path("orders.txt")]);
    assert!(first.contains("3 credited now"), "{first}");
    assert!(
        first.contains("another product than the campaign's ASIN (not credited): B0OTHERXYZ (1)"),
        "{first}"
    );
    assert!(first.contains("sales channels: Amazon.com (4)"), "{first}");
    let again = ok(&data, &["orders", "import", &path("orders.txt")]);
    assert!(
        again.contains("0 credited now, 3 credited before"),
        "{again}"
    );

    let numbers = stats(&data, "launch");
    assert_eq!(numbers["units"], 4);
    assert_eq!(numbers["sales"][0]["revenue"], "79.96");
    assert_eq!(numbers["sales"][0]["discount"], "6.00");

    ok(
        &data,
        &[
            "export",
            "payouts",
            "launch",
            "--rate",
            "10%",
            "--out",
            &path("payouts.csv"),
        ],
    );
    let mut csv = csv::Reader::from_path(path("payouts.csv")).expect("csv");
    let headers = csv.headers().expect("headers").clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "influencer",
            "name",
            "promotion",
            "claims",
            "redemptions",
            "orders",
            "units",
            "currency",
            "revenue",
            "discount",
            "rate",
            "commission"
        ]
    );
    let rows: Vec<Vec<String>> = csv
        .records()
        .map(|r| r.expect("row").iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(
        rows,
        [
            [
                "alice", "'=Alice", "PROMO-A", "0", "0", "2", "3", "USD", "59.97", "4.00", "10%",
                "6.00"
            ],
            [
                "bob", "Bob", "PROMO-B", "0", "0", "1", "1", "USD", "19.99", "2.00", "10%", "2.00"
            ],
        ]
    );
    // Without a rate, the commission stays empty; a rate over 100% is refused.
    let plain = ok(&data, &["export", "payouts", "launch"]);
    assert!(
        plain.contains("alice,'=Alice,PROMO-A,0,0,2,3,USD,59.97,4.00,,"),
        "{plain}"
    );
    assert!(
        !promo(&data, &["export", "payouts", "launch", "--rate", "150%"])
            .status
            .success()
    );
}

#[test]
fn a_group_code_is_written_once_raised_and_refused_where_it_is_not_its_own() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    ok(
        &data,
        &[
            "campaign",
            "create",
            "social",
            "--name",
            "Social",
            "--product",
            "B0001",
            "--discount",
            "15% off",
            "--days",
            "7",
        ],
    );
    ok(
        &data,
        &["influencer", "add", "social", "carol", "--name", "Carol"],
    );
    let made = ok(
        &data,
        &[
            "codes",
            "group",
            "social",
            "carol15",
            "--uses",
            "3",
            "--influencer",
            "carol",
        ],
    );
    assert!(made.contains("3 uses, for influencer carol"), "{made}");
    assert!(made.contains("uses written now: 3"), "{made}");
    assert!(made.contains("influencer carol: 3"), "{made}");
    assert!(!made.contains("CAROL15"), "the code is not echoed: {made}");
    let again = ok(
        &data,
        &[
            "codes",
            "group",
            "social",
            "CAROL15",
            "--uses",
            "3",
            "--influencer",
            "carol",
        ],
    );
    assert!(again.contains("uses written now: 0"), "{again}");
    let raised = ok(
        &data,
        &[
            "codes",
            "group",
            "social",
            "CAROL15",
            "--uses",
            "5",
            "--influencer",
            "carol",
        ],
    );
    assert!(raised.contains("uses written now: 2"), "{raised}");

    let lowered = promo(
        &data,
        &[
            "codes",
            "group",
            "social",
            "CAROL15",
            "--uses",
            "2",
            "--influencer",
            "carol",
        ],
    );
    assert!(!lowered.status.success());
    assert!(
        stderr(&lowered).contains("can only be raised"),
        "{}",
        stderr(&lowered)
    );
    let none = promo(
        &data,
        &["codes", "group", "social", "CAROL15", "--uses", "0"],
    );
    assert!(!none.status.success());
    assert!(
        stderr(&none).contains("1 to 1000000 uses"),
        "{}",
        stderr(&none)
    );
    let bad = promo(&data, &["codes", "group", "social", "NO#PE", "--uses", "3"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("'#'"), "{}", stderr(&bad));

    // The group code cannot come in again as a single-use code.
    let file = dir.path().join("codes.txt");
    std::fs::write(&file, "CAROL15\nSH4R-AAAAA1-BBBBB1\n").expect("write");
    let import = promo(
        &data,
        &["codes", "import", "social", file.to_str().expect("path")],
    );
    assert!(!import.status.success());
    assert!(stderr(&import).contains("line 1"), "{}", stderr(&import));

    let numbers = stats(&data, "social");
    let carol = numbers["influencers"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["influencer"] == "carol")
        .cloned()
        .expect("carol");
    assert_eq!(carol["remaining"], 5, "{carol}");
    assert_eq!(carol["own_codes"], true, "{carol}");
}
