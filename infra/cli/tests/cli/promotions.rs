//! One Amazon promotion per influencer, as a seller runs it: each influencer's own code file
//! (the Seller Central .zip as it comes, Excel's UTF-16 tab-separated text) imported with
//! `--influencer`, shared codes beside them, and the numbers per influencer.

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
}
