//! `promo campaign create --platforms` and `promo campaign platforms`: where a campaign can be
//! claimed, and how a bot's rule narrows it when nothing is listed.

use crate::common::{ok, promo, stderr};

fn create(data: &std::path::Path, id: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "campaign",
        "create",
        id,
        "--name",
        "Spring",
        "--product",
        "B0001",
        "--discount",
        "20% off",
        "--days",
        "7",
    ];
    args.extend_from_slice(extra);
    ok(data, &args)
}

#[test]
fn a_campaign_lists_its_platforms_and_a_channel_rule_narrows_an_unlisted_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");

    let created = create(&data, "listed", &["--platforms", "telegram,web"]);
    assert!(
        created.contains("created campaign listed (active)"),
        "{created}"
    );
    assert!(
        created.contains("platforms: open on telegram, web (listed)"),
        "{created}"
    );
    let drafted = create(&data, "drafted", &["--platforms", "discord", "--draft"]);
    assert!(drafted.contains("(draft)"), "{drafted}");

    create(&data, "open", &[]);
    assert!(
        ok(&data, &["campaign", "show", "open"])
            .contains("platforms: open on every platform (no list, no rules)")
    );
    let gated = ok(
        &data,
        &[
            "telegram",
            "options",
            "--campaign",
            "open",
            "--require-channel",
            "@shop_news",
        ],
    );
    assert!(
        gated.contains("open: open on telegram only (no list: only the platforms with rules)"),
        "{gated}"
    );
    let widened = ok(
        &data,
        &[
            "campaign",
            "platforms",
            "open",
            "--open-on",
            "telegram,discord",
        ],
    );
    assert!(
        widened.contains("campaign open: open on discord, telegram (listed)"),
        "{widened}"
    );
    let unlisted = ok(&data, &["campaign", "platforms", "open", "--unlisted"]);
    assert!(unlisted.contains("open on telegram only"), "{unlisted}");

    // Refused: a platform that does not exist, an empty list, a campaign that does not.
    for args in [
        &["campaign", "platforms", "open", "--open-on", "fax"][..],
        &["campaign", "platforms", "open", "--open-on", ""][..],
        &["campaign", "platforms", "nope"][..],
    ] {
        let out = promo(&data, args);
        assert!(!out.status.success(), "{args:?}: {}", stderr(&out));
    }
    assert!(ok(&data, &["campaign", "show", "open"]).contains("open on telegram only"));
}
