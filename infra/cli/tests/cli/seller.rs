//! The seller's flow on a data file: campaign, code imports (bad lines, resume, CSV),
//! influencers, stats.

use crate::common::{has_amazon_code, ok, promo, stats, stderr, stdout};

const TEXT_FILE: &[u8] = b"\xEF\xBB\xBFClaim Code\r\n\
7GM3-AAAAA3-BBBBB3\r\n\
\r\n\
7gm3-ccccc3-ddddd3\r\n\
not a code!\r\n\
7GM3-AAAAA3-BBBBB3\r\n\
7GM3-EEEEE3-FFFFF3\r\n\
  7gm3-hhhhh4-jjjjj4  \r\n\
7GM3-KKKKK4-MMMMM4\r\n\
\r\n";

const CSV_FILE: &[u8] = b"order;Claim Code;note\n1;9XYZ-AAAAA3-CCCCC3;a\n2;9xyz-ddddd3-eeeee3;b\n3;9XYZ-FFFFF3-GGGGG3;c\n";

#[test]
fn seller_flow_on_a_data_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    let text = dir.path().join("codes.txt");
    let csv = dir.path().join("more.csv");
    std::fs::write(&text, TEXT_FILE).expect("write codes");
    std::fs::write(&csv, CSV_FILE).expect("write csv");

    let created = ok(
        &data,
        &[
            "campaign",
            "create",
            "spring",
            "--name",
            "Spring",
            "--product",
            "B0001",
            "--discount",
            "20% off",
            "--days",
            "7",
        ],
    );
    assert!(
        created.contains("created campaign spring (active)"),
        "{created}"
    );
    assert!(ok(&data, &["campaign", "list"]).contains("spring"));

    // A bad line and a duplicate: nothing written, exit 2, every bad line named.
    let out = promo(
        &data,
        &["codes", "import", "spring", text.to_str().expect("path")],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let err = stderr(&out);
    assert!(err.contains("line 5: contains U+0020"), "{err}");
    assert!(err.contains("line 6: duplicate of line 2"), "{err}");
    assert!(err.contains("--skip-bad"), "{err}");
    assert_eq!(stats(&data, "spring")["pool_size"], 0);

    // With --skip-bad the good lines go in.
    let imported = ok(
        &data,
        &[
            "codes",
            "import",
            "spring",
            text.to_str().expect("path"),
            "--skip-bad",
        ],
    );
    assert!(imported.contains("imported: 5"), "{imported}");
    assert!(imported.contains("open: 5"), "{imported}");
    assert!(imported.contains("skipped bad lines: 2"), "{imported}");
    assert!(!has_amazon_code(&imported));
    assert_eq!(stats(&data, "spring")["pool_size"], 5);

    // The same file again resumes: nothing duplicated, nothing reported as already pooled.
    let out = promo(
        &data,
        &[
            "codes",
            "import",
            "spring",
            text.to_str().expect("path"),
            "--skip-bad",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let again = stdout(&out);
    assert!(again.contains("imported: 0"), "{again}");
    assert!(
        again.contains("resumed (already imported from this file): 5"),
        "{again}"
    );
    assert!(
        !stderr(&out).contains("already in a pool"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stats(&data, "spring")["pool_size"], 5);

    // A CSV export with a code column.
    let csv_out = ok(
        &data,
        &["codes", "import", "spring", csv.to_str().expect("path")],
    );
    assert!(csv_out.contains("imported: 3"), "{csv_out}");
    assert_eq!(stats(&data, "spring")["pool_size"], 8);

    // A different file holding a code that is already pooled is refused.
    let clash = dir.path().join("clash.txt");
    std::fs::write(&clash, "7GM3-AAAAA3-BBBBB3\n7GM3-NNNNN4-PPPPP4\n").expect("write");
    let out = promo(
        &data,
        &["codes", "import", "spring", clash.to_str().expect("path")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("line 1: already in a pool"),
        "{}",
        stderr(&out)
    );

    // Influencers: a quota reserves codes from the open lane at once.
    let added = ok(
        &data,
        &[
            "influencer",
            "add",
            "spring",
            "alice",
            "--name",
            "Alice",
            "--quota",
            "3",
        ],
    );
    assert!(added.contains("quota 3, 3 codes reserved now"), "{added}");
    ok(
        &data,
        &["influencer", "add", "spring", "bob", "--name", "Bob"],
    );
    let list = ok(&data, &["influencer", "list", "spring"]);
    assert!(list.contains("alice") && list.contains("bob"), "{list}");

    let generated = ok(&data, &["codes", "generate", "spring", "--count", "20"]);
    assert!(generated.contains("imported: 20"), "{generated}");

    let table = ok(&data, &["stats", "spring"]);
    assert!(table.contains("pool 28"), "{table}");
    assert!(
        table.contains("alice") && table.contains("conversion %"),
        "{table}"
    );
    let json = stats(&data, "spring");
    assert_eq!(json["claims"], 0);
    let alice = json["influencers"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["influencer"] == "alice")
        .cloned()
        .expect("alice");
    assert_eq!(alice["quota"], 3);
    assert_eq!(alice["remaining"], 3);

    assert!(ok(&data, &["campaign", "pause", "spring"]).contains("paused"));
    assert!(ok(&data, &["campaign", "resume", "spring"]).contains("active"));
    assert!(ok(&data, &["campaign", "end", "spring"]).contains("ended"));
    let out = promo(&data, &["campaign", "resume", "spring"]);
    assert!(!out.status.success(), "an ended campaign cannot resume");
    assert!(ok(&data, &["campaign", "show", "spring"]).contains("ended"));
}

#[test]
fn a_running_campaign_is_extended_renamed_and_refused_an_end_in_the_past() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    ok(
        &data,
        &[
            "campaign",
            "create",
            "spring",
            "--name",
            "Spring",
            "--product",
            "B0EXAMPLE1",
            "--discount",
            "20% off",
            "--days",
            "7",
            "--marketplace",
            "co.uk",
        ],
    );
    ok(&data, &["codes", "generate", "spring", "--count", "10"]);
    let shown = ok(&data, &["campaign", "show", "spring"]);
    assert!(
        shown.contains("https://www.amazon.co.uk/dp/B0EXAMPLE1"),
        "{shown}"
    );
    let before = stats(&data, "spring");
    let edited = ok(
        &data,
        &[
            "campaign",
            "edit",
            "spring",
            "--extend-days",
            "3",
            "--name",
            "Spring, longer",
        ],
    );
    assert!(edited.contains("Spring, longer"), "{edited}");
    assert!(
        edited.contains("10 available codes took the new dates"),
        "{edited}"
    );
    let past = promo(
        &data,
        &[
            "campaign",
            "edit",
            "spring",
            "--ends",
            "2020-01-01T00:00:00Z",
        ],
    );
    assert!(!past.status.success());
    assert!(
        stderr(&past).contains("must be after now"),
        "{}",
        stderr(&past)
    );
    let nothing = promo(&data, &["campaign", "edit", "spring"]);
    assert!(!nothing.status.success());
    assert!(
        stderr(&nothing).contains("nothing to change"),
        "{}",
        stderr(&nothing)
    );
    assert_eq!(stats(&data, "spring")["pool_size"], before["pool_size"]);
    // The total cap lowered: the 6 codes over it leave the pool; removed, they come back.
    let capped = ok(&data, &["campaign", "edit", "spring", "--cap", "4"]);
    assert!(capped.contains("6 codes moved for the cap"), "{capped}");
    assert_eq!(stats(&data, "spring")["issuable"], 4);
    let again = ok(&data, &["campaign", "edit", "spring", "--cap", "4"]);
    assert!(again.contains("0 codes moved for the cap"), "{again}");
    let zero = promo(&data, &["campaign", "edit", "spring", "--cap", "0"]);
    assert!(!zero.status.success());
    assert!(
        stderr(&zero).contains("invalid cap: must be at least 1 (leave it off with --no-cap)"),
        "{}",
        stderr(&zero)
    );
    let both = promo(
        &data,
        &["campaign", "edit", "spring", "--cap", "3", "--no-cap"],
    );
    assert!(!both.status.success(), "--cap and --no-cap conflict");
    let uncapped = ok(&data, &["campaign", "edit", "spring", "--no-cap"]);
    assert!(uncapped.contains("6 codes moved for the cap"), "{uncapped}");
    assert_eq!(stats(&data, "spring")["issuable"], 10);
    // A drip from tomorrow on: today's codes are released already and stay claimable.
    let dripped = ok(&data, &["campaign", "edit", "spring", "--drip", "2"]);
    assert!(
        dripped.contains(
            "0 unreleased codes took the new drip (codes already released stay claimable)"
        ),
        "{dripped}"
    );
    assert!(
        ok(&data, &["campaign", "show", "spring"]).contains("daily drip"),
        "shown"
    );
    let undripped = ok(&data, &["campaign", "edit", "spring", "--no-drip"]);
    assert!(undripped.contains("took the new drip"), "{undripped}");
    let bad_market = promo(
        &data,
        &[
            "campaign",
            "create",
            "autumn",
            "--name",
            "A",
            "--product",
            "B0EXAMPLE1",
            "--discount",
            "x",
            "--days",
            "7",
            "--marketplace",
            "ebay.com",
        ],
    );
    assert!(!bad_market.status.success());
}
