//! The seller's Discord set-up on a data file: which servers may post claim buttons, for which
//! campaigns; creator codes per campaign; ids written one way only.

use crate::common::{ok, promo, stderr, stdout};
use promo_core::CampaignId;
use promo_discord::options::{self, AllowedGuild};
use promo_store::Store;
use std::path::Path;

fn setup(data: &Path) {
    for id in ["fall", "winter"] {
        ok(
            data,
            &[
                "campaign",
                "create",
                id,
                "--name",
                id,
                "--product",
                "B0001",
                "--discount",
                "15% off",
                "--days",
                "3",
            ],
        );
    }
    ok(
        data,
        &["influencer", "add", "fall", "alice", "--name", "Alice"],
    );
}

async fn allowed(data: &Path, guild: u64) -> Option<AllowedGuild> {
    let store = Store::embedded_file(data).await.expect("open");
    options::allowed_guild(&store, guild).await.expect("read")
}

fn cid(s: &str) -> CampaignId {
    CampaignId::parse(s).expect("id")
}

#[tokio::test]
async fn a_server_is_allowed_claim_buttons_for_the_campaigns_named_and_can_lose_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    setup(&data);
    let guild = "123456789012345678";
    let id: u64 = guild.parse().expect("id");

    let out = ok(
        &data,
        &["discord", "allow-guild", guild, "--campaign", "fall"],
    );
    assert!(out.contains("may post claim buttons for fall"), "{out}");
    let out = ok(
        &data,
        &["discord", "allow-guild", guild, "--campaign", "winter"],
    );
    assert!(out.contains("fall, winter"), "{out}");
    assert_eq!(
        allowed(&data, id).await.expect("allowed").campaigns,
        vec![cid("fall"), cid("winter")]
    );
    let listed = ok(&data, &["discord", "guilds"]);
    assert!(
        listed.contains(&format!("server {guild}: may post")),
        "{listed}"
    );

    let out = ok(
        &data,
        &[
            "discord",
            "allow-guild",
            guild,
            "--remove",
            "--campaign",
            "fall",
        ],
    );
    assert!(out.contains("for winter"), "{out}");
    let out = ok(&data, &["discord", "allow-guild", guild, "--remove"]);
    assert!(out.contains("may not post claim buttons"), "{out}");
    assert_eq!(allowed(&data, id).await, None);

    let out = ok(&data, &["discord", "allow-guild", guild, "--all-campaigns"]);
    assert!(out.contains("every campaign"), "{out}");
    assert!(
        allowed(&data, id)
            .await
            .expect("allowed")
            .allows(&cid("any"))
    );
}

#[tokio::test]
async fn allowing_a_server_needs_a_real_id_and_named_campaigns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    setup(&data);
    for (args, says) in [
        (vec!["discord", "allow-guild", "123"], "name the campaigns"),
        (
            vec!["discord", "allow-guild", "123", "--campaign", "nope"],
            "no campaign nope",
        ),
        (
            vec!["discord", "allow-guild", "0123", "--campaign", "fall"],
            "Discord id",
        ),
        (
            vec!["discord", "allow-guild", "+123", "--campaign", "fall"],
            "Discord id",
        ),
        (
            vec!["discord", "allow-guild", "0", "--campaign", "fall"],
            "Discord id",
        ),
        (
            vec!["discord", "allow-guild", "12a", "--campaign", "fall"],
            "Discord id",
        ),
        (
            vec![
                "discord",
                "map-guild",
                "--guild",
                "00123",
                "--campaign",
                "fall",
                "--influencer",
                "alice",
            ],
            "Discord id",
        ),
    ] {
        let out = promo(&data, &args);
        assert!(!out.status.success(), "{args:?}: {}", stdout(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    for guild in [123, 83] {
        assert_eq!(allowed(&data, guild).await, None);
    }
}

#[tokio::test]
async fn creator_codes_are_off_until_the_seller_turns_them_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("promo.db");
    setup(&data);
    let shown = ok(&data, &["discord", "options", "--campaign", "fall"]);
    assert!(!shown.contains("creator_codes"), "{shown}");
    let report = ok(&data, &["discord", "creator-claims", "--campaign", "fall"]);
    assert!(
        report.contains("creator codes are off; 0 claims"),
        "{report}"
    );

    let shown = ok(
        &data,
        &[
            "discord",
            "options",
            "--campaign",
            "fall",
            "--creator-codes",
            "on",
        ],
    );
    assert!(shown.contains("\"creator_codes\": true"), "{shown}");
    {
        let store = Store::embedded_file(&data).await.expect("open");
        let rules = options::campaign_options(&store, &cid("fall"))
            .await
            .expect("read");
        assert!(rules.creator_codes);
        let other = options::campaign_options(&store, &cid("winter"))
            .await
            .expect("read");
        assert!(!other.creator_codes, "per campaign");
    }
    let report = ok(&data, &["discord", "creator-claims", "--campaign", "fall"]);
    assert!(report.contains("creator codes are on"), "{report}");

    let shown = ok(
        &data,
        &[
            "discord",
            "options",
            "--campaign",
            "fall",
            "--creator-codes",
            "off",
        ],
    );
    assert!(!shown.contains("creator_codes"), "{shown}");
}
