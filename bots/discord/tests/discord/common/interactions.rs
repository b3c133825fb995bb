//! Interaction payloads shaped like Discord's.

use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};

/// Discord's epoch in Unix milliseconds.
const EPOCH_MS: i64 = 1_420_070_400_000;

/// A user created `days` ago (the snowflake encodes it).
pub fn user_aged(days: i64, n: u64) -> u64 {
    let created = promo_core::Timestamp::now().millis() - days * 86_400_000;
    (((created - EPOCH_MS) as u64) << 22) | (n & 0x3f_ffff)
}

/// An old account (three years), distinct per `n`.
pub fn user(n: u64) -> u64 {
    user_aged(3 * 365, n)
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A fresh interaction id.
pub fn next_id() -> u64 {
    user_aged(0, NEXT_ID.fetch_add(1, Ordering::Relaxed))
}

/// Where an interaction comes from.
#[derive(Clone, Debug, Default)]
pub struct From {
    pub user: u64,
    pub guild: Option<u64>,
    pub roles: Vec<u64>,
    /// The member's permissions bit set, as text.
    pub permissions: Option<String>,
    /// The user's client language (`locale`); `en-US` when `None`.
    pub locale: Option<String>,
}

impl From {
    pub fn dm(user: u64) -> Self {
        Self {
            user,
            ..Self::default()
        }
    }

    pub fn guild(user: u64, guild: u64) -> Self {
        Self {
            user,
            guild: Some(guild),
            permissions: Some("0".into()),
            ..Self::default()
        }
    }
}

fn user_json(id: u64) -> Value {
    json!({"id": id.to_string(), "username": format!("user{id}"), "discriminator": "0",
           "global_name": null, "avatar": null, "public_flags": 0, "flags": 0,
           "primary_guild": null, "banner": null, "accent_color": null})
}

fn envelope(id: u64, kind: u8, from: &From, data: Value) -> Value {
    let mut v = json!({
        "id": id.to_string(),
        "application_id": super::APP_ID.to_string(),
        "type": kind,
        "token": format!("token-{id}"),
        "version": 1,
        "data": data,
        "channel_id": "600000000000000001",
        "locale": from.locale.as_deref().unwrap_or("en-US"),
        "app_permissions": "0",
        "entitlements": [],
        "authorizing_integration_owners": {},
        "attachment_size_limit": 10_485_760,
    });
    match from.guild {
        Some(g) => {
            v["guild_id"] = json!(g.to_string());
            v["guild_locale"] = json!("en-US");
            v["context"] = json!(0);
            v["member"] = json!({
                "user": user_json(from.user),
                "roles": from.roles.iter().map(u64::to_string).collect::<Vec<_>>(),
                "joined_at": "2020-01-01T00:00:00.000000+00:00",
                "deaf": false, "mute": false, "flags": 0, "pending": false,
                "avatar": null, "banner": null, "nick": null, "premium_since": null,
                "communication_disabled_until": null,
                "permissions": from.permissions.clone().unwrap_or_else(|| "0".into()),
            });
        }
        None => {
            v["user"] = user_json(from.user);
            v["context"] = json!(1);
        }
    }
    v
}

pub fn ping() -> Value {
    recorded(
        json!({"id": next_id().to_string(), "application_id": super::APP_ID.to_string(),
                    "type": 1, "token": "ping-token", "version": 1}),
    )
}

/// Records an interaction as built here (before any test bends it) for the contract checks.
fn recorded(interaction: Value) -> Value {
    promo_testkit::contract::discord_interaction(&interaction);
    interaction
}

/// A slash command with string options.
pub fn command(name: &str, options: &[(&str, &str)], from: &From) -> Value {
    command_with_id(next_id(), name, options, from)
}

pub fn command_with_id(id: u64, name: &str, options: &[(&str, &str)], from: &From) -> Value {
    let options: Vec<Value> = options
        .iter()
        .map(|(n, v)| json!({"name": n, "type": 3, "value": v}))
        .collect();
    recorded(envelope(
        id,
        2,
        from,
        json!({"id": "700000000000000001", "name": name, "type": 1, "options": options}),
    ))
}

/// A button click on the bot's public message.
pub fn button(custom_id: &str, from: &From) -> Value {
    let mut v = envelope(
        next_id(),
        3,
        from,
        json!({"custom_id": custom_id, "component_type": 2}),
    );
    v["message"] = json!({
        "id": "800000000000000001", "channel_id": "600000000000000001",
        "author": user_json(super::APP_ID), "content": "Get your code", "timestamp": "2025-01-01T00:00:00.000000+00:00",
        "edited_timestamp": null, "tts": false, "mention_everyone": false, "mentions": [],
        "mention_roles": [], "attachments": [], "embeds": [], "pinned": false, "type": 0,
        "components": [], "flags": 0
    });
    recorded(v)
}
