//! `promo discord setup` and `promo discord invite`: point the application's Interactions
//! Endpoint URL at this deployment through Discord's API (`PATCH /applications/@me`), register
//! the slash commands, and print the invite link with exactly the scopes and permissions the
//! bot uses.

use anyhow::{Context, bail};
use promo_api::routes::DISCORD_INTERACTIONS;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use std::time::Duration;

/// View Channel (`1 << 10`) and Send Messages (`1 << 11`): the stock alerts are posted to a
/// channel as the bot. Claims, buttons and `/stats` go through interactions, which need none.
pub const BOT_PERMISSIONS: u64 = (1 << 10) | (1 << 11);

/// The invite link: the `bot` scope (the alerts' channel messages) and
/// `applications.commands` (the slash commands), with [`BOT_PERMISSIONS`].
pub fn invite_url(app_id: u64) -> String {
    format!(
        "https://discord.com/oauth2/authorize?client_id={app_id}\
         &scope=bot%20applications.commands&permissions={BOT_PERMISSIONS}"
    )
}

/// The Interactions Endpoint URL for a public base URL (the stack's API URL, or the tunnel in
/// front of `promo serve`), as the route table builds every public URL; Discord takes at most
/// 2048 characters.
pub fn interactions_endpoint(base: &str) -> Result<reqwest::Url, String> {
    let url = DISCORD_INTERACTIONS.public_url(base)?;
    if url.as_str().len() > 2_048 {
        return Err("the URL is longer than Discord's 2048 characters".into());
    }
    Ok(url)
}

/// Sets the application's Interactions Endpoint URL. Discord checks the endpoint before it
/// accepts it (a signed PING that must be answered with a PONG), so this fails while the
/// endpoint is not up or holds another application's public key; the refusal is shown as
/// Discord words it, never with the token.
pub async fn set_interactions_endpoint(
    api_base: &str,
    token: &SecretString,
    endpoint: &reqwest::Url,
) -> anyhow::Result<()> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .context("building the HTTP client")?;
    let url = format!(
        "{}/api/v10/applications/@me",
        api_base.trim_end_matches('/')
    );
    let answer = http
        .patch(&url)
        .header("authorization", format!("Bot {}", token.expose_secret()))
        .json(&json!({ "interactions_endpoint_url": endpoint.as_str() }))
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("calling {url}: {}", e.without_url()))?;
    let status = answer.status();
    let body: Value = answer.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!(
            "Discord refused the Interactions Endpoint URL {endpoint} ({status}): {}",
            refusal(&body)
        );
    }
    if body["interactions_endpoint_url"].as_str() != Some(endpoint.as_str()) {
        bail!("Discord answered without the Interactions Endpoint URL {endpoint}");
    }
    Ok(())
}

/// Discord's reason: the message of each field error, else the top message.
fn refusal(body: &Value) -> String {
    let mut messages = Vec::new();
    field_errors(&body["errors"], &mut messages);
    if messages.is_empty()
        && let Some(m) = body["message"].as_str()
    {
        messages.push(m.to_owned());
    }
    if messages.is_empty() {
        return "no reason given".to_owned();
    }
    // Discord's text, bounded: it is shown, so it must stay a line or two.
    let text = messages.join("; ");
    text.chars().take(500).collect()
}

fn field_errors(errors: &Value, out: &mut Vec<String>) {
    match errors {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "_errors" {
                    for e in value.as_array().into_iter().flatten() {
                        if let Some(m) = e["message"].as_str() {
                            out.push(m.to_owned());
                        }
                    }
                } else {
                    field_errors(value, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| field_errors(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_endpoint_is_the_route_tables_url_within_discords_limit() {
        assert_eq!(
            interactions_endpoint("https://tunnel.example.com/prod/")
                .map(String::from)
                .as_deref(),
            Ok("https://tunnel.example.com/prod/discord/interactions")
        );
        assert!(interactions_endpoint("http://tunnel.example.com").is_err());
        let long = format!("https://tunnel.example.com/{}", "a".repeat(2_048));
        assert!(interactions_endpoint(&long).is_err());
    }

    #[test]
    fn the_invite_asks_for_the_two_scopes_and_two_permissions() {
        assert_eq!(
            invite_url(1234),
            "https://discord.com/oauth2/authorize?client_id=1234&scope=bot%20applications.commands&permissions=3072"
        );
    }

    #[test]
    fn a_refusal_names_discords_reasons() {
        let body = json!({"code": 50035, "message": "Invalid Form Body", "errors": {
            "interactions_endpoint_url": {"_errors": [{"code": "APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID",
                "message": "The specified interactions endpoint url could not be verified."}]}}});
        assert_eq!(
            refusal(&body),
            "The specified interactions endpoint url could not be verified."
        );
        assert_eq!(
            refusal(&json!({"message": "401: Unauthorized"})),
            "401: Unauthorized"
        );
        assert_eq!(refusal(&json!("<html>")), "no reason given");
    }

    proptest! {
        #[test]
        fn any_answer_gives_a_short_reason(body in any::<String>()) {
            let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
            prop_assert!(refusal(&value).chars().count() <= 500);
        }
    }
}
