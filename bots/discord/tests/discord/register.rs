//! Command registration through serenity's HTTP client, against a fake Discord API.

use crate::common::discord::FakeDiscord;
use crate::common::{APP_ID, config};
use promo_discord::{DiscordApi, register_commands};
use secrecy::SecretString;
use std::time::Duration;

#[tokio::test]
async fn commands_are_bulk_overwritten_globally_or_in_one_guild() {
    let discord = FakeDiscord::start().await;
    let mut cfg = config(Some(&discord.url), Duration::from_secs(2));
    cfg.token = Some(SecretString::from("bot-token"));
    let api = DiscordApi::new(&cfg);

    let names = register_commands(api.http(), None)
        .await
        .expect("registered");
    assert_eq!(names, ["claim", "stats", "join", "claim-button"]);
    let names = register_commands(api.http(), Some(4242))
        .await
        .expect("registered");
    assert_eq!(names.len(), 4);

    let seen = discord.registrations();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].0, format!("/applications/{APP_ID}/commands"));
    assert_eq!(
        seen[1].0,
        format!("/applications/{APP_ID}/guilds/4242/commands")
    );
    let commands = seen[0].1.as_array().expect("a list");
    let seller = commands
        .iter()
        .find(|c| c["name"] == "claim-button")
        .expect("the seller command");
    assert_eq!(
        seller["default_member_permissions"], "32",
        "Manage Server only"
    );
    assert_eq!(seller["contexts"], serde_json::json!([0]), "servers only");
    let claim = commands
        .iter()
        .find(|c| c["name"] == "claim")
        .expect("claim");
    assert_eq!(claim["options"][0]["name"], "influencer");
    assert_eq!(claim["options"][0]["required"], false);
}
