//! The application commands the bot answers, and their registration (bulk overwrite).

use serde_json::{Value, json};
use serenity::model::id::GuildId;
use serenity::model::permissions::Permissions;

/// `/claim [influencer] [campaign]`: a follower claims a code. A typed influencer credits
/// them only where the campaign takes creator codes.
pub const CLAIM: &str = "claim";
/// `/stats`: an influencer's own numbers.
pub const STATS: &str = "stats";
/// `/join invite`: an influencer binds this Discord account to them with the seller's invite.
pub const JOIN: &str = "join";
/// The `invite` option of [`JOIN`].
pub const OPT_INVITE: &str = "invite";
/// `/claim-button campaign [influencer] [message]`: a seller posts a public claim button, in a
/// server the seller allowed.
pub const CLAIM_BUTTON: &str = "claim-button";
/// The `influencer` option.
pub const OPT_INFLUENCER: &str = "influencer";
/// The `campaign` option.
pub const OPT_CAMPAIGN: &str = "campaign";
/// The `message` option of [`CLAIM_BUTTON`].
pub const OPT_MESSAGE: &str = "message";
/// The permission that makes a member a seller here: Manage Server. It is the command's default
/// permission, and checked again on the member's permissions in each interaction.
pub const SELLER_PERMISSION: Permissions = Permissions::MANAGE_GUILD;

/// A string option of at most `max_length` characters. Written field by field as Discord's
/// API defines a string option: serenity's builder also sends the fields of other option
/// types (`min_value`, `channel_types`, `options`...), which a string option does not have.
fn text_option(name: &str, description: &str, required: bool, max_length: u16) -> Value {
    json!({
        "type": 3,
        "name": name,
        "description": description,
        "required": required,
        "max_length": max_length,
    })
}

/// Every command, as registered (the bodies of Discord's `ApplicationCommandUpdateRequest`).
pub fn definitions() -> Vec<Value> {
    vec![
        json!({
            "type": 1,
            "name": CLAIM,
            "description": "Get your promo code (only you will see it)",
            "options": [
                text_option(OPT_INFLUENCER, "A creator code, where the campaign takes them", false, 24),
                text_option(OPT_CAMPAIGN, "The campaign id", false, 24),
            ],
        }),
        json!({
            "type": 1,
            "name": STATS,
            "description": "Your influencer numbers (only you will see them)",
        }),
        json!({
            "type": 1,
            "name": JOIN,
            "description": "Creators: link this Discord account with the invite from the seller",
            "options": [
                text_option(OPT_INVITE, "The invite (inv_...) the seller sent you", true, 64),
            ],
        }),
        json!({
            "type": 1,
            "name": CLAIM_BUTTON,
            "description": "Post a claim button for a campaign in this channel",
            // Discord documents a permission bit set as a string.
            "default_member_permissions": SELLER_PERMISSION.bits().to_string(),
            // Servers only (`contexts` replaces the deprecated `dm_permission: false`).
            "contexts": [0],
            "options": [
                text_option(OPT_CAMPAIGN, "The campaign id", true, 24),
                text_option(OPT_INFLUENCER, "The influencer credited with claims from this button", false, 24),
                text_option(OPT_MESSAGE, "The text above the button", false, 1500),
            ],
        }),
    ]
}

/// Registers [`definitions`] through `http`, replacing every command the application had
/// (bulk overwrite): globally, or in one guild (instant, for testing a server). Returns the
/// registered commands' names.
pub async fn register_commands(
    http: &serenity::http::Http,
    guild: Option<u64>,
) -> Result<Vec<String>, serenity::Error> {
    let commands = match guild {
        Some(g) => {
            http.create_guild_commands(GuildId::new(g), &definitions())
                .await?
        }
        None => http.create_global_commands(&definitions()).await?,
    };
    Ok(commands.into_iter().map(|c| c.name).collect())
}
